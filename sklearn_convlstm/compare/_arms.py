"""One arm of the comparison: fit a method, predict the test split, score it.

Also the split of ``convlstm-tuned`` into pieces that can run in other
processes with the same result as one ``TunedConvLSTM.fit``: its first
trials, fold by fold (:func:`independent_trials`, :func:`tuning_folds`,
:func:`run_tuning_trial`, :func:`combine_fold_trials`), the trials that
follow them (:func:`random_trials`, :func:`accept_trials`), the rest in order
(:func:`finish_tuned_study`) and the refit (:func:`fit_tuned_from_trials`,
which can take a model already fitted, :func:`refit_is`).
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from sklearn_convlstm.tuning._estimator import TunedConvLSTM

#: Name of the in-memory study of a tuned arm (as ``tune_convlstm`` names it).
_STUDY_NAME = "convlstm-tuned"


def fit_details(estimator: Any) -> str:
    """Return a short, CSV-friendly note on what a fit did.

    Parameters
    ----------
    estimator : fitted estimator

    Returns
    -------
    details : str
        Epochs trained, tuned parameters, the chosen ridge alpha, or a
        regressor's random-kernel head (its networks' epochs, blend weight and
        shrinkage); empty when there is nothing to say.
    """
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
    members = getattr(estimator, "members_", None)
    if members is not None:  # a regressor's cross-fitted random-kernel head
        epochs = ",".join(str(len(member.history_)) for member in members)
        weights = ",".join(f"{w:g}" for w in estimator.blend_weight_)
        shrinkages = ",".join(f"{s:g}" for s in estimator.shrinkage_)
        return (
            f"head=random-kernels; epochs={epochs}; network_weight={weights}; "
            f"shrinkage={shrinkages}"
        )
    for name in ("classifier_", "regressor_"):
        model = getattr(estimator, name, None)
        if model is not None and hasattr(model, "alpha_"):
            return f"alpha={float(np.mean(model.alpha_)):.4g}"
    return ""


def score_predictions(y_true: Any, y_pred: Any, task: str) -> dict[str, float]:
    """Scores of test predictions: accuracy, or RMSE and R² for regression.

    Parameters
    ----------
    y_true, y_pred : array-like
        Test targets and predictions (``(n,)`` or ``(n, n_outputs)``).
    task : {"classification", "regression"}

    Returns
    -------
    scores : dict
        ``{"accuracy": ...}``, or ``{"rmse": ..., "r2": ...}`` (RMSE over
        all outputs; R² averaged over outputs, as ``r2_score`` does).

    Examples
    --------
    >>> from sklearn_convlstm.compare._runner import score_predictions
    >>> score_predictions([1.0, 2.0, 3.0], [1.0, 2.0, 4.0], "regression")
    {'rmse': 0.5773502691896257, 'r2': 0.5}
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if task == "regression":
        from sklearn.metrics import r2_score

        error = y_true.astype(np.float64) - y_pred.astype(np.float64)
        return {
            "rmse": float(np.sqrt(np.mean(error**2))),
            "r2": float(r2_score(y_true, y_pred)),
        }
    return {"accuracy": float(np.mean(y_pred == y_true))}


def predict_and_score(
    estimator: Any, X_test: Any, y_test: Any, task: str, fit_seconds: float
) -> dict[str, Any]:
    """Predict the test split with a fitted arm; return its scores and times.

    Parameters
    ----------
    estimator : fitted estimator
    X_test, y_test : the test split
    task : {"classification", "regression"}
    fit_seconds : float
        Seconds the fit took (summed over its pieces for a split arm).

    Returns
    -------
    row : dict
        The scores of :func:`score_predictions`, ``fit_seconds``,
        ``predict_seconds`` and ``details``.
    """
    start = time.perf_counter()
    y_pred = estimator.predict(X_test)
    predict_seconds = time.perf_counter() - start
    return {
        **score_predictions(y_test, y_pred, task),
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
        "details": fit_details(estimator),
    }


def fit_and_score(
    estimator: Any, X_train: Any, y_train: Any, X_test: Any, y_test: Any, task: str
) -> dict[str, Any]:
    """Fit an arm on the training split, then predict and score the test split.

    Parameters
    ----------
    estimator : unfitted estimator
    X_train, y_train : the training split
    X_test, y_test : the test split
    task : {"classification", "regression"}

    Returns
    -------
    row : dict
        See :func:`predict_and_score`.
    """
    start = time.perf_counter()
    estimator.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    return predict_and_score(estimator, X_test, y_test, task, fit_seconds)


# --------------------------------------------------------------------------- #
# convlstm-tuned in pieces
# --------------------------------------------------------------------------- #
def _startup_trials(optuna_object: Any) -> int:
    """Return an Optuna sampler's or pruner's ``n_startup_trials`` (0 if unknown)."""
    return int(getattr(optuna_object, "_n_startup_trials", 0))


def independent_trials(estimator: Any) -> int:
    """Return how many leading trials of a tuned arm can run apart from the rest.

    ``TunedConvLSTM`` tunes with the default pruner, which prunes no trial
    while fewer than its ``n_startup_trials`` trials have completed, and the
    default sampler, which draws its first ``n_startup_trials``
    configurations at random from ``(random_state, trial number)``, whatever
    the earlier trials scored. So the first trials of the study, up to the
    smaller of the two counts, are each a function of their number alone:
    run apart (:func:`run_tuning_trial`) and put back in order
    (:func:`fit_tuned_from_trials`), the study and the fitted model are those
    of ``estimator.fit``.

    Parameters
    ----------
    estimator : estimator
        The arm's unfitted estimator.

    Returns
    -------
    n_independent : int
        0 when ``estimator`` is not a seeded ``TunedConvLSTM`` without a
        timeout (a timeout makes the trial count depend on the machine), or
        when fewer than two trials would run apart; then fit it in one piece.
    """
    if type(estimator) is not TunedConvLSTM:
        return 0
    if estimator.timeout is not None or not isinstance(estimator.random_state, int):
        return 0
    import optuna

    from sklearn_convlstm.tuning._objective import default_pruner

    count = min(
        int(estimator.n_trials),
        _startup_trials(default_pruner("epochs")),
        _startup_trials(optuna.samplers.TPESampler()),
    )
    return count if count >= 2 else 0


def _tuning_inputs(estimator: TunedConvLSTM, X: Any, y: Any) -> tuple[Any, Any, Any]:
    """Validate ``X, y`` as ``TunedConvLSTM.fit`` does; the estimator to tune."""
    from sklearn_convlstm._targets import check_classification_labels
    from sklearn_convlstm._validation import validate_series_input

    X = validate_series_input(estimator, X, reset=True, require_fitted_length=False)
    y = check_classification_labels(y, len(X))
    return X, y, _tuning_classifier(estimator)


def _tuning_classifier(estimator: TunedConvLSTM) -> Any:
    """Return the unfitted classifier whose parameters ``TunedConvLSTM`` tunes."""
    from sklearn_convlstm._classifier import ConvLSTMClassifier

    params = {
        "random_state": estimator.random_state,
        **(estimator.convlstm_params or {}),
    }
    params["progress_bar"] = False
    return ConvLSTMClassifier(**params)


def _tune(
    estimator: TunedConvLSTM,
    classifier: Any,
    X: Any,
    y: Any,
    storage: Any,
    *,
    n_trials: int,
    refit: bool,
    callbacks: Sequence[Any] = (),
    cv: Any = None,
) -> Any:
    """``tune`` as ``tune_convlstm`` calls it, on the given in-memory study.

    ``cv`` replaces ``estimator.cv`` (one fold of it, for a fold run apart).
    """
    from sklearn_convlstm.tuning import tune

    return tune(
        classifier,
        X,
        y,
        param_space=_param_space(estimator),
        storage=storage,
        study_name=_STUDY_NAME,
        cv=estimator.cv if cv is None else cv,
        n_trials=n_trials,
        timeout=None,
        random_state=estimator.random_state,
        refit=refit,
        verbose=0,
        callbacks=list(callbacks),
    )


def _param_space(estimator: TunedConvLSTM) -> Any:
    """Return the search space ``TunedConvLSTM`` tunes in."""
    from sklearn_convlstm.tuning import suggest_convlstm_params

    max_epochs = cast("tuple[int, int]", tuple(estimator.max_epochs))
    return functools.partial(suggest_convlstm_params, max_epochs=max_epochs)


def _new_study() -> tuple[Any, Any]:
    """Return an empty in-memory study for ``tune`` to load: ``(storage, study)``."""
    import optuna

    storage = optuna.storages.InMemoryStorage()
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.create_study(
            storage=storage, study_name=_STUDY_NAME, direction="maximize"
        )
    finally:
        optuna.logging.set_verbosity(verbosity)
    return storage, study


class _TrialNotComplete(Exception):
    """The trial run apart failed: the arm is fitted in one piece instead."""


def tuning_folds(estimator: Any) -> int:
    """Return how many cross-validation folds a tuned arm's trials have.

    Parameters
    ----------
    estimator : TunedConvLSTM

    Returns
    -------
    n_folds : int
        ``estimator.cv`` when it is a number of folds (its trials' folds can
        then run apart, :func:`run_tuning_trial` with ``fold``), else 0.
    """
    cv = getattr(estimator, "cv", None)
    if isinstance(cv, int) and not isinstance(cv, bool) and cv >= 2:
        return cv
    return 0


def random_trials(estimator: Any) -> int:
    """Return how many leading trials of a tuned arm draw their configuration at random.

    The default sampler draws the configurations of its first
    ``n_startup_trials`` trials from ``(random_state, trial number)`` alone.
    The trials after :func:`independent_trials` and before this count only
    depend on the earlier trials through the pruner, which judges a trial
    against the completed ones: run apart on the independent trials
    (:func:`run_tuning_trial` with ``prior``), each is the trial of the whole
    study as long as none of the trials between them completed
    (:func:`accept_trials`).

    Parameters
    ----------
    estimator : estimator
        The arm's unfitted estimator.

    Returns
    -------
    n_random : int
        At least :func:`independent_trials` (0 when that is 0), at most
        ``n_trials``.
    """
    count = independent_trials(estimator)
    if not count:
        return 0
    import optuna

    startup = _startup_trials(optuna.samplers.TPESampler())
    return max(count, min(int(estimator.n_trials), startup))


def accept_trials(first: Sequence[Any], following: Sequence[Any]) -> list[Any]:
    """Return the trials of a study run apart that the whole study would hold.

    Parameters
    ----------
    first : sequence of optuna.trial.FrozenTrial
        The independent trials, complete.
    following : sequence of optuna.trial.FrozenTrial or None
        The next trials, each run on ``first`` alone
        (:func:`run_tuning_trial` with ``prior=first``), in order.

    Returns
    -------
    trials : list of optuna.trial.FrozenTrial
        ``first``, then ``following`` up to and including the first one that
        completed (each of those saw the same completed trials as in one
        study): later ones would have been judged against it too. A trial
        that failed (``None``) ends the list before it.
    """
    trials = list(first)
    for trial in following:
        if trial is None:
            break
        trials.append(trial)
        if trial.state.name == "COMPLETE":
            break
    return trials


def run_tuning_trial(
    estimator: TunedConvLSTM,
    X: Any,
    y: Any,
    number: int,
    fold: int | None = None,
    prior: Sequence[Any] = (),
) -> Any:
    """Run trial ``number`` of a tuned arm's study on its own.

    The study gets the ``prior`` trials, then failed placeholder trials up
    to ``number``, so the trial has its number (which seeds its random
    configuration) and sees only the ``prior`` trials completed (so, with
    none, nothing prunes it, as in the whole study). Trial 0 is the default
    configuration when ``start_from_default``.

    Parameters
    ----------
    estimator : TunedConvLSTM
        The arm's unfitted estimator (it is not modified).
    X, y : the training split
    number : int
        Trial number: below :func:`independent_trials`, or below
        :func:`random_trials` with ``prior``.
    fold : int or None, default=None
        Run only this fold of the trial's cross-validation (below
        :func:`tuning_folds`): a one-fold trial whose value and reports
        :func:`combine_fold_trials` puts together with the other folds'.
    prior : sequence of optuna.trial.FrozenTrial, default=()
        The independent trials, complete (trials ``0 .. len(prior) - 1``).

    Returns
    -------
    trial : optuna.trial.FrozenTrial or None
        The completed or pruned trial; ``None`` when it failed (then fit the
        arm in one piece, or run it in order).
    """
    import optuna
    from sklearn.base import clone

    from sklearn_convlstm.tuning import default_trial_params

    estimator = clone(estimator)
    X, y, classifier = _tuning_inputs(estimator, X, y)
    storage, study = _new_study()
    for trial in prior:
        study.add_trial(trial)
    for _ in range(len(prior), number):
        study.add_trial(optuna.trial.create_trial(state=optuna.trial.TrialState.FAIL))
    if number == 0 and estimator.start_from_default:
        study.enqueue_trial(
            default_trial_params(
                len(y), estimator.cv, max_epochs=int(estimator.max_epochs[1])
            )
        )

    def stop_unless_complete(study: Any, trial: Any) -> None:
        # a failed trial does not count: the study would run another one
        if trial.state == optuna.trial.TrialState.FAIL:
            raise _TrialNotComplete

    try:
        _tune(
            estimator,
            classifier,
            X,
            y,
            storage,
            n_trials=len(prior) + 1,
            refit=False,
            callbacks=[stop_unless_complete],
            cv=None if fold is None else [_fold_split(estimator, X, y, fold)],
        )
    except _TrialNotComplete:
        return None
    trial = study.trials[number]
    finished = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    return trial if trial.state in finished else None


def _fold_split(
    estimator: TunedConvLSTM, X: Any, y: Any, fold: int
) -> tuple[np.ndarray, np.ndarray]:
    """Fold ``fold`` of the splits ``tune`` makes for the arm's trials."""
    from sklearn_convlstm.tuning._objective import make_splits

    splits = make_splits(estimator.cv, X, y, None, estimator.random_state)
    return splits[fold]


def combine_fold_trials(estimator: TunedConvLSTM, folds: Sequence[Any]) -> Any:
    """Put the folds of a trial run apart back together.

    Parameters
    ----------
    estimator : TunedConvLSTM
        The arm's unfitted estimator.
    folds : sequence of optuna.trial.FrozenTrial or None
        Per fold, in order, :func:`run_tuning_trial` with ``fold``.

    Returns
    -------
    trial : optuna.trial.FrozenTrial or None
        The trial as the whole study would have it (value, parameters,
        reports, attributes); ``None`` when a fold did not complete.
    """
    import optuna

    from sklearn_convlstm.tuning._objective import (
        combine_fold_reports,
        epoch_pruning_possible,
    )

    if not folds or any(fold is None for fold in folds):
        return None
    scores = [float(fold.user_attrs["fold_scores"][0]) for fold in folds]
    first = folds[0]
    classifier = _tuning_classifier(estimator)
    intermediate = combine_fold_reports(
        [fold.intermediate_values for fold in folds],
        scores,
        epoch_pruning=epoch_pruning_possible(classifier),
    )
    return optuna.trial.create_trial(
        state=optuna.trial.TrialState.COMPLETE,
        value=float(np.mean(scores)),
        params=first.params,
        distributions=first.distributions,
        user_attrs={**first.user_attrs, "fold_scores": scores},
        system_attrs=first.system_attrs,
        intermediate_values=intermediate,
    )


def finish_tuned_study(
    estimator: TunedConvLSTM, X: Any, y: Any, trials: Sequence[Any]
) -> list[Any]:
    """Run the trials of a tuned arm that follow its first ones; no refit.

    Parameters
    ----------
    estimator : TunedConvLSTM
        The arm's unfitted estimator (it is not modified).
    X, y : the training split
    trials : sequence of optuna.trial.FrozenTrial
        Trials ``0 .. len(trials) - 1`` from :func:`run_tuning_trial`.

    Returns
    -------
    trials : list of optuna.trial.FrozenTrial
        All ``n_trials`` trials of the study, for
        :func:`fit_tuned_from_trials`.
    """
    from sklearn.base import clone

    estimator = clone(estimator)
    X, y, classifier = _tuning_inputs(estimator, X, y)
    storage, study = _new_study()
    for trial in trials:
        study.add_trial(trial)
    _tune(
        estimator,
        classifier,
        X,
        y,
        storage,
        n_trials=int(estimator.n_trials),
        refit=False,
    )
    return list(study.get_trials(deepcopy=False))


def refit_is(
    estimator: TunedConvLSTM, X: Any, trials: Sequence[Any], other: Any
) -> bool:
    """Return whether the refit of a tuned arm's best trial would fit ``other``.

    True when ``estimator`` refits one network (``n_ensemble=1``) and the
    best configuration of ``trials``, resolved for ``X`` as ``fit`` resolves
    ``"auto"``, has the parameters of ``other`` (a ``ConvLSTMClassifier``
    with the same seed), so that ``other`` fitted on the same training split
    is the refitted model. In the comparison, ``convlstm-default`` is that
    model whenever the default configuration (trial 0) wins.

    Parameters
    ----------
    estimator : TunedConvLSTM
    X : array of shape (n_series, n_channels, n_timesteps) or (n_series, n_timesteps)
        The training series (other inputs: always False).
    trials : sequence of optuna.trial.FrozenTrial
        All trials of the study (:func:`finish_tuned_study`).
    other : estimator
        Unfitted or fitted.

    Returns
    -------
    same : bool
    """
    from sklearn_convlstm._base import BaseConvLSTM, resolved_training_params
    from sklearn_convlstm.tuning._spaces import params_from_trial

    if estimator.n_ensemble != 1 or not isinstance(other, BaseConvLSTM):
        return False
    if not isinstance(X, np.ndarray) or X.ndim not in (2, 3):
        return False
    _, study = _new_study()
    for trial in trials:
        study.add_trial(trial)
    try:
        best_params = study.best_params
    except ValueError:  # no trial completed
        return False
    classifier = _tuning_classifier(estimator)
    refit = clone_with(
        classifier,
        params_from_trial(best_params, classifier, param_space=_param_space(estimator)),
    )
    n_train, n_timesteps = len(X), int(X.shape[-1])
    mine = resolved_training_params(refit, n_train, n_timesteps)
    theirs = resolved_training_params(other, n_train, n_timesteps)
    return mine is not None and mine == theirs


def clone_with(estimator: Any, params: dict[str, Any]) -> Any:
    """Return an unfitted clone of ``estimator`` with ``params`` set."""
    from sklearn.base import clone

    return clone(estimator).set_params(**params)


def fit_tuned_from_trials(
    estimator: TunedConvLSTM,
    X: Any,
    y: Any,
    trials: Sequence[Any],
    *,
    refitted: Any = None,
) -> TunedConvLSTM:
    """Finish ``TunedConvLSTM.fit`` from its first trials, run apart.

    The trials go into a new study in order; ``tune`` runs the remaining
    trials and refits the best configuration, as ``estimator.fit(X, y)``
    would after the same first trials.

    Parameters
    ----------
    estimator : TunedConvLSTM
        The arm's unfitted estimator; fitted in place.
    X, y : the training split
    trials : sequence of optuna.trial.FrozenTrial
        Trials ``0 .. len(trials) - 1`` from :func:`run_tuning_trial` (or
        all of them, :func:`finish_tuned_study`: then no trial runs here).
    refitted : estimator or None, default=None
        A fitted model to use as the refit of the best configuration
        instead of fitting one; :func:`refit_is` must hold for it.

    Returns
    -------
    estimator : TunedConvLSTM
        Fitted, with the attributes ``fit`` sets.

    Raises
    ------
    ValueError
        When ``refitted`` is not what the refit would fit.
    """
    from sklearn_convlstm.tuning._estimator import adopt_tuning_result

    if not isinstance(estimator.n_ensemble, int) or estimator.n_ensemble < 1:
        raise ValueError(
            f"n_ensemble must be a positive int; got {estimator.n_ensemble!r}."
        )
    X, y, classifier = _tuning_inputs(estimator, X, y)
    storage, study = _new_study()
    for trial in trials:
        study.add_trial(trial)
    if refitted is not None and not refit_is(estimator, X, trials, refitted):
        raise ValueError(
            "refitted is not the model the refit of the best trial would fit "
            "(its resolved parameters differ)."
        )
    study, best = _tune(
        estimator,
        classifier,
        X,
        y,
        storage,
        n_trials=int(estimator.n_trials),
        refit=estimator.n_ensemble == 1 and refitted is None,
    )
    return adopt_tuning_result(
        estimator, study, best if refitted is None else refitted, X, y
    )
