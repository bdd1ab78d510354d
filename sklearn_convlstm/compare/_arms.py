"""One arm of the comparison: fit a method, predict the test split, score it.

Also the split of ``convlstm-tuned`` into pieces that can run in other
processes with the same result as one ``TunedConvLSTM.fit``
(:func:`independent_trials`, :func:`run_tuning_trial`,
:func:`fit_tuned_from_trials`).
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
        Epochs trained, tuned parameters or the chosen ridge alpha; empty
        when there is nothing to say.
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
    from sklearn_convlstm._classifier import ConvLSTMClassifier
    from sklearn_convlstm._targets import check_classification_labels
    from sklearn_convlstm._validation import validate_series_input

    X = validate_series_input(estimator, X, reset=True, require_fitted_length=False)
    y = check_classification_labels(y, len(X))
    params = {
        "random_state": estimator.random_state,
        **(estimator.convlstm_params or {}),
    }
    params["progress_bar"] = False
    return X, y, ConvLSTMClassifier(**params)


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
) -> Any:
    """``tune`` as ``tune_convlstm`` calls it, on the given in-memory study."""
    from sklearn_convlstm.tuning import suggest_convlstm_params, tune

    max_epochs = cast("tuple[int, int]", tuple(estimator.max_epochs))
    return tune(
        classifier,
        X,
        y,
        param_space=functools.partial(suggest_convlstm_params, max_epochs=max_epochs),
        storage=storage,
        study_name=_STUDY_NAME,
        cv=estimator.cv,
        n_trials=n_trials,
        timeout=None,
        random_state=estimator.random_state,
        refit=refit,
        verbose=0,
        callbacks=list(callbacks),
    )


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


def run_tuning_trial(estimator: TunedConvLSTM, X: Any, y: Any, number: int) -> Any:
    """Run trial ``number`` of a tuned arm's study on its own.

    The study gets ``number`` failed placeholder trials first, so the trial
    has its number (which seeds its random configuration), and nothing
    completed before it (so, as in the whole study, nothing prunes it).
    Trial 0 is the default configuration when ``start_from_default``.

    Parameters
    ----------
    estimator : TunedConvLSTM
        The arm's unfitted estimator (it is not modified).
    X, y : the training split
    number : int
        Trial number, below :func:`independent_trials`.

    Returns
    -------
    trial : optuna.trial.FrozenTrial or None
        The completed trial; ``None`` when it did not complete (then fit the
        arm in one piece).
    """
    import optuna
    from sklearn.base import clone

    from sklearn_convlstm.tuning import default_trial_params

    estimator = clone(estimator)
    X, y, classifier = _tuning_inputs(estimator, X, y)
    storage, study = _new_study()
    for _ in range(number):
        study.add_trial(optuna.trial.create_trial(state=optuna.trial.TrialState.FAIL))
    if number == 0 and estimator.start_from_default:
        study.enqueue_trial(
            default_trial_params(
                len(y), estimator.cv, max_epochs=int(estimator.max_epochs[1])
            )
        )

    def stop_unless_complete(study: Any, trial: Any) -> None:
        if trial.state != optuna.trial.TrialState.COMPLETE:
            raise _TrialNotComplete

    try:
        _tune(
            estimator,
            classifier,
            X,
            y,
            storage,
            n_trials=1,
            refit=False,
            callbacks=[stop_unless_complete],
        )
    except _TrialNotComplete:
        return None
    trial = study.trials[number]
    return trial if trial.state == optuna.trial.TrialState.COMPLETE else None


def fit_tuned_from_trials(
    estimator: TunedConvLSTM, X: Any, y: Any, trials: Sequence[Any]
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
        Trials ``0 .. len(trials) - 1`` from :func:`run_tuning_trial`.

    Returns
    -------
    estimator : TunedConvLSTM
        Fitted, with the attributes ``fit`` sets.
    """
    from sklearn_convlstm.ensemble import make_seed_ensemble

    if not isinstance(estimator.n_ensemble, int) or estimator.n_ensemble < 1:
        raise ValueError(
            f"n_ensemble must be a positive int; got {estimator.n_ensemble!r}."
        )
    X, y, classifier = _tuning_inputs(estimator, X, y)
    storage, study = _new_study()
    for trial in trials:
        study.add_trial(trial)
    study, best = _tune(
        estimator,
        classifier,
        X,
        y,
        storage,
        n_trials=int(estimator.n_trials),
        refit=estimator.n_ensemble == 1,
    )
    if estimator.n_ensemble > 1:
        best = make_seed_ensemble(best, estimator.n_ensemble).fit(X, y)
    estimator.study_ = study
    estimator.best_estimator_ = best
    estimator.best_params_ = dict(study.best_params)
    estimator.best_score_ = float(study.best_value)
    estimator.classes_ = best.classes_
    return estimator
