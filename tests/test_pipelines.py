"""The transformers in front of ConvLSTMClassifier: pipelines, search, CV, real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import FAST_PARAMS
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from sklearn_convlstm.classifier import ConvLSTMClassifier
from sklearn_convlstm.datasets import load_ts_file
from sklearn_convlstm.preprocessing import PadTruncate, TimeSeriesScaler
from sklearn_convlstm.windowing import SlidingWindows, make_windows

SHARED_DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def classifier(**overrides) -> ConvLSTMClassifier:
    """A fast classifier; the pipeline's scaler does the scaling."""
    return ConvLSTMClassifier(**{**FAST_PARAMS, "scaling": None, **overrides})


def test_scaler_pipeline_in_grid_search(pattern_data):
    X, y = pattern_data
    pipeline = make_pipeline(TimeSeriesScaler(), classifier())
    grid = {
        "convlstmclassifier__lstm_hidden_size": [4, 8],
        "timeseriesscaler__method": ["per_channel", "per_series"],
    }
    search = GridSearchCV(pipeline, grid, cv=2).fit(X, y)

    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_params_["convlstmclassifier__lstm_hidden_size"] in (4, 8)
    fitted_scaler = search.best_estimator_.named_steps["timeseriesscaler"]
    assert fitted_scaler.method == search.best_params_["timeseriesscaler__method"]
    predictions = search.predict(X)
    assert predictions.shape == (60,)
    assert set(predictions) <= {0, 1}


def test_scaler_pipeline_in_cross_val_score(pattern_data):
    X, y = pattern_data
    pipeline = make_pipeline(TimeSeriesScaler(method="minmax"), classifier())
    scores = cross_val_score(pipeline, X, y, cv=3)
    assert scores.shape == (3,)
    assert ((scores >= 0) & (scores <= 1)).all()


def test_sliding_windows_feed_the_classifier(pattern_data):
    X, y = pattern_data  # (60, 2, 32)
    pipeline = make_pipeline(
        TimeSeriesScaler(), SlidingWindows(window_size=4, step=2), classifier()
    ).fit(X, y)
    # the classifier sees 1 + (32 - 4) // 2 = 15 windows of 2 * 4 features
    network_input = pipeline[:-1].transform(X)
    assert network_input.shape == (60, 8, 15)
    assert pipeline[-1].n_channels_in_ == 8
    predictions = pipeline.predict(X[:7])
    assert predictions.shape == (7,)
    assert set(predictions) <= {0, 1}


def _unequal_series(n_series: int, seed: int) -> tuple[list[np.ndarray], np.ndarray]:
    rng = np.random.RandomState(seed)
    y = np.arange(n_series) % 2
    series = [rng.normal(size=(3, rng.randint(10, 25))) + 2.0 * label for label in y]
    return series, y


def test_pad_truncate_feeds_the_classifier():
    series, y = _unequal_series(40, seed=0)
    pipeline = make_pipeline(PadTruncate(), classifier()).fit(series, y)
    length = pipeline.named_steps["padtruncate"].length_
    assert length == max(s.shape[1] for s in series)
    assert pipeline[-1].n_timesteps_in_ == length
    # new series of other lengths, longer ones included, are padded or truncated
    new_series, _ = _unequal_series(9, seed=1)
    new_series.append(np.zeros((3, length + 10)))
    predictions = pipeline.predict(new_series)
    assert predictions.shape == (10,)
    assert set(predictions) <= {0, 1}


def test_make_windows_with_group_kfold_cross_validation():
    rng = np.random.RandomState(0)
    recordings = [rng.normal(size=(2, rng.randint(40, 60))) for _ in range(6)]
    labels = np.arange(6) % 2
    for recording, label in zip(recordings, labels, strict=True):
        recording[0] += 3.0 * label
    X, y, groups = make_windows(recordings, labels, window_size=16, step=8)
    scores = cross_val_score(classifier(), X, y, groups=groups, cv=GroupKFold(3))
    assert scores.shape == (3,)
    assert ((scores >= 0) & (scores <= 1)).all()


@pytest.fixture(scope="module")
def japanese_vowels():
    """A subset of JapaneseVowels: 12 channels, lengths 7 to 29, 9 speakers."""
    folder = SHARED_DATASETS / "JapaneseVowels"
    if not (folder / "JapaneseVowels_TRAIN.ts").exists():
        pytest.skip(f"JapaneseVowels is not available under {folder}")
    X_train, y_train = load_ts_file(folder / "JapaneseVowels_TRAIN.ts")
    X_test, y_test = load_ts_file(folder / "JapaneseVowels_TEST.ts")
    # every 4th training series: 68 series covering all 9 speakers
    return X_train[::4], y_train[::4], X_test[:40], y_test[:40]


@pytest.mark.slow
def test_japanese_vowels_unequal_lengths_fit_predict(japanese_vowels):
    X_train, y_train, X_test, _ = japanese_vowels
    assert isinstance(X_train, list)
    assert len({series.shape[1] for series in X_train}) > 1
    assert set(y_train) == {str(label) for label in range(1, 10)}

    # native unequal-length support, behind a scaler that keeps the list
    native = make_pipeline(TimeSeriesScaler(), classifier()).fit(X_train, y_train)
    assert isinstance(native[0].transform(X_test), list)
    predictions = native.predict(X_test)
    assert predictions.shape == (40,)
    assert set(predictions) <= set(y_train)

    # the same data padded to one length first
    padded = make_pipeline(TimeSeriesScaler(), PadTruncate(), classifier())
    padded.fit(X_train, y_train)
    assert padded.named_steps["padtruncate"].length_ == max(
        series.shape[1] for series in X_train
    )
    predictions = padded.predict(X_test)
    assert predictions.shape == (40,)
    assert set(predictions) <= set(y_train)
