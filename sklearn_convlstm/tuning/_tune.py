"""tune(): tune an estimator's hyperparameters with Optuna on cross-validation."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from numbers import Integral
from typing import Any, NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, clone, is_regressor
from sklearn.metrics import check_scoring

from sklearn_convlstm._exceptions import TrainingDivergedError
from sklearn_convlstm._optional import import_optional, quiet_optuna_warnings
from sklearn_convlstm._parameters import draw_seed
from sklearn_convlstm._threads import torch_threads as limit_torch_threads
from sklearn_convlstm.tuning._objective import (
    FINISHED,
    CrossValidationObjective,
    TrialBudgetReached,
    default_pruner,
    epoch_pruning_possible,
    make_splits,
    state_counts,
    turn_off_early_stopping,
)
from sklearn_convlstm.tuning._report import TrialPrinter, save_plots
from sklearn_convlstm.tuning._spaces import (
    ParamSpace,
    params_from_trial,
    resolve_param_space,
)
from sklearn_convlstm.tuning._storage import make_storage, storage_heartbeat_interval


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


#: How often a worker whose study's last trials run elsewhere checks whether
#: they finished (or went stale).
WAIT_POLL_SECONDS = 1.0


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
    The wait polls the study every :data:`WAIT_POLL_SECONDS` (at most every
    heartbeat), so a worker ends as soon as the others finish the study.
    """
    optuna = import_optional("optuna", purpose="Tuning")
    heartbeat = heartbeat_interval is not None
    started = time.monotonic()
    while True:
        elapsed = time.monotonic() - started
        if timeout is not None and elapsed >= timeout:
            return
        if n_trials is not None:
            if heartbeat:
                with quiet_optuna_warnings():
                    optuna.storages.fail_stale_trials(study)
            counts = state_counts(study)
            finished = sum(counts.get(state, 0) for state in FINISHED)
            if finished >= n_trials:
                return
            if finished + counts.get("RUNNING", 0) >= n_trials:
                if heartbeat_interval is None:
                    return  # other processes run the last trials
                wait = min(float(heartbeat_interval), WAIT_POLL_SECONDS)
                if timeout is not None:
                    wait = min(wait, timeout - elapsed)
                time.sleep(max(wait, 0.0))
                continue
        with quiet_optuna_warnings():
            study.optimize(
                objective,
                n_trials=1,
                # A diverging configuration is a failed trial, not the end.
                catch=(TrialBudgetReached, TrainingDivergedError),
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
        of a group (e.g. the windows of one recording) stay in one fold; for
        a regressor (continuous ``y``, ``sklearn.base.is_regressor``) they are
        ``KFold`` and ``GroupKFold``.
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
        ``None``: a ``TPESampler(seed=random_state, constant_liar=True)``
        reseeded before each trial from ``(random_state, trial number)``, so
        restarted or concurrent workers with the same seed never draw the
        same configurations again. Give every worker of a study the same
        seed: trial ``n`` then draws the same configuration whichever worker
        starts it, so the study is reproducible.
    pruner : optuna.pruners.BasePruner, "auto" or None, default="auto"
        ``"auto"``: :func:`default_pruner` of the pruning mode. ``None``: no
        pruning and no reports. A ``NopPruner`` with ``pruning="epochs"``
        reports the learning curves (for the plots) without pruning.
    pruning : {"auto", "epochs", "folds"} or None, default="auto"
        What a trial reports to the pruner. ``"epochs"``, for a
        ConvLSTMClassifier (or a ConvLSTMRegressor with ``head="network"``)
        alone or last in a Pipeline: the running
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
    >>> def small_forests(trial):  # a search space: trial -> parameters
    ...     return {"classifier__n_estimators": trial.suggest_int("trees", 10, 40),
    ...             "classifier__max_depth": trial.suggest_int("depth", 2, 6)}
    >>> study, best = tune(make_feature_baseline(random_state=0), X, y, cv=3,
    ...                    param_space=small_forests, n_trials=3, random_state=0,
    ...                    verbose=0)
    >>> len(study.trials), best.score(X, y)
    (3, 1.0)
    """
    optuna = import_optional("optuna", purpose="Tuning")
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
    space = resolve_param_space(param_space, estimator)
    splits = make_splits(
        cv, X, y, groups, random_state, regression=is_regressor(estimator)
    )
    # An int seeds the sampler as given; an instance gives one drawn seed.
    seed = (
        None
        if random_state is None
        else int(random_state)
        if isinstance(random_state, Integral)
        else draw_seed(random_state)
    )
    if sampler is None:
        from sklearn_convlstm.tuning._sampler import TrialSeededTPESampler

        with quiet_optuna_warnings():
            sampler = TrialSeededTPESampler(seed=seed, constant_liar=True)
    if pruner is None:
        pruner, pruning = optuna.pruners.NopPruner(), None
    elif isinstance(pruner, str):
        if pruner != "auto":
            raise ValueError(
                f"pruner must be 'auto', None or an optuna pruner; got {pruner!r}."
            )
        mode = pruning
        if mode == "auto":
            mode = "epochs" if epoch_pruning_possible(estimator) else "folds"
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
        objective = CrossValidationObjective(
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
            trial_callbacks.insert(0, TrialPrinter())
        with limit_torch_threads(torch_threads):
            _run_study(
                study,
                objective,
                n_trials=n_trials,
                timeout=timeout,
                callbacks=trial_callbacks,
                heartbeat_interval=storage_heartbeat_interval(storage),
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
                turn_off_early_stopping(best_estimator)
            if refit:
                best_estimator.fit(X, y)
    finally:
        optuna.logging.set_verbosity(verbosity)
    return TuningResult(study, best_estimator)
