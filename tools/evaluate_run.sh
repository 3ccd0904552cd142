#!/usr/bin/env bash
# Evaluate a trained melody run as the shipped model is evaluated, on this (CPU) machine, after
# `bash tools/gpu_train.sh join DIR` has brought the run back:
#
#   bash tools/evaluate_run.sh RUN_DIR [OUT_DIR] [DRAWS]
#
# RUN_DIR/best.pt (or the float16 best16.pt) -> OUT_DIR/model: int8 graphs, the stress-to-meter prior
# (weight 8) and the scale-degree prior (weights 0 1, fitted under even pacing), as models/melody was
# built (MODEL_CARD.md, Training). Then the Essen test figures (OUT_DIR/eval) and the lyric figures on
# 400 validation songs, DRAWS draws each (OUT_DIR/lyrics_valid), with every log in OUT_DIR.
# OUT_DIR defaults to RUN_DIR/evaluation, DRAWS to 3. Needs the dev venv (torch for the export) and
# data_cache/{corpus,conditioned}.npz. About 20 minutes on the 2-core machine with 3 draws.
set -euo pipefail
run=${1:?usage: evaluate_run.sh RUN_DIR [OUT_DIR] [DRAWS]}
out=${2:-$run/evaluation}
draws=${3:-3}
checkpoint=$run/best.pt
[[ -f $checkpoint ]] || checkpoint=$run/best16.pt
[[ -f $checkpoint ]] || { echo "no best.pt or best16.pt in $run" >&2; exit 1; }
mkdir -p "$out"

echo "export: $checkpoint -> $out/model"
python -m melodystudio.training.export --checkpoint "$checkpoint" --out "$out/model" --int8-only >"$out/export.log" 2>&1
python -m melodystudio.training.stress_prior --weight 8 --model "$out/model" >>"$out/export.log" 2>&1
python -m melodystudio.training.degree_prior --weights 0 1 --phrase-breath 1 --model "$out/model" >>"$out/export.log" 2>&1

echo "Essen test tunes -> $out/eval"
melodystudio eval --corpus data_cache/corpus.npz --cases 200 --seed 0 --provider cpu --model "$out/model" \
    --out "$out/eval" >"$out/eval.log" 2>&1
grep -E "pitch perplexity|true bars" "$out/eval.log"

echo "lyrics, 400 validation songs x $draws draws -> $out/lyrics_valid"
melodystudio eval lyrics --split valid --cases 400 --seed 2 --draws "$draws" --provider cpu --model "$out/model" \
    --out "$out/lyrics_valid" >"$out/lyrics_valid.log" 2>&1
grep -E "^  (lyrics|baseline):" "$out/lyrics_valid.log"
