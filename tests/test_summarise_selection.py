"""benchmarks/summarise_selection.py: per-seed and pooled CV tables."""

from __future__ import annotations

import csv

import pytest
from benchmark_loader import benchmark_module


@pytest.fixture(scope="module")
def summarise():
    with benchmark_module("summarise_selection") as module:
        yield module


def _write(path, rows):
    """Write per-fold rows given as (dataset, config, fold, seed, accuracy)."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["dataset", "config", "fold", "seed", "cv_accuracy"])
        writer.writerows(rows)


def test_tables_per_seed_and_over_seeds(summarise, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    _write(
        first,
        [
            ("ArrowHead", "default", 0, 0, 0.5),
            ("ArrowHead", "default", 1, 0, 1.0),
            ("GunPoint", "default", 0, 0, 1.0),
        ],
    )
    _write(
        second,
        [("ArrowHead", "default", 0, 1, 0.25), ("ArrowHead", "other", 0, 1, 0.5)],
    )
    out = tmp_path / "summary.md"
    summarise.main([str(first), str(second), "--out", str(out), "--title", "T"])
    lines = out.read_text().splitlines()
    assert lines[0] == "# T"
    table = lines[lines.index("| config | CV seed | GunPoint | ArrowHead |") :]
    assert table[2:] == [
        "| default | 0 | 1.000 | 0.750 |",
        "| default | 1 | - | 0.250 |",
        "| **default** | all | 1.000 | 0.583 |",  # (0.5 + 1.0 + 0.25) / 3 folds
        "| other | 1 | - | 0.500 |",
        "| **other** | all | - | 0.500 |",
    ]


def test_configs_option_keeps_and_orders_configs(summarise, tmp_path):
    source = tmp_path / "a.csv"
    _write(
        source,
        [
            ("ArrowHead", "default", 0, 0, 0.5),
            ("ArrowHead", "other", 0, 0, 1.0),
            ("ArrowHead", "dropped", 0, 0, 0.0),
        ],
    )
    out = tmp_path / "summary.md"
    summarise.main([str(source), "--out", str(out), "--configs", "other,default"])
    lines = out.read_text().splitlines()
    table = lines[lines.index("| config | CV seed | ArrowHead |") + 2 :]
    assert table == [
        "| other | 0 | 1.000 |",
        "| **other** | all | 1.000 |",
        "| default | 0 | 0.500 |",
        "| **default** | all | 0.500 |",
    ]


def test_paired_differences_count_better_equal_and_worse_seeds(summarise, tmp_path):
    source = tmp_path / "a.csv"
    _write(
        source,
        [
            ("ArrowHead", "base", 0, 0, 0.5),
            ("ArrowHead", "new", 0, 0, 0.75),  # +25 points on seed 0
            ("ArrowHead", "base", 0, 1, 0.5),
            ("ArrowHead", "new", 0, 1, 0.5),  # equal on seed 1
            ("ArrowHead", "base", 0, 2, 1.0),
            ("ArrowHead", "new", 0, 2, 0.9),  # -10 points on seed 2
            ("GunPoint", "base", 0, 0, 1.0),  # "new" never ran on GunPoint
        ],
    )
    out = tmp_path / "summary.md"
    summarise.main([str(source), "--out", str(out), "--baseline", "base"])
    lines = out.read_text().splitlines()
    table = lines[lines.index("| config minus base | GunPoint | ArrowHead |") + 2 :]
    assert table == ["| new | - | +5.0 (1/1/1 of 3) |"]
