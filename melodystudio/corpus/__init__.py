"""The pre-training corpus: every melody source parsed once into one cached, deduplicated npz.

Sources (``records.SOURCES``): the music21 ABC folk collections (Essen, Ryan's, O'Neill's, Aird's),
the Bach chorale sopranos, POP909 melodies and the lyrics_melody pairs. Readers yield
``CorpusTune``; ``build`` encodes, deduplicates and writes; ``dataset.load_corpus`` reads it back.
Splits are fixed by content hashes or by the source's own field (``splits``).
"""

from melodystudio.corpus.dataset import Corpus, load_corpus
from melodystudio.corpus.records import SOURCES, CorpusTune, ParseFailure
from melodystudio.corpus.sources import iter_source
from melodystudio.corpus.splits import SPLITS

__all__ = ["SOURCES", "SPLITS", "Corpus", "CorpusTune", "ParseFailure", "iter_source", "load_corpus"]
