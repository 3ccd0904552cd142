#!/usr/bin/env bash
# Train melody models on a lent GPU machine (the `device` tool: torch there, but no music21, no mido
# and no ../shared, 64 MiB of working tree per call, 16 MiB per returned file).
#
#   here:  bash tools/gpu_train.sh caches                build whichever of the caches below is missing
#                                                        (a new checkout has none: about 25 min on 2 cores)
#   here:  bash tools/gpu_train.sh pack                  data_cache/{tunes,conditioned}.npz (+ conditioned_keyed
#                                                        as its differences from conditioned)
#                                                        + lexicon -> .gpu/
#   there: bash tools/gpu_train.sh start CONFIG...       unpack .gpu/ into data_cache/, start each config in
#                                                        the background (setsid: it outlives the call)
#   there: bash tools/gpu_train.sh watch SECONDS         print the runs' progress until they end or SECONDS pass
#   there: bash tools/gpu_train.sh collect DIR           each run's best.pt (weights as float16) and logs,
#                                                        as one tar cut into 15 MiB parts in DIR
#   here:  bash tools/gpu_train.sh join DIR              unpack those parts into runs/
#
# The arrays travel xz-compressed: 10.1 MB in all, the keyed set 27 KB of it. The repository itself
# is ~55 MB of the 64 MiB a call carries, so the margin is small. A float16 copy of the weights is
# enough for export: the shipped graphs are int8.
set -euo pipefail
PY=${PYTHON:-python3}
cmd=${1:?usage: gpu_train.sh caches|pack|start|watch|collect|join ...}
shift

case "$cmd" in
caches)
    build() {  # build FILE COMMAND...: run COMMAND unless FILE exists
        local file=$1; shift
        if [ -f "$file" ]; then echo "have $file"; return; fi
        echo "==> $file: $*"; start=$SECONDS
        "$@"
        echo "    $file in $((SECONDS - start)) s"
    }
    build data_cache/corpus.npz "$PY" -m melodystudio.corpus.build
    build data_cache/tunes.npz "$PY" -m melodystudio.training.prepare --out data_cache/tunes.npz
    build data_cache/lexicon.json "$PY" -m melodystudio.training.lexicon --data data_cache/tunes.npz \
        --out data_cache/lexicon.json
    build data_cache/conditioned.npz "$PY" -m melodystudio.corpus.conditioned
    build data_cache/conditioned_keyed.npz "$PY" -m melodystudio.corpus.conditioned --estimate-keys \
        --out data_cache/conditioned_keyed.npz
    ;;
pack)
    mkdir -p .gpu
    "$PY" - <<'EOF'
import io, lzma, os, shutil
import numpy as np

def xz(path, arrays):
    raw = io.BytesIO()
    np.savez(raw, **arrays)  # uncompressed: xz does far better than zip's deflate on these
    with lzma.open(path, "wb", preset=6) as f:
        f.write(raw.getvalue())

for name in ("tunes", "conditioned"):
    xz(f".gpu/{name}.npz.xz", dict(np.load(f"data_cache/{name}.npz")))
# conditioned_keyed.npz (`python -m melodystudio.corpus.conditioned --estimate-keys --out ...`) differs
# from conditioned.npz in the KEY column and its build record only: it travels as those differences
# (a whole copy would take the working tree past the 64 MiB a device call carries).
if os.path.exists("data_cache/conditioned_keyed.npz"):
    base, keyed = dict(np.load("data_cache/conditioned.npz")), dict(np.load("data_cache/conditioned_keyed.npz"))
    delta = {}
    for key, value in keyed.items():
        old = base.get(key)
        if old is not None and old.shape == value.shape and np.array_equal(old, value):
            continue
        if old is not None and old.shape == value.shape and value.ndim == 2:
            delta.update({f"{key}:col{c}": value[:, c] for c in range(value.shape[1])
                          if not np.array_equal(old[:, c], value[:, c])})
        else:
            delta[key] = value
    xz(".gpu/conditioned_keyed.delta.npz.xz", delta)
    print("conditioned_keyed: differs from conditioned in", sorted(delta))
shutil.copy("data_cache/lexicon.json", ".gpu/lexicon.json")
EOF
    ls -l .gpu
    ;;
start)
    mkdir -p data_cache runs
    "$PY" - <<'EOF'
import glob, io, lzma, os, shutil
import numpy as np
for packed in sorted(glob.glob(".gpu/*.npz.xz")):
    name = os.path.basename(packed)[:-len(".npz.xz")]
    if name.endswith(".delta"):
        continue
    with lzma.open(packed) as src, open(f"data_cache/{name}.npz", "wb") as dst:
        shutil.copyfileobj(src, dst)
for packed in sorted(glob.glob(".gpu/*.delta.npz.xz")):  # conditioned_keyed: conditioned + differences
    name = os.path.basename(packed)[:-len(".delta.npz.xz")]
    arrays = dict(np.load("data_cache/conditioned.npz"))
    with lzma.open(packed) as src:
        delta = dict(np.load(io.BytesIO(src.read())))
    for key, value in delta.items():
        if ":col" in key:
            array, column = key.split(":col")
            arrays[array] = arrays[array].copy()
            arrays[array][:, int(column)] = value
        else:
            arrays[key] = value
    np.savez(f"data_cache/{name}.npz", **arrays)
shutil.copy(".gpu/lexicon.json", "data_cache/lexicon.json")
EOF
    nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv,noheader || true
    for config in "$@"; do
        name=$(basename "$config" .toml)
        PYTHONUNBUFFERED=1 setsid nohup "$PY" -m melodystudio.training.train --config "$config" \
            >"runs/$name.out" 2>&1 </dev/null &
        echo "started $name (pid $!)"
    done
    ;;
watch)
    end=$((SECONDS + ${1:?seconds}))
    while ((SECONDS < end)) && pgrep -f melodystudio.training.train >/dev/null; do
        sleep 30
    done
    for out in runs/*.out; do
        echo "== $out"
        grep -E "model |valid|budget|Error|error" "$out" | tail -4 || true
        tail -1 "$out"
    done
    nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader || true
    uptime
    ;;
collect)
    dir=${1:?directory}
    mkdir -p "$dir"
    "$PY" - <<'EOF'
import glob, torch
for path in glob.glob("runs/*/best.pt"):
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    ckpt["model"] = {k: v.half() if v.is_floating_point() else v for k, v in ckpt["model"].items()}
    torch.save(ckpt, path.replace("best.pt", "best16.pt"))
EOF
    tar -cf - runs/*/best16.pt runs/*/train.log runs/*.out | split -b 15M - "$dir/runs.tar.part_"
    ls -l "$dir"
    ;;
join)
    dir=${1:?directory}
    cat "$dir"/runs.tar.part_* | tar -xf -
    ls -l runs/*/best16.pt
    ;;
*)
    echo "unknown command $cmd" >&2
    exit 2
    ;;
esac
