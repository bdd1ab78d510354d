#!/usr/bin/env bash
# The GPU measurements of issue 16 in one go (about 3-4 minutes on an H200).
#
# Usage, from a folder holding sklearn_convlstm/, benchmarks/speed/ and
# tests/ (the repository root, or a staged copy of those folders):
#
#     bash benchmarks/speed/run_gpu.sh OUT_DIR [WHEEL_DIR]
#
# WHEEL_DIR (optional) holds wheels the machine lacks (skorch, pytest, numba and
# llvmlite: without numba the random-kernel head counts with tensor operations
# on the CPU too, the same features); they
# are installed with pip --no-index --no-deps into OUT_DIR/../site, which goes
# on PYTHONPATH. Then the CUDA tests of tests/test_fast_training.py run, and
# python -m benchmarks.speed.bench_gpu writes bench_gpu.csv, bench_gpu.md and
# metadata.json into OUT_DIR. Logs: OUT_DIR/pytest_cuda.txt, bench_gpu.log.
set -u
OUT=${1:?usage: run_gpu.sh OUT_DIR [WHEEL_DIR]}
WHEELS=${2:-}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
if [ -n "$WHEELS" ]; then
    SITE=$(mktemp -d /tmp/gpu_site.XXXXXX)
    python -m pip install -q --no-index --no-deps --target "$SITE" "$WHEELS"/*.whl
    export PYTHONPATH="$SITE:$PWD${PYTHONPATH:+:$PYTHONPATH}"
else
    export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi
export BENCH_COMMIT=${BENCH_COMMIT:-$(cat COMMIT 2>/dev/null || git rev-parse HEAD 2>/dev/null || echo unknown)}
{
    date -u
    nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv
    python -c "import torch, sklearn, skorch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'cudnn', torch.backends.cudnn.version(), 'skorch', skorch.__version__, 'sklearn', sklearn.__version__)"
    lscpu | grep -E "Model name|^CPU\(s\)"
} > "$OUT/environment.txt" 2>&1
cat "$OUT/environment.txt"

echo "== CUDA tests"
timeout 150 python -m pytest tests/test_fast_training.py tests/test_explain.py -q \
    tests/test_regressor.py tests/test_random_kernels.py -p no:cacheprovider -k cuda \
    > "$OUT/pytest_cuda.txt" 2>&1
tail -n 15 "$OUT/pytest_cuda.txt"

echo "== benchmark"
timeout 330 python -m benchmarks.speed.bench_gpu --out "$OUT" ${BENCH_ARGS:-} 2>&1 | tee "$OUT/bench_gpu.log"
echo "== done: $(date -u)"
