#!/bin/bash
# Three runs of the README's main job, from /tmp (the installed package, as a
# user runs it), with the machine's other work paused (SIGSTOP) for the runs.
# Usage: OUT=$PWD/benchmarks/results/compare_main_job/fork_server bash command.sh
set -e
cd /tmp
for i in 1 2 3; do
  load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f "wall %e s user %U sys %S" python -m sklearn_convlstm compare > "$OUT/run$i.txt" 2>&1
  echo "run $i load_before $load $(tail -1 "$OUT/run$i.txt")"
done
