"""Lyrics as a composer types them, split into phrases, words and stressed syllables (no Qt, no models).

``parse_lyrics(text)`` gives the syllables to set (``Lyrics``); ``word_stresses(word, n)`` the lexical
stress of a word cut into n syllables (for data sets); ``note_lyrics`` / ``syllables_from_notes`` go
between syllables and the lyrics that notes carry.
"""

from melodystudio.lyrics.align import note_lyrics, syllables_from_notes, syllables_from_words
from melodystudio.lyrics.parse import MAX_PHRASE_SYLLABLES, Lyrics, Phrase, Word, parse_lyrics
from melodystudio.lyrics.pronounce import word_stresses
from melodystudio.lyrics.syllables import Stress, Syllable, WordPosition

__all__ = [
    "MAX_PHRASE_SYLLABLES",
    "Lyrics",
    "Phrase",
    "Stress",
    "Syllable",
    "Word",
    "WordPosition",
    "note_lyrics",
    "parse_lyrics",
    "syllables_from_notes",
    "syllables_from_words",
    "word_stresses",
]
