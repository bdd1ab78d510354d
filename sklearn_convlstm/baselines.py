"""Feature-based baseline classifiers: features per channel, then a forest.

A baseline answers "does the deep model beat a cheap, well-understood one?".
:func:`make_feature_baseline` builds it in one line, as a scikit-learn
:class:`~sklearn.pipeline.Pipeline` that takes the same ``X`` (3D array, 2D
univariate array or list of unequal-length series) and works with the same
cross-validation and tuning tools as :class:`ConvLSTMClassifier`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ._validation import check_series, n_channels_of
from .features import Catch22Features, StatisticalFeatures

__all__ = [
    "BASELINE_KINDS",
    "MINIROCKET_ALPHAS",
    "MiniRocketRidge",
    "make_feature_baseline",
]

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


#: Ridge penalties of MiniRocket's classifier, as in the MiniRocket paper.
MINIROCKET_ALPHAS = tuple(np.logspace(-3, 3, 10))


class MiniRocketRidge(ClassifierMixin, BaseEstimator):
    """MiniRocket features and a ridge classifier (needs sktime).

    sktime's :class:`~sktime.transformations.panel.rocket.MiniRocket`
    (univariate data) or ``MiniRocketMultivariate`` (several channels), then
    :class:`~sklearn.preprocessing.StandardScaler` ``(with_mean=False)`` and
    :class:`~sklearn.linear_model.RidgeClassifierCV` with
    ``alphas=np.logspace(-3, 3, 10)``: the classifier of the MiniRocket paper
    (whose ``normalize=True`` the scaler replaces, as in sktime's
    ``MiniRocketClassifier``). The steps are applied one after the other on
    3D NumPy arrays, outside a Pipeline.

    The transform leaves torch's thread count as it found it (numba's OpenMP
    layer would otherwise reset it).

    Series of unequal length are first padded with zeros (or truncated) to
    the longest training series by
    :class:`~sklearn_convlstm.preprocessing.PadTruncate`: simple, and what a
    fixed-length model needs; equal-length data pass through unchanged.

    Parameters
    ----------
    num_kernels : int, default=10000
        Number of MiniRocket features.
    n_jobs : int, default=1
        Threads of the MiniRocket transform.
    random_state : int or None, default=None
        Seed of MiniRocket's random biases.

    Attributes
    ----------
    padder_ : PadTruncate
        Fitted padding step.
    transformer_ : MiniRocket or MiniRocketMultivariate
        Fitted feature transform.
    scaler_ : StandardScaler
        Fitted feature scaler.
    classifier_ : RidgeClassifierCV
        Fitted ridge classifier.
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm.baselines import MiniRocketRidge
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(20, 1, 30)), np.arange(20) % 2
    >>> MiniRocketRidge(num_kernels=84, random_state=0).fit(X, y).predict(X).shape
    (20,)
    """

    def __init__(
        self,
        *,
        num_kernels: int = 10_000,
        n_jobs: int = 1,
        random_state: int | None = None,
    ) -> None:
        self.num_kernels = num_kernels
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _features(self, X: Any, *, fit: bool) -> np.ndarray:
        import torch

        X_fixed = self.padder_.fit_transform(X) if fit else self.padder_.transform(X)
        X_fixed = np.asarray(X_fixed, dtype=np.float64)
        # numba's OpenMP threading layer resets the OpenMP thread count that
        # torch uses: keep torch's setting (e.g. --threads 1) for later fits.
        torch_threads = torch.get_num_threads()
        try:
            if fit:
                return np.asarray(self.transformer_.fit_transform(X_fixed))
            return np.asarray(self.transformer_.transform(X_fixed))
        finally:
            if torch.get_num_threads() != torch_threads:
                torch.set_num_threads(torch_threads)

    def fit(self, X: Any, y: Any) -> MiniRocketRidge:
        """Fit MiniRocket on ``X``, then the ridge classifier on its features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or list
            Training series.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : MiniRocketRidge
            The fitted estimator.
        """
        try:
            from sktime.transformations.panel.rocket import (
                MiniRocket,
                MiniRocketMultivariate,
            )
        except ImportError as error:
            raise ImportError(
                "MiniRocketRidge needs the optional package sktime; install it "
                "with: pip install 'sklearn-convlstm[sktime]'"
            ) from error
        from sklearn.linear_model import RidgeClassifierCV
        from sklearn.preprocessing import StandardScaler

        from .preprocessing import PadTruncate

        X = check_series(X)
        transformer_class = (
            MiniRocket if n_channels_of(X) == 1 else MiniRocketMultivariate
        )
        self.padder_ = PadTruncate()
        self.transformer_ = transformer_class(
            num_kernels=self.num_kernels,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
        )
        self.scaler_ = StandardScaler(with_mean=False)
        self.classifier_ = RidgeClassifierCV(alphas=np.asarray(MINIROCKET_ALPHAS))
        features = self.scaler_.fit_transform(self._features(X, fit=True))
        self.classifier_.fit(features, np.asarray(y))
        self.classes_ = self.classifier_.classes_
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predict the class of each series.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or list
            Series with the channels seen in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        features = self.scaler_.transform(self._features(X, fit=False))
        return self.classifier_.predict(features)
