"""Hyperparameter tuning with Optuna: search spaces, a tuner and a worker command.

Optuna is optional (``pip install 'sklearn-convlstm[tuning]'``): this module
imports it inside the functions that need it, so ``import
sklearn_convlstm.tuning`` works without it.

Search spaces
-------------
Each default search space exists in two forms: a function of an Optuna
``trial`` that returns estimator parameters (:func:`suggest_convlstm_params`,
:func:`suggest_forest_params`; used by :func:`tune`, conditional parameters
allowed), and a dict of Optuna distributions for
``optuna_integration.OptunaSearchCV`` (:func:`convlstm_distributions`,
:func:`forest_distributions`; flat, one independent distribution per
parameter). Pass your own function or dict to :func:`tune` as
``param_space``.

The default space of :class:`~sklearn_convlstm.ConvLSTMClassifier`
(:func:`suggest_convlstm_params`):

================================  ==============================================
Optuna parameter                  Values (estimator parameter)
================================  ==============================================
``n_conv_blocks``                 1 to 3 (length of ``conv_channels``)
``conv_channels_{i}``             16, 32, 64, 128 (channels of block ``i``)
``kernel_size_{i}``               3, 5, 7, 9 (``kernel_sizes``, one per block)
``pooling``                       ``"auto"`` or ``"none"`` (``pool_sizes``
                                  ``"auto"`` or 1)
``batch_norm``                    True, False
``conv_dropout``                  0 to 0.5
``lstm_hidden_size``              16, 32, 64, 128
``lstm_layers``                   1, 2
``bidirectional``                 True, False
``readout``                       last, mean, max, meanmax
``recurrent_dropout``             0 to 0.5
``conv_skip``                     True, False
``lr``                            1e-4 to 3e-2, log scale
``weight_decay``                  1e-5 to 1e-1, log scale
``batch_size``                    8, 16, 32
``max_epochs``                    ``max_epochs`` range (default 20 to 200), log
================================  ==============================================

Fixed: ``conv_padding="same"``. Early stopping is not part of the space (and
off by default in the estimator): each trial trains its sampled ``max_epochs``
on the whole training fold, exactly as the refit of the best configuration
trains on all the data, so the cross-validated score measures what is
refitted.

Pruning
-------
With a ConvLSTMClassifier (alone or last in a Pipeline), :func:`tune` scores
the network on the held-out fold at :data:`REPORTS_PER_FOLD` checkpoints of
its training (10 %, 20 %, ... of ``max_epochs``) and reports the running
cross-validated score (finished folds plus the current one) to the pruner
(by default :func:`default_pruner`: keep the top quarter).
Steps count those checkpoints: step ``k * REPORTS_PER_FOLD + c - 1`` is
checkpoint ``c`` of fold ``k``, so trials with different ``max_epochs`` are
compared at the same fraction of their training (their learning-rate
schedules are then at the same phase). Scoring in eval mode draws no random
numbers: a trial trains exactly as it would without pruning. Other
estimators report after each fold.

Distributed tuning
------------------
Many processes, on one machine or many, can work on one study: give them the
same ``storage`` and ``study_name`` (:func:`tune`, or the worker command
``python -m sklearn_convlstm tune``). ``storage`` is ``None`` (in memory, one
process), a file path (Optuna's journal file: no server, any number of
processes on one machine or on a shared file system) or a SQLAlchemy URL
(``postgresql+psycopg2://user:password@host/db``, the documented choice for
several machines; ``sqlite:///tuning.db`` for one process). With a URL, a
worker that dies (SIGKILL, lost machine) stops sending heartbeats; after
``grace_period`` seconds the next worker marks its running trial failed and
queues it again with the same parameters.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.metrics import check_scoring
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from skorch.callbacks import Callback

if TYPE_CHECKING:  # pragma: no cover
    import argparse

    import optuna

__all__ = [
    "REPORTS_PER_FOLD",
    "TuningResult",
    "convlstm_distributions",
    "default_param_space",
    "default_pruner",
    "forest_distributions",
    "load_study",
    "make_storage",
    "params_from_trial",
    "save_plots",
    "suggest_convlstm_params",
    "suggest_forest_params",
    "tune",
]

_INSTALL_HINT = "pip install 'sklearn-convlstm[tuning]'"

#: Checkpoints per fold at which epoch pruning scores the held-out fold.
REPORTS_PER_FOLD = 10

#: Checkpoints of the first fold that the default epoch pruner never prunes.
DEFAULT_WARMUP_STEPS = 1

#: Trial states that hold one of the study's ``n_trials`` slots.
_FINISHED = ("COMPLETE", "PRUNED")

ParamSpace = Callable[[Any], dict[str, Any]]


# --------------------------------------------------------------------- imports


def _import_optuna() -> Any:
    """Import optuna, or fail with a message naming the extra to install."""
    try:
        import optuna
    except ImportError as error:
        raise ImportError(
            "Tuning needs the optional dependency optuna, which is not installed. "
            f"Install it with: {_INSTALL_HINT}"
        ) from error
    return optuna


@contextlib.contextmanager
def _quiet_optuna_warnings() -> Iterator[None]:
    """Silence Optuna's ExperimentalWarning/FutureWarning for the features we use."""
    optuna = _import_optuna()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        warnings.filterwarnings("ignore", category=FutureWarning, module="optuna")
        yield


# ---------------------------------------------------------------- search spaces


def suggest_convlstm_params(
    trial: optuna.trial.BaseTrial,
    *,
    prefix: str = "",
    max_epochs: tuple[int, int] = (20, 200),
) -> dict[str, Any]:
    """Sample parameters of :class:`~sklearn_convlstm.ConvLSTMClassifier`.

    The default search space for :func:`tune`; the module docstring lists it.
    The number of conv blocks is sampled first, then the channels and kernel
    size of each block, so ``kernel_sizes`` always has one entry per block.

    Parameters
    ----------
    trial : optuna.trial.Trial or optuna.trial.FixedTrial
        The trial that samples the values.
    prefix : str, default=""
        Prepended to every estimator parameter name, e.g. ``"classifier__"``
        when the classifier is the step ``"classifier"`` of a Pipeline. The
        Optuna parameter names do not change.
    max_epochs : tuple of (int, int), default=(20, 200)
        Range of ``max_epochs`` (sampled on a log scale). Lower it to cap the
        cost of a trial. Early stopping is left as the estimator has it
        (off by default): each trial trains its ``max_epochs``.

    Returns
    -------
    params : dict
        Estimator parameters for ``set_params``.

    See Also
    --------
    convlstm_distributions : The same space as OptunaSearchCV distributions.
    tune : Uses this space by default for ConvLSTMClassifier.

    Examples
    --------
    >>> import optuna
    >>> from sklearn_convlstm.tuning import suggest_convlstm_params
    >>> trial = optuna.trial.FixedTrial(
    ...     {"n_conv_blocks": 2, "conv_channels_0": 32, "conv_channels_1": 64,
    ...      "kernel_size_0": 7, "kernel_size_1": 5, "pooling": "auto",
    ...      "batch_norm": True, "conv_dropout": 0.1, "lstm_hidden_size": 64,
    ...      "lstm_layers": 1, "bidirectional": True, "readout": "meanmax",
    ...      "recurrent_dropout": 0.2, "conv_skip": True, "lr": 3e-3,
    ...      "weight_decay": 1e-2,
    ...      "batch_size": 16, "max_epochs": 50})
    >>> params = suggest_convlstm_params(trial)
    >>> params["conv_channels"], params["kernel_sizes"], params["pool_sizes"]
    ((32, 64), (7, 5), 'auto')
    """
    low, high = _check_epoch_range(max_epochs)
    n_blocks = trial.suggest_int("n_conv_blocks", 1, 3)
    channels = tuple(
        trial.suggest_categorical(f"conv_channels_{i}", [16, 32, 64, 128])
        for i in range(n_blocks)
    )
    kernels = tuple(
        trial.suggest_categorical(f"kernel_size_{i}", [3, 5, 7, 9])
        for i in range(n_blocks)
    )
    pooling = trial.suggest_categorical("pooling", ["auto", "none"])
    params = {
        "conv_channels": channels,
        "kernel_sizes": kernels,
        "conv_padding": "same",
        "pool_sizes": "auto" if pooling == "auto" else 1,
        "batch_norm": trial.suggest_categorical("batch_norm", [True, False]),
        "conv_dropout": trial.suggest_float("conv_dropout", 0.0, 0.5),
        "lstm_hidden_size": trial.suggest_categorical(
            "lstm_hidden_size", [16, 32, 64, 128]
        ),
        "lstm_layers": trial.suggest_int("lstm_layers", 1, 2),
        "bidirectional": trial.suggest_categorical("bidirectional", [True, False]),
        "readout": trial.suggest_categorical(
            "readout", ["last", "mean", "max", "meanmax"]
        ),
        "recurrent_dropout": trial.suggest_float("recurrent_dropout", 0.0, 0.5),
        "conv_skip": trial.suggest_categorical("conv_skip", [True, False]),
        "lr": trial.suggest_float("lr", 1e-4, 3e-2, log=True),
        "weight_decay": trial.suggest_float("weight_decay", 1e-5, 1e-1, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [8, 16, 32]),
        "max_epochs": (
            low if low == high else trial.suggest_int("max_epochs", low, high, log=True)
        ),
    }
    return {prefix + name: value for name, value in params.items()}


def convlstm_distributions(
    *, prefix: str = "", max_epochs: tuple[int, int] = (20, 200)
) -> dict[str, Any]:
    """Return the ConvLSTMClassifier search space as OptunaSearchCV distributions.

    ``OptunaSearchCV`` samples each parameter on its own from a flat
    distribution whose values must be scalars, so the conv depth and widths
    are chosen through ``variant`` (``"basic"``: one block of 32 channels,
    ``"stacked"``: 32 and 64, ``"default"``: 64, 128 and 128) and one
    ``kernel_sizes`` shared by every block, instead of the free per-block
    tuples of :func:`suggest_convlstm_params`. The other parameters have the
    same ranges. Set ``early_stopping=True`` on the estimator itself if you
    want it (``OptunaSearchCV`` only sets sampled parameters).

    Parameters
    ----------
    prefix : str, default=""
        Prepended to every parameter name (e.g. ``"classifier__"`` in a
        Pipeline).
    max_epochs : tuple of (int, int), default=(20, 200)
        Range of ``max_epochs``.

    Returns
    -------
    distributions : dict of str to optuna.distributions.BaseDistribution

    See Also
    --------
    suggest_convlstm_params : The full space as a function of a trial.

    Examples
    --------
    >>> from sklearn_convlstm.tuning import convlstm_distributions
    >>> distributions = convlstm_distributions(max_epochs=(5, 10))
    >>> distributions["variant"].choices
    ('basic', 'stacked', 'default')
    """
    optuna = _import_optuna()
    distributions = optuna.distributions
    low, high = _check_epoch_range(max_epochs)
    space = {
        "variant": distributions.CategoricalDistribution(
            ["basic", "stacked", "default"]
        ),
        "kernel_sizes": distributions.CategoricalDistribution([3, 5, 7, 9]),
        "pool_sizes": distributions.CategoricalDistribution(["auto", 1]),
        "conv_dropout": distributions.FloatDistribution(0.0, 0.5),
        "lstm_hidden_size": distributions.CategoricalDistribution([16, 32, 64, 128]),
        "lstm_layers": distributions.IntDistribution(1, 2),
        "bidirectional": distributions.CategoricalDistribution([True, False]),
        "readout": distributions.CategoricalDistribution(
            ["last", "mean", "max", "meanmax"]
        ),
        "recurrent_dropout": distributions.FloatDistribution(0.0, 0.5),
        "conv_skip": distributions.CategoricalDistribution([True, False]),
        "lr": distributions.FloatDistribution(1e-4, 3e-2, log=True),
        "weight_decay": distributions.FloatDistribution(1e-5, 1e-1, log=True),
        "batch_size": distributions.CategoricalDistribution([8, 16, 32]),
        "max_epochs": distributions.IntDistribution(low, high, log=True),
    }
    return {prefix + name: value for name, value in space.items()}


def suggest_forest_params(
    trial: optuna.trial.BaseTrial, *, prefix: str = "classifier__"
) -> dict[str, Any]:
    """Sample parameters of the random forest of a feature baseline.

    The default space for the pipelines of
    :func:`~sklearn_convlstm.baselines.make_feature_baseline`, whose forest is
    the step ``"classifier"``: ``n_estimators`` 50 to 500 (log scale),
    ``max_depth`` None, 4, 8 or 16, ``max_features`` ``"sqrt"``, ``"log2"``
    or 0.5, ``min_samples_leaf`` 1 to 8 and ``class_weight`` None or
    ``"balanced_subsample"`` (``"balanced"`` fails in scikit-learn 1.9.1 on
    labels such as the UCR archive's ``"1"``, ``"2"``).

    Parameters
    ----------
    trial : optuna.trial.Trial or optuna.trial.FixedTrial
        The trial that samples the values.
    prefix : str, default="classifier__"
        Prepended to every parameter name; ``""`` for a bare
        ``RandomForestClassifier``.

    Returns
    -------
    params : dict
        Estimator parameters for ``set_params``.

    See Also
    --------
    forest_distributions : The same space as OptunaSearchCV distributions.

    Examples
    --------
    >>> import optuna
    >>> from sklearn_convlstm.tuning import suggest_forest_params
    >>> trial = optuna.trial.FixedTrial(
    ...     {"n_estimators": 100, "max_depth": 8, "max_features": "sqrt",
    ...      "min_samples_leaf": 2, "class_weight": None})
    >>> suggest_forest_params(trial)["classifier__n_estimators"]
    100
    """
    params = {
        "n_estimators": trial.suggest_int("n_estimators", 50, 500, log=True),
        "max_depth": trial.suggest_categorical("max_depth", [None, 4, 8, 16]),
        "max_features": trial.suggest_categorical(
            "max_features", ["sqrt", "log2", 0.5]
        ),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 8),
        "class_weight": trial.suggest_categorical(
            "class_weight", [None, "balanced_subsample"]
        ),
    }
    return {prefix + name: value for name, value in params.items()}


def forest_distributions(*, prefix: str = "classifier__") -> dict[str, Any]:
    """Return the feature-baseline forest space as OptunaSearchCV distributions.

    Parameters
    ----------
    prefix : str, default="classifier__"
        Prepended to every parameter name.

    Returns
    -------
    distributions : dict of str to optuna.distributions.BaseDistribution

    See Also
    --------
    suggest_forest_params : The same space as a function of a trial.

    Examples
    --------
    >>> from sklearn_convlstm.tuning import forest_distributions
    >>> sorted(forest_distributions())[:2]
    ['classifier__class_weight', 'classifier__max_depth']
    """
    optuna = _import_optuna()
    distributions = optuna.distributions
    space = {
        "n_estimators": distributions.IntDistribution(50, 500, log=True),
        "max_depth": distributions.CategoricalDistribution([None, 4, 8, 16]),
        "max_features": distributions.CategoricalDistribution(["sqrt", "log2", 0.5]),
        "min_samples_leaf": distributions.IntDistribution(1, 8),
        "class_weight": distributions.CategoricalDistribution(
            [None, "balanced_subsample"]
        ),
    }
    return {prefix + name: value for name, value in space.items()}


def _check_epoch_range(max_epochs: tuple[int, int]) -> tuple[int, int]:
    try:
        low, high = (int(value) for value in max_epochs)
    except (TypeError, ValueError):
        low = high = 0
    if not 1 <= low <= high:
        raise ValueError(
            f"max_epochs must be a pair (low, high) of ints with 1 <= low <= high; "
            f"got {max_epochs!r}. For example max_epochs=(20, 200)."
        )
    return low, high


def _final_step(estimator: BaseEstimator) -> tuple[str, BaseEstimator]:
    """Return (parameter prefix, final estimator) of an estimator or Pipeline."""
    prefix = ""
    while isinstance(estimator, Pipeline):
        name, estimator = estimator.steps[-1]
        prefix += f"{name}__"
    return prefix, estimator


def default_param_space(estimator: BaseEstimator) -> ParamSpace:
    """Return the default search space for an estimator.

    Parameters
    ----------
    estimator : estimator
        A :class:`~sklearn_convlstm.ConvLSTMClassifier`, a
        ``RandomForestClassifier``, or a Pipeline ending in one of them (such
        as :func:`~sklearn_convlstm.baselines.make_feature_baseline`).

    Returns
    -------
    param_space : callable
        ``param_space(trial) -> dict`` of estimator parameters, with the
        Pipeline step prefix filled in.

    Raises
    ------
    ValueError
        When there is no default space for the estimator.

    Examples
    --------
    >>> from sklearn_convlstm.baselines import make_feature_baseline
    >>> from sklearn_convlstm.tuning import default_param_space
    >>> space = default_param_space(make_feature_baseline())
    >>> space.keywords
    {'prefix': 'classifier__'}
    """
    import functools

    from sklearn.ensemble import RandomForestClassifier

    from .classifier import ConvLSTMClassifier

    prefix, final = _final_step(estimator)
    if isinstance(final, ConvLSTMClassifier):
        return functools.partial(suggest_convlstm_params, prefix=prefix)
    if isinstance(final, RandomForestClassifier):
        return functools.partial(suggest_forest_params, prefix=prefix)
    raise ValueError(
        f"There is no default search space for {type(final).__name__}; the "
        "defaults cover ConvLSTMClassifier, RandomForestClassifier and Pipelines "
        "ending in one of them. Pass param_space=, a function trial -> dict of "
        "parameters or a dict of Optuna distributions."
    )


def _space_from_distributions(distributions: Mapping[str, Any]) -> ParamSpace:
    """Turn a dict of Optuna distributions into a function of a trial."""
    optuna = _import_optuna()
    dist = optuna.distributions

    def param_space(trial: Any) -> dict[str, Any]:
        params = {}
        for name, distribution in distributions.items():
            if isinstance(distribution, dist.FloatDistribution):
                params[name] = trial.suggest_float(
                    name,
                    distribution.low,
                    distribution.high,
                    log=distribution.log,
                    step=distribution.step,
                )
            elif isinstance(distribution, dist.IntDistribution):
                params[name] = trial.suggest_int(
                    name,
                    distribution.low,
                    distribution.high,
                    log=distribution.log,
                    step=distribution.step,
                )
            elif isinstance(distribution, dist.CategoricalDistribution):
                params[name] = trial.suggest_categorical(
                    name, list(distribution.choices)
                )
            else:
                raise TypeError(
                    f"param_space[{name!r}] is a {type(distribution).__name__}; "
                    "expected an optuna FloatDistribution, IntDistribution or "
                    "CategoricalDistribution."
                )
        return params

    return param_space


def _resolve_param_space(
    param_space: ParamSpace | Mapping[str, Any] | None, estimator: BaseEstimator
) -> ParamSpace:
    if param_space is None:
        return default_param_space(estimator)
    if isinstance(param_space, Mapping):
        return _space_from_distributions(param_space)
    if callable(param_space):
        return param_space
    raise TypeError(
        f"param_space must be None, a callable trial -> dict of parameters or a "
        f"dict of Optuna distributions; got {type(param_space).__name__}."
    )


def params_from_trial(
    trial_params: Mapping[str, Any],
    estimator: BaseEstimator,
    *,
    param_space: ParamSpace | Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Map a trial's Optuna parameters to estimator parameters.

    ``study.best_params`` holds the values Optuna sampled (``n_conv_blocks``,
    ``conv_channels_0``, ...); this replays the search space on them with
    :class:`optuna.trial.FixedTrial` to get the estimator parameters
    (``conv_channels=(32, 64)``, ...), in a process that never ran the trial.

    Parameters
    ----------
    trial_params : dict
        Optuna parameters, e.g. ``study.best_params`` or ``trial.params``.
    estimator : estimator
        The tuned estimator (selects the default space).
    param_space : callable or dict, default=None
        The search space used for tuning; ``None``: the default space.

    Returns
    -------
    params : dict
        Parameters for ``estimator.set_params``.

    Examples
    --------
    >>> from sklearn_convlstm.baselines import make_feature_baseline
    >>> from sklearn_convlstm.tuning import params_from_trial
    >>> baseline = make_feature_baseline()
    >>> params = params_from_trial(
    ...     {"n_estimators": 80, "max_depth": None, "max_features": "log2",
    ...      "min_samples_leaf": 1, "class_weight": None}, baseline)
    >>> baseline.set_params(**params).named_steps["classifier"].n_estimators
    80
    """
    optuna = _import_optuna()
    space = _resolve_param_space(param_space, estimator)
    return space(optuna.trial.FixedTrial(dict(trial_params)))


# -------------------------------------------------------------------- storage


def make_storage(
    storage: Any = None,
    *,
    heartbeat_interval: int | None = 60,
    grace_period: int | None = None,
    max_retry: int | None = 3,
) -> Any:
    """Build the Optuna storage of a study from a path, a URL or a storage.

    Parameters
    ----------
    storage : None, str, path-like or optuna.storages.BaseStorage, default=None
        * ``None``: in memory (one process; lost when it exits).
        * A SQLAlchemy URL (contains ``"://"``): an
          :class:`optuna.storages.RDBStorage` with heartbeats, for any number
          of machines. PostgreSQL is the documented choice
          (``postgresql+psycopg2://user:password@host:5432/db``);
          ``sqlite:///file.db`` works for one process.
        * Any other string or path: Optuna's journal file
          (:class:`optuna.storages.JournalStorage` with a
          ``JournalFileBackend``), created if missing: no server, any number
          of processes on one machine or on a shared file system.
        * An Optuna storage object: used as is.
    heartbeat_interval : int or None, default=60
        Seconds between the heartbeats a running trial sends (URL storages
        only; ``None`` disables heartbeats and crash recovery).
    grace_period : int or None, default=None
        Seconds without a heartbeat after which a running trial counts as
        crashed and is marked failed; ``None``: twice ``heartbeat_interval``.
    max_retry : int or None, default=3
        Times a crashed trial is queued again with the same parameters
        (:class:`optuna.storages.RetryHeartbeatStaleTrialCallback`); ``None``:
        no limit, 0: never.

    Returns
    -------
    storage : optuna.storages.BaseStorage or None

    Examples
    --------
    >>> from sklearn_convlstm.tuning import make_storage
    >>> make_storage(None) is None
    True
    >>> storage = make_storage("sqlite:///:memory:", heartbeat_interval=10)
    >>> storage.heartbeat_interval, storage.grace_period
    (10, None)
    """
    optuna = _import_optuna()
    if storage is None or isinstance(storage, optuna.storages.BaseStorage):
        return storage
    if not isinstance(storage, (str, os.PathLike)):
        raise TypeError(
            f"storage must be None, a database URL, a journal file path or an "
            f"Optuna storage; got {type(storage).__name__}."
        )
    text = os.fspath(storage)
    if "://" in text:
        callback = None
        if heartbeat_interval is not None and max_retry != 0:
            with _quiet_optuna_warnings():
                callback = optuna.storages.RetryHeartbeatStaleTrialCallback(
                    max_retry=max_retry
                )
        engine_kwargs = {} if text.startswith("sqlite") else {"pool_pre_ping": True}
        with _quiet_optuna_warnings():
            return optuna.storages.RDBStorage(
                text,
                engine_kwargs=engine_kwargs,
                heartbeat_interval=heartbeat_interval,
                grace_period=grace_period,
                heartbeat_stale_trial_callback=callback,
            )
    from optuna.storages.journal import JournalFileBackend

    path = Path(text).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    return optuna.storages.JournalStorage(JournalFileBackend(str(path)))


def load_study(
    study_name: str, storage: Any, *, pruner: Any = None, sampler: Any = None
) -> optuna.Study:
    """Load an existing study, e.g. to read its best parameters in a new process.

    Parameters
    ----------
    study_name : str
        Name given to :func:`tune` or the worker command.
    storage : str, path-like or optuna.storages.BaseStorage
        The same storage (URL or journal file path) the workers used.
    pruner, sampler : optional
        Passed to :func:`optuna.load_study`.

    Returns
    -------
    study : optuna.Study

    Examples
    --------
    >>> from sklearn_convlstm.tuning import load_study  # doctest: +SKIP
    >>> url = "postgresql+psycopg2://user:password@host/db"
    >>> study = load_study("gunpoint", url)  # doctest: +SKIP
    >>> study.best_params  # doctest: +SKIP
    """
    optuna = _import_optuna()
    return optuna.load_study(
        study_name=study_name,
        storage=make_storage(storage),
        pruner=pruner,
        sampler=sampler,
    )


# ----------------------------------------------------------------- objective


class _TrialBudgetReached(Exception):
    """Raised in a trial that other workers' trials already made unnecessary."""


def _state_counts(study: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for trial in study.get_trials(deepcopy=False):
        counts[trial.state.name] = counts.get(trial.state.name, 0) + 1
    return counts


def _check_trial_budget(trial: Any, n_trials: int | None) -> None:
    """Fail this trial when ``n_trials`` earlier trials already hold every slot.

    A trial takes a slot when fewer than ``n_trials`` trials with a smaller
    number are waiting, running, complete or pruned. Trial numbers are unique
    and every earlier trial exists when this one starts, so however many
    workers run at once, at most ``n_trials`` trials finish (failed trials
    give their slot back: the retry of a crashed one is a new, waiting trial).
    """
    if n_trials is None:
        return
    holding = ("WAITING", "RUNNING", "COMPLETE", "PRUNED")
    taken = sum(
        1
        for other in trial.study.get_trials(deepcopy=False)
        if other.number < trial.number and other.state.name in holding
    )
    if taken >= n_trials:
        trial.set_user_attr("not_needed", True)
        raise _TrialBudgetReached(
            f"the study already has n_trials={n_trials} waiting, running or "
            "finished trials; this one is not needed and is marked failed"
        )


def _take(X: Any, index: np.ndarray) -> Any:
    """Select samples by position from an array, a DataFrame or a list of series."""
    if hasattr(X, "iloc"):
        return X.iloc[index]
    if isinstance(X, np.ndarray):
        return X[index]
    return [X[i] for i in index]


class _HeldOutFoldPruning(Callback):
    """Score the held-out fold at checkpoints of training; prune weak trials.

    At each tenth (:data:`REPORTS_PER_FOLD`) of ``max_epochs`` it scores the
    estimator being fitted on the fold's held-out series, records the score in
    the skorch history (column ``fold_score``) and reports the running
    cross-validated score, the mean of the finished folds' scores and this
    one, at step ``fold * REPORTS_PER_FOLD + checkpoint - 1``.

    ``ConvLSTMClassifier`` deep-copies its callbacks in ``fit``. A deep copy
    of an Optuna trial would copy an in-memory study with it and report into
    the copy, and a copy of the estimator would not be the one being trained,
    so copies share both.
    """

    def __init__(
        self,
        trial: Any,
        estimator: BaseEstimator,
        scorer: Callable,
        X_test: Any,
        y_test: np.ndarray,
        fold: int,
        finished_scores: list[float],
        reported_steps: set[int],
    ) -> None:
        self.trial = trial
        self.estimator = estimator
        self.scorer = scorer
        self.X_test = X_test
        self.y_test = y_test
        self.fold = fold
        self.finished_scores = finished_scores
        self.reported_steps = reported_steps
        self.last_checkpoint = 0

    def on_epoch_end(self, net: Any, **kwargs: Any) -> None:
        """Report at a checkpoint; raise ``optuna.TrialPruned`` if told to."""
        checkpoint = len(net.history) * REPORTS_PER_FOLD // net.max_epochs
        if checkpoint <= self.last_checkpoint:
            return
        self.last_checkpoint = checkpoint
        score = float(self.scorer(self.estimator, self.X_test, self.y_test))
        net.history.record("fold_score", score)
        step = self.fold * REPORTS_PER_FOLD + checkpoint - 1
        self.trial.report(float(np.mean([*self.finished_scores, score])), step)
        self.reported_steps.add(step)
        if self.trial.should_prune():
            optuna = _import_optuna()
            raise optuna.TrialPruned(
                f"pruned in fold {self.fold + 1} after {len(net.history)} of "
                f"{net.max_epochs} epochs (step {step})"
            )

    def __deepcopy__(self, memo: dict) -> _HeldOutFoldPruning:
        return copy.copy(self)


class _CrossValidationObjective:
    """Cross-validated score of the estimator with a trial's parameters."""

    def __init__(
        self,
        estimator: BaseEstimator,
        X: Any,
        y: np.ndarray,
        splits: list[tuple[np.ndarray, np.ndarray]],
        param_space: ParamSpace,
        scorer: Callable,
        pruning: str | None,
        n_trials: int | None,
    ) -> None:
        self.estimator = estimator
        self.X = X
        self.y = y
        self.splits = splits
        self.param_space = param_space
        self.scorer = scorer
        self.pruning = pruning
        self.n_trials = n_trials

    def _epoch_pruning_prefix(self, estimator: BaseEstimator) -> str | None:
        """Parameter prefix of the ConvLSTMClassifier to prune by epochs, if any."""
        from .classifier import ConvLSTMClassifier

        if self.pruning not in ("auto", "epochs"):
            return None
        prefix, final = _final_step(estimator)
        if isinstance(final, ConvLSTMClassifier):
            return prefix
        if self.pruning == "epochs":
            raise ValueError(
                "pruning='epochs' needs a ConvLSTMClassifier (alone or last in a "
                f"Pipeline), whose training reports checkpoints; got "
                f"{type(final).__name__}. Use pruning='folds' for other estimators."
            )
        return None

    def __call__(self, trial: Any) -> float:
        optuna = _import_optuna()
        _check_trial_budget(trial, self.n_trials)
        params = self.param_space(trial)
        trial.set_user_attr("estimator_params", _jsonable(params))
        scores: list[float] = []
        reported_steps: set[int] = set()
        n_folds = len(self.splits)
        for fold, (train, test) in enumerate(self.splits):
            estimator = clone(self.estimator).set_params(**params)
            X_test, y_test = _take(self.X, test), self.y[test]
            prefix = self._epoch_pruning_prefix(estimator)
            if prefix is not None:
                callbacks = tuple(estimator.get_params()[prefix + "callbacks"] or ())
                pruning = _HeldOutFoldPruning(
                    trial,
                    estimator,
                    self.scorer,
                    X_test,
                    y_test,
                    fold,
                    scores,
                    reported_steps,
                )
                estimator.set_params(**{prefix + "callbacks": (*callbacks, pruning)})
            estimator.fit(_take(self.X, train), self.y[train])
            scores.append(float(self.scorer(estimator, X_test, y_test)))
            if self.pruning is None or fold == n_folds - 1:
                continue  # after the last fold pruning saves nothing
            # Folds report here; epoch pruning too when training stopped before
            # its last checkpoint (early stopping).
            step = fold if prefix is None else (fold + 1) * REPORTS_PER_FOLD - 1
            if step not in reported_steps:
                trial.report(float(np.mean(scores)), step)
                if trial.should_prune():
                    raise optuna.TrialPruned(
                        f"pruned after fold {fold + 1} of {n_folds}"
                    )
        trial.set_user_attr("fold_scores", scores)
        return float(np.mean(scores))


def _jsonable(value: Any) -> Any:
    """Make estimator parameters JSON-serialisable (tuples -> lists, else repr)."""
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


# ------------------------------------------------------------------- progress


class _TrialPrinter:
    """Print one line per trial this process ran: state, score, best, params."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self.started = time.monotonic()

    def __call__(self, study: Any, trial: Any) -> None:
        stream = self.stream or sys.stdout
        state = trial.state.name
        duration = (
            (trial.datetime_complete - trial.datetime_start).total_seconds()
            if trial.datetime_complete and trial.datetime_start
            else float("nan")
        )
        if state == "COMPLETE":
            detail = f"score={trial.value:.4f}"
        elif state == "PRUNED":
            step = trial.last_step
            value = trial.intermediate_values.get(step) if step is not None else None
            detail = f"pruned at step {step}" + (
                f" (value {value:.4f})" if value is not None else ""
            )
        elif trial.user_attrs.get("not_needed"):
            detail = "not needed: the study has enough trials"
        else:
            detail = "failed"
        try:
            best = study.best_trial
            best_text = f"best={best.value:.4f} (trial {best.number})"
        except ValueError:
            best_text = "best=none yet"
        print(
            f"[trial {trial.number}] {state} {detail} {best_text} "
            f"{duration:.1f}s params={json.dumps(_jsonable(trial.params))}",
            file=stream,
            flush=True,
        )


def save_plots(study: optuna.Study, directory: str | os.PathLike) -> list[Path]:
    """Save Optuna's plots of a study as PNG files.

    Writes ``optimization_history.png`` (score of every trial and the best so
    far), ``param_importances.png`` (needs two completed trials with varying
    parameters) and ``intermediate_values.png`` (the per-epoch or per-fold
    values behind pruning, when there are any). A plot that cannot be made
    for this study is skipped with a warning.

    Parameters
    ----------
    study : optuna.Study
        The study to plot.
    directory : str or path-like
        Output directory, created if missing.

    Returns
    -------
    paths : list of pathlib.Path
        The files written.

    Examples
    --------
    >>> from sklearn_convlstm.tuning import save_plots
    >>> save_plots(study, "plots/")  # doctest: +SKIP
    [PosixPath('plots/optimization_history.png'), ...]
    """
    _import_optuna()
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError(
            "Saving plots needs matplotlib, which is not installed. Install it "
            "with: pip install 'sklearn-convlstm[plot]'"
        ) from error
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from optuna.visualization import matplotlib as optuna_plots

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    plots: dict[str, Callable[[Any], Any]] = {
        "optimization_history": optuna_plots.plot_optimization_history,
        "param_importances": optuna_plots.plot_param_importances,
    }
    if any(trial.intermediate_values for trial in study.get_trials(deepcopy=False)):
        plots["intermediate_values"] = optuna_plots.plot_intermediate_values
    written = []
    for name, plot in plots.items():
        try:
            with _quiet_optuna_warnings():
                axes = plot(study)
        except (ValueError, RuntimeError, ZeroDivisionError) as error:
            warnings.warn(
                f"Skipped the {name} plot of study {study.study_name!r}: {error}",
                UserWarning,
                stacklevel=2,
            )
            continue
        figure = np.ravel(axes)[0].get_figure()
        figure.set_size_inches(8, 5)
        path = directory / f"{name}.png"
        figure.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(figure)
        written.append(path)
    return written


# ----------------------------------------------------------------------- tune


class TuningResult(NamedTuple):
    """What :func:`tune` returns: ``study, best_estimator = tune(...)``.

    Attributes
    ----------
    study : optuna.Study
        The study, with every trial of every worker.
    best_estimator : estimator
        A clone of the estimator with the best trial's parameters, refitted on
        all of ``X, y`` (unfitted when ``refit=False``).
    """

    study: Any
    best_estimator: Any


def _make_splits(
    cv: Any, X: Any, y: np.ndarray, groups: Any, random_state: Any
) -> list[tuple[np.ndarray, np.ndarray]]:
    n_samples = len(y)
    if isinstance(cv, Integral) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv must be at least 2 folds; got cv={cv}.")
        splitter = (
            StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
            if groups is None
            else StratifiedGroupKFold(
                n_splits=cv, shuffle=True, random_state=random_state
            )
        )
    elif hasattr(cv, "split"):
        splitter = cv
    elif isinstance(cv, Iterable):
        return [(np.asarray(train), np.asarray(test)) for train, test in cv]
    else:
        raise TypeError(
            f"cv must be an int, a cross-validation splitter or an iterable of "
            f"(train, test) index arrays; got {cv!r}."
        )
    return [
        (np.asarray(train), np.asarray(test))
        for train, test in splitter.split(np.zeros((n_samples, 1)), y, groups)
    ]


def default_pruner(pruning: str | None = "epochs") -> Any:
    """Return the pruner ``tune(pruner="auto")`` uses for a pruning mode.

    Parameters
    ----------
    pruning : {"epochs", "folds"} or None, default="epochs"
        The step unit: checkpoints of each fold's training, or folds.

    Returns
    -------
    pruner : optuna.pruners.BasePruner
        ``"epochs"``: ``PercentilePruner(25.0, n_startup_trials=5,
        n_warmup_steps=DEFAULT_WARMUP_STEPS)``: after five finished trials, a
        trial continues only while its running score is in the top quarter
        of the scores other trials had at the same checkpoint, checked from
        the second checkpoint (20 % of the first fold) on. ``"folds"``: a
        MedianPruner after the first fold. ``None``: ``NopPruner``.

    Notes
    -----
    Chosen with ``benchmarks/bench_tuning.py`` (GunPoint, 20 trials, TPE
    seeds 0 to 2; ``benchmarks/results/tuning_GunPoint.md``): the median
    pruner saved about a third of the time, because once TPE exploits a good
    region its trials are above the median of all earlier ones, including the
    poor random first ones, and are never pruned. Keeping only the top quarter
    halved the time at the same best scores but one series on one seed.
    Checked on two datasets it was not chosen on (``tuning_ArrowHead.md``,
    ``tuning_ItalyPowerDemand.md``): 2.7x and 1.8x less wall time, best CV
    scores within one series; three unpruned start-up trials instead of five
    pruned harder but lost 2.7 points on GunPoint.
    """
    optuna = _import_optuna()
    if pruning is None:
        return optuna.pruners.NopPruner()
    if pruning == "folds":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=0)
    return optuna.pruners.PercentilePruner(
        25.0, n_startup_trials=5, n_warmup_steps=DEFAULT_WARMUP_STEPS
    )


def _seed(random_state: Any) -> int | None:
    if random_state is None:
        return None
    if isinstance(random_state, Integral):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@contextlib.contextmanager
def _torch_threads(n_threads: int | None) -> Iterator[None]:
    if n_threads is None:
        yield
        return
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _run_study(
    study: Any,
    objective: Callable,
    *,
    n_trials: int | None,
    timeout: float | None,
    callbacks: list[Callable],
    heartbeat_interval: int | None,
) -> None:
    """Run trials until the study has ``n_trials`` finished ones or time is up.

    With heartbeats, when the remaining slots are held by trials running in
    other processes, wait: they either finish or, if their worker died, go
    stale, are marked failed and queued again, and this worker runs them.
    """
    optuna = _import_optuna()
    heartbeat = heartbeat_interval is not None
    started = time.monotonic()
    while True:
        elapsed = time.monotonic() - started
        if timeout is not None and elapsed >= timeout:
            return
        if n_trials is not None:
            if heartbeat:
                with _quiet_optuna_warnings():
                    optuna.storages.fail_stale_trials(study)
            counts = _state_counts(study)
            finished = sum(counts.get(state, 0) for state in _FINISHED)
            if finished >= n_trials:
                return
            if finished + counts.get("RUNNING", 0) >= n_trials:
                if heartbeat_interval is None:
                    return  # other processes run the last trials
                wait = float(heartbeat_interval)
                if timeout is not None:
                    wait = min(wait, timeout - elapsed)
                time.sleep(max(wait, 0.0))
                continue
        with _quiet_optuna_warnings():
            study.optimize(
                objective,
                n_trials=1,
                catch=(_TrialBudgetReached,),
                callbacks=callbacks,
            )


def tune(
    estimator: BaseEstimator,
    X: Any,
    y: Any,
    *,
    param_space: ParamSpace | Mapping[str, Any] | None = None,
    cv: Any = 5,
    n_trials: int | None = 20,
    timeout: float | None = None,
    scoring: Any = None,
    groups: Any = None,
    storage: Any = None,
    study_name: str | None = None,
    sampler: Any = None,
    pruner: Any = "auto",
    pruning: str | None = "auto",
    refit: bool = True,
    refit_early_stopping: bool = False,
    random_state: Any = None,
    heartbeat_interval: int | None = 60,
    grace_period: int | None = None,
    max_retry: int | None = 3,
    torch_threads: int | None = None,
    plots_dir: str | os.PathLike | None = None,
    verbose: int = 1,
    callbacks: Iterable[Callable] = (),
) -> TuningResult:
    """Tune an estimator's hyperparameters with Optuna on cross-validation.

    The objective of a trial is the mean cross-validated score of the
    estimator with the trial's parameters, on ``X, y`` only: pass the
    training data, never the test set. The folds are the same for every
    trial. Early stopping inside a fit uses a split of that fit's training
    fold, never the outer validation fold.

    The study can be shared: calling ``tune`` again (in this or any other
    process, on this or another machine) with the same ``storage`` and
    ``study_name`` continues it, and ``n_trials`` counts the study's trials,
    not this call's, so several workers together finish exactly ``n_trials``.

    Parameters
    ----------
    estimator : estimator
        A classifier, e.g. :class:`~sklearn_convlstm.ConvLSTMClassifier`, a
        Pipeline ending in one, or a feature baseline. It is cloned for every
        fit, never modified.
    X : array-like of shape (n_samples, n_channels, n_timesteps), or list
        Training series.
    y : array-like of shape (n_samples,)
        Training labels.
    param_space : callable, dict or None, default=None
        ``param_space(trial) -> dict`` of estimator parameters, or a dict of
        Optuna distributions (as for OptunaSearchCV). ``None``: the default
        space of the estimator (:func:`default_param_space`).
    cv : int, cross-validation splitter or iterable, default=5
        An int gives ``StratifiedKFold`` (shuffled with ``random_state``), or
        ``StratifiedGroupKFold`` when ``groups`` is given so that all samples
        of a group (e.g. the windows of one recording) stay in one fold.
    n_trials : int or None, default=20
        Number of finished (complete or pruned) trials the study should
        have, counting those already in it and those of other workers. Failed
        trials do not count. ``None``: no limit (then set ``timeout``).
    timeout : float or None, default=None
        Seconds after which this call starts no new trial.
    scoring : str, callable or None, default=None
        scikit-learn scoring (greater is better); ``None``: the estimator's
        ``score`` (accuracy).
    groups : array-like of shape (n_samples,), default=None
        Group labels for the cross-validation splitter.
    storage : None, str, path-like or Optuna storage, default=None
        Where the study lives: ``None`` in memory, a file path for a journal
        file, a database URL for many machines (see :func:`make_storage`).
    study_name : str or None, default=None
        Name of the study in the storage; loaded if it exists.
    sampler : optuna.samplers.BaseSampler or None, default=None
        ``None``: ``TPESampler(seed=random_state, constant_liar=True)``.
        Give workers different seeds (or none) so they do not sample the same
        first trials.
    pruner : optuna.pruners.BasePruner, "auto" or None, default="auto"
        ``"auto"``: :func:`default_pruner` of the pruning mode. ``None``: no
        pruning and no reports. A ``NopPruner`` with ``pruning="epochs"``
        reports the learning curves (for the plots) without pruning.
    pruning : {"auto", "epochs", "folds"} or None, default="auto"
        What a trial reports to the pruner. ``"epochs"``, for a
        ConvLSTMClassifier alone or last in a Pipeline: the running
        cross-validated score at :data:`REPORTS_PER_FOLD` checkpoints of each
        fold's training (the held-out fold scored at 10 %, 20 %, ... of
        ``max_epochs``; see the module docstring). ``"folds"``: the mean score
        of the folds done so far after each fold but the last, for any
        estimator. ``"auto"``: epochs where possible, else folds.
    refit : bool, default=True
        Fit the best configuration on all of ``X, y``.
    refit_early_stopping : bool, default=False
        Keep early stopping in that final fit. By default a ConvLSTMClassifier
        (alone or last in a Pipeline) is refitted with ``early_stopping=False``:
        in the final fit it would hold out part of an often small training
        set and stop on a noisy validation score (on ArrowHead, 36 training
        series, the default configuration refitted with early stopping scored
        0.72 on test against 0.80 without). The refit trains the chosen
        configuration for its full ``max_epochs`` on all of ``X``.
    random_state : int, RandomState instance or None, default=None
        Seeds the folds and the default sampler (the estimator keeps its own
        ``random_state``).
    heartbeat_interval, grace_period, max_retry : int or None
        Crash recovery for URL storages; see :func:`make_storage`.
    torch_threads : int or None, default=None
        ``torch.set_num_threads`` during tuning (restored after); ``None``
        leaves it. One thread per process is usually fastest for small
        networks when several workers share a machine.
    plots_dir : str, path-like or None, default=None
        Save the study's plots there as PNG (see :func:`save_plots`).
    verbose : int, default=1
        ``1`` prints one line per trial run here (state, score, best so far,
        parameters); ``0`` is silent.
    callbacks : iterable of callables, default=()
        Extra Optuna callbacks ``callback(study, frozen_trial)``.

    Returns
    -------
    result : TuningResult
        ``(study, best_estimator)``.

    Raises
    ------
    ValueError
        When no trial of the study completed, or for invalid arguments.

    See Also
    --------
    suggest_convlstm_params : Default ConvLSTMClassifier space.
    suggest_forest_params : Default feature-baseline space.
    params_from_trial : Estimator parameters from ``study.best_params``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm.baselines import make_feature_baseline
    >>> from sklearn_convlstm.tuning import tune
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(40, 1, 50))
    >>> y = np.arange(40) % 2
    >>> X[y == 1, 0] += np.linspace(0, 2, 50)
    >>> study, best = tune(make_feature_baseline(random_state=0), X, y, cv=3,
    ...                    n_trials=3, random_state=0, verbose=0)
    >>> len(study.trials), best.score(X, y)
    (3, 1.0)
    """
    optuna = _import_optuna()
    if n_trials is not None and (
        not isinstance(n_trials, Integral) or isinstance(n_trials, bool) or n_trials < 1
    ):
        raise ValueError(f"n_trials must be a positive int or None; got {n_trials!r}.")
    if n_trials is None and timeout is None:
        raise ValueError(
            "n_trials=None and timeout=None would tune forever; set n_trials, "
            "timeout or both."
        )
    if pruning not in ("auto", "epochs", "folds", None):
        raise ValueError(
            f"pruning must be 'auto', 'epochs', 'folds' or None; got {pruning!r}."
        )
    y = np.asarray(y)
    if len(y) != len(X):
        raise ValueError(
            f"X and y must have the same number of samples; got {len(X)} series "
            f"and {len(y)} labels."
        )
    space = _resolve_param_space(param_space, estimator)
    splits = _make_splits(cv, X, y, groups, random_state)
    seed = _seed(random_state)
    if sampler is None:
        with _quiet_optuna_warnings():
            sampler = optuna.samplers.TPESampler(seed=seed, constant_liar=True)
    if pruner is None:
        pruner, pruning = optuna.pruners.NopPruner(), None
    elif isinstance(pruner, str):
        if pruner != "auto":
            raise ValueError(
                f"pruner must be 'auto', None or an optuna pruner; got {pruner!r}."
            )
        mode = pruning
        if mode == "auto":
            mode = "epochs" if _epoch_pruning_possible(estimator) else "folds"
        pruner = default_pruner(mode)

    storage = make_storage(
        storage,
        heartbeat_interval=heartbeat_interval,
        grace_period=grace_period,
        max_retry=max_retry,
    )
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.create_study(
            storage=storage,
            study_name=study_name,
            direction="maximize",
            sampler=sampler,
            pruner=pruner,
            load_if_exists=True,
        )
        if study.direction != optuna.study.StudyDirection.MAXIMIZE:
            raise ValueError(
                f"Study {study.study_name!r} exists in this storage with direction "
                f"{study.direction.name.lower()}, but tune maximizes a score "
                "(greater is better). Use another study_name, or create the "
                "study with direction='maximize'."
            )
        objective = _CrossValidationObjective(
            estimator,
            X,
            y,
            splits,
            space,
            check_scoring(estimator, scoring=scoring),
            pruning,
            n_trials,
        )
        trial_callbacks = list(callbacks)
        if verbose:
            trial_callbacks.insert(0, _TrialPrinter())
        with _torch_threads(torch_threads):
            _run_study(
                study,
                objective,
                n_trials=n_trials,
                timeout=timeout,
                callbacks=trial_callbacks,
                heartbeat_interval=_heartbeat_interval(storage),
            )
            if plots_dir is not None:
                save_plots(study, plots_dir)
            try:
                best_params = study.best_params
            except ValueError as error:
                raise ValueError(
                    f"No trial of study {study.study_name!r} completed, so there is "
                    "no best configuration; see the failed or pruned trials, run "
                    "more trials or use a less aggressive pruner."
                ) from error
            best_estimator = clone(estimator).set_params(
                **params_from_trial(best_params, estimator, param_space=space)
            )
            if not refit_early_stopping:
                _turn_off_early_stopping(best_estimator)
            if refit:
                best_estimator.fit(X, y)
    finally:
        optuna.logging.set_verbosity(verbosity)
    return TuningResult(study, best_estimator)


def _turn_off_early_stopping(estimator: BaseEstimator) -> None:
    """Let a ConvLSTMClassifier (alone or last in a Pipeline) train all epochs."""
    from .classifier import ConvLSTMClassifier

    prefix, final = _final_step(estimator)
    if isinstance(final, ConvLSTMClassifier) and final.early_stopping:
        estimator.set_params(**{f"{prefix}early_stopping": False})


def _heartbeat_interval(storage: Any) -> int | None:
    """Heartbeat interval of a storage with heartbeats (RDBStorage), else None."""
    get_interval = getattr(storage, "get_heartbeat_interval", None)
    return get_interval() if get_interval is not None else None


def _epoch_pruning_possible(estimator: BaseEstimator) -> bool:
    """Whether the default 'auto' pruning will report epochs (for the pruner)."""
    from .classifier import ConvLSTMClassifier

    return isinstance(_final_step(estimator)[1], ConvLSTMClassifier)


# ------------------------------------------------------------------------ CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of the ``tune`` worker command to ``parser``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The sub-parser of ``python -m sklearn_convlstm tune``.
    """
    parser.add_argument(
        "--dataset",
        required=True,
        help="dataset name (shipped: GunPoint, ItalyPowerDemand), a name under "
        "--data-home, or a path prefix of NAME_TRAIN.ts/NAME_TEST.ts; only the "
        "TRAIN split is used",
    )
    parser.add_argument("--data-home", default=None, help="directory of datasets")
    parser.add_argument(
        "--estimator",
        choices=("convlstm", "stats-forest"),
        default="convlstm",
        help="what to tune: ConvLSTMClassifier or the statistical-features "
        "random-forest baseline (default: convlstm)",
    )
    parser.add_argument(
        "--storage",
        default="sklearn_convlstm_tuning.journal",
        help="journal file path (one machine, no server) or database URL such as "
        "postgresql+psycopg2://user:password@host:5432/db (many machines); "
        "default: %(default)s",
    )
    parser.add_argument(
        "--study-name",
        default=None,
        help="study name; all workers of one study use the same "
        "(default: DATASET-ESTIMATOR)",
    )
    parser.add_argument(
        "--n-trials",
        type=int,
        default=20,
        help="finished trials the whole study should have, all workers together "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--timeout", type=float, default=None, help="seconds for this worker"
    )
    parser.add_argument("--cv", type=int, default=5, help="number of CV folds")
    parser.add_argument(
        "--scoring", default=None, help="scikit-learn scoring (default: accuracy)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the CV folds and of the estimator; the same for all "
        "workers of a study (default: %(default)s)",
    )
    parser.add_argument(
        "--sampler-seed",
        type=int,
        default=None,
        help="TPE sampler seed; give each worker its own (default: random)",
    )
    parser.add_argument(
        "--pruning",
        choices=("auto", "epochs", "folds", "none"),
        default="auto",
        help="what trials report to the pruner (default: %(default)s)",
    )
    parser.add_argument(
        "--max-epochs",
        type=int,
        default=200,
        help="upper end of the max_epochs range of convlstm (default: %(default)s)",
    )
    parser.add_argument(
        "--min-epochs",
        type=int,
        default=None,
        help="lower end of the max_epochs range (default: min(20, --max-epochs))",
    )
    parser.add_argument("--device", default="cpu", help="torch device for convlstm")
    parser.add_argument(
        "--heartbeat-interval",
        type=int,
        default=60,
        help="seconds between heartbeats of a running trial (database storage)",
    )
    parser.add_argument(
        "--grace-period",
        type=int,
        default=None,
        help="seconds without heartbeat before a trial counts as crashed "
        "(default: twice the heartbeat interval)",
    )
    parser.add_argument(
        "--max-retry",
        type=int,
        default=3,
        help="times a crashed trial is queued again (default: %(default)s)",
    )
    parser.add_argument(
        "--plots", default=None, metavar="DIR", help="save the study's plots as PNG"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads of this worker (default: %(default)s)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no line per trial, only the summary"
    )


def _worker_estimator(args: argparse.Namespace) -> tuple[BaseEstimator, ParamSpace]:
    import functools

    if args.estimator == "stats-forest":
        from .baselines import make_feature_baseline

        baseline = make_feature_baseline("stats", random_state=args.seed, n_jobs=1)
        return baseline, functools.partial(suggest_forest_params, prefix="classifier__")
    from .classifier import ConvLSTMClassifier

    low = args.min_epochs if args.min_epochs is not None else min(20, args.max_epochs)
    return (
        ConvLSTMClassifier(random_state=args.seed, device=args.device),
        functools.partial(suggest_convlstm_params, max_epochs=(low, args.max_epochs)),
    )


def run_command(args: argparse.Namespace) -> int:
    """Run one tuning worker: ``python -m sklearn_convlstm tune ...``.

    Any number of workers, on any number of machines, can run this with the
    same ``--storage`` and ``--study-name``; together they finish
    ``--n-trials`` trials. The worker tunes on the dataset's TRAIN split only
    and prints one line per trial and a summary of the study.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments (see :func:`add_arguments`).

    Returns
    -------
    exit_code : int
        0 on success, 1 when the study has no completed trial.
    """
    _import_optuna()
    from .datasets import load_dataset

    X, y = load_dataset(args.dataset, data_home=args.data_home, split="train")
    estimator, space = _worker_estimator(args)
    study_name = args.study_name or f"{Path(str(args.dataset)).name}-{args.estimator}"
    print(
        f"worker pid {os.getpid()}: study {study_name!r}, {len(y)} training series "
        f"of {args.dataset}, target {args.n_trials} trials",
        flush=True,
    )
    try:
        study, _ = tune(
            estimator,
            X,
            y,
            param_space=space,
            cv=args.cv,
            n_trials=args.n_trials,
            timeout=args.timeout,
            scoring=args.scoring,
            storage=args.storage,
            study_name=study_name,
            sampler=_worker_sampler(args.sampler_seed),
            pruning=None if args.pruning == "none" else args.pruning,
            pruner=None if args.pruning == "none" else "auto",
            refit=False,
            random_state=args.seed,
            heartbeat_interval=args.heartbeat_interval,
            grace_period=args.grace_period,
            max_retry=args.max_retry,
            torch_threads=args.threads,
            plots_dir=args.plots,
            verbose=0 if args.quiet else 1,
        )
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    counts = _state_counts(study)
    best = study.best_trial
    print(
        f"study {study_name!r}: "
        + ", ".join(f"{n} {state.lower()}" for state, n in sorted(counts.items()))
        + f"; best trial {best.number}: score {best.value:.4f}",
        flush=True,
    )
    print(
        "best parameters: "
        + json.dumps(
            _jsonable(params_from_trial(best.params, estimator, param_space=space))
        ),
        flush=True,
    )
    return 0


def _worker_sampler(seed: int | None) -> Any:
    optuna = _import_optuna()
    with _quiet_optuna_warnings():
        return optuna.samplers.TPESampler(seed=seed, constant_liar=True)
