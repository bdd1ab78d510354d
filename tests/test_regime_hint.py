"""The one-line hint ``compare`` prints for training data in a weak regime."""

from __future__ import annotations

import numpy as np
import pytest

from sklearn_convlstm import datasets
from sklearn_convlstm._classifier import RANDOM_KERNEL_MAX_SERIES_PER_CLASS
from sklearn_convlstm.cli import main
from sklearn_convlstm.compare import WEAK_REGIME_SERIES_PER_CLASS, regime_hint

N = WEAK_REGIME_SERIES_PER_CLASS


def test_no_hint_when_every_class_has_enough_series():
    assert regime_hint(["a"] * N + ["b"] * (N + 3)) is None


def test_hint_names_the_smallest_class_count_and_the_classes():
    assert N - 1 > RANDOM_KERNEL_MAX_SERIES_PER_CLASS
    labels = np.array([0] * (N - 1) + [1] * 8 + [2] * 8)  # 20 series
    assert regime_hint(labels) == (
        f"hint: the smallest class has {N - 1} training series (3 classes); "
        f"below {N} per class the default ConvLSTM adds its random-kernel ridge "
        "at weight 3 (head='auto'), which gains over the network alone on the "
        "regime tests but can still trail MiniRocket at 3 per class (see the "
        "evidence page of the documentation): compare it with --methods "
        "convlstm-default,minirocket,rf-stats before choosing."
    )


def test_hint_is_the_same_at_any_number_of_series():
    """3 per class: the default fuses at weight 3 whether 6 or 24 series."""
    many = np.repeat([f"c{i}" for i in range(8)], 3)  # 24 series
    few = np.repeat(["a", "b"], 3)  # 6 series
    assert regime_hint(many).split("; ", 1)[1] == regime_hint(few).split("; ", 1)[1]
    assert "(8 classes)" in regime_hint(many) and "(2 classes)" in regime_hint(few)


def test_hint_for_two_series_per_class_of_many_classes():
    labels = np.repeat([f"c{i}" for i in range(52)], 2)
    assert regime_hint(labels) == (
        "hint: the smallest class has 2 training series (52 classes); with at "
        "most 2 per class the default ConvLSTM adds its random-kernel ridge head "
        "(head='auto'), level with MiniRocket on the regime tests, where the "
        "network alone trails it (see the evidence page of the documentation)."
    )


def test_empty_labels_are_refused():
    with pytest.raises(ValueError, match="y_train is empty; regime_hint needs"):
        regime_hint([])


def test_compare_prints_the_hint_before_running(monkeypatch, capsys):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(12, 1, 30)).astype(np.float32)
    y = np.repeat(["a", "b", "c"], 4)

    def fake_load(name, data_home=None):
        return X, y, X, y

    monkeypatch.setattr(datasets, "load_dataset", fake_load)
    assert main(["compare", "--methods", "rf-stats", "--no-progress"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == regime_hint(y)
    assert lines[1].startswith("hint: the smallest class has 4 training series")


def test_compare_prints_no_hint_on_gunpoint_sized_classes(monkeypatch, capsys):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(2 * N, 1, 30)).astype(np.float32)
    y = np.repeat(["a", "b"], N)
    monkeypatch.setattr(
        datasets, "load_dataset", lambda name, data_home=None: (X, y, X, y)
    )
    assert main(["compare", "--methods", "rf-stats", "--no-progress"]) == 0
    assert "hint:" not in capsys.readouterr().out
