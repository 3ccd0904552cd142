"""Build the stress-to-meter prior (``engine.stress_prior``) and add it to an exported model.

    python -m melodystudio.training.stress_prior [--data data_cache/conditioned.npz]
        [--source openewld] [--weight 1.0] [--model models/melody]

Counts, over the training windows of ``--source`` in the conditioned tune set (``corpus.conditioned``),
the syllable-carrying notes of each stress (``lyrics.Stress``) at each metrical level of their onset
(``TimeSignature.metrical_level``; meters outside the tokenizer's list are skipped), fits the
add-one smoothed log-ratio table, writes ``stress_prior.json`` into the model directory and lists it
with its sha256 in manifest.json. Only OpenEWLD is the default: it is the one lyric source with real
bar lines (lyrics_melody's onsets drift off any grid: there stress and level are independent).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from melodystudio.core import TimeSignature
from melodystudio.engine.stress_prior import LEVELS, PRIOR_FILE, STRESS_ROWS, StressPrior
from melodystudio.tokens.compound import KIND, METER, METERS, NOTE, POS
from melodystudio.tokens.conditions import STRESS
from melodystudio.training.export import add_json_to_model

DEFAULT_DATA = Path("data_cache/conditioned.npz")


def level_counts(data: Path, source: str, split: str = "train") -> np.ndarray:
    """(len(STRESS_ROWS), LEVELS) syllable counts of ``source``'s ``split`` windows."""
    with np.load(data, allow_pickle=False) as d:
        sources = json.loads(str(d["sources"]))
        if source not in sources:
            raise SystemExit(f"{data} has no source {source!r} (it has {', '.join(sources)})")
        grid = int(json.loads(str(d["tokenizer"]))["grid"])
        tokens, cond, offsets = d["tokens"], d["cond"], d["offsets"]
        windows = [w for w in d[split] if d["tune_source"][w] == sources.index(source)]
    signatures = {i: TimeSignature(0, *map(int, m.split("/"))) for i, m in enumerate(METERS) if "/" in m}
    counts = np.zeros((len(STRESS_ROWS), LEVELS), dtype=np.int64)
    for w in windows:
        rows = slice(offsets[w], offsets[w + 1])
        t, c = tokens[rows], cond[rows]
        sung = (t[:, KIND] == NOTE) & (c[:, STRESS] > 0) & np.isin(t[:, METER], list(signatures))
        for meter, pos, stress in zip(t[sung, METER], t[sung, POS], c[sung, STRESS]):
            counts[int(stress) - 1, signatures[int(meter)].metrical_level(int(pos) * grid)] += 1
    return counts


def add_to_model(model_dir: Path, prior: StressPrior, counts: np.ndarray, description: str) -> Path:
    """Write stress_prior.json into ``model_dir`` and list its sha256 in manifest.json."""
    return add_json_to_model(model_dir, PRIOR_FILE, prior.to_json(counts, description))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m melodystudio.training.stress_prior", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"conditioned tune set (default {DEFAULT_DATA})")
    p.add_argument("--source", default="openewld", help="lyric source with real bar lines (default openewld)")
    p.add_argument("--weight", type=float, default=1.0, help="the prior's weight against the model (default 1)")
    p.add_argument("--model", type=Path, default=Path("models/melody"), help="model directory to add it to")
    args = p.parse_args(argv)
    counts = level_counts(args.data, args.source)
    prior = StressPrior.fit(counts, args.weight)
    described = f"{args.source} training windows of {args.data.name}: {int(counts.sum())} syllables"
    path = add_to_model(args.model, prior, counts, described)
    print(f"{described}\nlog P(level | stress) / P(level), levels 0 (bar line) .. 4 (finer than an eighth):")
    for name, row in zip(STRESS_ROWS, prior.log_ratio[1:]):
        print(f"  {name:<10} " + " ".join(f"{v:+.2f}" for v in row))
    print(f"wrote {path} (weight {args.weight}) and its checksum into {args.model / 'manifest.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
