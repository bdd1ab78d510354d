"""The methods of the comparison: registry, options and estimator factories."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
from sklearn.base import BaseEstimator

from sklearn_convlstm._optional import missing_message, module_available
from sklearn_convlstm.baselines import MiniRocketRidge, MiniRocketRidgeRegressor
from sklearn_convlstm.tuning._estimator import (
    DEFAULT_CV,
    DEFAULT_TRIALS,
    DEFAULT_TUNING_EPOCHS,
    TunedConvLSTM,
)

#: Methods run by ``compare`` when ``--methods`` is not given. The article's
#: networks are left out: 100 epochs of each take longer than the rest together.
DEFAULT_METHODS = (
    "convlstm-default",
    "convlstm-tuned",
    "rf-stats",
    "rf-catch22",
    "minirocket",
)


#: Methods run by ``compare --task regression`` when ``--methods`` is not
#: given: those that have a regression form (``convlstm-tuned`` and
#: ``convlstm-ensemble`` are classifiers).
DEFAULT_REGRESSION_METHODS = (
    "convlstm-default",
    "rf-stats",
    "rf-catch22",
    "minirocket",
)
#: The tasks ``compare`` runs.
TASKS = ("classification", "regression")

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
    task : {"classification", "regression"}, default="classification"
        ``"regression"`` builds each method's regressor:
        :class:`~sklearn_convlstm.ConvLSTMRegressor`, a random forest
        regressor on the features, MiniRocket with ``RidgeCV``.

    Examples
    --------
    >>> from sklearn_convlstm.compare import MethodOptions
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
    task: str = "classification"

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(
                f"task must be one of {', '.join(TASKS)}; got {self.task!r}."
            )


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
    tasks : tuple of str, default=TASKS
        The tasks the method has a form for; for another task it is skipped
        with a note.
    fixed_length : bool, default=False
        Whether its fitted model predicts only series of the training length
        when the training series all have one length (the ConvLSTM
        networks); :func:`check_split` then refuses test series of another
        length before anything trains.
    cost : int, default=1
        Rough rank of its fit time among the methods: when arms run in
        parallel, costlier ones start first, so that the cheap ones fill the
        gaps at the end.

    Examples
    --------
    >>> from sklearn_convlstm.compare import METHODS
    >>> METHODS["rf-stats"].missing_requirements()
    []
    """

    name: str
    description: str
    build: Callable[[int, MethodOptions], Any]
    requires: tuple[str, ...] = ()
    tasks: tuple[str, ...] = TASKS
    fixed_length: bool = False
    cost: int = 1

    def missing_requirements(self) -> list[str]:
        """Return the required modules that cannot be imported.

        Returns
        -------
        missing : list of str
            Empty when the method can run.
        """
        return [name for name in self.requires if not module_available(name)]


def _convlstm(seed: int, options: MethodOptions, **params: Any) -> BaseEstimator:
    from sklearn_convlstm._classifier import ConvLSTMClassifier
    from sklearn_convlstm._regressor import ConvLSTMRegressor

    estimator = (
        ConvLSTMRegressor if options.task == "regression" else ConvLSTMClassifier
    )
    return estimator(
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
    from sklearn_convlstm.ensemble import make_seed_ensemble

    return make_seed_ensemble(_convlstm(seed, options), options.ensemble_size)


def _article_builder(variant: str) -> Callable[[int, MethodOptions], BaseEstimator]:
    def build(seed: int, options: MethodOptions) -> BaseEstimator:
        return _convlstm(seed, options, variant=variant, **ARTICLE_TRAINING)

    return build


def _build_rf(kind: str) -> Callable[[int, MethodOptions], BaseEstimator]:
    def build(seed: int, options: MethodOptions) -> BaseEstimator:
        from sklearn_convlstm.baselines import make_feature_baseline

        return make_feature_baseline(kind, task=options.task, random_state=seed)

    return build


def _build_minirocket(seed: int, options: MethodOptions) -> BaseEstimator:
    if options.task == "regression":
        return MiniRocketRidgeRegressor(random_state=seed)
    return MiniRocketRidge(random_state=seed)


#: The methods by name, in the order of the result tables.
METHODS: dict[str, Method] = {
    method.name: method
    for method in (
        Method(
            "convlstm-default",
            "ConvLSTMClassifier (ConvLSTMRegressor) with default parameters",
            _build_convlstm_default,
            fixed_length=True,
            cost=10,
        ),
        Method(
            "convlstm-ensemble",
            "soft vote of ConvLSTMClassifiers with default parameters and "
            "different seeds",
            _build_convlstm_ensemble,
            tasks=("classification",),
            fixed_length=True,
            cost=50,
        ),
        Method(
            "convlstm-tuned",
            "ConvLSTMClassifier tuned with Optuna by cross-validation on the "
            "training split",
            _build_convlstm_tuned,
            requires=("optuna", "sklearn_convlstm.tuning"),
            tasks=("classification",),
            fixed_length=True,
            cost=100,
        ),
        Method(
            "article-basic",
            "the article's basic network (Conv1d 32 -> LSTM 64), trained naively",
            _article_builder("basic"),
            fixed_length=True,
            cost=30,
        ),
        Method(
            "article-stacked",
            "the article's stacked network (Conv1d 32, 64 -> LSTM 64), trained naively",
            _article_builder("stacked"),
            fixed_length=True,
            cost=30,
        ),
        Method(
            "article-dropout",
            "the article's network with dropout 0.3, trained naively",
            _article_builder("dropout"),
            fixed_length=True,
            cost=30,
        ),
        Method(
            "rf-stats",
            "statistical features + random forest (200 trees; a regressor for "
            "regression)",
            _build_rf("stats"),
        ),
        Method(
            "rf-catch22",
            "catch22 features + random forest (200 trees)",
            _build_rf("catch22"),
            requires=("pycatch22",),
            cost=2,
        ),
        Method(
            "minirocket",
            "MiniRocket features + RidgeClassifierCV (RidgeCV for regression)",
            _build_minirocket,
            requires=("sktime", "numba"),
            cost=20,  # numba compiles its kernels on the first call in a venv
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
    >>> from sklearn_convlstm.compare import parse_methods
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


#: Most seeds a count may ask for (each seed is a full run of every method).
MAX_SEEDS = 1000


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
    >>> from sklearn_convlstm.compare import parse_seeds
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
        if values[0] < 0 or values[0] > MAX_SEEDS:
            raise ValueError(
                f"The number of seeds must be between 1 and {MAX_SEEDS}; got "
                f"{values[0]}. {help_text}"
            )
        return tuple(range(max(values[0], 1)))
    if not values:
        raise ValueError(f"No seed given; got {text!r}. {help_text}")
    if min(values) < 0 or len(set(values)) != len(values):
        raise ValueError(
            f"seeds must be distinct non-negative integers; got {text!r}. {help_text}"
        )
    if max(values) >= 2**32:
        raise ValueError(
            f"seeds must be below 2**32 (NumPy's seed range); got {max(values)}."
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
    >>> from sklearn_convlstm.compare import make_estimator
    >>> make_estimator("article-basic", seed=0).get_params()["variant"]
    'basic'
    """
    (name,) = parse_methods([name])
    method = METHODS[name]
    missing = method.missing_requirements()
    if missing:
        raise ImportError(missing_message(f"method {name!r}", missing))
    options = options or MethodOptions()
    if options.task not in method.tasks:
        raise ValueError(
            f"method {name!r} has no {options.task} form (it supports "
            f"{', '.join(method.tasks)}); choose from "
            f"{', '.join(m for m in METHODS if options.task in METHODS[m].tasks)}."
        )
    return method.build(int(seed), options)
