"""Retrieval-guided generation: text prompt -> reference melody -> new bars conditioned on it.

    job = prompt_job(retriever, engine, "a slow lullaby in 3/4, D minor, 16 bars", GuidedOptions(variations=4))
    results = run_to_end(job)              # PromptResult per variation; results[0].reference.title ...

1. The prompt's explicit attributes are parsed (``prompt_parse``); the best library melody for the
   text that has the requested meter and mode is the reference.
2. The reference's first ``context_bars`` bars become the context song, transposed to the requested
   tonic (and by octaves towards the middle of a requested range), re-barred into the requested
   meter, with the requested key signature and tempo.
3. The melody engine continues that context by the requested number of bars with key lock on the
   requested key and the requested pitch range (decoding constraints, never filtering), in chunks
   small enough for the model's blank (``chunk_bars``); the new bars, moved to bar 1, are the result.
Without a reference that fits (no library melody has the meter and mode) the engine composes the
bars from scratch under the same constraints, and the result says so (``reference`` is None).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from melodystudio.core import KeySignature, Note, Song, TempoChange, TimeSignature
from melodystudio.core.errors import MelodyStudioError
from melodystudio.core.progress import Job, Progress
from melodystudio.engine.api import GenerationOptions, Variation
from melodystudio.engine.melody import MelodyEngine
from melodystudio.retrieval.attributes import guess_key, key_signature
from melodystudio.retrieval.prompt_parse import MAX_BAR_QUARTERS, PromptSpec, parse_prompt
from melodystudio.retrieval.retriever import Filters, Match, MelodyRetriever

DEFAULT_BARS = 8
DEFAULT_BPM = 100.0
NOTES_PER_BLANK = 72  # stay well under the model's 98-note blank when sizing chunks
CLOSING_BARS = 2  # the reference's last bars, placed after the blank so the model fills it to the end
CHUNK_BARS = 4  # bars per blank: the model was trained on inpainting 1-4 bars (8-bar blanks ended early more often)


@dataclass(frozen=True)
class GuidedOptions:
    bars: int | None = None  # None: the prompt's "N bars", else DEFAULT_BARS
    variations: int = 4
    temperature: float = 0.9
    top_p: float | None = None  # None: auto (GenerationOptions.top_p)
    seed: int | None = None
    pitch_temperature: float | None = None  # None: the temperature (GenerationOptions.pitch_temperature)
    context_bars: int = 8  # reference bars placed before the new ones
    use_reference: bool = True  # False: compose from scratch under the same constraints (the baseline)


@dataclass(frozen=True)
class Reference:
    match: Match
    transposition: int  # semitones applied to the reference in the context
    context: Song  # the reference's first bars as the context: transposed, re-barred, key and tempo set
    context_bars: int  # bars of the context before the new bars
    closing: tuple[Note, ...] = ()  # the reference's last bars (same treatment), placed after each blank

    @property
    def title(self) -> str:
        return self.match.entry.title

    def describe(self) -> str:
        e = self.match.entry
        return f"{e.title} ({e.source} {e.tune_id}, score {self.match.score:.3f})"


@dataclass(frozen=True)
class PromptResult:
    song: Song  # the new melody: bars 1..N in the requested meter, key and tempo
    reference: Reference | None
    seed: int
    spec: PromptSpec
    key: KeySignature
    meter: tuple[int, int]
    bars: int


def prompt_job(retriever: MelodyRetriever, engine: MelodyEngine, text: str,
               options: GuidedOptions | None = None) -> Job[list[PromptResult]]:
    """Check the request now (bad prompt: MelodyStudioError at once); the job does the work."""
    options = options or GuidedOptions()
    spec = parse_prompt(text)
    bars = options.bars or spec.bars or DEFAULT_BARS
    if not 1 <= bars <= engine.limits.window_bars - 1:
        raise MelodyStudioError(f"{bars} bars is not possible: ask for 1-{engine.limits.window_bars - 1} bars")
    for meter in spec.meters[:1]:
        num, den = _meter_tuple(meter)
        if num * 4 / den > MAX_BAR_QUARTERS:
            raise MelodyStudioError(f"cannot compose in {meter}: the model's bars hold up to {MAX_BAR_QUARTERS} "
                                    "quarter notes (e.g. 3/4, 6/8, 4/2)")
    GenerationOptions(variations=options.variations, temperature=options.temperature, top_p=options.top_p,
                      seed=options.seed, pitch_range=spec.pitch_range,
                      pitch_temperature=options.pitch_temperature)  # validates the options
    return _run(retriever, engine, spec, bars, options)


def _run(retriever: MelodyRetriever, engine: MelodyEngine, spec: PromptSpec, bars: int,
         options: GuidedOptions) -> Job[list[PromptResult]]:
    yield Progress(0.0, "finding a reference melody")
    match = None
    if options.use_reference:
        found = retriever.search(spec, top=1, filters=Filters.of(spec))
        match = found[0] if found else None
    if match is None:
        meter = _meter_tuple(spec.meter or "4/4")
        key = spec.key or KeySignature(0, "C", spec.mode or "major")
        context, reference, closing = _empty_song(spec, meter, key), None, tuple[Note, ...]()
    else:
        reference = reference_for(retriever, match, spec, options.context_bars)
        context, closing = reference.context, reference.closing
        meter = (context.time_signatures[0].numerator, context.time_signatures[0].denominator)
        key = context.keys[0]
    yield Progress(0.05, f"reference: {reference.describe()}" if reference else "no reference fits: from scratch")
    gen = GenerationOptions(variations=options.variations, temperature=options.temperature, top_p=options.top_p,
                            seed=options.seed, key_lock=True, pitch_range=spec.pitch_range,
                            pitch_temperature=options.pitch_temperature)
    prefix_bars = reference.context_bars if reference else 0
    songs, seed = yield from _generate(engine, context, prefix_bars, closing, bars, gen, _chunk_bars(context, bars))
    return [PromptResult(s, reference, seed + i, spec, key, meter, bars) for i, s in enumerate(songs)]


def _meter_tuple(meter: str) -> tuple[int, int]:
    num, den = meter.split("/")
    return int(num), int(den)


def _empty_song(spec: PromptSpec, meter: tuple[int, int], key: KeySignature) -> Song:
    return Song(spec.text, time_signatures=[TimeSignature(0, *meter)], keys=[key],
                tempos=[TempoChange.from_bpm(0, spec.bpm or DEFAULT_BPM)])


def reference_for(retriever: MelodyRetriever, match: Match, spec: PromptSpec, context_bars: int) -> Reference:
    source = retriever.song(match)
    entry = match.entry
    if entry.tonic_pc is not None and entry.mode is not None:
        ref_key = key_signature(entry.tonic_pc, entry.mode)
    else:
        tonic, mode = guess_key(*_pitch_durations(source.notes))
        ref_key = key_signature(tonic, mode)
    key = KeySignature(0, spec.tonic, spec.mode or ref_key.mode) if spec.tonic else ref_key
    shift = (key.tonic_pc - ref_key.tonic_pc + 6) % 12 - 6  # the nearest transposition, -6..+5
    meter = entry.meter if entry.meter in spec.meters or not spec.meters else spec.meters[0]
    meter_t = _meter_tuple(meter or "4/4")
    tl = source.timeline
    first, last = tl.bar_at(source.notes[0].onset), tl.bar_at(source.notes[-1].onset)
    n_ctx = min(context_bars, last - first + 1)
    notes = _rebar(source, meter_t, first, n_ctx)
    closing = _rebar(source, meter_t, max(first, last + 1 - CLOSING_BARS), min(CLOSING_BARS, last - first + 1))
    shift += _octave_shift([n.pitch + shift for n in notes], spec.pitch_range)
    notes = [replace(n, pitch=min(127, max(0, n.pitch + shift))) for n in notes]
    closing = [replace(n, pitch=min(127, max(0, n.pitch + shift))) for n in closing]
    bpm = spec.bpm or entry.tempo_bpm or DEFAULT_BPM
    context = Song(entry.title, time_signatures=[TimeSignature(0, *meter_t)], keys=[key],
                   tempos=[TempoChange.from_bpm(0, bpm)], notes=notes)
    return Reference(match, shift, context, n_ctx, tuple(closing))


def _pitch_durations(notes: tuple[Note, ...]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([n.pitch for n in notes]), np.array([n.duration for n in notes])


def _octave_shift(pitches: list[int], pitch_range: tuple[int, int] | None) -> int:
    """Whole octaves that bring the mean pitch nearest the middle of the range (0 without one)."""
    if not pitch_range or not pitches:
        return 0
    middle = (pitch_range[0] + pitch_range[1]) / 2
    return 12 * round((middle - sum(pitches) / len(pitches)) / 12)


def _rebar(source: Song, meter: tuple[int, int], first: int, n_bars: int) -> list[Note]:
    """Song bars first .. first + n_bars - 1 of ``source`` from tick 0, each note kept at its offset
    within its bar in a bar of ``meter``; notes that no longer fit their bar are dropped, the last
    one is cut at the end of the last bar."""
    tl = source.timeline
    bar_ticks = TimeSignature(0, *meter).bar_ticks
    end = n_bars * bar_ticks
    out: list[Note] = []
    for n in source.notes_between(tl.bar_start(first), tl.bar_start(first + n_bars)):
        bar = tl.bar_at(n.onset) - first
        offset = n.onset - tl.bar_start(bar + first)
        if offset >= bar_ticks:
            continue
        onset = bar * bar_ticks + offset
        if out and out[-1].end > onset:
            out[-1] = replace(out[-1], duration=onset - out[-1].onset)
        out.append(Note(onset, max(1, min(n.duration, end - onset)), n.pitch, n.velocity))
    return out


def _chunk_bars(context: Song, bars: int) -> int:
    """Bars per engine call: as many as the reference's note density lets fit one blank."""
    if not context.notes:
        return min(bars, CHUNK_BARS)
    per_bar = len(context.notes) / max(1, context.timeline.bars_to_hold(context.notes[-1].end))
    return max(1, min(bars, CHUNK_BARS, int(NOTES_PER_BLANK / max(per_bar, 1.0))))


def _generate(engine: MelodyEngine, context: Song, prefix_bars: int, closing: tuple[Note, ...], bars: int,
              options: GenerationOptions, chunk: int) -> Job[tuple[list[Song], int]]:
    """``bars`` new bars after the ``prefix_bars`` bars of the context, for each variation.

    With a reference, each chunk is inpainted between what came before and the reference's closing
    bars placed right after the chunk: the model fills a blank up to the note after it, as in
    training. Without one, the bars are composed from scratch (inpainting the empty song, then
    continuing). Every chunk sounds up to its last bar: the engine allows END only there. The first
    chunk runs as one batch; later chunks per variation.
    """
    variations = yield from _chunk(engine, context, prefix_bars, min(chunk, bars), closing, options)
    seed = variations[0].seed
    songs = []
    for i, v in enumerate(variations):
        song = context.copy()
        done = 0
        while True:
            song.replace_bars(v.first_bar, v.last_bar, v.notes)
            done += min(chunk, bars - done)
            if done >= bars:
                break
            yield Progress(0.5 + 0.5 * i / len(variations), f"variation {i + 1}: bar {done + 1} of {bars}")
            (v,) = yield from _chunk(engine, song, prefix_bars + done, min(chunk, bars - done), closing,
                                     replace(options, variations=1, seed=seed + i + 1000 * done))
        songs.append(_new_bars(song, context, prefix_bars, bars))
    return songs, seed


def _chunk(engine: MelodyEngine, song: Song, b0: int, n: int, closing: tuple[Note, ...],
           options: GenerationOptions) -> Job[list[Variation]]:
    """Variations of bars b0 .. b0 + n - 1 after ``song``'s notes (inpainted before the closing
    bars; continued when there are none)."""
    if closing or not song.notes:
        return (yield from engine.inpaint(_with_closing(song, b0 + n, closing), b0, b0 + n - 1, options))
    return (yield from engine.continuation(_padded(song, b0), n, options))


def _with_closing(song: Song, bar: int, closing: tuple[Note, ...]) -> Song:
    """A copy of ``song`` with the closing notes placed from song bar ``bar`` on."""
    out = song.copy()
    start = out.timeline.bar_start(bar)
    for n in closing:
        out.insert_note(replace(n, onset=n.onset + start))
    return out


def _padded(song: Song, bar: int) -> Song:
    """``song`` whose last note is held to the start of ``bar`` when it ends in an earlier bar, so a
    continuation starts exactly at ``bar``."""
    out = song.copy()
    last = out.notes[-1]
    start = out.timeline.bar_start(bar)
    if out.timeline.bars_to_hold(last.end) < bar:
        out.resize_note(last, start - last.onset)
    return out


def _new_bars(song: Song, context: Song, first_new: int, bars: int) -> Song:
    """Bars first_new .. first_new + bars - 1 of ``song`` as a song of their own from bar 0."""
    tl = song.timeline
    start, end = tl.bar_start(first_new), tl.bar_start(first_new + bars)
    notes = [replace(n, onset=n.onset - start) for n in song.notes_between(start, end)]
    return Song(context.title, time_signatures=[replace(context.time_signatures[0], bar=0)],
                keys=[replace(context.keys[0], tick=0)], tempos=[replace(context.tempos[0], tick=0)], notes=notes)
