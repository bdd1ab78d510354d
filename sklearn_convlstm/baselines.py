"""Baselines: features per channel and a forest, or MiniRocket and a ridge model.

A baseline answers "does the deep model beat a cheap, well-understood one?".
:func:`make_feature_baseline` builds it in one line, as a scikit-learn
:class:`~sklearn.pipeline.Pipeline` that takes the same ``X`` (3D array, 2D
univariate array or list of unequal-length series) and works with the same
cross-validation and tuning tools as :class:`ConvLSTMClassifier` (and, with
``task="regression"``, as :class:`ConvLSTMRegressor`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from sklearn_convlstm._features import Catch22Features, StatisticalFeatures
from sklearn_convlstm._optional import import_optional
from sklearn_convlstm._targets import (
    check_classification_labels,
    check_regression_targets,
)
from sklearn_convlstm._threads import torch_threads
from sklearn_convlstm._validation import (
    n_channels_of,
    series_lengths,
    validate_series_input,
)

__all__ = [
    "BASELINE_KINDS",
    "MINIROCKET_ALPHAS",
    "MiniRocketRidge",
    "MiniRocketRidgeRegressor",
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
    task: str = "classification",
    estimator: BaseEstimator | None = None,
    random_state: Any = None,
    **forest_params: Any,
) -> Pipeline:
    """Build a feature-extraction + random-forest baseline in one line.

    The pipeline has two steps, ``"features"`` (the transformer picked by
    ``kind``) and ``"classifier"`` (``"regressor"`` with
    ``task="regression"``), so its parameters are reached as
    ``features__<name>`` and ``classifier__<name>`` in ``set_params`` and in
    ``GridSearchCV``'s ``param_grid``.

    Parameters
    ----------
    kind : {"stats", "catch22"}, default="stats"
        Which features: ``"stats"`` for :class:`StatisticalFeatures`
        (vectorised summary statistics, fast), ``"catch22"`` for
        :class:`Catch22Features` (needs the optional ``pycatch22``:
        ``pip install 'sklearn-convlstm[catch22]'``).
    task : {"classification", "regression"}, default="classification"
        ``"regression"``: a :class:`~sklearn.ensemble.RandomForestRegressor`
        (same defaults) in a step named ``"regressor"``, for numeric targets
        of shape ``(n_samples,)`` or ``(n_samples, n_outputs)``.
    estimator : classifier or regressor, default=None
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
        For an unknown ``kind`` or ``task``, or ``forest_params`` passed with
        ``estimator``.

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
    >>> make_feature_baseline(task="regression").steps[-1][0]
    'regressor'
    """
    if kind not in BASELINE_KINDS:
        raise ValueError(
            f"kind must be one of {sorted(BASELINE_KINDS)}; got {kind!r}. Use "
            "'stats' for fast summary statistics or 'catch22' for the catch22 "
            "features."
        )
    if task not in ("classification", "regression"):
        raise ValueError(
            f"task must be 'classification' or 'regression'; got {task!r}."
        )
    if estimator is None:
        forest = (
            RandomForestClassifier
            if task == "classification"
            else (RandomForestRegressor)
        )
        classifier = forest(
            **{**_FOREST_DEFAULTS, **forest_params, "random_state": random_state}
        )
    else:
        if forest_params:
            raise ValueError(
                f"Got estimator={estimator!r} and random-forest parameters "
                f"{sorted(forest_params)}; these parameters only apply to the "
                "default random forest. Set them on your estimator "
                "instead, e.g. estimator=ExtraTreesClassifier(n_estimators=500)."
            )
        classifier = clone(estimator)
        if random_state is not None and "random_state" in classifier.get_params():
            classifier.set_params(random_state=random_state)
    step = "classifier" if task == "classification" else "regressor"
    return Pipeline([("features", BASELINE_KINDS[kind]()), (step, classifier)])


#: Ridge penalties of MiniRocket's classifier, as in the MiniRocket paper.
MINIROCKET_ALPHAS = tuple(np.logspace(-3, 3, 10))
#: Shortest series MiniRocket accepts (its kernels span 9 timesteps).
MINIROCKET_MIN_LENGTH = 9


class _MiniRocketFeatures(BaseEstimator):
    """MiniRocket features scaled for a ridge model: what both arms share."""

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
        X_fixed = self.padder_.fit_transform(X) if fit else self.padder_.transform(X)
        X_fixed = np.asarray(X_fixed, dtype=np.float64)
        # numba's OpenMP threading layer resets the OpenMP thread count that
        # torch uses: keep torch's setting (e.g. --threads 1) for later fits.
        with torch_threads():
            if fit:
                return np.asarray(self.transformer_.fit_transform(X_fixed))
            return np.asarray(self.transformer_.transform(X_fixed))

    def _fit_features(self, X: Any) -> np.ndarray:
        """Fit padding, MiniRocket and the feature scaler; return the features.

        ``X`` is already validated (``validate_series_input`` in ``fit``, the
        same validation as the ConvLSTM estimators: clear messages for bad X,
        and ``n_features_in_`` for scikit-learn's estimator checks).
        """
        import_optional("sktime", purpose=type(self).__name__)
        from sklearn.preprocessing import StandardScaler
        from sktime.transformations.panel.rocket import (
            MiniRocket,
            MiniRocketMultivariate,
        )

        from sklearn_convlstm._preprocessing import PadTruncate

        transformer_class = (
            MiniRocket if n_channels_of(X) == 1 else MiniRocketMultivariate
        )
        # MiniRocket's kernels span 9 timesteps and sktime refuses shorter
        # series ("zero pad shorter series so that n_timepoints == 9"): pad
        # them to 9 as it advises; longer data keep the longest training length.
        self.padder_ = PadTruncate(
            length=max(MINIROCKET_MIN_LENGTH, int(series_lengths(X).max()))
        )
        self.transformer_ = transformer_class(
            num_kernels=self.num_kernels,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
        )
        self.scaler_ = StandardScaler(with_mean=False)
        return self.scaler_.fit_transform(self._features(X, fit=True))

    def _transform_features(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return self.scaler_.transform(self._features(X, fit=False))


class MiniRocketRidge(ClassifierMixin, _MiniRocketFeatures):
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
    :class:`~sklearn_convlstm.PadTruncate`: simple, and what a
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
        from sklearn.linear_model import RidgeClassifierCV

        X = validate_series_input(self, X, reset=True, require_fitted_length=False)
        y = check_classification_labels(y, len(X))
        if len(np.unique(y)) < 2:
            raise ValueError(
                f"y has only 1 class ({np.unique(y)[0].tolist()!r}); a classifier "
                "needs at least 2 classes in the training labels."
            )
        features = self._fit_features(X)
        self.classifier_ = RidgeClassifierCV(alphas=np.asarray(MINIROCKET_ALPHAS))
        self.classifier_.fit(features, y)
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
        features = self._transform_features(X)  # checks that it is fitted
        return self.classifier_.predict(features)


class MiniRocketRidgeRegressor(RegressorMixin, _MiniRocketFeatures):
    """MiniRocket features and ridge regression (needs sktime).

    The regression counterpart of :class:`MiniRocketRidge`: the same
    features (MiniRocket or ``MiniRocketMultivariate``, padding of unequal
    lengths, ``StandardScaler(with_mean=False)``), then
    :class:`~sklearn.linear_model.RidgeCV` with ``alphas=np.logspace(-3, 3,
    10)`` (leave-one-out choice of the penalty), as in the time-series
    extrinsic regression benchmarks of Tan et al. (2021).

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
    regressor_ : RidgeCV
        Fitted ridge regression.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm.baselines import MiniRocketRidgeRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(20, 1, 30))
    >>> y = X.mean(axis=(1, 2))
    >>> model = MiniRocketRidgeRegressor(num_kernels=84, random_state=0).fit(X, y)
    >>> model.predict(X).shape
    (20,)
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # RidgeCV fits (n, k) targets
        return tags

    def fit(self, X: Any, y: Any) -> MiniRocketRidgeRegressor:
        """Fit MiniRocket on ``X``, then ridge regression on its features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or list
            Training series.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Numeric targets.

        Returns
        -------
        self : MiniRocketRidgeRegressor
            The fitted estimator.
        """
        from sklearn.linear_model import RidgeCV

        X = validate_series_input(self, X, reset=True, require_fitted_length=False)
        y = check_regression_targets(y, len(X))
        # float64: MiniRocket's float32 features would give float32 predictions.
        features = self._fit_features(X).astype(np.float64)
        self.regressor_ = RidgeCV(alphas=np.asarray(MINIROCKET_ALPHAS))
        self.regressor_.fit(features, y)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predict the targets of each series.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or list
            Series with the channels seen in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        features = self._transform_features(X).astype(np.float64)
        return self.regressor_.predict(features)
