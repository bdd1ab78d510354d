"""benchmarks/selection/summarise_selection: per-seed and pooled CV tables."""

from __future__ import annotations

import csv
import json

import pytest

from benchmarks.selection import summarise_selection as summarise


def _write(path, rows):
    """Write per-fold rows given as (dataset, config, fold, seed, accuracy)."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["dataset", "config", "fold", "seed", "cv_accuracy"])
        writer.writerows(rows)


def test_tables_per_seed_and_over_seeds(tmp_path):
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
    out = tmp_path / "study"
    summarise.main([str(first), str(second), "--out", str(out), "--title", "T"])
    lines = (out / "summary.md").read_text().splitlines()
    assert lines[0] == "# T"
    table = lines[lines.index("| config | CV seed | GunPoint | ArrowHead |") :]
    assert table[2:] == [
        "| default | 0 | 1.000 | 0.750 |",
        "| default | 1 | - | 0.250 |",
        "| **default** | all | 1.000 | 0.583 |",  # (0.5 + 1.0 + 0.25) / 3 folds
        "| other | 1 | - | 0.500 |",
        "| **other** | all | - | 0.500 |",
    ]


def test_configs_option_keeps_and_orders_configs(tmp_path):
    source = tmp_path / "a.csv"
    _write(
        source,
        [
            ("ArrowHead", "default", 0, 0, 0.5),
            ("ArrowHead", "other", 0, 0, 1.0),
            ("ArrowHead", "dropped", 0, 0, 0.0),
        ],
    )
    summarise.main([str(source), "--out", str(tmp_path), "--configs", "other,default"])
    lines = (tmp_path / "summary.md").read_text().splitlines()
    table = lines[lines.index("| config | CV seed | ArrowHead |") + 2 :]
    assert table == [
        "| other | 0 | 1.000 |",
        "| **other** | all | 1.000 |",
        "| default | 0 | 0.500 |",
        "| **default** | all | 0.500 |",
    ]


def test_paired_differences_count_better_equal_and_worse_seeds(tmp_path):
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
    summarise.main([str(source), "--out", str(tmp_path), "--baseline", "base"])
    lines = (tmp_path / "summary.md").read_text().splitlines()
    table = lines[lines.index("| config minus base | GunPoint | ArrowHead |") + 2 :]
    assert table == ["| new | - | +5.0 (1/1/1 of 3) |"]


def test_without_csvs_it_reads_the_study_folders_seed_files_in_seed_order(tmp_path):
    _write(tmp_path / "cv_seed10.csv", [("ArrowHead", "default", 0, 10, 0.25)])
    _write(tmp_path / "cv_seed2.csv", [("ArrowHead", "default", 0, 2, 0.75)])
    _write(tmp_path / "other.csv", [("ArrowHead", "default", 0, 5, 0.0)])  # ignored
    summarise.main(["--out", str(tmp_path)])
    text = (tmp_path / "summary.md").read_text()
    table = text.splitlines()[
        text.splitlines().index("| config | CV seed | ArrowHead |") + 2 :
    ]
    assert table == [
        "| default | 2 | 0.750 |",
        "| default | 10 | 0.250 |",
        "| **default** | all | 0.500 |",
    ]
    assert (
        f"Sources: `{tmp_path / 'cv_seed2.csv'}`, `{tmp_path / 'cv_seed10.csv'}`."
        in text
    )
    (run,) = json.loads((tmp_path / "metadata.json").read_text())["runs"]
    assert run["command"] == (
        f"python -m benchmarks.selection.summarise_selection --out {tmp_path}"
    )


def test_an_empty_study_folder_is_an_error(tmp_path, capsys):
    with pytest.raises(SystemExit):
        summarise.main(["--out", str(tmp_path)])
    assert f"no CSV given and no cv_seed*.csv in {tmp_path}" in capsys.readouterr().err
