"""Reading and writing songs: MIDI (mido), MusicXML and ABC (music21), the .mstudio project file.

``load_song`` and ``save_song`` choose the format from the file name; each format module reads
into plain records first and builds the ``Song`` last (see ../shared/docs/style.md).
"""

from melodystudio.io.formats import FORMATS, load_song, save_song, writable_extensions
from melodystudio.io.report import ImportReport

__all__ = ["FORMATS", "ImportReport", "load_song", "save_song", "writable_extensions"]
