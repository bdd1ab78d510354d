"""TunedConvLSTM: a ConvLSTMClassifier tuned by cross-validation in ``fit``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from sklearn_convlstm._targets import check_classification_labels
from sklearn_convlstm._validation import validate_series_input
from sklearn_convlstm.tuning._spaces import (
    default_trial_params,
    suggest_convlstm_params,
)
from sklearn_convlstm.tuning._tune import tune

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


class TunedConvLSTM(ClassifierMixin, BaseEstimator):
    """ConvLSTMClassifier tuned with Optuna by cross-validation on ``fit``'s data.

    ``fit`` runs :func:`sklearn_convlstm.tuning._tune` with the default search
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
    >>> from sklearn_convlstm.tuning import TunedConvLSTM
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
        from sklearn_convlstm._classifier import ConvLSTMClassifier

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
        return adopt_tuning_result(self, study, best, X, y)

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
    """Tune a ConvLSTMClassifier with :func:`~sklearn_convlstm.tuning.tune`.

    Parameters
    ----------
    estimator : ConvLSTMClassifier
        Estimator whose parameters are tuned.
    X, y : training data
        Cross-validation runs on these only.
    n_trials, cv : int
        Passed to ``tune``.
    max_epochs : tuple of (int, int)
        Range of ``max_epochs`` of the default search space.
    timeout : float or None
        Passed to ``tune``.
    random_state : int or None
        Passed to ``tune``.
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
    >>> from sklearn_convlstm.tuning import tune_convlstm
    >>> X, y = np.random.RandomState(0).normal(size=(20, 1, 16)), np.arange(20) % 2
    >>> study, best = tune_convlstm(ConvLSTMClassifier(random_state=0), X, y,
    ...     n_trials=1, cv=2, max_epochs=(1, 1), timeout=None, random_state=0)
    >>> len(study.trials)
    1
    """
    import functools

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


def adopt_tuning_result(
    estimator: TunedConvLSTM, study: Any, best: Any, X: Any, y: Any
) -> TunedConvLSTM:
    """Set the fitted attributes of ``estimator`` from a finished study.

    With ``n_ensemble > 1`` the best configuration ``best`` (unfitted) is
    refitted as a seed ensemble on ``X, y``; else ``best`` is the refit.

    Parameters
    ----------
    estimator : TunedConvLSTM
        Fitted in place.
    study : optuna.Study
    best : estimator
        The best configuration: fitted when ``n_ensemble == 1``.
    X, y : the training data

    Returns
    -------
    estimator : TunedConvLSTM
    """
    from sklearn_convlstm.ensemble import make_seed_ensemble

    if estimator.n_ensemble > 1:
        best = make_seed_ensemble(best, estimator.n_ensemble).fit(X, y)
    estimator.study_ = study
    estimator.best_estimator_ = best
    estimator.best_params_ = dict(study.best_params)
    estimator.best_score_ = float(study.best_value)
    estimator.classes_ = best.classes_
    return estimator
