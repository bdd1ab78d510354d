"""Compare ConvLSTMClassifier with baselines on a dataset's official test split.

This is the package's main job: ``python -m sklearn_convlstm compare`` (or
``sklearn-convlstm compare``) trains every method of a list on the training
split of a dataset (by default the shipped GunPoint), once per seed, and prints
their accuracy on the official test split with their fit and predict times.

The methods (:data:`METHODS`):

======================  =======================================================
``convlstm-default``    :class:`~sklearn_convlstm.ConvLSTMClassifier` with its
                        default parameters.
``convlstm-ensemble``   :data:`ENSEMBLE_SIZE` default ConvLSTMClassifiers with
                        different seeds, probabilities averaged
                        (:func:`~sklearn_convlstm.ensemble.make_seed_ensemble`).
                        Not in the default list (five times the fit time).
``convlstm-tuned``      ConvLSTMClassifier tuned with Optuna
                        (:func:`sklearn_convlstm.tuning.tune`) by
                        cross-validation on the training split only, then refit
                        on the whole training split (:class:`TunedConvLSTM`).
``article-basic``,      The reference article's three networks as written,
``article-stacked``,    trained as the article does: Adam, lr 1e-3, 100 epochs,
``article-dropout``     batch size 16, constant learning rate, no weight decay,
                        per-series z-normalisation, no early stopping. Slow: not
                        in the default list.
``rf-stats``            :func:`~sklearn_convlstm.baselines.make_feature_baseline`
                        ``("stats")``: summary statistics and a random forest.
``rf-catch22``          ``make_feature_baseline("catch22")`` (needs pycatch22).
``minirocket``          MiniRocket features and a ridge classifier
                        (:class:`MiniRocketRidge`; needs sktime).
======================  =======================================================

Honesty rules the code follows: nothing is tuned, selected or stopped early on
the test split (tuning and early stopping only see training data); every method
gets the same seeds; a method that cannot run (missing optional package) is
reported as skipped, never silently dropped.

The reusable pieces, used by ``benchmarks/bench_accuracy.py`` too:
:func:`make_estimator`, :func:`run_comparison`, :func:`summarize`,
:func:`format_table`, :func:`write_csv` and :func:`plot_comparison`.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from ._validation import (
    check_classification_labels,
    check_series,
    n_channels_of,
    series_lengths,
    validate_series_input,
)

if TYPE_CHECKING:  # pragma: no cover
    import argparse

__all__ = [
    "DEFAULT_METHODS",
    "METHODS",
    "ComparisonResult",
    "Method",
    "MethodOptions",
    "MiniRocketRidge",
    "TunedConvLSTM",
    "add_arguments",
    "default_trial_params",
    "describe_data",
    "format_accuracy",
    "format_table",
    "make_estimator",
    "options_from_args",
    "parse_methods",
    "parse_seeds",
    "plot_comparison",
    "run_command",
    "run_comparison",
    "summarize",
    "tune_convlstm",
    "write_csv",
]

#: Methods run by ``compare`` when ``--methods`` is not given. The article's
#: networks are left out: 100 epochs of each take longer than the rest together.
DEFAULT_METHODS = (
    "convlstm-default",
    "convlstm-tuned",
    "rf-stats",
    "rf-catch22",
    "minirocket",
)

#: Default number of Optuna trials of ``convlstm-tuned``. With 3 folds and at
#: most 100 epochs per fit (pruning ends most trials sooner) it
#: keeps ``compare`` on GunPoint within a few minutes on 2 CPU cores.
DEFAULT_TRIALS = 10
#: Default number of cross-validation folds of ``convlstm-tuned``.
DEFAULT_CV = 3
#: Default range of ``max_epochs`` sampled by ``convlstm-tuned``: its top is the
#: classifier's default budget, so the first trial (the default configuration)
#: is the default model and the search can only add to it.
DEFAULT_TUNING_EPOCHS = (20, 100)

#: Networks averaged by ``convlstm-ensemble``.
ENSEMBLE_SIZE = 5
#: Networks of the best configuration averaged by ``convlstm-tuned``.
TUNED_ENSEMBLE_SIZE = 1

#: Training of the article's networks, as the reference article does it.
ARTICLE_TRAINING: dict[str, Any] = {
    "optimizer": "adam",
    "lr": 1e-3,
    "max_epochs": 100,
    "batch_size": 16,
    "lr_schedule": "constant",
    "weight_decay": 0.0,
    "scaling": "per_series",
    "early_stopping": False,
}

#: Ridge penalties of MiniRocket's classifier, as in the MiniRocket paper.
MINIROCKET_ALPHAS = tuple(np.logspace(-3, 3, 10))
#: Shortest series MiniRocket accepts (its kernels span 9 timesteps).
MINIROCKET_MIN_LENGTH = 9


# ----------------------------------------------------------------- methods


@dataclass(frozen=True)
class MethodOptions:
    """Settings shared by the method factories of :data:`METHODS`.

    Parameters
    ----------
    n_trials : int, default=10
        Optuna trials of ``convlstm-tuned``.
    cv : int, default=3
        Cross-validation folds (on the training split) of ``convlstm-tuned``.
    tuning_epochs : tuple of (int, int), default=(20, 100)
        Range of ``max_epochs`` sampled by ``convlstm-tuned``.
    tuning_timeout : float or None, default=None
        Seconds after which ``convlstm-tuned`` starts no new trial (``None``:
        run all ``n_trials``; a timeout makes results depend on the machine).
    convlstm_params : mapping, default={}
        Extra :class:`~sklearn_convlstm.ConvLSTMClassifier` parameters set on
        every ConvLSTM method after its own (e.g. ``{"device": "cuda"}``, or
        ``{"max_epochs": 2}`` for a smoke test). For ``convlstm-tuned`` they
        apply to the estimator being tuned; sampled parameters override them.
    progress_bar : bool, default=False
        Show a tqdm bar over the epochs of each ConvLSTM fit (over the trials
        for ``convlstm-tuned``).
    ensemble_size : int, default=5
        Networks averaged by ``convlstm-ensemble``.
    tuned_ensemble_size : int, default=TUNED_ENSEMBLE_SIZE
        Networks of the best configuration that ``convlstm-tuned`` refits
        and averages (1: a single network).

    Examples
    --------
    >>> from sklearn_convlstm.comparison import MethodOptions
    >>> MethodOptions(n_trials=5).cv
    3
    """

    n_trials: int = DEFAULT_TRIALS
    cv: int = DEFAULT_CV
    tuning_epochs: tuple[int, int] = DEFAULT_TUNING_EPOCHS
    tuning_timeout: float | None = None
    convlstm_params: Mapping[str, Any] = field(default_factory=dict)
    progress_bar: bool = False
    ensemble_size: int = ENSEMBLE_SIZE
    tuned_ensemble_size: int = TUNED_ENSEMBLE_SIZE


@dataclass(frozen=True)
class Method:
    """One method of the comparison: a name and a factory of fresh estimators.

    Parameters
    ----------
    name : str
        Name used on the command line and in the results.
    description : str
        One line for help texts.
    build : callable
        ``build(seed, options) -> estimator``: a new, unfitted estimator with
        ``fit(X, y)`` and ``predict(X)``, seeded with ``seed``.
    requires : tuple of str, default=()
        Importable modules the method needs; when one is missing the method is
        skipped with a note.

    Examples
    --------
    >>> from sklearn_convlstm.comparison import METHODS
    >>> METHODS["rf-stats"].missing_requirements()
    []
    """

    name: str
    description: str
    build: Callable[[int, MethodOptions], Any]
    requires: tuple[str, ...] = ()

    def missing_requirements(self) -> list[str]:
        """Return the required modules that cannot be imported.

        Returns
        -------
        missing : list of str
            Empty when the method can run.
        """
        return [name for name in self.requires if not _module_available(name)]


def _module_available(name: str) -> bool:
    if name in sys.modules:  # some packages (optuna_integration) lose __spec__
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _convlstm(seed: int, options: MethodOptions, **params: Any) -> BaseEstimator:
    from .classifier import ConvLSTMClassifier

    return ConvLSTMClassifier(
        **{
            "random_state": seed,
            "progress_bar": options.progress_bar,
            **params,
            **options.convlstm_params,
        }
    )


def _build_convlstm_default(seed: int, options: MethodOptions) -> BaseEstimator:
    return _convlstm(seed, options)


def _build_convlstm_tuned(seed: int, options: MethodOptions) -> BaseEstimator:
    return TunedConvLSTM(
        n_trials=options.n_trials,
        cv=options.cv,
        max_epochs=cast("tuple[int, int]", tuple(options.tuning_epochs)),
        timeout=options.tuning_timeout,
        convlstm_params=dict(options.convlstm_params),
        n_ensemble=options.tuned_ensemble_size,
        progress_bar=options.progress_bar,
        random_state=seed,
    )


def _build_convlstm_ensemble(seed: int, options: MethodOptions) -> BaseEstimator:
    from .ensemble import make_seed_ensemble

    return make_seed_ensemble(_convlstm(seed, options), options.ensemble_size)


def _article_builder(variant: str) -> Callable[[int, MethodOptions], BaseEstimator]:
    def build(seed: int, options: MethodOptions) -> BaseEstimator:
        return _convlstm(seed, options, variant=variant, **ARTICLE_TRAINING)

    return build


def _build_rf(kind: str) -> Callable[[int, MethodOptions], BaseEstimator]:
    def build(seed: int, options: MethodOptions) -> BaseEstimator:
        from .baselines import make_feature_baseline

        return make_feature_baseline(kind, random_state=seed)

    return build


def _build_minirocket(seed: int, options: MethodOptions) -> BaseEstimator:
    return MiniRocketRidge(random_state=seed)


#: The methods by name, in the order of the result tables.
METHODS: dict[str, Method] = {
    method.name: method
    for method in (
        Method(
            "convlstm-default",
            "ConvLSTMClassifier with default parameters",
            _build_convlstm_default,
        ),
        Method(
            "convlstm-ensemble",
            "soft vote of ConvLSTMClassifiers with default parameters and "
            "different seeds",
            _build_convlstm_ensemble,
        ),
        Method(
            "convlstm-tuned",
            "ConvLSTMClassifier tuned with Optuna by cross-validation on the "
            "training split",
            _build_convlstm_tuned,
            requires=("optuna", "sklearn_convlstm.tuning"),
        ),
        Method(
            "article-basic",
            "the article's basic network (Conv1d 32 -> LSTM 64), trained naively",
            _article_builder("basic"),
        ),
        Method(
            "article-stacked",
            "the article's stacked network (Conv1d 32, 64 -> LSTM 64), trained naively",
            _article_builder("stacked"),
        ),
        Method(
            "article-dropout",
            "the article's network with dropout 0.3, trained naively",
            _article_builder("dropout"),
        ),
        Method(
            "rf-stats",
            "statistical features + random forest (200 trees)",
            _build_rf("stats"),
        ),
        Method(
            "rf-catch22",
            "catch22 features + random forest (200 trees)",
            _build_rf("catch22"),
            requires=("pycatch22",),
        ),
        Method(
            "minirocket",
            "MiniRocket features + RidgeClassifierCV",
            _build_minirocket,
            requires=("sktime", "numba"),
        ),
    )
}


def parse_methods(text: str | Iterable[str]) -> tuple[str, ...]:
    """Turn ``"rf-stats,minirocket"`` (or a list of names) into checked names.

    Parameters
    ----------
    text : str or iterable of str
        Comma-separated method names, or the names themselves.

    Returns
    -------
    methods : tuple of str
        The names, in the given order, without repeats.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the choices) or an empty list.

    Examples
    --------
    >>> from sklearn_convlstm.comparison import parse_methods
    >>> parse_methods("rf-stats, minirocket")
    ('rf-stats', 'minirocket')
    """
    names = text.split(",") if isinstance(text, str) else list(text)
    methods: list[str] = []
    for name in (str(name).strip() for name in names):
        if not name:
            continue
        if name not in METHODS:
            raise ValueError(
                f"Unknown method {name!r}; choose from: {', '.join(METHODS)}."
            )
        if name not in methods:
            methods.append(name)
    if not methods:
        raise ValueError(
            f"No method given; choose one or more of: {', '.join(METHODS)}."
        )
    return tuple(methods)


def parse_seeds(text: str | int | Iterable[int]) -> tuple[int, ...]:
    """Turn ``"0,1,2"`` (the seeds) or ``"3"`` (a count: 0, 1, 2) into seeds.

    Parameters
    ----------
    text : str, int or iterable of int
        Comma-separated seeds; a single integer ``N >= 1`` (without a comma)
        is a count and means the seeds ``0 .. N-1``; ``"0"`` means the single
        seed 0 (so ``"0"`` and ``"1"`` both run seed 0 only). For another single
        seed, such as 7, write ``"7,"``.

    Returns
    -------
    seeds : tuple of int

    Raises
    ------
    ValueError
        For non-integers, negative values or repeats.

    Examples
    --------
    >>> from sklearn_convlstm.comparison import parse_seeds
    >>> parse_seeds("3"), parse_seeds("0"), parse_seeds("0,5"), parse_seeds("7,")
    ((0, 1, 2), (0,), (0, 5), (7,))
    """
    help_text = (
        "Pass comma-separated non-negative integers such as '0,1,2', or a count "
        "such as '3' (seeds 0, 1, 2)."
    )
    try:
        if isinstance(text, str):
            parts = [part.strip() for part in text.split(",")]
            values = [int(part) for part in parts if part]
            is_count = len(parts) == 1 and len(values) == 1
        elif isinstance(text, (int, np.integer)) and not isinstance(text, bool):
            values, is_count = [int(text)], True
        else:
            values = [int(value) for value in cast("Iterable[int]", text)]
            is_count = False
    except (TypeError, ValueError):
        raise ValueError(f"seeds must be integers; got {text!r}. {help_text}") from None
    if is_count:
        if values[0] < 0:
            raise ValueError(
                f"The number of seeds must be at least 1; got {values[0]}. {help_text}"
            )
        return tuple(range(max(values[0], 1)))
    if not values:
        raise ValueError(f"No seed given; got {text!r}. {help_text}")
    if min(values) < 0 or len(set(values)) != len(values):
        raise ValueError(
            f"seeds must be distinct non-negative integers; got {text!r}. {help_text}"
        )
    return tuple(values)


def make_estimator(
    name: str, seed: int, options: MethodOptions | None = None
) -> BaseEstimator:
    """Build a fresh, unfitted estimator of a method.

    Parameters
    ----------
    name : str
        A key of :data:`METHODS`.
    seed : int
        Seed of the estimator (and of the tuning, for ``convlstm-tuned``).
    options : MethodOptions or None, default=None
        Shared settings; ``None`` for the defaults.

    Returns
    -------
    estimator : estimator
        Has ``fit(X, y)`` and ``predict(X)``.

    Raises
    ------
    ValueError
        For an unknown method.
    ImportError
        When the method needs an optional package that is not installed.

    Examples
    --------
    >>> from sklearn_convlstm.comparison import make_estimator
    >>> make_estimator("article-basic", seed=0).get_params()["variant"]
    'basic'
    """
    (name,) = parse_methods([name])
    method = METHODS[name]
    missing = method.missing_requirements()
    if missing:
        raise ImportError(_missing_message(name, missing))
    return method.build(int(seed), options or MethodOptions())


def _missing_message(name: str, missing: Sequence[str]) -> str:
    extras = {
        "pycatch22": "catch22",
        "sktime": "sktime",
        "numba": "sktime",
        "optuna": "tuning",
        "optuna_integration": "tuning",
    }
    needed = sorted({extras[module] for module in missing if module in extras})
    hint = (
        f"install it with: pip install 'sklearn-convlstm[{','.join(needed)}]'"
        if needed
        else "update sklearn-convlstm"
    )
    return f"method {name!r} needs {', '.join(missing)}, not installed; {hint}."


# ------------------------------------------------------------- estimators


class TunedConvLSTM(ClassifierMixin, BaseEstimator):
    """ConvLSTMClassifier tuned with Optuna by cross-validation on ``fit``'s data.

    ``fit`` runs :func:`sklearn_convlstm.tuning.tune` with the default search
    space (:func:`sklearn_convlstm.tuning.suggest_convlstm_params`, its
    ``max_epochs`` range capped by ``max_epochs``) on stratified ``cv``-fold
    cross-validation of the data it is given, then refits the best
    configuration on all of it. Given the training split, it never sees the
    test split.

    Parameters
    ----------
    n_trials : int, default=10
        Optuna trials.
    cv : int, default=3
        Number of stratified cross-validation folds.
    max_epochs : tuple of (int, int), default=(20, 100)
        Range of ``max_epochs`` sampled (log scale).
    timeout : float or None, default=None
        Seconds after which no new trial starts.
    start_from_default : bool, default=True
        Make the first trial the classifier's default network and optimiser
        settings (:func:`default_trial_params`) instead of a random draw, so the
        search always weighs the known-good configuration (Optuna's
        ``enqueue_trial``). It is one of the ``n_trials``.
    convlstm_params : dict or None, default=None
        Fixed parameters of the tuned ConvLSTMClassifier (sampled ones
        override them).
    n_ensemble : int, default=1
        Networks of the best configuration refitted with different seeds and
        averaged (:func:`sklearn_convlstm.ensemble.make_seed_ensemble`); 1
        refits one network.
    progress_bar : bool, default=False
        Show a tqdm bar over the trials.
    random_state : int or None, default=None
        Seeds the classifier, the folds, the TPE sampler and the ensemble.

    Attributes
    ----------
    study_ : optuna.Study
        The finished study.
    best_estimator_ : ConvLSTMClassifier or VotingClassifier
        The best configuration, refitted on all of ``fit``'s data (a seed
        ensemble of it when ``n_ensemble > 1``).
    best_params_ : dict
        Optuna parameters of the best trial.
    best_score_ : float
        Its mean cross-validated accuracy.
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm.comparison import TunedConvLSTM
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(30, 1, 24)), np.arange(30) % 2
    >>> tuned = TunedConvLSTM(n_trials=1, cv=2, max_epochs=(1, 1), random_state=0)
    >>> tuned.fit(X, y).predict(X[:2]).shape
    (2,)
    """

    def __init__(
        self,
        *,
        n_trials: int = DEFAULT_TRIALS,
        cv: int = DEFAULT_CV,
        max_epochs: tuple[int, int] = DEFAULT_TUNING_EPOCHS,
        timeout: float | None = None,
        start_from_default: bool = True,
        convlstm_params: dict | None = None,
        n_ensemble: int = 1,
        progress_bar: bool = False,
        random_state: int | None = None,
    ) -> None:
        self.n_trials = n_trials
        self.cv = cv
        self.max_epochs = max_epochs
        self.timeout = timeout
        self.start_from_default = start_from_default
        self.convlstm_params = convlstm_params
        self.n_ensemble = n_ensemble
        self.progress_bar = progress_bar
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> TunedConvLSTM:
        """Tune on cross-validation of ``X, y``, then refit the best on all of it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or list
            Training series.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : TunedConvLSTM
            The fitted estimator.
        """
        from .classifier import ConvLSTMClassifier
        from .ensemble import make_seed_ensemble

        if not isinstance(self.n_ensemble, int) or self.n_ensemble < 1:
            raise ValueError(
                f"n_ensemble must be a positive int; got {self.n_ensemble!r}."
            )
        # Validate here, as ConvLSTMClassifier does, so that bad X or y fails with
        # the classifier's messages before any trial, and n_features_in_ is set
        # (scikit-learn's estimator checks, tests/test_sklearn_compat.py).
        X = validate_series_input(self, X, reset=True, require_fitted_length=False)
        y = check_classification_labels(y, len(X))
        params = {"random_state": self.random_state, **(self.convlstm_params or {})}
        params["progress_bar"] = False  # one bar per CV fit would flood the screen
        callbacks: list[Callable] = []
        bar = None
        if self.progress_bar:
            from tqdm.auto import tqdm

            bar = tqdm(total=self.n_trials, desc="tuning trials", leave=False)
            callbacks.append(lambda study, trial: bar.update(1))
        try:
            study, best = tune_convlstm(
                ConvLSTMClassifier(**params),
                X,
                y,
                n_trials=self.n_trials,
                cv=self.cv,
                max_epochs=cast("tuple[int, int]", tuple(self.max_epochs)),
                timeout=self.timeout,
                random_state=self.random_state,
                initial_params=(
                    default_trial_params(
                        len(y), self.cv, max_epochs=int(self.max_epochs[1])
                    )
                    if self.start_from_default
                    else None
                ),
                callbacks=callbacks,
                refit=self.n_ensemble == 1,
            )
        finally:
            if bar is not None:
                bar.close()
        if self.n_ensemble > 1:
            best = make_seed_ensemble(best, self.n_ensemble).fit(X, y)
        self.study_ = study
        self.best_estimator_ = best
        self.best_params_ = dict(study.best_params)
        self.best_score_ = float(study.best_value)
        self.classes_ = best.classes_
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predict labels with the refitted best configuration.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or list
            Series to classify.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.best_estimator_.predict(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities from the refitted best configuration.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or list
            Series to classify.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        return self.best_estimator_.predict_proba(X)


def tune_convlstm(
    estimator: BaseEstimator,
    X: Any,
    y: Any,
    *,
    n_trials: int,
    cv: int,
    max_epochs: tuple[int, int],
    timeout: float | None,
    random_state: int | None,
    initial_params: Mapping[str, Any] | None = None,
    callbacks: Sequence[Callable] = (),
    refit: bool = True,
) -> tuple[Any, BaseEstimator]:
    """Adapter to :func:`sklearn_convlstm.tuning.tune` (the one place that calls it).

    Parameters
    ----------
    estimator : ConvLSTMClassifier
        Estimator whose parameters are tuned.
    X, y : training data
        Cross-validation runs on these only.
    n_trials, cv, timeout, random_state
        Passed to ``tune``.
    max_epochs : tuple of (int, int)
        Range of ``max_epochs`` of the default search space.
    initial_params : mapping or None, default=None
        Optuna parameters of a first trial to enqueue (e.g.
        :func:`default_trial_params`); the other trials are sampled.
    callbacks : sequence of callables, default=()
        Optuna callbacks ``callback(study, trial)``.
    refit : bool, default=True
        Refit the best configuration on all of ``X, y``.

    Returns
    -------
    study : optuna.Study
    best_estimator : ConvLSTMClassifier
        The best configuration; refitted on all of ``X, y`` if ``refit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm import ConvLSTMClassifier
    >>> from sklearn_convlstm.comparison import tune_convlstm
    >>> X, y = np.random.RandomState(0).normal(size=(20, 1, 16)), np.arange(20) % 2
    >>> study, best = tune_convlstm(ConvLSTMClassifier(random_state=0), X, y,
    ...     n_trials=1, cv=2, max_epochs=(1, 1), timeout=None, random_state=0)
    >>> len(study.trials)
    1
    """
    import functools

    from .tuning import suggest_convlstm_params, tune

    space = functools.partial(suggest_convlstm_params, max_epochs=max_epochs)
    storage = study_name = None
    if initial_params is not None:
        # tune() loads an existing study from the storage it is given: create
        # one in memory with the first trial queued.
        import optuna

        storage = optuna.storages.InMemoryStorage()
        study_name = "convlstm-tuned"
        verbosity = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        try:
            optuna.create_study(
                storage=storage, study_name=study_name, direction="maximize"
            ).enqueue_trial(dict(initial_params))
        finally:
            optuna.logging.set_verbosity(verbosity)
    study, best_estimator = tune(
        estimator,
        X,
        y,
        param_space=space,
        storage=storage,
        study_name=study_name,
        cv=cv,
        n_trials=n_trials,
        timeout=timeout,
        random_state=random_state,
        refit=refit,
        verbose=0,
        callbacks=list(callbacks),
    )
    return study, best_estimator


def default_trial_params(n_samples: int, cv: int, *, max_epochs: int) -> dict[str, Any]:
    """Optuna parameters of the default search space that match the defaults.

    The network of ``ConvLSTMClassifier(variant="default")`` and the default
    ``lr`` and ``weight_decay``, written with the names of
    :func:`sklearn_convlstm.tuning.suggest_convlstm_params`. ``batch_size`` is
    what ``batch_size="auto"`` gives a training fold, rounded to the nearest
    choice of the space (8, 16, 32);
    ``max_epochs`` is the top of the searched range.

    Parameters
    ----------
    n_samples : int
        Number of training series given to the tuner.
    cv : int
        Number of cross-validation folds.
    max_epochs : int
        Epoch budget of the trial.

    Returns
    -------
    params : dict
        For ``study.enqueue_trial``.

    Examples
    --------
    >>> from sklearn_convlstm.comparison import default_trial_params
    >>> params = default_trial_params(50, 3, max_epochs=40)
    >>> params["n_conv_blocks"], params["kernel_size_0"], params["batch_size"]
    (3, 7, 8)
    """
    from .classifier import ConvLSTMClassifier, auto_batch_size
    from .networks import ARCHITECTURE_VARIANTS

    network = ARCHITECTURE_VARIANTS["default"]
    defaults = ConvLSTMClassifier().get_params()
    n_fit = int(n_samples * (cv - 1) / cv)
    batch_size = min((8, 16, 32), key=lambda size: abs(size - auto_batch_size(n_fit)))
    params: dict[str, Any] = {"n_conv_blocks": len(network["conv_channels"])}
    for index, (channels, kernel) in enumerate(
        zip(network["conv_channels"], network["kernel_sizes"], strict=True)
    ):
        params[f"conv_channels_{index}"] = channels
        params[f"kernel_size_{index}"] = kernel
    params.update(
        pooling="auto" if network["pool_sizes"] == "auto" else "none",
        batch_norm=network["batch_norm"],
        conv_dropout=network["conv_dropout"],
        lstm_hidden_size=network["lstm_hidden_size"],
        lstm_layers=network["lstm_layers"],
        bidirectional=network["bidirectional"],
        readout=network["readout"],
        recurrent_dropout=network["recurrent_dropout"],
        conv_skip=network["conv_skip"],
        lr=defaults["lr"],
        weight_decay=defaults["weight_decay"],
        batch_size=batch_size,
        max_epochs=int(max_epochs),
    )
    return params


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
    >>> from sklearn_convlstm.comparison import MiniRocketRidge
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

        # The same validation as ConvLSTMClassifier: clear messages for bad X
        # or y, and n_features_in_ (scikit-learn's estimator checks).
        X = validate_series_input(self, X, reset=True, require_fitted_length=False)
        y = check_classification_labels(y, len(X))
        if len(np.unique(y)) < 2:
            raise ValueError(
                f"y has only 1 class ({np.unique(y)[0].tolist()!r}); a classifier "
                "needs at least 2 classes in the training labels."
            )
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
        self.classifier_ = RidgeClassifierCV(alphas=np.asarray(MINIROCKET_ALPHAS))
        features = self.scaler_.fit_transform(self._features(X, fit=True))
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
        check_is_fitted(self)
        features = self.scaler_.transform(self._features(X, fit=False))
        return self.classifier_.predict(features)


# ---------------------------------------------------------------- running


@dataclass
class ComparisonResult:
    """What :func:`run_comparison` returns.

    Attributes
    ----------
    rows : list of dict
        One row per method and seed: ``dataset``, ``method``, ``seed``,
        ``accuracy``, ``fit_seconds``, ``predict_seconds``, ``n_train``,
        ``n_test`` and ``details`` (epochs trained, tuned parameters, ...).
    skipped : dict of str to str
        Methods that could not run, with the reason.
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)


def _fit_details(estimator: Any) -> str:
    """Return a short, CSV-friendly note on what a fit did."""
    if isinstance(estimator, TunedConvLSTM):
        best = estimator.best_estimator_
        return (
            f"cv_accuracy={estimator.best_score_:.4f}; trials="
            f"{len(estimator.study_.trials)}; epochs={len(best.history_)}; "
            f"best_params={json.dumps(estimator.best_params_, default=str)}"
        )
    history = getattr(estimator, "history_", None)
    if history is not None:
        return f"epochs={len(history)}"
    classifier = getattr(estimator, "classifier_", None)
    if classifier is not None and hasattr(classifier, "alpha_"):
        return f"alpha={float(classifier.alpha_):.4g}"
    return ""


def run_comparison(
    X_train: Any,
    y_train: Any,
    X_test: Any,
    y_test: Any,
    *,
    methods: Iterable[str] = DEFAULT_METHODS,
    seeds: Iterable[int] = (0,),
    options: MethodOptions | None = None,
    dataset: str = "dataset",
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> ComparisonResult:
    """Fit every method once per seed on the training data; score on the test data.

    The test split is used only to compute the accuracy after each fit:
    tuning and early stopping see the training split only. Every method gets
    the same seeds.

    Parameters
    ----------
    X_train, y_train : training series and labels
        Series in any form the package accepts (3D array, 2D univariate array,
        list of unequal-length series).
    X_test, y_test : test series and labels
    methods : iterable of str, default=DEFAULT_METHODS
        Keys of :data:`METHODS`, checked before anything trains.
    seeds : iterable of int, default=(0,)
        One fit per method and seed.
    options : MethodOptions or None, default=None
        Shared settings of the methods.
    dataset : str, default="dataset"
        Name written in the ``dataset`` column.
    progress : bool, default=True
        Show a tqdm bar over methods x seeds (on stderr).
    log : callable or None, default=None
        Called with a note for each skipped method (``None``: print to
        stderr).

    Returns
    -------
    result : ComparisonResult
        Per-seed rows and the skipped methods.

    See Also
    --------
    summarize : Mean and std over seeds.
    format_table : The summary as text.

    Examples
    --------
    >>> from sklearn_convlstm.comparison import run_comparison
    >>> from sklearn_convlstm.datasets import make_pattern_classification
    >>> X, y = make_pattern_classification(n_samples=60, n_timesteps=40,
    ...                                    random_state=0)
    >>> result = run_comparison(X[:40], y[:40], X[40:], y[40:],
    ...                         methods=["rf-stats"], seeds=[0, 1],
    ...                         progress=False)
    >>> [(row["method"], row["seed"]) for row in result.rows]
    [('rf-stats', 0), ('rf-stats', 1)]
    """
    methods = parse_methods(list(methods))
    seeds = tuple(int(seed) for seed in seeds)
    if not seeds:
        raise ValueError("seeds is empty; give at least one seed, e.g. seeds=(0,).")
    options = options or MethodOptions()
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    y_train = np.asarray(y_train)
    y_test = np.asarray(y_test)

    result = ComparisonResult()
    runnable = []
    for name in methods:
        missing = METHODS[name].missing_requirements()
        if missing:
            result.skipped[name] = _missing_message(name, missing)
            log(f"skipping {result.skipped[name]}")
        else:
            runnable.append(name)

    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(runnable) * len(seeds), desc=dataset, unit="fit")
    try:
        for name in runnable:
            for seed in seeds:
                if bar is not None:
                    bar.set_description(f"{dataset}: {name} (seed {seed})")
                estimator = make_estimator(name, seed, options)
                start = time.perf_counter()
                estimator.fit(X_train, y_train)
                fit_seconds = time.perf_counter() - start
                start = time.perf_counter()
                y_pred = estimator.predict(X_test)
                predict_seconds = time.perf_counter() - start
                result.rows.append(
                    {
                        "dataset": dataset,
                        "method": name,
                        "seed": seed,
                        "accuracy": float(np.mean(np.asarray(y_pred) == y_test)),
                        "fit_seconds": fit_seconds,
                        "predict_seconds": predict_seconds,
                        "n_train": len(y_train),
                        "n_test": len(y_test),
                        "details": _fit_details(estimator),
                    }
                )
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return result


# ------------------------------------------------------------- summaries


def summarize(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Aggregate per-seed rows into one row per dataset and method.

    Parameters
    ----------
    rows : iterable of mapping
        Rows with ``dataset`` (optional), ``method``, ``seed``, ``accuracy``,
        ``fit_seconds`` and ``predict_seconds``, as made by
        :func:`run_comparison`.

    Returns
    -------
    summary : list of dict
        In order of first appearance: ``dataset``, ``method``, ``n_seeds``,
        ``seeds`` (e.g. ``"0,1,2"``), ``accuracy_mean``, ``accuracy_std``,
        ``fit_seconds_mean``, ``predict_seconds_mean``. ``accuracy_std`` is the
        sample standard deviation over seeds (``ddof=1``), NaN for one seed.

    Examples
    --------
    >>> from sklearn_convlstm.comparison import summarize
    >>> rows = [
    ...     {"method": "m", "seed": 0, "accuracy": 0.9, "fit_seconds": 1.0,
    ...      "predict_seconds": 0.1},
    ...     {"method": "m", "seed": 1, "accuracy": 0.7, "fit_seconds": 3.0,
    ...      "predict_seconds": 0.3},
    ... ]
    >>> row = summarize(rows)[0]
    >>> round(row["accuracy_mean"], 3), round(row["accuracy_std"], 4)
    (0.8, 0.1414)
    >>> row["fit_seconds_mean"], row["seeds"]
    (2.0, '0,1')
    """
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for row in rows:
        key = (str(row.get("dataset", "")), str(row["method"]))
        groups.setdefault(key, []).append(row)
    summary = []
    for (dataset, method), members in groups.items():
        accuracy = np.array([float(row["accuracy"]) for row in members])
        summary.append(
            {
                "dataset": dataset,
                "method": method,
                "n_seeds": len(members),
                "seeds": ",".join(str(row["seed"]) for row in members),
                "accuracy_mean": float(accuracy.mean()),
                "accuracy_std": (
                    float(accuracy.std(ddof=1)) if len(accuracy) > 1 else math.nan
                ),
                "fit_seconds_mean": float(
                    np.mean([float(row["fit_seconds"]) for row in members])
                ),
                "predict_seconds_mean": float(
                    np.mean([float(row["predict_seconds"]) for row in members])
                ),
            }
        )
    return summary


def format_accuracy(mean: float, std: float = math.nan, digits: int = 3) -> str:
    """Format an accuracy as ``"0.967 ± 0.012"`` (just ``"0.967"`` if std is NaN).

    Parameters
    ----------
    mean : float
        Mean accuracy.
    std : float, default=nan
        Standard deviation over seeds; NaN (one seed) prints no ``±`` part.
    digits : int, default=3
        Decimals.

    Returns
    -------
    text : str

    Examples
    --------
    >>> from sklearn_convlstm.comparison import format_accuracy
    >>> format_accuracy(0.96666, 0.0123), format_accuracy(0.9)
    ('0.967 ± 0.012', '0.900')
    """
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "-"
    text = f"{mean:.{digits}f}"
    if std is not None and not math.isnan(std):
        text += f" ± {std:.{digits}f}"
    return text


def _format_seconds(seconds: float) -> str:
    if seconds >= 100:
        return f"{seconds:.0f}"
    if seconds >= 10:
        return f"{seconds:.1f}"
    return f"{seconds:.2f}"


def format_table(summary: Sequence[Mapping[str, Any]]) -> str:
    """Format a summary as an aligned text table.

    Columns: ``method``, ``accuracy`` (mean ± std over seeds), ``fit s`` and
    ``predict s`` (means over seeds), ``seeds``; a ``dataset`` column first
    when the summary holds more than one dataset.

    Parameters
    ----------
    summary : sequence of mapping
        As returned by :func:`summarize`.

    Returns
    -------
    table : str
        Lines separated by newlines, without a trailing newline.

    Examples
    --------
    >>> from sklearn_convlstm.comparison import format_table
    >>> print(format_table([{"dataset": "D", "method": "rf-stats", "n_seeds": 2,
    ...     "accuracy_mean": 0.9, "accuracy_std": 0.01, "fit_seconds_mean": 0.5,
    ...     "predict_seconds_mean": 0.04}]))
    method    accuracy       fit s  predict s  seeds
    --------  -------------  -----  ---------  -----
    rf-stats  0.900 ± 0.010   0.50       0.04      2
    """
    with_dataset = len({str(row.get("dataset", "")) for row in summary}) > 1
    header = ["method", "accuracy", "fit s", "predict s", "seeds"]
    if with_dataset:
        header.insert(0, "dataset")
    lines = []
    for row in summary:
        cells = [
            str(row["method"]),
            format_accuracy(row["accuracy_mean"], row["accuracy_std"]),
            _format_seconds(row["fit_seconds_mean"]),
            _format_seconds(row["predict_seconds_mean"]),
            str(row["n_seeds"]),
        ]
        if with_dataset:
            cells.insert(0, str(row.get("dataset", "")))
        lines.append(cells)
    widths = [
        max(len(header[i]), *(len(cells[i]) for cells in lines)) if lines else len(h)
        for i, h in enumerate(header)
    ]
    right = {"fit s", "predict s", "seeds"}

    def render(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(width) if name in right else cell.ljust(width)
            for cell, width, name in zip(cells, widths, header, strict=True)
        ).rstrip()

    out = [render(header), render(["-" * width for width in widths])]
    out += [render(cells) for cells in lines]
    return "\n".join(out)


def write_csv(rows: Sequence[Mapping[str, Any]], path: str | os.PathLike) -> Path:
    """Write rows (dicts) to a CSV file, one column per key.

    Parameters
    ----------
    rows : sequence of mapping
        Rows; the columns are the union of their keys, in order of first
        appearance.
    path : str or path-like
        Output file; its folder is created if needed.

    Returns
    -------
    path : pathlib.Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn_convlstm.comparison import write_csv
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_csv([{"method": "m", "accuracy": 0.5}],
    ...                      pathlib.Path(folder) / "rows.csv")
    ...     print(path.read_text().splitlines())
    ['method,accuracy', 'm,0.5']
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fieldnames: list[str] = []
    for row in rows:
        fieldnames += [key for key in row if key not in fieldnames]
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def plot_comparison(
    summary: Sequence[Mapping[str, Any]],
    path: str | os.PathLike,
    *,
    title: str | None = None,
) -> Path:
    """Save a PNG bar chart: accuracy (± std over seeds) and fit time per method.

    With one dataset the bars are the methods; with several, each dataset is a
    group of bars, one colour per method. Fit time uses a log scale.

    Parameters
    ----------
    summary : sequence of mapping
        As returned by :func:`summarize`.
    path : str or path-like
        Output PNG file; its folder is created if needed.
    title : str or None, default=None
        Figure title.

    Returns
    -------
    path : pathlib.Path

    Raises
    ------
    ImportError
        When matplotlib is not installed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn_convlstm.comparison import plot_comparison
    >>> summary = [{"dataset": "D", "method": "m", "accuracy_mean": 0.9,
    ...             "accuracy_std": 0.02, "fit_seconds_mean": 1.5}]
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = plot_comparison(summary, pathlib.Path(folder) / "plot.png")
    ...     path.read_bytes()[:4] == bytes([0x89]) + b"PNG"
    True
    """
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "plot_comparison needs matplotlib; install it with: "
            "pip install 'sklearn-convlstm[plot]'"
        ) from error

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    datasets = list(dict.fromkeys(str(row.get("dataset", "")) for row in summary))
    methods = list(dict.fromkeys(str(row["method"]) for row in summary))
    by_key = {(str(row.get("dataset", "")), str(row["method"])): row for row in summary}
    colors = plt.get_cmap("tab10")

    def values(dataset: str, key: str) -> list[float]:
        return [
            float(by_key[(dataset, method)][key])
            if (dataset, method) in by_key
            else math.nan
            for method in methods
        ]

    n_bars = len(methods) * len(datasets)
    if len(datasets) == 1:  # side by side
        shape, size = (1, 2), (min(16.0, max(8.0, 2.0 + 1.2 * n_bars)), 4.5)
    else:  # one above the other, each as wide as the groups need
        shape, size = (2, 1), (min(16.0, max(8.0, 2.0 + 0.3 * n_bars)), 8.0)
    figure, (ax_accuracy, ax_time) = plt.subplots(*shape, figsize=size)
    if len(datasets) == 1:
        dataset = datasets[0]
        positions = np.arange(len(methods))
        std = np.nan_to_num(values(dataset, "accuracy_std"))
        bar_colors = [colors(i % 10) for i in range(len(methods))]
        ax_accuracy.bar(
            positions,
            values(dataset, "accuracy_mean"),
            yerr=std,
            capsize=4,
            color=bar_colors,
        )
        ax_time.bar(positions, values(dataset, "fit_seconds_mean"), color=bar_colors)
        for axis in (ax_accuracy, ax_time):
            axis.set_xticks(positions)
            axis.set_xticklabels(methods, rotation=30, ha="right")
    else:
        width = 0.8 / len(methods)
        positions = np.arange(len(datasets))
        for index, method in enumerate(methods):
            offset = positions - 0.4 + width * (index + 0.5)
            rows = [by_key.get((dataset, method)) for dataset in datasets]
            means = [row["accuracy_mean"] if row else math.nan for row in rows]
            stds = [row["accuracy_std"] if row else math.nan for row in rows]
            fits = [row["fit_seconds_mean"] if row else math.nan for row in rows]
            color = colors(index % 10)
            ax_accuracy.bar(
                offset,
                means,
                width,
                yerr=np.nan_to_num(np.asarray(stds, dtype=float)),
                capsize=2,
                color=color,
                label=method,
            )
            ax_time.bar(offset, fits, width, color=color, label=method)
        for axis in (ax_accuracy, ax_time):
            axis.set_xticks(positions)
            axis.set_xticklabels(datasets)
        handles, labels = ax_accuracy.get_legend_handles_labels()
        n_columns = min(len(methods), 4)
        figure.legend(
            handles, labels, loc="lower center", ncol=n_columns, fontsize="small"
        )
        legend_rows = math.ceil(len(methods) / n_columns)
    ax_accuracy.set_ylabel("test accuracy (mean ± std over seeds)")
    ax_accuracy.set_ylim(0.0, 1.05)
    ax_accuracy.grid(axis="y", alpha=0.3)
    ax_time.set_ylabel("fit time (s, mean over seeds)")
    ax_time.set_yscale("log")
    ax_time.grid(axis="y", alpha=0.3, which="both")
    if title:
        figure.suptitle(title)
    legend_height = 0.0 if len(datasets) == 1 else 0.03 * legend_rows + 0.01
    figure.tight_layout(rect=(0.0, legend_height, 1.0, 1.0))
    figure.savefig(path, dpi=120, format="png")
    plt.close(figure)
    return path


def describe_data(X_train: Any, y_train: Any, X_test: Any, y_test: Any) -> str:
    """Describe a train/test split in one line.

    Parameters
    ----------
    X_train, y_train, X_test, y_test : the split

    Returns
    -------
    text : str

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm.comparison import describe_data
    >>> X = np.zeros((6, 2, 10))
    >>> describe_data(X, [0, 1, 0, 1, 0, 1], X[:4], [0, 1, 0, 1])
    '6 train / 4 test series, 2 channels, length 10, 2 classes'
    """
    X_train_checked = check_series(X_train)
    lengths = np.concatenate(
        [series_lengths(X_train_checked), series_lengths(check_series(X_test))]
    )
    n_channels = n_channels_of(X_train_checked)
    length = (
        f"length {lengths.min()}"
        if lengths.min() == lengths.max()
        else f"lengths {lengths.min()} to {lengths.max()}"
    )
    n_classes = len(np.unique(np.asarray(y_train)))
    return (
        f"{len(np.asarray(y_train))} train / {len(np.asarray(y_test))} test series, "
        f"{n_channels} channel{'s' if n_channels != 1 else ''}, {length}, "
        f"{n_classes} classes"
    )


# -------------------------------------------------------------------- CLI


def _methods_argument(text: str) -> tuple[str, ...]:
    import argparse

    try:
        return parse_methods(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _seeds_argument(text: str) -> tuple[int, ...]:
    import argparse

    try:
        return parse_seeds(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _int_at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        import argparse

        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"expected an integer >= {minimum}; got {text!r}."
            )
        return value

    return parse


_positive_int = _int_at_least(1)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``python -m sklearn_convlstm compare`` to ``parser``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The sub-parser of the ``compare`` command.
    """
    method_lines = "; ".join(
        f"{method.name}: {method.description}" for method in METHODS.values()
    )
    parser.add_argument(
        "--dataset",
        default="GunPoint",
        help="shipped dataset name (GunPoint, ItalyPowerDemand), a name found "
        "under --data-home, or a path prefix PREFIX of PREFIX_TRAIN.ts and "
        "PREFIX_TEST.ts (default: %(default)s)",
    )
    parser.add_argument(
        "--data-home",
        default=None,
        metavar="DIR",
        help="directory holding NAME/NAME_TRAIN.ts (the UCR/UEA layout)",
    )
    parser.add_argument(
        "--methods",
        type=_methods_argument,
        default=DEFAULT_METHODS,
        help=f"comma-separated methods (default: {','.join(DEFAULT_METHODS)}). "
        f"Choices: {method_lines}",
    )
    parser.add_argument(
        "--seeds",
        type=_seeds_argument,
        default=(0,),
        help="comma-separated seeds ('0,1,2'; '7,' for seed 7 alone), or a count "
        "('3' = seeds 0, 1, 2; '0' and '1' = seed 0); every method gets the same "
        "seeds (default: seed 0)",
    )
    parser.add_argument(
        "--trials",
        type=_positive_int,
        default=DEFAULT_TRIALS,
        help="Optuna trials of convlstm-tuned (default: %(default)s)",
    )
    parser.add_argument(
        "--cv",
        type=_int_at_least(2),
        default=DEFAULT_CV,
        help="cross-validation folds of convlstm-tuned, on the training split "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--tuning-max-epochs",
        type=_positive_int,
        default=DEFAULT_TUNING_EPOCHS[1],
        metavar="N",
        help="upper end of the max_epochs range searched by convlstm-tuned "
        f"(default: %(default)s; lower end: min({DEFAULT_TUNING_EPOCHS[0]}, N))",
    )
    parser.add_argument(
        "--ensemble-size",
        type=_positive_int,
        default=ENSEMBLE_SIZE,
        metavar="N",
        help="networks averaged by convlstm-ensemble (default: %(default)s)",
    )
    parser.add_argument(
        "--tuned-ensemble-size",
        type=_positive_int,
        default=TUNED_ENSEMBLE_SIZE,
        metavar="N",
        help="networks of the best configuration that convlstm-tuned refits "
        "with different seeds and averages (default: %(default)s)",
    )
    parser.add_argument(
        "--device",
        default=None,
        help="torch device of the ConvLSTM methods (default: the classifier's, cpu)",
    )
    parser.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="write comparison.csv (one row per method and seed), "
        "comparison_summary.csv and comparison.png to DIR",
    )
    parser.add_argument(
        "--threads",
        type=_int_at_least(0),
        default=1,
        help="torch threads (torch.set_num_threads) during the run; 0 keeps "
        "torch's default of one per core. Default: %(default)s, which the small "
        "networks need on a busy machine: with other processes on the cores, "
        "torch's default made training over 100 times slower on a 2-core machine",
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bars",
    )


def options_from_args(args: argparse.Namespace) -> MethodOptions:
    """Build :class:`MethodOptions` from parsed ``compare`` arguments.

    Parameters
    ----------
    args : argparse.Namespace
        Needs ``trials``, ``cv``, ``tuning_max_epochs``, ``ensemble_size``,
        ``tuned_ensemble_size``, ``device`` and ``no_progress`` (see
        :func:`add_arguments`).

    Returns
    -------
    options : MethodOptions
    """
    high = int(args.tuning_max_epochs)
    convlstm_params = {} if args.device is None else {"device": args.device}
    return MethodOptions(
        n_trials=args.trials,
        cv=args.cv,
        tuning_epochs=(min(DEFAULT_TUNING_EPOCHS[0], high), high),
        convlstm_params=convlstm_params,
        progress_bar=not args.no_progress,
        ensemble_size=args.ensemble_size,
        tuned_ensemble_size=args.tuned_ensemble_size,
    )


def run_command(args: argparse.Namespace) -> int:
    """Run ``python -m sklearn_convlstm compare``.

    Loads the dataset's official split, runs :func:`run_comparison`, prints
    the table of :func:`format_table` and, with ``--out``, writes the CSVs and
    the chart.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments (see :func:`add_arguments`).

    Returns
    -------
    exit_code : int
        0 on success, 2 when the dataset cannot be loaded.
    """
    import torch

    from .datasets import load_dataset

    try:
        X_train, y_train, X_test, y_test = load_dataset(
            args.dataset, data_home=args.data_home
        )
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    threads_before = torch.get_num_threads()
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        return _compare(args, X_train, y_train, X_test, y_test)
    finally:
        torch.set_num_threads(threads_before)


def _compare(
    args: argparse.Namespace, X_train: Any, y_train: Any, X_test: Any, y_test: Any
) -> int:
    """Run, print and save the comparison of ``run_command``."""
    import torch

    dataset = Path(str(args.dataset)).name
    options = options_from_args(args)
    print(
        f"{dataset}: {describe_data(X_train, y_train, X_test, y_test)}; "
        f"accuracy on the official test split; seeds "
        f"{','.join(map(str, args.seeds))}; torch threads {torch.get_num_threads()}",
        flush=True,
    )
    if "convlstm-tuned" in args.methods:
        print(
            f"convlstm-tuned: {options.n_trials} Optuna trials (the first: the "
            f"default configuration), {options.cv}-fold CV on the training split, "
            f"max_epochs in {list(options.tuning_epochs)}",
            flush=True,
        )
    start = time.perf_counter()
    result = run_comparison(
        X_train,
        y_train,
        X_test,
        y_test,
        methods=args.methods,
        seeds=args.seeds,
        options=options,
        dataset=dataset,
        progress=not args.no_progress,
    )
    elapsed = time.perf_counter() - start
    summary = summarize(result.rows)
    print()
    print(format_table(summary))
    for name, reason in result.skipped.items():
        print(f"skipped {name}: {reason}")
    print(f"\ntotal time: {elapsed:.1f} s")
    if args.out is not None:
        out = Path(args.out)
        paths = [
            write_csv(result.rows, out / "comparison.csv"),
            write_csv(summary, out / "comparison_summary.csv"),
        ]
        if summary:
            try:
                paths.append(
                    plot_comparison(summary, out / "comparison.png", title=f"{dataset}")
                )
            except ImportError as error:
                print(f"no chart: {error}", file=sys.stderr)
        print("wrote " + ", ".join(str(path) for path in paths))
    return 0
