"""MusicXML files (.musicxml and .xml uncompressed, .mxl compressed) through music21.

Reading parses the XML ourselves first (so garbage and broken archives give a clear message),
copies the lyric facts music21 ignores (``<extend>``, ``<end-line>``) into tags it keeps (see
``m21_lyrics``), then lets music21 build the score and ``music21_bridge`` turn it into a Song.

Writing builds a score with ``music21_export``, lets music21 write it, and turns the lyric tags
back into ``<extend>`` / ``<end-line>`` elements. Phrases are encoded as lyric lines: the syllable
before each phrase start carries ``<end-line/>``; the song's first syllable always starts a phrase.
Files are replaced atomically. The GM program is not stored (it defaults on reading).
"""

from __future__ import annotations

import html
import io
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from pathlib import Path

from music21.musicxml import m21ToXml, xmlToM21

from melodystudio.core.errors import FileFormatError, MelodyStudioError
from melodystudio.core.song import Song
from melodystudio.io.atomic import write_atomically
from melodystudio.io.m21_lyrics import END_LINE, EXTEND, HELD, LAST, TAG_PREFIX, flags_of, tag
from melodystudio.io.music21_bridge import build_song, records_from_score
from melodystudio.io.music21_export import score_from_song
from melodystudio.io.notation_grid import snapped_for_notation
from melodystudio.io.report import ImportReport

MAX_XML_BYTES = 64 * 1024 * 1024  # a lead sheet is well under 1 MB; refuse zip bombs
CONTAINER_PATH = "META-INF/container.xml"
MXL_MIMETYPE = "application/vnd.recordare.musicxml"
_CONTAINER = ('<?xml version="1.0" encoding="UTF-8"?>\n<container><rootfiles>'
              '<rootfile full-path="score.musicxml" media-type="application/vnd.recordare.musicxml+xml"/>'
              "</rootfiles></container>\n")


def read_musicxml(path: Path, *, part: int | None = None) -> tuple[Song, ImportReport]:
    """Read a score; ``part`` (0-based) picks the melody part instead of the default rule."""
    report = ImportReport(source=path.name)
    root = _read_root(path)
    _tag_lyric_marks(root)
    try:
        score = xmlToM21.MusicXMLImporter().xmlRootToScore(root)
        records = records_from_score(score, report, part=part, source=path.name)
    except MelodyStudioError:
        raise
    except Exception as e:  # music21 raises anything from KeyError to its own exceptions on odd files
        raise FileFormatError(f"{path.name}: cannot read MusicXML ({_one_line(e)})") from None
    return build_song(records, path.name), report


def write_musicxml(song: Song, path: Path) -> None:
    """Write ``song``; .mxl gets a compressed archive, any other name plain MusicXML.

    Notes off the notation grid (``notation_grid``) are snapped to it first; callers that want to
    tell the user ask ``notation_grid.off_grid_notes`` beforehand. Notes and rests that no single
    written value can spell go out as tied notes and consecutive rests (``note_values``), so every
    song on the grid reads back with the same notes."""
    try:
        # music21's full makeNotation (beams, stems, a deep copy) costs seconds per thousand notes;
        # the score is already laid out, so the exporter only has to write it.
        exporter = m21ToXml.ScoreExporter(score_from_song(snapped_for_notation(song)), makeNotation=False)
        exporter.parse()
        xml = exporter.asBytes()
    except Exception as e:  # e.g. a duration MusicXML cannot notate
        raise FileFormatError(f"{path.name}: cannot write MusicXML ({_one_line(e)})") from None
    xml = _finish_xml(xml)
    write_atomically(path, _zip(xml) if path.suffix.lower() == ".mxl" else xml)


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text[:200]


# -- reading -----------------------------------------------------------------------------------
def _read_root(path: Path) -> ET.Element:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise FileFormatError(f"{path.name}: cannot read ({e.strerror or e})") from None
    if path.suffix.lower() == ".mxl" or data[:4] == b"PK\x03\x04":
        data = _unzip(data, path.name)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise FileFormatError(f"{path.name}: not valid MusicXML ({e})") from None
    if root.tag == "score-timewise":
        raise FileFormatError(f"{path.name}: timewise MusicXML is not supported (save it as partwise)")
    if root.tag != "score-partwise":
        raise FileFormatError(f"{path.name}: not a MusicXML score (its root element is <{root.tag}>)")
    if root.find("part") is None:
        raise FileFormatError(f"{path.name}: the score has no parts")
    return root


def _unzip(data: bytes, name: str) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            inner = _rootfile(z, name)
            if z.getinfo(inner).file_size > MAX_XML_BYTES:
                raise FileFormatError(f"{name}: the score inside the archive is too large")
            return z.read(inner)
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, NotImplementedError) as e:
        raise FileFormatError(f"{name}: not a readable .mxl archive ({_one_line(e)})") from None


def _rootfile(z: zipfile.ZipFile, name: str) -> str:
    """The score inside an .mxl archive.

    The first rootfile that META-INF/container.xml names and the archive holds. When the container
    is missing or names nothing usable, the archive's only MusicXML file (outside META-INF). Some
    programs write a container that is not well-formed XML (an apostrophe in the score's name inside
    a single-quoted attribute); its ``full-path`` attributes are still found in the raw text, so of
    several MusicXML files the one it names is read. Several files and none named: an error.
    """
    names = z.namelist()
    scores = [n for n in names if n.lower().endswith((".xml", ".musicxml")) and not n.startswith("META-INF/")]
    for full_path in _container_paths(z, name, scores):
        if full_path in names:
            return full_path
    if len(scores) == 1:
        return scores[0]
    if not scores:
        raise FileFormatError(f"{name}: the archive holds no MusicXML score")
    listed = ", ".join(scores[:4]) + (", ..." if len(scores) > 4 else "")
    raise FileFormatError(f"{name}: the archive holds {len(scores)} MusicXML files ({listed}) and its "
                          "META-INF/container.xml does not say which one is the score")


def _container_paths(z: zipfile.ZipFile, name: str, scores: list[str]) -> list[str]:
    """The rootfile paths the container names, in order; [] without a container."""
    if CONTAINER_PATH not in z.namelist():
        return []
    if z.getinfo(CONTAINER_PATH).file_size > MAX_XML_BYTES:
        raise FileFormatError(f"{name}: the archive's META-INF/container.xml is too large")
    raw = z.read(CONTAINER_PATH)
    try:
        return [p for r in ET.fromstring(raw).iter("rootfile") if (p := r.get("full-path")) is not None]
    except ET.ParseError:
        pass
    # Not XML: which of the archive's scores stands quoted after a full-path= (longest name first,
    # so that "a.xml" does not match the start of "a.xml's copy.xml")
    text = html.unescape(raw.decode("utf-8", "replace"))
    found: list[str] = []
    for attr in re.finditer(r"full-path\s*=\s*([\"'])", text):
        after = text[attr.end():]
        quote = attr.group(1)
        match = next((s for s in sorted(scores, key=len, reverse=True) if after.startswith(s + quote)), None)
        if match is not None:
            found.append(match)
    return found


def _tag_lyric_marks(root: ET.Element) -> None:
    """Copy <extend> and <end-line> into each lyric's name attribute, which music21 keeps."""
    for lyric in root.iter("lyric"):
        flags = []
        extend = lyric.find("extend")
        text = "".join(t.text or "" for t in lyric.findall("text")).strip()
        if extend is not None and not text:
            flags.append(HELD)
            placeholder = ET.Element("text")  # music21 ignores a lyric's attributes when it has no text
            placeholder.text = "_"
            lyric.insert(0, placeholder)
        elif extend is not None and extend.get("type", "start") != "stop":
            flags.append(EXTEND)
        if lyric.find("end-line") is not None:
            flags.append(END_LINE)
        label = tag(flags)
        if label is not None:
            lyric.set("name", label)
        elif lyric.get("name", "").startswith(TAG_PREFIX):
            del lyric.attrib["name"]


# -- writing -----------------------------------------------------------------------------------
def _finish_xml(xml: bytes) -> bytes:
    """Turn lyric tags into MusicXML elements and drop music21's placeholder composer."""
    cut = xml.find(b"<score-partwise")
    prolog = xml[:cut].decode("utf-8") if cut > 0 else '<?xml version="1.0" encoding="UTF-8"?>\n'
    root = ET.fromstring(xml)
    for lyric in root.iter("lyric"):
        _untag_lyric(lyric)
    identification = root.find("identification")
    if identification is not None:
        for creator in identification.findall("creator"):
            identification.remove(creator)
    ET.indent(root, space="  ")
    return (prolog + ET.tostring(root, encoding="unicode") + "\n").encode("utf-8")


def _untag_lyric(lyric: ET.Element) -> None:
    flags = flags_of(lyric.attrib.pop("name", None))  # music21 also names untagged lyrics by number
    if HELD in flags:
        for child in list(lyric):
            lyric.remove(child)
        ET.SubElement(lyric, "extend", type="stop" if LAST in flags else "continue")
    elif EXTEND in flags:
        ET.SubElement(lyric, "extend", type="start")
    if END_LINE in flags:
        ET.SubElement(lyric, "end-line")


def _zip(xml: bytes) -> bytes:
    """A compressed .mxl: the mimetype first and stored, then the container and the score."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), MXL_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        z.writestr(zipfile.ZipInfo("META-INF/container.xml"), _CONTAINER, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr(zipfile.ZipInfo("score.musicxml"), xml, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()
