"""Build the cached pre-training corpus: ``python -m melodystudio.corpus.build``.

Parses every source once (work units spread over ``--jobs`` processes), encodes each tune into
CompoundTokenizer windows, drops identical tunes (``dedupe``), and writes one npz plus a JSON
sidecar (``dataset``). A tune that cannot be read is logged with its reason and counted; it never
stops the build. Prints a summary table at the end.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from melodystudio.core.progress import Job, Progress, run_to_end
from melodystudio.corpus.dataset import write_npz, write_sidecar
from melodystudio.corpus.dedupe import kept_copies
from melodystudio.corpus.encode import EncodedTune, encode_tune
from melodystudio.corpus.paths import DEFAULT_CACHE
from melodystudio.corpus.records import SOURCE_GROUPS, SOURCES, ParseFailure, failure_reason
from melodystudio.corpus.sources import WorkUnit, read_unit, work_units
from melodystudio.corpus.stats import BuildStats, warning_kind
from melodystudio.tokens import CompoundTokenizer, TokenizerConfig

log = logging.getLogger(__name__)

RULES = {
    "split_abc": "file read as Latin-1, cut before every line starting with 'X:'; SHA-1 of the UTF-8 bytes of "
                 "the tune text stripped of surrounding whitespace plus one '\\n'; first hex digit f = test, "
                 "e = valid, else train",
    "split_bach": "same digit rule on the SHA-1 of the corpus-relative path, e.g. 'bach/bwv269.mxl'",
    "split_jsonl": "pop909 and lyrics_melody keep the 'split' field of their records",
    "dedupe": "identical = same sequence of (onset in bar, duration, pitch interval) in ticks/semitones; "
              "one copy kept per group: test before valid before train, then build order",
    "units": "ticks at 480 per quarter; pop909 beat = quarter; lyrics_melody unit = eighth (240 ticks), 4/4 assumed",
    "windows": "consecutive windows of max_bars bars; BAR counts from 0 in each window; empty windows left out",
}


@dataclass
class UnitResult:
    source: str
    tunes: list[EncodedTune] = field(default_factory=list)
    failures: list[ParseFailure] = field(default_factory=list)
    warnings: Counter[str] = field(default_factory=Counter)  # parser warning kind -> tunes


def process_unit(args: tuple[WorkUnit, TokenizerConfig]) -> UnitResult:
    """Read and encode one work unit (runs in a worker process)."""
    unit, config = args
    tokenizer = CompoundTokenizer(config)
    result = UnitResult(unit.source)
    try:
        for tune in read_unit(unit, result.failures):
            result.warnings.update({warning_kind(w) for w in tune.meta.get("warnings", [])})
            try:
                result.tunes.append(encode_tune(tune, tokenizer))
            except Exception as e:  # the tokenizer refusing one tune must not stop the build
                result.failures.append(ParseFailure(tune.source, tune.tune_id, tune.split,
                                                    "encoding: " + failure_reason(e)))
    except Exception as e:  # e.g. an unreadable file: the rest of this unit is lost, not the build
        result.failures.append(ParseFailure(unit.source, unit.name, "?", "reading: " + failure_reason(e)))
    return result


def resolve_sources(spec: str) -> list[str]:
    """'essen,folk' -> source names; group names (``SOURCE_GROUPS``) and source names both work."""
    out: list[str] = []
    for name in (s.strip() for s in spec.split(",") if s.strip()):
        group = SOURCE_GROUPS.get(name, (name,) if name in SOURCES else None)
        if group is None:
            raise ValueError(f"unknown source '{name}'; use {', '.join(SOURCE_GROUPS)} or {', '.join(SOURCES)}")
        out += [s for s in group if s not in out]
    return out


def build_job(out: Path, sources: Sequence[str], jobs: int = 2,
              config: TokenizerConfig | None = None) -> Job[BuildStats]:
    """Build the corpus, yielding progress after each work unit; returns the statistics."""
    config = config or TokenizerConfig()
    start = time.monotonic()
    units = work_units(sources)
    total = sum(len(u) for u in units) or 1
    results: list[UnitResult] = []
    done = 0
    for result in _map_units(units, config, jobs):
        results.append(result)
        done += len(units[len(results) - 1])
        yield Progress(0.95 * done / total, f"read {done} of {total} tunes")
    yield Progress(0.96, "removing duplicates and writing")
    stats, kept = _collect(results)
    write_npz(out, kept, config)
    stats.seconds = time.monotonic() - start
    stats.npz_bytes = out.stat().st_size
    write_sidecar(out, kept, config, {"rules": RULES, "sources_built": list(sources), "stats": stats.to_dict()})
    return stats


def _map_units(units: list[WorkUnit], config: TokenizerConfig, jobs: int) -> Iterator[UnitResult]:
    args = [(u, config) for u in units]
    if jobs <= 1:
        yield from map(process_unit, args)
        return
    with multiprocessing.Pool(jobs) as pool:  # leaving the block (also on close()) terminates the workers
        yield from pool.imap(process_unit, args)


def _collect(results: list[UnitResult]) -> tuple[BuildStats, list[EncodedTune]]:
    stats = BuildStats()
    encoded = [t for r in results for t in r.tunes]
    for r in results:
        stats.add_failures(r.failures)
        for f in r.failures:
            log.warning("parse failure: %s %s (%s): %s", f.source, f.tune_id, f.split, f.reason)
        stats.add_warnings(r.source, r.warnings)
    keep, stats.split_spanning_groups = kept_copies([t.key for t in encoded], [t.split for t in encoded])
    kept = []
    for tune, k in zip(encoded, keep):
        stats.add_read(tune)
        if k:
            stats.add_kept(tune)
            kept.append(tune)
        else:
            stats.duplicates[tune.source, tune.split] += 1
    return stats, kept


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m melodystudio.corpus.build", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_CACHE, help="npz to write (sidecar: same name .json)")
    parser.add_argument("--sources", default=",".join(SOURCE_GROUPS),
                        help=f"comma-separated groups ({', '.join(SOURCE_GROUPS)}) or source names")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (1: no pool)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stderr)
    try:
        sources = resolve_sources(args.sources)
    except ValueError as e:
        parser.error(str(e))
    last = [-1.0]

    def report(p: Progress) -> None:
        if p.fraction - last[0] >= 0.05:
            last[0] = p.fraction
            log.info("%3.0f%% %s", 100 * p.fraction, p.message)

    stats = run_to_end(build_job(args.out, sources, args.jobs), report)
    print(stats.table())
    for line in stats.notes_lines():
        print(line)
    reasons = stats.failure_reasons()
    if reasons:
        print("failures by reason:")
        for reason, count in reasons.most_common(15):
            print(f"  {count:>5}  {reason}")
    print(f"duplicate groups spanning splits: {stats.split_spanning_groups}")
    print(f"wrote {args.out} ({stats.npz_bytes / 1e6:.1f} MB) in {stats.seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
