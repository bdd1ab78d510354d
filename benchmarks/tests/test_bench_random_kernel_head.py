"""benchmarks/speed/bench_random_kernel_head: a tiny run writes the study's files."""

from __future__ import annotations

import json

import pytest

from benchmarks.harness import read_csv

TINY = "--n-series 4 --n-timesteps 30 --n-features 168 --n-train 6 --repeats 1"


def test_tiny_run_times_both_and_checks_the_features(tmp_path):
    pytest.importorskip("numba")
    pytest.importorskip("sktime")
    from benchmarks.speed import bench_random_kernel_head as bench

    out = tmp_path / "study"
    bench.main([*TINY.split(), "--out", str(out)])
    rows = read_csv([out / "random_kernel_head_speed.csv"])
    assert [row["case"] for row in rows] == [
        "head",
        "head features",
        "sktime MiniRocket + RidgeClassifierCV",
        "sktime MiniRocket transform",
    ]
    assert all(float(row["best_s"]) > 0 for row in rows)
    assert float(rows[0]["differing_feature_share"]) <= bench.MAX_DIFFERING_SHARE
    assert float(rows[0]["same_label_share"]) == 1.0
    report = (out / "random_kernel_head_speed.md").read_text()
    assert "| head |" in report and "Machine:" in report
    runs = json.loads((out / "metadata.json").read_text())["runs"]
    assert runs[0]["command"].startswith("python -m ")
    # a later run adds a before/after table from the earlier CSV
    after = tmp_path / "after"
    earlier = str(out / "random_kernel_head_speed.csv")
    bench.main([*TINY.split(), "--out", str(after), "--compare-with", earlier])
    assert "speed-up" in (after / "random_kernel_head_speed.md").read_text()
