"""Build statistics: what was read, dropped and kept, per source and split, and the summary table."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from melodystudio.corpus.encode import EncodedTune
from melodystudio.corpus.records import SOURCES, ParseFailure
from melodystudio.corpus.splits import SPLITS

_DIGITS = re.compile(r"\d+(\.\d+)?")
Cell = tuple[str, str]  # (source, split)


def warning_kind(message: str) -> str:
    """A parser warning with its numbers blanked, so that warnings of one kind count together."""
    return _DIGITS.sub("#", message)[:120]


@dataclass
class BuildStats:
    read: Counter[Cell] = field(default_factory=Counter)  # tunes parsed and encoded
    failed: Counter[Cell] = field(default_factory=Counter)
    duplicates: Counter[Cell] = field(default_factory=Counter)  # copies dropped
    tunes: Counter[Cell] = field(default_factory=Counter)  # kept
    notes: Counter[Cell] = field(default_factory=Counter)
    windows: Counter[Cell] = field(default_factory=Counter)
    off_grid: Counter[str] = field(default_factory=Counter)  # kept notes snapped to the grid, by source
    meter_fitted: Counter[str] = field(default_factory=Counter)  # tunes whose bars were halved
    bars_trimmed: Counter[str] = field(default_factory=Counter)  # tunes whose silent leading bars were cut
    phrases_known: Counter[str] = field(default_factory=Counter)  # kept tunes with phrase flags
    meter_unknown: Counter[str] = field(default_factory=Counter)  # kept tunes with an assumed meter
    pop909: Counter[str] = field(default_factory=Counter)  # unknown_chords, respelled_keys
    warnings: dict[str, Counter[str]] = field(default_factory=dict)  # source -> parser warning kind -> tunes
    failures: list[ParseFailure] = field(default_factory=list)
    split_spanning_groups: int = 0  # duplicate groups with copies in more than one split
    seconds: float = 0.0
    npz_bytes: int = 0

    def add_read(self, tune: EncodedTune) -> None:
        self.read[tune.source, tune.split] += 1
        self.meter_fitted[tune.source] += tune.meter_fitted
        self.bars_trimmed[tune.source] += tune.bars_trimmed > 0
        for name in ("unknown_chords", "respelled_keys"):
            self.pop909[name] += int(tune.meta.get(name, 0) or 0)

    def add_kept(self, tune: EncodedTune) -> None:
        cell = (tune.source, tune.split)
        self.tunes[cell] += 1
        self.notes[cell] += len(tune.tokens)
        self.windows[cell] += len(tune.windows)
        self.off_grid[tune.source] += tune.off_grid
        self.phrases_known[tune.source] += tune.phrases_known
        self.meter_unknown[tune.source] += not tune.meter_known

    def add_failures(self, failures: Sequence[ParseFailure]) -> None:
        for f in failures:
            self.failed[f.source, f.split] += 1
        self.failures.extend(failures)

    def add_warnings(self, source: str, kinds: Counter[str]) -> None:
        self.warnings.setdefault(source, Counter()).update(kinds)

    def sources(self) -> list[str]:
        seen = {s for s, _ in self.read} | {s for s, _ in self.failed}
        return [s for s in SOURCES if s in seen]

    def failure_reasons(self) -> Counter[str]:
        return Counter(f"{f.source}: {warning_kind(f.reason)[:90]}" for f in self.failures)

    def to_dict(self) -> dict[str, Any]:
        table = {s: {sp: {"read": self.read[s, sp], "failed": self.failed[s, sp], "duplicates": self.duplicates[s, sp],
                          "tunes": self.tunes[s, sp], "notes": self.notes[s, sp], "windows": self.windows[s, sp]}
                     for sp in SPLITS} for s in self.sources()}
        return {
            "per_source_split": table,
            "off_grid_notes": dict(self.off_grid), "meter_fitted_tunes": dict(self.meter_fitted),
            "leading_bars_trimmed_tunes": dict(self.bars_trimmed), "phrases_known_tunes": dict(self.phrases_known),
            "meter_unknown_tunes": dict(self.meter_unknown), "pop909": dict(self.pop909),
            "duplicate_groups_spanning_splits": self.split_spanning_groups,
            "parser_warnings": {s: dict(c.most_common(30)) for s, c in self.warnings.items()},
            "failure_reasons": dict(self.failure_reasons().most_common()),
            "failures": [{"source": f.source, "id": f.tune_id, "split": f.split, "reason": f.reason}
                         for f in self.failures],
            "seconds": round(self.seconds, 1), "npz_bytes": self.npz_bytes,
        }

    def table(self) -> str:
        """The summary printed at the end of a build."""
        head = f"{'source':<15}{'split':<7}{'read':>8}{'failed':>8}{'dups':>7}{'tunes':>8}{'notes':>11}{'windows':>9}"
        rows = [head, "-" * len(head)]
        total = Counter[str]()
        for s in self.sources():
            for sp in SPLITS:
                cells = (self.read[s, sp], self.failed[s, sp], self.duplicates[s, sp], self.tunes[s, sp],
                         self.notes[s, sp], self.windows[s, sp])
                total.update(dict(zip(("r", "f", "d", "t", "n", "w"), cells)))
                rows.append(f"{s:<15}{sp:<7}{cells[0]:>8}{cells[1]:>8}{cells[2]:>7}{cells[3]:>8}{cells[4]:>11}"
                            f"{cells[5]:>9}")
        rows.append("-" * len(head))
        rows.append(f"{'total':<22}{total['r']:>8}{total['f']:>8}{total['d']:>7}{total['t']:>8}{total['n']:>11}"
                    f"{total['w']:>9}")
        return "\n".join(rows)

    def notes_lines(self) -> list[str]:
        """Per-source facts under the table."""
        out = []
        for s in self.sources():
            kept = sum(self.notes[s, sp] for sp in SPLITS)
            tunes = sum(self.tunes[s, sp] for sp in SPLITS)
            share = self.off_grid[s] / kept if kept else 0.0
            out.append(f"{s}: off-grid notes {self.off_grid[s]} ({share:.2%}), phrases known in "
                       f"{self.phrases_known[s]}/{tunes} tunes, meter assumed in {self.meter_unknown[s]}, "
                       f"bars halved in {self.meter_fitted[s]}, leading bars cut in {self.bars_trimmed[s]}")
        return out
