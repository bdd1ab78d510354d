"""The cross-validated objective of a trial, its pruning and trial budget."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    StratifiedGroupKFold,
    StratifiedKFold,
)
from skorch.callbacks import Callback

from sklearn_convlstm._exceptions import TrainingInterruptedWarning
from sklearn_convlstm._optional import import_optional
from sklearn_convlstm._validation import take_samples
from sklearn_convlstm.tuning._report import jsonable
from sklearn_convlstm.tuning._spaces import ParamSpace, final_step

#: Checkpoints per fold at which epoch pruning scores the held-out fold.
REPORTS_PER_FOLD = 10


#: Checkpoints of the first fold that the default epoch pruner never prunes.
DEFAULT_WARMUP_STEPS = 1


#: Trial states that hold one of the study's ``n_trials`` slots.
FINISHED = ("COMPLETE", "PRUNED")


class TrialBudgetReached(Exception):
    """Raised in a trial that other workers' trials already made unnecessary."""


def state_counts(study: Any) -> dict[str, int]:
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
        raise TrialBudgetReached(
            f"the study already has n_trials={n_trials} waiting, running or "
            "finished trials; this one is not needed and is marked failed"
        )


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
            optuna = import_optional("optuna", purpose="Tuning")
            raise optuna.TrialPruned(
                f"pruned in fold {self.fold + 1} after {len(net.history)} of "
                f"{net.max_epochs} epochs (step {step})"
            )

    def __deepcopy__(self, memo: dict) -> _HeldOutFoldPruning:
        return copy.copy(self)


class CrossValidationObjective:
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
        """Parameter prefix of the ConvLSTM estimator to prune by epochs, if any."""
        from sklearn_convlstm._base import BaseConvLSTM

        if self.pruning not in ("auto", "epochs"):
            return None
        prefix, final = final_step(estimator)
        if _may_train_several(final):
            if self.pruning == "epochs":
                raise ValueError(
                    "pruning='epochs' needs the ConvLSTMRegressor to train one "
                    f"network, and head={final.head!r} may train several "
                    "(head='random-kernels'). Set head='network' (in the "
                    "estimator or the search space) or use pruning='folds'."
                )
            return None
        if isinstance(final, BaseConvLSTM):
            return prefix
        if self.pruning == "epochs":
            raise ValueError(
                "pruning='epochs' needs a ConvLSTMClassifier or ConvLSTMRegressor "
                "(alone or last in a "
                f"Pipeline), whose training reports checkpoints; got "
                f"{type(final).__name__}. Use pruning='folds' for other estimators."
            )
        return None

    def __call__(self, trial: Any) -> float:
        optuna = import_optional("optuna", purpose="Tuning")
        _check_trial_budget(trial, self.n_trials)
        params = self.param_space(trial)
        trial.set_user_attr("estimator_params", jsonable(params))
        scores: list[float] = []
        reported_steps: set[int] = set()
        n_folds = len(self.splits)
        for fold, (train, test) in enumerate(self.splits):
            estimator = clone(self.estimator).set_params(**params)
            X_test, y_test = take_samples(self.X, test), self.y[test]
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
            with warnings.catch_warnings():
                # An interrupted fit is a partly trained model: its score must
                # not be recorded; end the trial (failed) and the worker.
                warnings.simplefilter("error", TrainingInterruptedWarning)
                try:
                    estimator.fit(take_samples(self.X, train), self.y[train])
                except TrainingInterruptedWarning:
                    raise KeyboardInterrupt from None
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


def combine_fold_reports(
    fold_reports: Sequence[Mapping[int, float]],
    fold_scores: Sequence[float],
    *,
    epoch_pruning: bool,
) -> dict[int, float]:
    """Intermediate values of a trial whose folds ran apart, as if run in order.

    Each fold of a trial run on its own (a one-fold cross-validation) reports
    its held-out scores at steps ``0 .. REPORTS_PER_FOLD - 1`` (epoch
    pruning) or nothing (fold pruning). This rebuilds what
    :class:`CrossValidationObjective` reports when it runs the folds one after
    another and nothing prunes the trial: at fold ``f``'s checkpoint ``c`` the
    mean of the earlier folds' scores and this score, at step
    ``f * REPORTS_PER_FOLD + c``, then after each fold but the last the mean
    of the scores so far, at the fold's last step if nothing was reported
    there.

    Parameters
    ----------
    fold_reports : sequence of mapping
        Per fold, in order, its own reports: ``{step: score}``.
    fold_scores : sequence of float
        Per fold, its final held-out score.
    epoch_pruning : bool
        Whether the trial reported checkpoints (``pruning="epochs"``).

    Returns
    -------
    intermediate_values : dict of int to float
    """
    values: dict[int, float] = {}
    scores: list[float] = []
    for fold, (reports, score) in enumerate(
        zip(fold_reports, fold_scores, strict=True)
    ):
        for step in sorted(reports):
            at = fold * REPORTS_PER_FOLD + step
            values[at] = float(np.mean([*scores, float(reports[step])]))
        scores.append(float(score))
        if fold == len(fold_scores) - 1:
            break
        step = fold if not epoch_pruning else (fold + 1) * REPORTS_PER_FOLD - 1
        if step not in values:
            values[step] = float(np.mean(scores))
    return values


def make_splits(
    cv: Any,
    X: Any,
    y: np.ndarray,
    groups: Any,
    random_state: Any,
    *,
    regression: bool = False,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Folds of ``cv``; an int stratifies by class, or not for regression."""
    n_samples = len(y)
    if isinstance(cv, Integral) and not isinstance(cv, bool):
        if cv < 2:
            raise ValueError(f"cv must be at least 2 folds; got cv={cv}.")
        kwargs = {"n_splits": cv, "shuffle": True, "random_state": random_state}
        if regression:  # continuous y: strata would be one value each
            splitter = KFold(**kwargs) if groups is None else GroupKFold(**kwargs)
        elif groups is None:
            splitter = StratifiedKFold(**kwargs)
        else:
            splitter = StratifiedGroupKFold(**kwargs)
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
    A median pruner prunes little once TPE exploits a good region: its trials
    are above the median of all earlier ones, including the poor random first
    ones. Keeping only the top quarter prunes those that trail the good
    region. The choice and its wall-time savings at equal best scores are
    reported, with the commands that measured them, on the evidence page of
    the documentation.
    """
    optuna = import_optional("optuna", purpose="Tuning")
    if pruning is None:
        return optuna.pruners.NopPruner()
    if pruning == "folds":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=0)
    return optuna.pruners.PercentilePruner(
        25.0, n_startup_trials=5, n_warmup_steps=DEFAULT_WARMUP_STEPS
    )


def turn_off_early_stopping(estimator: BaseEstimator) -> None:
    """Let a ConvLSTM estimator (alone or last in a Pipeline) train all epochs."""
    from sklearn_convlstm._base import BaseConvLSTM

    prefix, final = final_step(estimator)
    if isinstance(final, BaseConvLSTM) and final.early_stopping:
        estimator.set_params(**{f"{prefix}early_stopping": False})


def epoch_pruning_possible(estimator: BaseEstimator) -> bool:
    """Whether the default 'auto' pruning will report epochs (for the pruner)."""
    from sklearn_convlstm._base import BaseConvLSTM

    final = final_step(estimator)[1]
    return isinstance(final, BaseConvLSTM) and not _may_train_several(final)


def _may_train_several(estimator: BaseEstimator) -> bool:
    """Whether a ConvLSTMRegressor's head may train several networks.

    Its ``head="random-kernels"`` (which ``"auto"`` may choose) predicts only
    once all of them are trained, so its training cannot report checkpoints.
    """
    from sklearn_convlstm._base import BaseConvLSTM

    if not isinstance(estimator, BaseConvLSTM):
        return False  # (and the regressor's module is not imported for it)
    from sklearn_convlstm._regressor import ConvLSTMRegressor

    return isinstance(estimator, ConvLSTMRegressor) and estimator.head != "network"
