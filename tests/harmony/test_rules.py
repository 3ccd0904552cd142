"""The rule-based harmonizer on hand-made melodies."""

from __future__ import annotations

import numpy as np

from melodystudio.core import PPQ, KeySignature, Note, Song, TimeSignature
from melodystudio.harmony.rules import KK_MINOR, estimate_key, harmonize_rules, key_of_profile, key_prior
from melodystudio.harmony.segments import segments
from melodystudio.harmony.vocabulary import label_class

Q = PPQ


def scale_over_i_iv_v(key: bool = True) -> Song:
    """C major scale fragments, one bar each: C-D-E over I, F-G-A over IV, G-A-B over V, then C."""
    bars = [(60, 62, 64), (65, 67, 69), (67, 69, 71)]
    notes = []
    for b, (a, c, d) in enumerate(bars):
        notes += [Note(4 * b * Q, 2 * Q, a), Note(4 * b * Q + 2 * Q, Q, c), Note(4 * b * Q + 3 * Q, Q, d)]
    notes.append(Note(12 * Q, 4 * Q, 72))
    return Song(keys=[KeySignature(0, "C")] if key else [], notes=notes)


def test_scale_fragments_get_i_iv_v_i() -> None:
    song = scale_over_i_iv_v()
    want = [label_class(x) for x in ("C", "F", "G", "C")]
    assert harmonize_rules(song, segments(song, "bar"), rich=True).tolist() == want
    assert harmonize_rules(song, segments(song, "bar"), rich=False).tolist() == want


def test_without_a_key_signature_the_key_is_estimated() -> None:
    song = scale_over_i_iv_v(key=False)
    assert estimate_key(song.notes) == (0, "major")
    assert harmonize_rules(song, segments(song, "bar")).tolist() == [label_class(x) for x in ("C", "F", "G", "C")]


def test_key_of_a_profile_and_of_no_profile() -> None:
    assert key_of_profile(np.roll(KK_MINOR, 9)) == (9, "minor")  # the A minor profile itself
    assert key_of_profile(np.zeros(12)) == (0, "major")  # silence: no key, the default
    assert key_of_profile(np.full(12, 3.0)) == (0, "major")  # all twelve alike: no key either
    # D dorian-ish tune weighted to D, F, A: D minor
    assert estimate_key([Note(0, 2 * Q, 62), Note(2 * Q, Q, 65), Note(3 * Q, Q, 69), Note(4 * Q, 4 * Q, 62)]) == \
        (2, "minor")


def test_silence_and_ties_hold_the_previous_chord() -> None:
    # A minor, 3/4: A-C-E, then a bar of rest, then a lone E (Am, C, Em, E7 ... all hold E): hold Am
    song = Song(time_signatures=[TimeSignature(0, 3, 4)], keys=[KeySignature(0, "A", "minor")],
                notes=[Note(0, Q, 69), Note(Q, Q, 72), Note(2 * Q, Q, 76), Note(6 * Q, 3 * Q, 76)])
    assert harmonize_rules(song, segments(song, "bar"), rich=False).tolist() == [label_class("Am")] * 3


def test_key_prior_prefers_diatonic_and_primary_chords() -> None:
    prior = key_prior(0, "major")
    assert prior[label_class("C")] > prior[label_class("Am")] > prior[label_class("Ab")] == 0
    minor = key_prior(9, "minor")
    assert minor[label_class("E")] > minor[label_class("G#dim")] > 0  # raised seventh admitted
