"""Tests for make_feature_baseline (sklearn_convlstm.baselines)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.linear_model import RidgeClassifierCV
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline

from sklearn_convlstm import Catch22Features, StatisticalFeatures
from sklearn_convlstm.baselines import make_feature_baseline

FAST_FOREST = {"n_estimators": 20}


@pytest.fixture(scope="module")
def spike_data():
    """Channel 0 of class 1 has a spike at a random position; 80 series."""
    rng = np.random.RandomState(0)
    n_samples, n_timesteps = 80, 40
    X = rng.normal(scale=0.3, size=(n_samples, 2, n_timesteps))
    y = np.arange(n_samples) % 2
    positions = rng.randint(3, n_timesteps - 3, size=n_samples)
    X[y == 1, 0, positions[y == 1]] += 3.0
    return X, y


def split(X, y, n_train=60):
    return X[:n_train], X[n_train:], y[:n_train], y[n_train:]


@pytest.mark.parametrize(
    "kind, features", [("stats", StatisticalFeatures), ("catch22", Catch22Features)]
)
def test_baseline_learns_a_spike(spike_data, kind, features):
    if kind == "catch22":
        pytest.importorskip("pycatch22")
    X_train, X_test, y_train, y_test = split(*spike_data)
    baseline = make_feature_baseline(kind, random_state=0, **FAST_FOREST)
    assert isinstance(baseline, Pipeline)
    assert list(baseline.named_steps) == ["features", "classifier"]
    assert isinstance(baseline.named_steps["features"], features)
    baseline.fit(X_train, y_train)
    assert baseline.score(X_test, y_test) >= 0.8  # chance is 0.5
    assert_array_equal(baseline.classes_, [0, 1])
    assert baseline.predict_proba(X_test).shape == (20, 2)


def test_default_forest_and_reproducibility(spike_data):
    baseline = make_feature_baseline(random_state=7)
    forest = baseline.named_steps["classifier"]
    assert isinstance(forest, RandomForestClassifier)
    assert forest.n_estimators == 200
    assert forest.random_state == 7
    X_train, X_test, y_train, _ = split(*spike_data)
    baseline.set_params(classifier__n_estimators=10)
    first = baseline.fit(X_train, y_train).predict_proba(X_test)
    second = clone(baseline).fit(X_train, y_train).predict_proba(X_test)
    assert_array_equal(first, second)


def test_forest_parameters_are_passed_through():
    forest = make_feature_baseline(
        n_estimators=5, max_depth=3, n_jobs=2, random_state=1
    ).named_steps["classifier"]
    assert (forest.n_estimators, forest.max_depth, forest.n_jobs) == (5, 3, 2)


def test_unknown_kind_lists_the_choices():
    with pytest.raises(
        ValueError, match=r"kind must be one of \['catch22', 'stats'\]; got 'rocket'"
    ):
        make_feature_baseline("rocket")


def test_cross_val_score_and_grid_search(spike_data):
    X, y = spike_data
    baseline = make_feature_baseline("stats", random_state=0, **FAST_FOREST)
    cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    scores = cross_val_score(baseline, X, y, cv=cv)
    assert scores.shape == (3,)
    assert scores.mean() >= 0.9
    search = GridSearchCV(
        baseline,
        param_grid={
            "classifier__max_depth": [1, None],
            "features__n_spectral_bands": [0, 4],
        },
        cv=cv,
    )
    search.fit(X, y)
    assert set(search.best_params_) == {
        "classifier__max_depth",
        "features__n_spectral_bands",
    }
    assert search.best_score_ >= 0.9
    assert search.predict(X[:5]).shape == (5,)


def test_unequal_length_list_input():
    rng = np.random.RandomState(1)
    y = np.arange(60) % 2
    X = []
    for label in y:
        series = rng.normal(scale=0.3, size=(2, rng.randint(15, 41)))
        if label == 1:
            series[0, rng.randint(series.shape[1])] += 3.0
        X.append(series)
    baseline = make_feature_baseline("stats", random_state=0, **FAST_FOREST)
    assert cross_val_score(baseline, X, y, cv=3).mean() >= 0.8
    baseline.fit(X[:45], y[:45])
    assert baseline.predict(X[45:]).shape == (15,)


def test_custom_estimator_is_cloned_and_seeded(spike_data):
    trees = ExtraTreesClassifier(n_estimators=10)
    baseline = make_feature_baseline(estimator=trees, random_state=3)
    step = baseline.named_steps["classifier"]
    assert isinstance(step, ExtraTreesClassifier)
    assert step is not trees
    assert step.random_state == 3
    assert trees.random_state is None  # the user's estimator is untouched
    # deterministic estimators without random_state are fine too
    ridge = make_feature_baseline(estimator=RidgeClassifierCV(), random_state=3)
    X_train, X_test, y_train, y_test = split(*spike_data)
    assert ridge.fit(X_train, y_train).score(X_test, y_test) >= 0.8


def test_forest_parameters_with_custom_estimator_are_rejected():
    with pytest.raises(ValueError, match=r"random-forest parameters \['max_depth'\]"):
        make_feature_baseline(estimator=RidgeClassifierCV(), max_depth=3)


@pytest.fixture(scope="module")
def level_data():
    """y is the level of a window of channel 0, plus noise; 80 series."""
    rng = np.random.RandomState(0)
    X = rng.normal(scale=0.3, size=(80, 2, 40))
    level = rng.uniform(-2, 2, size=80)
    X[:, 0, 10:30] += level[:, None]
    return X, 10 * level + rng.normal(scale=0.1, size=80)


def test_regression_baseline_is_a_forest_regressor(level_data):
    from sklearn.ensemble import RandomForestRegressor

    X, y = level_data
    baseline = make_feature_baseline(task="regression", random_state=0, **FAST_FOREST)
    assert list(baseline.named_steps) == ["features", "regressor"]
    assert isinstance(baseline.named_steps["regressor"], RandomForestRegressor)
    baseline.fit(X[:60], y[:60])
    assert baseline.score(X[60:], y[60:]) > 0.8  # R²
    with pytest.raises(ValueError, match="task must be 'classification' or 'regr"):
        make_feature_baseline(task="ranking")


# Up to 30 s on a fresh machine: the first MiniRocket call of the run compiles
# sktime's numba kernels (cached on disk afterwards).
@pytest.mark.slow
def test_minirocket_ridge_regressor(level_data):
    pytest.importorskip("sktime")
    from sklearn.base import is_regressor

    from sklearn_convlstm.baselines import MiniRocketRidgeRegressor

    X, y = level_data
    model = MiniRocketRidgeRegressor(num_kernels=168, random_state=0)
    assert is_regressor(model)
    model.fit(X[:60], y[:60])
    assert model.predict(X[60:]).shape == (20,)
    assert model.score(X[60:], y[60:]) > 0.8
    two = MiniRocketRidgeRegressor(num_kernels=168, random_state=0)
    assert two.fit(X[:60], np.c_[y[:60], -y[:60]]).predict(X[:3]).shape == (3, 2)
