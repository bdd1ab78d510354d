"""The streaming benchmarks: shared folds across the two arms, the report."""

from __future__ import annotations

import numpy as np

from benchmarks.harness import append_csv
from benchmarks.streaming import bench_early, teaser_arm


def test_both_arms_checksum_the_same_folds_the_same_way():
    index = np.array([5, 1, 9, 3])
    assert bench_early.checksum(index) == teaser_arm.checksum(index[::-1])
    assert bench_early.checksum(index) != bench_early.checksum(np.array([5, 1, 9, 4]))


def test_split_data_gives_the_stratified_folds_of_the_train_split():
    _, y, _, y_eval, index = bench_early.split_data(
        "ItalyPowerDemand", "cv1", 3, 0, bench_early.DATA_HOME
    )
    assert len(y) + len(y_eval) == 67 and len(index) == len(y_eval)
    _, _, _, y_test, test_index = bench_early.split_data(
        "ItalyPowerDemand", "test", 3, 0, bench_early.DATA_HOME
    )
    assert len(y_test) == 1029 and test_index.tolist() == list(range(1029))


def test_report_tables_complete_datasets_only(tmp_path):
    rows = []
    for method, hm in (("convlstm-early", 0.8), ("teaser", 0.7)):
        for split in ("cv0", "cv1", "cv2", "test"):
            rows.append(
                {
                    "method": method,
                    "dataset": "GunPoint",
                    "split": split,
                    "accuracy": 0.9,
                    "earliness": 0.3,
                    "harmonic_mean": hm,
                }
            )
    append_csv(
        [r for r in rows if r["method"] != "teaser"], tmp_path / "early_convlstm.csv"
    )
    append_csv(
        [r for r in rows if r["method"] == "teaser"], tmp_path / "early_aeon.csv"
    )
    append_csv(
        [
            {"dataset": "GunPoint", "split": f"cv{f}", "variant": v, "accuracy": a}
            for f in range(3)
            for v, a in (("default", 1.0), ("causal", 0.9))
        ],
        tmp_path / "causality.csv",
    )
    text = bench_early.report(tmp_path).read_text()
    assert "| GunPoint | 0.800 (0.900, 0.300) | 0.700 (0.900, 0.300) |  |" in text
    assert "mean harmonic mean of `convlstm-early` over them: 0.800" in text
    assert "| GunPoint | 1.000 | 0.900 | -0.100 |" in text
    assert "| ArrowHead |  |  |  |" in text
