"""Cut a training tune set (training/data.py format) out of the corpus cache, by source.

    python -m melodystudio.training.prepare --corpus data_cache/corpus.npz \
        --sources essenFolksong,ryansMammoth,oneills1850,airdsAirs,bach,pop909 --out data_cache/tunes.npz

Each corpus window becomes one tune of the set; the splits are the corpus's (by tune), so nothing
of a test tune reaches the training split.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from melodystudio.tokens import TokenizerConfig
from melodystudio.training.data import TuneSet


def select(corpus_path: Path, sources: list[str]) -> TuneSet:
    meta = json.loads(corpus_path.with_suffix(".json").read_text("utf-8"))
    names: list[str] = meta["sources"]
    unknown = set(sources) - set(names)
    if unknown:
        raise SystemExit(f"unknown sources {sorted(unknown)}; the corpus has {names}")
    wanted = np.array([names.index(s) for s in sources])
    with np.load(corpus_path, allow_pickle=False) as d:
        tokens, offsets = d["tokens"].astype(np.int32), d["offsets"]
        window_tune, tune_source, tune_split = d["window_tune"], d["tune_source"], d["tune_split"]
        tokenizer = TokenizerConfig.from_dict(json.loads(str(d["tokenizer"])))
    keep = np.flatnonzero(np.isin(tune_source[window_tune], wanted))
    tunes = [tokens[offsets[w]:offsets[w + 1]] for w in keep]
    split_of = tune_split[window_tune[keep]]
    splits = {name: np.flatnonzero(split_of == i).astype(np.int64) for i, name in enumerate(meta["splits"])}
    return TuneSet.from_tunes(tunes, splits, tokenizer)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path("data_cache/corpus.npz"))
    ap.add_argument("--sources", default="essenFolksong,ryansMammoth,oneills1850,airdsAirs,bach,pop909")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    ts = select(args.corpus, [s.strip() for s in args.sources.split(",") if s.strip()])
    ts.save(args.out)
    counts = {k: len(v) for k, v in ts.splits.items()}
    print(f"wrote {args.out}: {len(ts)} windows, {len(ts.tokens)} notes, splits {counts}")


if __name__ == "__main__":
    main()
