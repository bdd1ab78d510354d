"""Seed ensembles: average the predictions of networks trained from different seeds.

A network trained on a few dozen series depends on its random initialisation
and batch order; averaging the class probabilities of several copies that
differ only in ``random_state`` removes much of that variance (the usual
practice of deep time-series classifiers such as InceptionTime). The
ensemble is scikit-learn's own soft-voting ``VotingClassifier``, so it works in
Pipelines, cross-validation, ``clone`` and pickle like any estimator.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.ensemble import VotingClassifier

from sklearn_convlstm._parameters import draw_seeds

__all__ = ["make_seed_ensemble", "member_seeds"]


def member_seeds(random_state: Any, n_members: int) -> list[int | None]:
    """Return the ``random_state`` of each member of a seed ensemble.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        ``None``: every member is seeded from fresh entropy (not
        reproducible). An int: independent seeds derived from it with
        ``numpy.random.SeedSequence``, so ensembles built from seeds 0 and 1
        share no member. A RandomState instance: seeds drawn from it.
    n_members : int
        Number of members.

    Returns
    -------
    seeds : list of int or None

    Examples
    --------
    >>> seeds = member_seeds(0, 3)
    >>> len(set(seeds)), seeds == member_seeds(0, 3)
    (3, True)
    """
    if random_state is None:
        return [None] * n_members
    if isinstance(random_state, (int, np.integer)):
        children = np.random.SeedSequence(int(random_state)).spawn(n_members)
        return [int(child.generate_state(1)[0] >> 1) for child in children]
    seeds: list[int | None] = [*draw_seeds(random_state, n_members)]
    return seeds


def _set_random_states(estimator: BaseEstimator, seed: int | None) -> BaseEstimator:
    """Set every ``random_state`` parameter of ``estimator`` (nested ones too)."""
    names = [
        name
        for name in estimator.get_params(deep=True)
        if name == "random_state" or name.endswith("__random_state")
    ]
    if not names:
        raise ValueError(
            f"{type(estimator).__name__} has no random_state parameter, so copies "
            "of it would all be the same model; a seed ensemble needs an "
            "estimator with a random_state (alone or in a Pipeline step)."
        )
    return estimator.set_params(**dict.fromkeys(names, seed))


def make_seed_ensemble(
    estimator: BaseEstimator,
    n_members: int = 5,
    *,
    random_state: Any = "from_estimator",
    n_jobs: int | None = None,
) -> VotingClassifier:
    """Build a soft-voting ensemble of copies of ``estimator`` with different seeds.

    Parameters
    ----------
    estimator : classifier
        A :class:`~sklearn_convlstm.ConvLSTMClassifier`, or a Pipeline or
        other classifier with ``random_state`` parameters; it is cloned, not
        changed.
    n_members : int, default=5
        Number of copies. Fit time grows linearly with it.
    random_state : int, RandomState instance, None or "from_estimator", \
            default="from_estimator"
        Source of the members' seeds (see :func:`member_seeds`).
        ``"from_estimator"`` uses the estimator's own ``random_state`` (in a
        Pipeline, the first step's that has one).
    n_jobs : int or None, default=None
        Members fitted in parallel by ``VotingClassifier`` (joblib). joblib's
        default loky workers limit each to ``cpu_count // n_jobs`` threads,
        so two members on two cores train with one torch thread each.

    Returns
    -------
    ensemble : sklearn.ensemble.VotingClassifier
        ``voting="soft"``: ``predict_proba`` is the mean of the members'
        probabilities and ``predict`` its argmax.

    Examples
    --------
    >>> from sklearn_convlstm import ConvLSTMClassifier
    >>> from sklearn_convlstm.ensemble import make_seed_ensemble
    >>> ensemble = make_seed_ensemble(ConvLSTMClassifier(random_state=0), 3)
    >>> [name for name, _ in ensemble.estimators]
    ['seed_0', 'seed_1', 'seed_2']
    """
    if (
        not isinstance(n_members, (int, np.integer))
        or isinstance(n_members, bool)
        or n_members < 1
    ):
        raise ValueError(f"n_members must be a positive int; got {n_members!r}.")
    if isinstance(random_state, str) and random_state == "from_estimator":
        params = estimator.get_params(deep=True)
        random_state = next(
            (
                value
                for name, value in params.items()
                if name == "random_state" or name.endswith("__random_state")
            ),
            None,
        )
    seeds = member_seeds(random_state, int(n_members))
    members = [
        (f"seed_{index}", _set_random_states(clone(estimator), seed))
        for index, seed in enumerate(seeds)
    ]
    return VotingClassifier(members, voting="soft", n_jobs=n_jobs)
