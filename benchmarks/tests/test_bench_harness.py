"""benchmarks/harness.py: folds, metadata, tables and command lines of every script."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold

from benchmarks import harness
from sklearn_convlstm.datasets import load_dataset


def test_train_split_folds_are_stratified_kfold_on_the_training_split_only():
    folds = list(harness.train_split_folds(["ItalyPowerDemand"], 5, 3, None))
    X_train, y_train = load_dataset("ItalyPowerDemand", split="train")
    expected = StratifiedKFold(5, shuffle=True, random_state=3).split(
        np.zeros(len(y_train)), y_train
    )
    assert [fold[:2] for fold in folds] == [("ItalyPowerDemand", k) for k in range(5)]
    for (_, _, X, y, train, test), (train_expected, test_expected) in zip(
        folds, expected, strict=True
    ):
        np.testing.assert_array_equal(X, X_train)  # the TRAIN split, nothing else
        np.testing.assert_array_equal(y, y_train)
        np.testing.assert_array_equal(train, train_expected)
        np.testing.assert_array_equal(test, test_expected)
    held_out = np.sort(np.concatenate([fold[5] for fold in folds]))
    np.testing.assert_array_equal(held_out, np.arange(len(y_train)))


def test_take_indexes_arrays_and_lists_of_series_alike():
    X = np.arange(12.0).reshape(4, 1, 3)
    np.testing.assert_array_equal(harness.take(X, [2, 0]), X[[2, 0]])
    series = [np.zeros((1, n)) for n in (3, 5, 7)]
    assert [s.shape[1] for s in harness.take(series, np.array([2, 0]))] == [7, 3]


def test_metadata_records_each_run_and_replaces_or_appends(tmp_path):
    harness.write_metadata(tmp_path, command="python -m a", wall_seconds=1.26)
    harness.write_metadata(tmp_path, command="python -m b", append=True)
    runs = harness.read_metadata(tmp_path)["runs"]
    assert [run["command"] for run in runs] == ["python -m a", "python -m b"]
    assert runs[0]["wall_seconds"] == 1.3
    first = runs[0]
    assert set(first) == {
        "command",
        "commit",
        "date",
        "machine",
        "load_average",
        "wall_seconds",
        "defaults_in_force",
        "extra",
    }
    defaults = first["defaults_in_force"]["ConvLSTMClassifier"]
    assert defaults["lr_schedule"] == "onecycle"
    assert defaults["weight_decay"] == 0.1
    harness.write_metadata(tmp_path, command="python -m c", extra={"k": (1, 2)})
    (run,) = json.loads((tmp_path / "metadata.json").read_text())["runs"]
    assert (run["command"], run["extra"]) == ("python -m c", {"k": [1, 2]})
    assert harness.read_metadata(tmp_path / "missing") == {}


def test_command_line_reruns_the_module_with_quoted_arguments():
    command = harness.command_line(
        "benchmarks.speed.bench_speed", ["--out", "a b", "--quick"]
    )
    assert command == "python -m benchmarks.speed.bench_speed --out 'a b' --quick"


def test_csv_round_trip_appends_under_one_header(tmp_path):
    path = tmp_path / "rows.csv"
    harness.append_csv([{"a": 1, "b": "x"}], path)
    harness.append_csv([{"a": 2, "b": "y"}], path)
    assert path.read_text().splitlines() == ["a,b", "1,x", "2,y"]
    assert harness.read_csv([path, path])[3] == {"a": "2", "b": "y"}


def test_markdown_table_and_cv_means():
    assert harness.markdown_table(["a", "b"], [["1", "2"]]).splitlines() == [
        "| a | b |",
        "|---|---|",
        "| 1 | 2 |",
    ]
    rows = [
        {"dataset": "X", "config": "c", "seed": "0", "cv_accuracy": "0.5"},
        {"dataset": "X", "config": "c", "seed": "1", "cv_accuracy": "1.0"},
        {"dataset": "GunPoint", "config": "c", "seed": "1", "cv_accuracy": "0.25"},
    ]
    assert harness.mean_cv_accuracy(rows, "X", "c", None) == 0.75
    assert harness.mean_cv_accuracy(rows, "X", "c", 1) == 1.0
    assert np.isnan(harness.mean_cv_accuracy(rows, "X", "other", None))
    assert harness.datasets_of(rows) == ["GunPoint", "X"]  # the five first


def test_comma_ints_names_what_it_got():
    assert harness.comma_ints("0, 1,2") == [0, 1, 2]
    with pytest.raises(Exception, match="comma-separated integers .* got '0,a'"):
        harness.comma_ints("0,a")
