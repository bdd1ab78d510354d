"""bench_gpu runs end to end on the CPU (--quick) and writes its study files."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


# Slow (20 s on a quiet machine, minutes on busy cores): runs the whole GPU
# benchmark script (`--quick`) in a subprocess on the CPU.
@pytest.mark.slow
def test_gpu_benchmark_runs_quick_on_cpu(tmp_path):
    command = [
        sys.executable,
        "-m",
        "benchmarks.speed.bench_gpu",
        "--quick",
        "--device",
        "cpu",
        "--out",
        str(tmp_path),
    ]
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-2000:]
    with (tmp_path / "bench_gpu.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    sections = {row["section"] for row in rows}
    assert sections == {
        "throughput 64x1x40",
        "throughput 64x1x60",
        "mixed precision 64x1x60 on cpu",
        "mixed precision 64x1x40 on cpu",
        "large data 128x3x50",
        "GunPoint default fit",
    }
    assert not [row for row in rows if row["case"].startswith("FAILED")]
    cases = [row["case"] for row in rows if row["section"] == "throughput 64x1x40"]
    assert cases == [
        "train: hand-written PyTorch loop",
        "train: fit (cuda_graphs='auto', the default)",
        "train: fit (cuda_graphs=False)",
        "predict: softmax(module(x))",
        "predict: predict_proba",
    ]
    gunpoint = [row for row in rows if row["section"] == "GunPoint default fit"]
    assert 0 < float(gunpoint[0]["accuracy"]) <= 1
    metadata = json.loads((tmp_path / "metadata.json").read_text())
    assert {"command", "commit", "date", "machine"} <= set(metadata)
    assert metadata["machine"]["device"] == "cpu"
    assert "## large data 128x3x50" in (tmp_path / "bench_gpu.md").read_text()
