#!/usr/bin/env bash
# One-shot training run for a machine with a CUDA GPU and many cores: fine-tunes JGR-P2O (80 % of
# the time) and the centre refiner (20 %) on the wide synthetic world from the shipped weights,
# rendering on all cores but one, then measures the result. Everything lands in OUT_DIR:
#
#   pose/, center/        model.pt (fp16), checkpoint.pt, metrics.jsonl of each network
#   eval/                 synthetic_test_results.json, hard_test_results.json (+ curves PNG),
#                         real_frames.json with the NYU and HANDS2017 overlays
#   bench_<device>.json   jgr-bench (model and pipeline stages) on the GPU, or the CPU without one
#
#   tools/gpu_train.sh OUT_DIR MINUTES [EVAL_FRAMES]
#
# Run again with the same OUT_DIR to go on from its checkpoints. MINUTES is the training time;
# evaluation (EVAL_FRAMES per test set, default 2000) and the benchmark come after it. ROS is not
# needed: PYTHON (default: the venv setup.sh made, else python3) must have torch (a CUDA build
# for a GPU), numpy, opencv, pyyaml, tqdm, matplotlib and onnxruntime. Without CUDA it runs on
# the CPU (how its test runs it, with a tiny budget).
set -euo pipefail
usage='usage: tools/gpu_train.sh OUT_DIR MINUTES [EVAL_FRAMES]'
OUT=$(realpath -m "${1:?$usage}")
MINUTES=${2:?$usage}
EVAL_FRAMES=${3:-2000}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3
export PYTHONPATH=$ROOT/jgr_ros${PYTHONPATH:+:$PYTHONPATH}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
CONFIGS=$ROOT/jgr_ros/config/train
MODELS=$ROOT/jgr_ros/jgr_ros/models
WORKERS=$(( $(nproc) > 1 ? $(nproc) - 1 : 1 ))
DEVICE=$("$PYTHON" -c 'import torch; print("cuda" if torch.cuda.is_available() else "cpu")')
share() { awk -v m="$MINUTES" -v f="$1" 'BEGIN { printf "%.4f", m * f }'; }
mkdir -p "$OUT/eval"
echo "gpu_train.sh: $MINUTES min on $DEVICE, $WORKERS data workers, into $OUT"

train() {  # NAME CONFIG SHIPPED_MODEL MINUTES
  "$PYTHON" -m jgr_ros.training.train --config "$CONFIGS/$2" --output "$OUT/$1" \
    --init "$MODELS/$3" --resume --max-minutes "$4" --workers "$WORKERS" \
    --val-frames "$(( EVAL_FRAMES < 500 ? EVAL_FRAMES : 500 ))"
}
train pose jgr_p2o_wide_mano21.yaml jgr_p2o_mano21.pt "$(share 0.8)"
train center center_refine_wide_mano21.yaml center_refine_mano21.pt "$(share 0.2)"

models=(--model "$OUT/pose/model.pt" --center-model "$OUT/center/model.pt")
"$PYTHON" -m jgr_ros.training.synthetic_eval "${models[@]}" --frames "$EVAL_FRAMES" \
  --out-dir "$OUT/eval" > "$OUT/eval/synthetic_eval.log"
"$PYTHON" -m jgr_ros.training.real_frames_eval "${models[@]}" --json "$OUT/eval/real_frames.json" \
  --overlay-dir "$OUT/eval" > /dev/null
bench_options=()   # on a CPU (no GPU here): a quick look with the node's backend only
[ "$DEVICE" = cuda ] || bench_options=(--quick --backends onnxruntime)
"$PYTHON" -m jgr_ros.bench --device "$DEVICE" --stages model,pipeline --model "$OUT/pose/model.pt" \
  "${bench_options[@]}" --json "$OUT/bench_$DEVICE.json" > "$OUT/bench_$DEVICE.log"
echo "gpu_train.sh: done; results in $OUT"
