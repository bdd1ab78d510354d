#!/bin/bash
# Rerun this study from the repository root (the "before" tree is commit
# 37e614f, whose compare code is that of 51007db: git archive 37e614f | tar -x -C /tmp/orig).
# Each run: nice -n NICE, /usr/bin/time -v, the load average before and after.
#   after, parallel (default --n-jobs = usable cores, at most 4):
#     nice -n -20 /usr/bin/time -v python -m sklearn_convlstm compare --no-progress --out OUT
#   after, one process:       ... compare --no-progress --n-jobs 1 --out OUT
#   before (serial):          cd /tmp/orig && PYTHONPATH=/tmp/orig nice -n -20 /usr/bin/time -v python -m sklearn_convlstm compare --no-progress --out OUT
#   cold numba cache:         NUMBA_CACHE_DIR=$(mktemp -d) before either of them
set -e
uptime
nice -n "${NICE:--5}" /usr/bin/time -v python -m sklearn_convlstm compare --no-progress --out "${OUT:-/tmp/compare_main_job}" "$@"
uptime
