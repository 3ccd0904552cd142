"""Typed lyrics to syllables to notes: the pure splitter and the editor's one-step apply."""

from __future__ import annotations

import pytest

from melodystudio.core import PPQ, Lyric, MelodyStudioError, Note, Song, Syllabic
from melodystudio.gui.lyric_assign import assign_lyrics, lyrics_to_text, preview, read_lyrics, split_lyrics
from melodystudio.gui.main_window import MainWindow
from tests.conftest import twinkle

Q = PPQ
S, B, M, E = Syllabic.SINGLE, Syllabic.BEGIN, Syllabic.MIDDLE, Syllabic.END


def shape(lyrics: list[Lyric]) -> list[tuple[str, Syllabic, bool, bool]]:
    return [(ly.text, ly.syllabic, ly.phrase_start, ly.melisma) for ly in lyrics]


def test_hyphens_split_words_and_lines_start_phrases() -> None:
    assert shape(split_lyrics("Twin-kle lit-tle star\nup a-bove")) == [
        ("Twin", B, True, False), ("kle", E, False, False), ("lit", B, False, False), ("tle", E, False, False),
        ("star", S, False, False), ("up", S, True, False), ("a", B, False, False), ("bove", E, False, False)]


def test_underscores_are_melisma_notes() -> None:
    assert shape(split_lyrics("won_-der are__")) == [
        ("won", B, True, False), ("", S, False, True), ("der", E, False, False),
        ("are", S, False, False), ("", S, False, True), ("", S, False, True)]


def test_three_syllable_words_and_spaced_hyphens() -> None:
    assert [ly.syllabic for ly in split_lyrics("beau-ti-ful")] == [B, M, E]
    assert [ly.syllabic for ly in split_lyrics("Twin- kle a -- way")] == [B, E, B, E]


def test_blank_lines_and_extra_spaces_are_ignored() -> None:
    assert [ly.text for ly in split_lyrics("\n  la   la \n\n")] == ["la", "la"]


def test_a_syllable_too_long_for_the_model_is_an_error() -> None:
    with pytest.raises(MelodyStudioError, match="longer than"):
        split_lyrics("a" * 80)


def test_text_written_from_a_song_splits_back_to_the_same_syllables() -> None:
    song = twinkle()
    text = lyrics_to_text(song.notes)
    assert text == "Twin-kle twin-kle lit-tle star\nHow I won_-der"
    assert split_lyrics(text) == [n.lyric for n in song.notes]


def test_assignment_reports_what_did_not_fit() -> None:
    notes = [Note(i * Q, Q, 60) for i in range(3)]
    outcome = assign_lyrics(notes, split_lyrics("one two"))
    assert [ly.text if ly else None for _, ly in outcome.pairs] == ["one", "two", None]
    assert (outcome.leftover_syllables, outcome.notes_without_lyric) == (0, 1)
    assert assign_lyrics(notes[:1], split_lyrics("one two")).leftover_syllables == 1


def test_preview_marks_phrases_and_melismas() -> None:
    assert preview(split_lyrics("Twin-kle_\nstar")) == "Twin- kle _ / star"


def test_apply_to_notes_is_one_undo_step(window: MainWindow) -> None:
    doc, editor = window.document, window.lyric_editor
    doc.replace_song(Song(notes=[Note(i * Q, Q, 60 + i) for i in range(4)]))
    editor.text.setPlainText("Hel-lo_ world")
    assert "4 syllables for 4 notes" in editor.preview.text()
    assert editor.apply()
    assert [n.lyric.text if n.lyric else None for n in doc.song.notes] == ["Hel", "lo", "", "world"]
    assert doc.song.lyric_text() == "Hello world"
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert all(n.lyric is None for n in doc.song.notes)


def test_apply_from_the_selected_note(window: MainWindow) -> None:
    doc, editor = window.document, window.lyric_editor
    doc.replace_song(Song(notes=[Note(i * Q, Q, 60) for i in range(4)]))
    window.roll.scene.select([2 * Q])
    editor.text.setPlainText("la la")
    assert editor.apply()
    assert [n.lyric.text if n.lyric else None for n in doc.song.notes] == [None, None, "la", "la"]


def test_too_many_syllables_are_flagged_in_the_preview(window: MainWindow) -> None:
    window.document.replace_song(Song(notes=[Note(0, Q, 60)]))
    window.lyric_editor.text.setPlainText("one two three")
    assert "2 syllables have no note" in window.lyric_editor.preview.text()


def test_opening_a_song_loads_its_lyrics_into_the_editor(window: MainWindow) -> None:
    window.document.replace_song(twinkle())
    assert window.lyric_editor.text.toPlainText() == "Twin-kle twin-kle lit-tle star\nHow I won_-der"


def test_lyrics_the_dictionary_would_split_differently_are_flagged(window: MainWindow) -> None:
    notes = [Note(0, Q, 60, lyric=Lyric("Ev", Syllabic.BEGIN, phrase_start=True)),
             Note(Q, Q, 62, lyric=Lyric("ery", Syllabic.END)), Note(2 * Q, Q, 64, lyric=Lyric("heaven"))]
    window.document.replace_song(Song(notes=notes))  # "ev-ery heaven": 3 notes, the dictionary says 5
    editor = window.lyric_editor
    assert editor.text.toPlainText() == "Ev-ery heaven"
    assert "The song sings 3 syllables, but this text splits into 4" in editor.preview.text()
    editor.text.setPlainText("Ev-ery heav-en")  # typed as sung: no warning
    assert "The song sings" not in editor.preview.text()
    assert "4 syllables for 3 notes" in editor.preview.text()


def test_english_words_are_split_by_the_dictionary_and_keep_their_punctuation() -> None:
    assert shape(split_lyrics("Twinkle, little star!")) == [
        ("Twin", B, True, False), ("kle,", E, False, False), ("lit", B, False, False), ("tle", E, False, False),
        ("star!", S, False, False)]


def test_text_that_is_not_english_is_split_only_at_hyphens() -> None:
    parsed = read_lyrics("我爱你 我-爱你")
    assert parsed.parsed is None and [ly.text for ly in parsed.lyrics] == ["我爱你", "我", "爱你"]
    assert parsed.warnings[0].startswith("the lyrics do not look like English")
    assert parsed.warnings[0].endswith("; split only where hyphens are typed")
