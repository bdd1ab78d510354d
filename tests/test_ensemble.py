"""Seed ensembles of ConvLSTMClassifier (soft-voting VotingClassifier)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from conftest import FAST_PARAMS
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier, VotingClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline

from sklearn_convlstm import ConvLSTMClassifier, TimeSeriesScaler
from sklearn_convlstm.ensemble import make_seed_ensemble, member_seeds


def test_member_seeds_are_distinct_reproducible_and_independent_across_bases():
    seeds = member_seeds(0, 5)
    assert len(set(seeds)) == 5
    assert seeds == member_seeds(0, 5)
    assert not set(seeds) & set(member_seeds(1, 5))
    assert all(0 <= seed < 2**31 for seed in seeds)
    assert member_seeds(None, 3) == [None, None, None]
    drawn = member_seeds(np.random.RandomState(0), 3)
    assert drawn == member_seeds(np.random.RandomState(0), 3)


def test_ensemble_averages_the_members_probabilities(pattern_data):
    X, y = pattern_data
    ensemble = make_seed_ensemble(ConvLSTMClassifier(**FAST_PARAMS), 3)
    assert isinstance(ensemble, VotingClassifier) and ensemble.voting == "soft"
    seeds = [member.random_state for _, member in ensemble.estimators]
    assert seeds == member_seeds(FAST_PARAMS["random_state"], 3)
    ensemble.fit(X, y)
    members = [member.predict_proba(X) for member in ensemble.estimators_]
    assert not np.allclose(members[0], members[1])  # different seeds, different nets
    np.testing.assert_allclose(ensemble.predict_proba(X), np.mean(members, axis=0))
    np.testing.assert_array_equal(
        ensemble.predict(X), ensemble.classes_[np.mean(members, axis=0).argmax(1)]
    )


def test_same_random_state_same_predictions_and_pickle_round_trip(pattern_data):
    X, y = pattern_data
    first = make_seed_ensemble(ConvLSTMClassifier(**FAST_PARAMS), 2).fit(X, y)
    second = clone(first).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    restored = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(restored.predict_proba(X), first.predict_proba(X))


def test_pipeline_members_get_their_nested_random_states(pattern_data):
    pipeline = Pipeline(
        [
            ("scale", TimeSeriesScaler()),
            ("classifier", ConvLSTMClassifier(**{**FAST_PARAMS, "random_state": 3})),
        ]
    )
    ensemble = make_seed_ensemble(pipeline, 2)
    seeds = [m.get_params()["classifier__random_state"] for _, m in ensemble.estimators]
    assert seeds == member_seeds(3, 2)
    assert pipeline.get_params()["classifier__random_state"] == 3  # not changed
    X, y = pattern_data
    assert ensemble.fit(X, y).predict(X).shape == (len(y),)

    forest = make_seed_ensemble(
        RandomForestClassifier(n_estimators=3), 2, random_state=7
    )
    assert [m.random_state for _, m in forest.estimators] == member_seeds(7, 2)


def test_clear_errors():
    with pytest.raises(ValueError, match="has no random_state parameter"):
        make_seed_ensemble(Pipeline([("knn", KNeighborsClassifier())]), 2)
    with pytest.raises(ValueError, match="n_members must be a positive int; got 0"):
        make_seed_ensemble(ConvLSTMClassifier(), 0)
