"""benchmarks/selection/bench_cv_vs_test_accuracy: CV rows, CV-vs-test, shift AUC."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from benchmarks.selection import bench_cv_vs_test_accuracy as bench


def _write_tsv(path: Path, X: np.ndarray, y: np.ndarray) -> None:
    with path.open("w") as handle:
        for label, series in zip(y, X, strict=True):
            handle.write("\t".join([str(label), *(f"{v:.6f}" for v in series)]) + "\n")


@pytest.fixture(scope="module")
def data_home(tmp_path_factory):
    """Two univariate datasets: test split like the training split, and shifted."""
    home = tmp_path_factory.mktemp("ucr")
    rng = np.random.default_rng(0)
    for name, offset in (("Alike", 0.0), ("Shifted", 3.0)):
        X = rng.normal(size=(80, 30))
        y = np.tile([1, 2], 40)
        _write_tsv(home / f"{name}_TRAIN.tsv", X[:40], y[:40])
        _write_tsv(home / f"{name}_TEST.tsv", X[40:] + offset, y[40:])
    return home


@pytest.mark.slow  # cross-validated forests on four real splits (3-4 s)
def test_shift_auc_separates_shifted_splits_from_alike_ones(data_home):
    alike = bench.split_shift_auc("Alike", 0, data_home)
    shifted = bench.split_shift_auc("Shifted", 0, data_home)
    assert shifted > 0.95
    assert alike < 0.75


def test_main_cross_validates_and_reports_test_minus_cv(tmp_path):
    study = tmp_path / "study"
    test_csv = tmp_path / "test.csv"
    with test_csv.open("w", newline="") as handle:
        writer = csv.DictWriter(
            handle,
            fieldnames=[
                "dataset",
                "method",
                "seed",
                "accuracy",
                "fit_seconds",
                "predict_seconds",
            ],
        )
        writer.writeheader()
        writer.writerows(
            [
                {
                    "dataset": "ItalyPowerDemand",
                    "method": "rf-stats",
                    "seed": seed,
                    "accuracy": accuracy,
                    "fit_seconds": 1.0,
                    "predict_seconds": 0.1,
                }
                for seed, accuracy in enumerate([0.5, 0.7])
            ]
        )
    argv = ["--methods", "rf-stats", "--datasets", "ItalyPowerDemand", "--seeds", "0"]
    argv += ["--jobs", "1", "--data-home", ""]
    bench.main([*argv, "--test-csv", str(test_csv), "--out", str(study)])
    with (study / "cv.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["config"], r["fold"], r["seed"]) for r in rows] == [
        ("rf-stats", str(fold), "0") for fold in range(5)
    ]
    cv = np.mean([float(r["cv_accuracy"]) for r in rows])
    report = (study / "cv_vs_test.md").read_text()
    expected = (
        f"| ItalyPowerDemand | rf-stats | {cv:.3f} (1) | 0.600 (2) | "
        f"{(0.6 - cv) * 100:+.1f} |"
    )
    assert expected in report
    assert f"| rf-stats | {cv:.3f} | 0.600 |" in report


def test_renamed_rows_count_as_the_new_method(tmp_path):
    selection = tmp_path / "selection.csv"
    with selection.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=bench.CV_FIELDS)
        writer.writeheader()
        for fold, accuracy in enumerate([1.0, 0.5]):
            writer.writerow(
                {
                    "dataset": "GunPoint",
                    "config": "conv_skip",
                    "fold": fold,
                    "seed": 3,
                    "cv_accuracy": accuracy,
                    "fit_seconds": 1.0,
                }
            )
    test_csv = tmp_path / "test.csv"
    test_csv.write_text(
        "dataset,method,seed,accuracy,fit_seconds,predict_seconds\n"
        "GunPoint,convlstm-default,0,0.9,1.0,0.1\n"
    )
    bench.main(
        [
            "--datasets",
            "GunPoint",
            "--cv-csv",
            str(selection),
            "--rename",
            "conv_skip=convlstm-default",
            "--report-methods",
            "convlstm-default",
            "--test-csv",
            str(test_csv),
            "--out",
            str(tmp_path),
        ]
    )
    assert "| GunPoint | convlstm-default | 0.750 (1) | 0.900 (1) | +15.0 |" in (
        (tmp_path / "cv_vs_test.md").read_text()
    )
    assert not (tmp_path / "cv.csv").exists()  # nothing cross-validated now
