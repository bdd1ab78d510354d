"""The transformers in front of ConvLSTMClassifier: pipelines, search, CV, real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import FAST_PARAMS
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    cross_val_score,
    cross_validate,
)
from sklearn.pipeline import make_pipeline

from sklearn_convlstm import (
    ConvLSTMClassifier,
    PadTruncate,
    SlidingWindows,
    TimeSeriesScaler,
    make_windows,
)
from sklearn_convlstm.datasets import load_ts_file

SHARED_DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def classifier(**overrides) -> ConvLSTMClassifier:
    """A fast classifier; the pipeline's scaler does the scaling."""
    return ConvLSTMClassifier(**{**FAST_PARAMS, "scaling": None, **overrides})


def learner(max_epochs: int, **overrides) -> ConvLSTMClassifier:
    """The fast classifier trained long enough to learn the tiny data sets here.

    lr=1e-2 and ``max_epochs`` were measured per test: each learns its data
    (accuracy >= 0.9) with a margin of epochs, in well under a second.
    """
    return classifier(max_epochs=max_epochs, lr=1e-2, **overrides)


def _amplitude_data(n_series: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian noise whose class is its amplitude: 1 (class 0) or 3 (class 1).

    Scaling each channel over the whole data set keeps the difference; scaling
    each series to unit variance removes it, leaving nothing to learn.
    """
    rng = np.random.RandomState(seed)
    y = np.arange(n_series) % 2
    X = rng.normal(size=(n_series, 1, 32)) * (1.0 + 2.0 * y)[:, None, None]
    return X, y


def test_scaler_pipeline_in_grid_search():
    X, y = _amplitude_data(60, seed=1)
    pipeline = make_pipeline(TimeSeriesScaler(), learner(max_epochs=20))
    grid = {
        "convlstmclassifier__lstm_hidden_size": [4, 8],
        "timeseriesscaler__method": ["per_channel", "per_series"],
    }
    search = GridSearchCV(pipeline, grid, cv=2).fit(X, y)

    results = search.cv_results_
    assert list(results["param_convlstmclassifier__lstm_hidden_size"]) == [4, 4, 8, 8]
    assert (
        list(results["param_timeseriesscaler__method"])
        == [
            "per_channel",
            "per_series",
        ]
        * 2
    )
    # The scaler's parameter reaches the scaler and decides the score: per
    # channel the amplitude is learnt; per series it is erased (chance, 0.5).
    per_channel = results["mean_test_score"][[0, 2]]
    per_series = results["mean_test_score"][[1, 3]]
    assert per_channel.min() >= 0.9
    assert per_series.max() <= 0.7
    ranks = results["rank_test_score"]
    assert ranks[[0, 2]].max() < ranks[[1, 3]].min()
    assert search.best_params_["timeseriesscaler__method"] == "per_channel"
    fitted_scaler = search.best_estimator_.named_steps["timeseriesscaler"]
    assert fitted_scaler.method == "per_channel"
    # The refitted best pipeline classifies new series of the same kind.
    X_new, y_new = _amplitude_data(40, seed=2)
    predictions = search.predict(X_new)
    assert predictions.shape == (40,)
    assert np.mean(predictions == y_new) >= 0.9


def test_scaler_pipeline_in_cross_val_score(pattern_data):
    X, y = pattern_data
    # min-max scaled data (all in [0, 1]) needs about 20 epochs here; with
    # 10, every fold still predicts one class (0.5).
    pipeline = make_pipeline(TimeSeriesScaler(method="minmax"), learner(20))
    scores = cross_val_score(pipeline, X, y, cv=3)
    assert scores.shape == (3,)
    assert scores.min() >= 0.9


def test_sliding_windows_feed_the_classifier(pattern_data):
    X, y = pattern_data  # (60, 2, 32)
    pipeline = make_pipeline(
        TimeSeriesScaler(), SlidingWindows(window_size=4, step=2), learner(20)
    ).fit(X[:40], y[:40])
    # the classifier sees 1 + (32 - 4) // 2 = 15 windows of 2 * 4 features
    network_input = pipeline[:-1].transform(X)
    assert network_input.shape == (60, 8, 15)
    assert pipeline[-1].n_channels_in_ == 8
    # it learns the spike through the windows: held-out series are classified
    predictions = pipeline.predict(X[40:])
    assert predictions.shape == (20,)
    assert np.mean(predictions == y[40:]) >= 0.9


def _unequal_series(n_series: int, seed: int) -> tuple[list[np.ndarray], np.ndarray]:
    rng = np.random.RandomState(seed)
    y = np.arange(n_series) % 2
    series = [rng.normal(size=(3, rng.randint(10, 25))) + 2.0 * label for label in y]
    return series, y


def test_pad_truncate_feeds_the_classifier():
    series, y = _unequal_series(40, seed=0)
    pipeline = make_pipeline(PadTruncate(), learner(8)).fit(series, y)
    length = pipeline.named_steps["padtruncate"].length_
    assert length == max(s.shape[1] for s in series)
    assert pipeline[-1].n_timesteps_in_ == length
    # new series of other lengths, longer ones included, are padded or truncated
    new_series, new_y = _unequal_series(20, seed=1)
    longer = [np.full((3, length + 10), 2.0), np.zeros((3, length + 10))]
    predictions = pipeline.predict(new_series + longer)
    assert predictions.shape == (22,)
    # the class is the series' offset (0 or 2): it is learnt
    assert np.mean(predictions[:20] == new_y) >= 0.9
    assert list(predictions[20:]) == [1, 0]


def test_make_windows_with_group_kfold_cross_validation():
    rng = np.random.RandomState(0)
    recordings = [rng.normal(size=(2, rng.randint(40, 60))) for _ in range(6)]
    labels = np.arange(6) % 2
    for recording, label in zip(recordings, labels, strict=True):
        recording[0] += 3.0 * label
    X, y, groups = make_windows(recordings, labels, window_size=16, step=8)
    results = cross_validate(
        learner(20), X, y, groups=groups, cv=GroupKFold(3), return_indices=True
    )
    # The windows of a recording are all in one test fold and never in that
    # fold's training rows: each test fold holds two whole recordings.
    folds = zip(results["indices"]["train"], results["indices"]["test"], strict=True)
    for train, test in folds:
        assert set(groups[train]).isdisjoint(groups[test])
        assert len(set(groups[test])) == 2
        assert len(set(groups[train])) == 4
    tested = np.sort(np.concatenate(results["indices"]["test"]))
    np.testing.assert_array_equal(tested, np.arange(len(y)))
    # The channel offset (3.0 for class 1) is learnt from the windows of 4
    # recordings (about 22, so 20 epochs of 2 batches; with 10 one fold still
    # scores 0) and recognised on the 2 unseen recordings.
    scores = results["test_score"]
    assert scores.shape == (3,)
    assert scores.min() >= 0.9


@pytest.fixture(scope="module")
def japanese_vowels():
    """A subset of JapaneseVowels: 12 channels, lengths 7 to 29, 9 speakers."""
    folder = SHARED_DATASETS / "JapaneseVowels"
    if not (folder / "JapaneseVowels_TRAIN.ts").exists():
        pytest.skip(f"JapaneseVowels is not available under {folder}")
    X_train, y_train = load_ts_file(folder / "JapaneseVowels_TRAIN.ts")
    X_test, y_test = load_ts_file(folder / "JapaneseVowels_TEST.ts")
    # every 4th training series: 68 series covering all 9 speakers; every 9th
    # test series: 42 series of all 9 speakers (the file is sorted by speaker)
    return X_train[::4], y_train[::4], X_test[::9], y_test[::9]


@pytest.mark.slow
def test_japanese_vowels_unequal_lengths_fit_predict(japanese_vowels):
    X_train, y_train, X_test, y_test = japanese_vowels
    assert isinstance(X_train, list)
    assert len({series.shape[1] for series in X_train}) > 1
    assert set(y_train) == {str(label) for label in range(1, 10)}

    # native unequal-length support, behind a scaler that keeps the list
    # 30 epochs: measured 0.81 (native) and 0.83 (padded) test accuracy; chance
    # is 1/9, and 2 epochs give 0.15
    native = make_pipeline(TimeSeriesScaler(), learner(30)).fit(X_train, y_train)
    assert isinstance(native[0].transform(X_test), list)
    predictions = native.predict(X_test)
    assert predictions.shape == (42,)
    assert np.mean(predictions == y_test) >= 0.7

    # the same data padded to one length first
    padded = make_pipeline(TimeSeriesScaler(), PadTruncate(), learner(30))
    padded.fit(X_train, y_train)
    assert padded.named_steps["padtruncate"].length_ == max(
        series.shape[1] for series in X_train
    )
    predictions = padded.predict(X_test)
    assert predictions.shape == (42,)
    assert np.mean(predictions == y_test) >= 0.7
