"""EarlyConvLSTMClassifier: the decision rule, the aeon API, clone and pickle."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from conftest import FAST_PARAMS
from sklearn.base import clone

from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm.early_classification import (
    AUTO_THRESHOLDS,
    EarlyConvLSTMClassifier,
    harmonic_mean,
)

CAUSAL = {**FAST_PARAMS, "variant": "causal", "max_epochs": 15, "lr": 1e-2}


@pytest.fixture(scope="module")
def early_data():
    """Two classes told apart by a bump in steps 4-8 of 30: decidable early."""
    rng = np.random.RandomState(0)
    X = rng.normal(scale=0.3, size=(40, 1, 30))
    y = np.array(["a", "b"] * 20)
    X[y == "b", 0, 4:8] += 2.5
    return X, y


@pytest.fixture(scope="module")
def fitted(early_data):
    X, y = early_data
    return EarlyConvLSTMClassifier(
        ConvLSTMClassifier(**CAUSAL), cv=2, random_state=0
    ).fit(X, y)


def test_harmonic_mean_is_aeons():
    assert harmonic_mean(1.0, 0.0) == 1.0
    assert harmonic_mean(0.0, 1.0) == 0.0
    assert harmonic_mean(0.8, 0.4) == pytest.approx(2 * 0.8 * 0.6 / 1.4)


def test_rule_is_chosen_on_the_training_folds(fitted):
    results = fitted.cv_results_
    n_rules = len(AUTO_THRESHOLDS) * len(fitted.consecutive_steps)
    assert all(len(values) == n_rules for values in results.values())
    best = int(np.argmax(results["harmonic_mean"]))
    assert fitted.threshold_ == results["threshold"][best]
    assert fitted.consecutive_steps_ == results["consecutive_steps"][best]
    assert fitted.estimator_.network_params_["conv_padding"] == "causal"
    assert fitted.full_length_ == 30 and fitted.step_size_ == 1
    np.testing.assert_array_equal(fitted.classes_, ["a", "b"])


def test_predict_returns_labels_decisions_and_steps(fitted, early_data):
    X, y = early_data
    labels, decided = fitted.predict(X)
    assert labels.shape == (40,) and decided.dtype == bool
    assert set(labels) <= {"a", "b"} and decided.all()  # whole series: all final
    prediction = fitted.predict_early(X)
    assert ((prediction.decision_steps >= 1) & (prediction.decision_steps <= 30)).all()
    np.testing.assert_allclose(prediction.probabilities.sum(axis=1), 1.0)
    probabilities, decided_too = fitted.predict_proba(X)
    np.testing.assert_array_equal(probabilities, prediction.probabilities)
    np.testing.assert_array_equal(decided_too, decided)
    # the class shows by step 8: most series are decided before the end
    assert np.median(prediction.decision_steps) < 30
    hm, accuracy, earliness = fitted.score(X, y)
    assert accuracy == pytest.approx(np.mean(prediction.labels == y))
    assert earliness == pytest.approx(np.mean(prediction.decision_steps / 30))
    assert hm == pytest.approx(harmonic_mean(accuracy, earliness))


def test_a_prefix_gives_the_decision_the_whole_series_gave(fitted, early_data):
    X, _ = early_data
    whole = fitted.predict_early(X)
    for row in np.flatnonzero(whole.decision_steps < 30)[:5]:
        step = whole.decision_steps[row]
        prefix = fitted.predict_early(X[row : row + 1, :, :step])
        assert prefix.decided[0] and prefix.decision_steps[0] == step
        assert prefix.labels[0] == whole.labels[row]
        if step > 1:  # one step earlier the rule had not fired yet
            before = fitted.predict_early(X[row : row + 1, :, : step - 1])
            assert not before.decided[0]


def test_decisions_use_the_same_probabilities_as_a_stream(fitted, early_data):
    X, _ = early_data
    prediction = fitted.predict_early(X[:4])
    stream = fitted.estimator_.stream(4)
    for t in range(1, 31):
        proba = stream.update(X[:4, :, t - 1 : t])
        for row in np.flatnonzero(prediction.decision_steps == t):
            np.testing.assert_allclose(
                proba[row], prediction.probabilities[row], atol=1e-5, rtol=0
            )


def test_unequal_lengths(early_data):
    X, y = early_data
    series = [x[:, : 18 + i % 12] for i, x in enumerate(X)]
    early = EarlyConvLSTMClassifier(
        ConvLSTMClassifier(**CAUSAL), cv=2, training_prefixes=None, random_state=0
    ).fit(series, y)
    assert early.full_length_ is None
    prediction = early.predict_early(series)
    lengths = np.array([s.shape[-1] for s in series])
    assert (prediction.decision_steps <= lengths).all()
    undecided = ~prediction.decided
    np.testing.assert_array_equal(
        prediction.decision_steps[undecided], lengths[undecided]
    )
    _, accuracy, earliness = early.score(series, y)
    assert 0 <= earliness <= 1 and 0 <= accuracy <= 1


def test_clone_and_pickle(fitted, early_data):
    X, _ = early_data
    fresh = clone(fitted)
    assert fresh.get_params()["cv"] == 2 and not hasattr(fresh, "estimator_")
    assert fresh.get_params()["estimator"] is not fitted.estimator
    again = pickle.loads(pickle.dumps(fitted))
    for ours, theirs in zip(
        again.predict_early(X), fitted.predict_early(X), strict=True
    ):
        np.testing.assert_array_equal(ours, theirs)


def test_bad_settings_are_clear_errors(early_data):
    X, y = early_data
    looking_ahead = ConvLSTMClassifier(**FAST_PARAMS)
    with pytest.raises(ValueError, match="must be causal.*variant='causal'"):
        EarlyConvLSTMClassifier(looking_ahead).fit(X, y)
    with pytest.raises(ValueError, match="probability_thresholds must be"):
        EarlyConvLSTMClassifier(probability_thresholds=(0.5, 1.5)).fit(X, y)
    with pytest.raises(ValueError, match="consecutive_steps must be"):
        EarlyConvLSTMClassifier(consecutive_steps=(0,)).fit(X, y)
    with pytest.raises(ValueError, match="training_prefixes must be"):
        EarlyConvLSTMClassifier(training_prefixes=(1.0,)).fit(X, y)
    with pytest.raises(ValueError, match="'cv' parameter"):
        EarlyConvLSTMClassifier(cv=1).fit(X, y)
    with pytest.raises(ValueError, match="needs at least 2 per class"):
        EarlyConvLSTMClassifier(ConvLSTMClassifier(**CAUSAL)).fit(
            X[:3], ["a", "a", "b"]
        )
