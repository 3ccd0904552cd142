"""The melody engine: inpaint bars, continue a tune, set syllables, score a tune, with the exported MelodyGLM.

    engine = MelodyEngine.load()                      # models/melody, CUDA when available
    job = engine.inpaint(song, 4, 7, GenerationOptions(variations=4, seed=7))
    variations = run_to_end(job)                      # or drive it from a worker, close() to cancel
    chosen = variations[0]                            # engine.provider says "CPU" or "CUDA"
    song.replace_bars(chosen.first_bar, chosen.last_bar, chosen.notes)
    job = engine.lyrics(song, 0, 3, syllables)        # one note per syllable, each carrying its Lyric

A conditioned model (``supports_chords`` / ``supports_lyrics``) hears the song's chord track in
every request (unless ``GenerationOptions.use_chords`` is off) and the syllables of a lyrics request.

A request is checked when the job is made (bad bars, impossible pitch range, missing key: a
MelodyStudioError right away); the returned generator then encodes the window's part A once,
tiles the cache to the N variations and decodes them as one batch, yielding Progress after each
step. See ``context`` for the window, ``constraints`` for what is enforced while sampling.
"""

from __future__ import annotations

import os
import secrets
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import onnxruntime as ort

from melodystudio.core import Lyric, Note, Song
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.progress import Job
from melodystudio.engine import context, long_lyrics
from melodystudio.engine.api import GenerationOptions, NoteSurprisal, ScoreResult, Variation
from melodystudio.engine.constraints import BAR_S, DUR_S, PITCH_S, POS_S, Rules
from melodystudio.engine.context import Limits, Prompt
from melodystudio.engine.decode import Sampled, generate, score_tokens
from melodystudio.engine.degree_prior import DEGREE_PRIOR_FILE, DegreePrior
from melodystudio.engine.model_files import FIX_HINT, ModelFiles, checked_file, locate_model, shown
from melodystudio.engine.request_conditions import (
    RequestConditions,
    chord_track,
    part_a_conditions,
    phrase_ends,
    syllable_lyrics,
    syllable_rows,
)
from melodystudio.engine.runtime import Decoder, graph_inputs, make_session, provider_label, resolve_provider
from melodystudio.engine.stress_prior import PRIOR_FILE, StressPrior
from melodystudio.lyrics.syllables import Syllable
from melodystudio.tokens import CompoundTokenizer, glm
from melodystudio.tokens.compound import BAR, POS
from melodystudio.tokens.heads import CASCADE, CascadeHeads

BITS_PER_NAT = 1 / np.log(2)
MIN_SYLLABLE_UNITS = 3  # grid units each syllable still to come is kept room for: a sixteenth


class MelodyEngine:
    """Sessions and head weights of one model, loaded once; every request makes its own job."""

    def __init__(self, files: ModelFiles, encode: ort.InferenceSession, step: ort.InferenceSession,
                 heads: CascadeHeads, stress_prior: StressPrior | None = None,
                 degree_prior: DegreePrior | None = None) -> None:
        self.files = files
        self.stress_prior = stress_prior  # weighs where a lyric's syllables start (None: the model alone)
        self.degree_prior = degree_prior  # weighs the scale degrees of a lyric's notes (None: the model alone)
        self._encode, self._step = encode, step
        self.heads = heads
        self.tokenizer = CompoundTokenizer(files.tokenizer)
        self.provider = provider_label(step)
        self.limits = Limits(files.tokenizer.max_bars - 1, files.max_pos1 - 2, files.max_pos2 - 2, files.window_notes)

    @staticmethod
    def load(model_dir: str | os.PathLike[str] | None = None, provider: str = "auto", threads: int | None = None,
             int8: bool = False) -> MelodyEngine:
        """Check and load a model (see ``model_files`` for where it is looked for); ``provider`` is
        'auto', 'cpu' or 'cuda'; ``int8`` loads the quantised graphs."""
        device = resolve_provider(provider)
        files = locate_model(model_dir, int8=int8)
        encode = make_session(files.encode, device, threads)
        step = make_session(files.step, device, threads)
        if device == "cuda" and provider_label(step) != "CUDA" and provider.strip().lower() == "cuda":
            raise MelodyStudioError("the CUDA provider could not start (are the CUDA 13 and cuDNN 9 libraries "
                                    "installed?); use provider 'cpu' or 'auto'")
        expected = graph_inputs(files.n_kv, files.conditioned)
        for name, session in (("encode", encode), ("step", step)):
            if [i.name for i in session.get_inputs()] != expected[name]:
                raise MelodyStudioError(f"model file {shown(getattr(files, name))} is not a MelodyStudio {name} "
                                        f"graph (unexpected inputs); {FIX_HINT}")
        listed = files.manifest["files"]
        prior = StressPrior.load(checked_file(files.directory, PRIOR_FILE, files.manifest)) \
            if PRIOR_FILE in listed else None
        degrees = DegreePrior.load(checked_file(files.directory, DEGREE_PRIOR_FILE, files.manifest)) \
            if DEGREE_PRIOR_FILE in listed else None
        return MelodyEngine(files, encode, step, _load_heads(files), prior, degrees)

    @property
    def model_dir(self) -> Path:
        return self.files.directory

    @property
    def supports_chords(self) -> bool:
        """The model hears the song's chord track (a conditioned model)."""
        return self.files.conditioned

    @property
    def supports_lyrics(self) -> bool:
        """The model sets syllables with their stress and word / phrase alignment (a conditioned model)."""
        return self.files.conditioned

    @property
    def threads(self) -> int:
        """onnxruntime intra-op threads of the step graph."""
        return int(self._step.get_session_options().intra_op_num_threads)

    # -- requests ------------------------------------------------------------------------------
    def inpaint(self, song: Song, first_bar: int, last_bar: int,
                options: GenerationOptions | None = None) -> Job[list[Variation]]:
        """Regenerate song bars first_bar..last_bar (0-based, inclusive). The bars must lie within
        the song; a song without notes may be filled anywhere (composition from scratch)."""
        prompt = context.inpaint_prompt(song, first_bar, last_bar, self.tokenizer, self.limits)
        return self._variations(song, prompt, options or GenerationOptions())

    def continuation(self, song: Song, n_bars: int, options: GenerationOptions | None = None) -> Job[list[Variation]]:
        """Fill the ``n_bars`` bars after the bar of the song's last note (the song needs a note)."""
        if options is not None and options.keep_rhythm:
            raise MelodyStudioError("keep rhythm needs existing notes to keep: it works with inpaint, not continue")
        prompt = context.continuation_prompt(song, n_bars, self.tokenizer, self.limits)
        return self._variations(song, prompt, options or GenerationOptions())

    def lyrics(self, song: Song, first_bar: int, last_bar: int, syllables: Sequence[Syllable],
               options: GenerationOptions | None = None, use_lyrics: bool = True) -> Job[list[Variation]]:
        """Set ``syllables`` to new notes in song bars first_bar..last_bar (0-based, inclusive): exactly
        one note per syllable, each carrying its Lyric (a lyric longer than one blank is set a group
        of lines at a time, ``long_lyrics``). With ``keep_rhythm`` the bars' own notes keep their
        rhythm and get new pitches, one syllable each (their number must match). ``use_lyrics`` False
        hides the syllables from the model (the same count rule: a baseline, and what an unconditioned
        model does)."""
        options = options or GenerationOptions()
        if not syllables:
            raise MelodyStudioError("there are no syllables to set")
        if options.keep_rhythm:  # new pitches on the selection's own notes, one syllable each
            context.check_bars(song, first_bar, last_bar)
            held = len(song.notes_between(*song.bar_range_ticks(first_bar, last_bar)))
            if held != len(syllables):
                raise MelodyStudioError(f"keep rhythm puts one syllable on each note of bars {first_bar + 1}-"
                                        f"{last_bar + 1}, which hold {held} notes for {len(syllables)} syllables "
                                        "(turn keep rhythm off for a new rhythm)")
            return self._lyric_group(song, first_bar, last_bar, syllables, options, use_lyrics)
        if len(syllables) <= self.limits.max_notes:
            return self._lyric_group(song, first_bar, last_bar, syllables, options, use_lyrics)
        context.check_bars(song, first_bar, last_bar)
        return long_lyrics.set_in_groups(  # more than one blank holds: a group of lines at a time
            song, first_bar, last_bar, syllables, options, self.limits, MIN_SYLLABLE_UNITS * self.files.tokenizer.grid,
            lambda s, b0, b1, group, o: self._lyric_group(s, b0, b1, group, o, use_lyrics, past_end=True))

    def _lyric_group(self, song: Song, first_bar: int, last_bar: int, syllables: Sequence[Syllable],
                     options: GenerationOptions, use_lyrics: bool, past_end: bool = False) -> Job[list[Variation]]:
        """At most ``limits.max_notes`` syllables in one blank."""
        prompt = context.inpaint_prompt(song, first_bar, last_bar, self.tokenizer, self.limits, past_end,
                                        blank_notes=len(syllables))
        rows = syllable_rows(syllables) if use_lyrics and self.supports_lyrics else None
        return self._variations(song, prompt, options, syllables, rows)

    def score(self, song: Song) -> Job[ScoreResult]:
        """Surprisal of every note, computed left to right: the first window's part A is BOS + one
        MASK covering the whole window and part B is the notes, so each note is conditioned on all
        the notes before it (and on nothing after it). A song longer than one window (``limits``)
        goes on in windows that continue it: part A holds up to half a window of the notes before
        (whole bars) and one MASK, part B the notes from there, so no note is scored from a cold
        start (``context.score_windows``)."""
        if not song.notes:
            raise MelodyStudioError("the song has no notes to score")
        windows = context.score_windows(song, self.tokenizer, self.limits)
        return self._score(song.notes, windows)

    # -- jobs ----------------------------------------------------------------------------------
    def decoder(self) -> Decoder:
        """A fresh KV cache over the loaded sessions (one per job; jobs may run side by side)."""
        return Decoder.for_sessions(self._encode, self._step)

    def _variations(self, song: Song, prompt: Prompt, options: GenerationOptions,
                    syllables: Sequence[Syllable] | None = None,
                    lyric_rows: np.ndarray | None = None) -> Job[list[Variation]]:
        tl = song.timeline
        meters = [(ts.numerator, ts.denominator) for ts in
                  (tl.signature_at_bar(prompt.window_bar + b) for b in range(len(prompt.bar_starts) - 1))]
        rules = Rules(prompt, meters, song.keys, self.files.tokenizer, self.heads.sizes, options,
                      self.limits.max_notes, None if syllables is None else len(syllables),
                      MIN_SYLLABLE_UNITS * self.files.tokenizer.grid)
        if syllables is not None and lyric_rows is not None and self.stress_prior is not None:
            rules.hear_stress(self.stress_prior, [0 if s.melisma else int(s.stress) for s in syllables])
        if syllables is not None and lyric_rows is not None:
            ends = phrase_ends(syllables)
            rules.breathe(ends, options.phrase_breath_used)
            if self.degree_prior is not None:
                rules.hear_degrees(self.degree_prior, ends)
        seed = options.seed if options.seed is not None else secrets.randbits(31)
        rngs = [np.random.default_rng(seed + i) for i in range(options.variations)]
        conds = self._conditions(song, prompt, options, lyric_rows)
        lyrics = syllable_lyrics(syllables) if syllables is not None else None
        lyric = syllables is not None
        return self._generate(prompt, rules, rngs, seed, options, conds, lyrics,
                              options.pitch_temperature_for(lyric), options.top_p_for(lyric))

    def _conditions(self, song: Song, prompt: Prompt, options: GenerationOptions,
                    lyric_rows: np.ndarray | None) -> RequestConditions | None:
        """The request's conditions for a conditioned model (None for an unconditioned one)."""
        if not self.files.conditioned:
            return None
        chords = chord_track(song, options.use_chords)
        ticks = prompt.bar_starts[prompt.part_a[:, BAR]] + prompt.part_a[:, POS] * self.files.tokenizer.grid
        part_a = part_a_conditions(ticks, prompt.mask_index, prompt.start_tick, chords)
        return RequestConditions(part_a, prompt.start_tick, chords, lyric_rows)

    def _generate(self, prompt: Prompt, rules: Rules, rngs: list[np.random.Generator], seed: int,
                  options: GenerationOptions, conds: RequestConditions | None,
                  lyrics: list[Lyric] | None, pitch_temperature: float, top_p: float) -> Job[list[Variation]]:
        sampled = yield from generate(self.decoder(), self.heads, prompt, rules, rngs, options.temperature,
                                      top_p, conds, pitch_temperature)
        return [Variation(self._notes(prompt, rules, s, options.keep_rhythm, lyrics), prompt.first_bar,
                          prompt.last_bar, seed + i, s.mean_nll) for i, s in enumerate(sampled)]

    def _notes(self, prompt: Prompt, rules: Rules, sampled: Sampled, keep_rhythm: bool,
               lyrics: list[Lyric] | None = None) -> tuple[Note, ...]:
        """Sampled tokens -> notes in song ticks; 'keep rhythm' keeps each original note (its exact
        ticks, velocity and lyric) with the new pitch, cut at the selection's end; ``lyrics`` go
        onto the notes one by one."""
        if not sampled.tokens:
            return ()
        tokens = np.stack(sampled.tokens)
        if keep_rhythm:
            kept = lyrics if lyrics is not None else [o.lyric for o in prompt.originals]
            return tuple(replace(o, pitch=int(p), duration=min(o.end, prompt.end_tick) - o.onset, lyric=lyric)
                         for o, p, lyric in zip(prompt.originals, tokens[:, PITCH_S], kept))
        onsets = rules.onset_ticks(tokens[:, BAR_S], tokens[:, POS_S])
        sung = lyrics if lyrics is not None else [None] * len(tokens)
        return tuple(Note(int(t), int(d) * rules.grid, int(p), prompt.velocity, lyric)
                     for t, d, p, lyric in zip(onsets, tokens[:, DUR_S], tokens[:, PITCH_S], sung))

    def _score(self, notes: tuple[Note, ...], windows: list[context.ScoreWindow]) -> Job[ScoreResult]:
        out: list[NoteSurprisal] = []
        for window in windows:
            span = glm.continuation_span(window.tokens, window.blank_bar)
            part_a, (mask_at,) = glm.part_a(window.tokens, [span])
            nll = yield from score_tokens(self.decoder(), self.heads, part_a, mask_at, window.tokens[span.start:],
                                          len(out), len(notes), window.skip)
            bits = nll[window.skip:] * BITS_PER_NAT
            out += [NoteSurprisal(notes[window.first_note + i], *map(float, row)) for i, row in enumerate(bits)]
        return ScoreResult(tuple(out), len(windows))


def _load_heads(files: ModelFiles) -> CascadeHeads:
    try:
        heads = CascadeHeads.load(files.heads)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as e:
        reason = "not a weights archive" if isinstance(e, zipfile.BadZipFile | ValueError) else type(e).__name__
        raise MelodyStudioError(f"model file {shown(files.heads)} is damaged ({reason}); {FIX_HINT}") from None
    expected = tuple(files.tokenizer.sizes()[f] for f in CASCADE)
    if heads.sizes != expected:
        raise MelodyStudioError(f"model file {shown(files.heads)} does not fit the model's tokenizer "
                                f"(head sizes {heads.sizes}, expected {expected}); {FIX_HINT}")
    return heads
