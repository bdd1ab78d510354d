"""``python -m benchmarks.speed.bench_memory --quick``: it runs, writes its files."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]


# Slow (9-17 s): runs the memory benchmark script (`--quick`) in a subprocess
# that imports torch and fits on a memmap.
@pytest.mark.slow
@pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="RssAnon needs Linux /proc"
)
def test_quick_run_writes_csv_report_and_metadata(tmp_path):
    out = tmp_path / "results"
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    command = [
        sys.executable,
        "-m",
        "benchmarks.speed.bench_memory",
        "--quick",
        "--dtype",
        "float64",
        "--out",
        str(out),
        "--data-dir",
        str(data_dir),
    ]
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPOSITORY),
        "OMP_NUM_THREADS": "1",
        "PYTHONWARNINGS": "ignore",
    }
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        cwd=REPOSITORY,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    with open(out / "memory.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["phase"] for row in rows] == [
        "write_file",
        "fit_1_epoch",
        "predict_proba",
    ]
    assert {row["n_series"] for row in rows} == {"2048"}
    assert {row["dtype"] for row in rows} == {"float64"}
    assert float(rows[0]["data_mib"]) == 4.0  # 2,048 x 1 x 256 float64
    for row in rows[1:]:
        assert float(row["peak_rss_anon_mib"]) >= float(row["baseline_rss_anon_mib"])
        assert float(row["seconds"]) > 0
    (run,) = json.loads((out / "metadata.json").read_text())["runs"]
    assert run["command"].startswith(
        "python -m benchmarks.speed.bench_memory --quick --dtype float64"
    )
    assert set(run) >= {"command", "commit", "date", "machine", "defaults_in_force"}
    assert run["extra"]["cpu_count"] == os.cpu_count()
    assert run["extra"]["parameters"]["n_series"] == 2048
    assert run["extra"]["network"]["conv_channels"] == [4]
    report = (out / "memory.md").read_text()
    assert run["command"] in report
    assert "| fit_1_epoch |" in report and "| predict_proba |" in report
    assert "Target (peak RssAnon under 1 GiB" in report
    assert list(data_dir.iterdir()) == []  # the data file was deleted
