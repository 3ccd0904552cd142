"""What an importer had to change or leave out, so the user is told rather than surprised."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportReport:
    source: str = ""
    warnings: list[str] = field(default_factory=list)
    dropped_notes: int = 0  # notes left out to keep one monophonic melody
    chosen_part: str = ""  # which track/part became the melody, and why
    other_parts: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def lines(self) -> list[str]:
        out = []
        if self.chosen_part:
            out.append(f"melody: {self.chosen_part}")
        if self.other_parts:
            out.append("not imported: " + "; ".join(self.other_parts))
        if self.dropped_notes:
            out.append(f"{self.dropped_notes} notes below the top voice were dropped to keep one melody")
        out.extend(self.warnings)
        return out
