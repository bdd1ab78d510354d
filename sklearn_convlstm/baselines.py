"""Feature-based baseline classifiers: features per channel, then a forest.

A baseline answers "does the deep model beat a cheap, well-understood one?".
:func:`make_feature_baseline` builds it in one line, as a scikit-learn
:class:`~sklearn.pipeline.Pipeline` that takes the same ``X`` (3D array, 2D
univariate array or list of unequal-length series) and works with the same
cross-validation and tuning tools as :class:`ConvLSTMClassifier`.
"""

from __future__ import annotations

from typing import Any

from sklearn.base import BaseEstimator, clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline

from .features import Catch22Features, StatisticalFeatures

__all__ = ["BASELINE_KINDS", "make_feature_baseline"]

#: The feature transformer behind each ``kind`` of :func:`make_feature_baseline`.
BASELINE_KINDS: dict[str, type[BaseEstimator]] = {
    "stats": StatisticalFeatures,
    "catch22": Catch22Features,
}

#: Forest settings that differ from scikit-learn's defaults. 200 trees, as
#: sktime's ``Catch22Classifier``: on a few dozen features the accuracy has
#: stopped moving well before that.
_FOREST_DEFAULTS = {"n_estimators": 200}


def make_feature_baseline(
    kind: str = "stats",
    *,
    estimator: BaseEstimator | None = None,
    random_state: Any = None,
    **forest_params: Any,
) -> Pipeline:
    """Build a feature-extraction + random-forest baseline in one line.

    The pipeline has two steps, ``"features"`` (the transformer picked by
    ``kind``) and ``"classifier"``, so its parameters are reached as
    ``features__<name>`` and ``classifier__<name>`` in ``set_params`` and in
    ``GridSearchCV``'s ``param_grid``.

    Parameters
    ----------
    kind : {"stats", "catch22"}, default="stats"
        Which features: ``"stats"`` for :class:`StatisticalFeatures`
        (vectorised summary statistics, fast), ``"catch22"`` for
        :class:`Catch22Features` (needs the optional ``pycatch22``:
        ``pip install 'sklearn-convlstm[catch22]'``).
    estimator : classifier, default=None
        Classifier to use instead of the default random forest, for example
        ``ExtraTreesClassifier()`` or ``RidgeClassifierCV()``. It is cloned,
        never modified.
    random_state : int, RandomState instance or None, default=None
        Seed of the classifier, for reproducible results; set on ``estimator``
        too when it has a ``random_state`` parameter (deterministic classifiers
        need none). The features themselves are deterministic.
    **forest_params : dict
        Parameters of the default
        :class:`~sklearn.ensemble.RandomForestClassifier`, for example
        ``n_jobs=-1`` or ``max_depth=10``. The defaults are scikit-learn's,
        except ``n_estimators=200``. Not allowed together with ``estimator``
        (set its parameters before passing it).

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Unfitted ``Pipeline([("features", ...), ("classifier", ...)])``.

    Raises
    ------
    ValueError
        For an unknown ``kind``, or ``forest_params`` passed with ``estimator``.

    See Also
    --------
    StatisticalFeatures : The ``"stats"`` features.
    Catch22Features : The ``"catch22"`` features.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn_convlstm.baselines import make_feature_baseline
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(40, 2, 60))
    >>> y = np.arange(40) % 2
    >>> X[y == 1, 0] += np.linspace(0, 3, 60)  # class 1 has a trend
    >>> baseline = make_feature_baseline("stats", random_state=0, n_estimators=20)
    >>> baseline.named_steps["classifier"]
    RandomForestClassifier(n_estimators=20, random_state=0)
    >>> float(cross_val_score(baseline, X, y, cv=3).mean())
    1.0
    """
    if kind not in BASELINE_KINDS:
        raise ValueError(
            f"kind must be one of {sorted(BASELINE_KINDS)}; got {kind!r}. Use "
            "'stats' for fast summary statistics or 'catch22' for the catch22 "
            "features."
        )
    if estimator is None:
        classifier = RandomForestClassifier(
            **{**_FOREST_DEFAULTS, **forest_params, "random_state": random_state}
        )
    else:
        if forest_params:
            raise ValueError(
                f"Got estimator={estimator!r} and random-forest parameters "
                f"{sorted(forest_params)}; these parameters only apply to the "
                "default RandomForestClassifier. Set them on your estimator "
                "instead, e.g. estimator=ExtraTreesClassifier(n_estimators=500)."
            )
        classifier = clone(estimator)
        if random_state is not None and "random_state" in classifier.get_params():
            classifier.set_params(random_state=random_state)
    return Pipeline([("features", BASELINE_KINDS[kind]()), ("classifier", classifier)])
