"""Early classification: decide a series' class before the series ends.

:class:`EarlyConvLSTMClassifier` wraps a causal
:class:`~sklearn_convlstm.ConvLSTMClassifier` (``variant="causal"``), whose
class probabilities after each step depend on no later step, with a decision
rule learned on the training data only: a series is decided once the top
class probability has stayed at or above a threshold, for the same class,
over a number of consecutive recurrent steps. The threshold and the number
of steps are chosen by cross-validation on the training series to maximise
the harmonic mean of accuracy and earliness, as TEASER (Schäfer and Leser,
2020) chooses its own number of consecutive predictions.

Its API is that of aeon's and sktime's early classifiers: ``predict``
returns the labels and whether each decision is final, ``score`` the
harmonic mean, accuracy and earliness. :meth:`EarlyConvLSTMClassifier.predict_early`
also returns the step at which each series was decided.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, ClassVar, NamedTuple

import numpy as np
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from sklearn_convlstm._classifier import ConvLSTMClassifier
from sklearn_convlstm._engine.batching import prediction_batches, read_only_ok
from sklearn_convlstm._parameters import draw_seed
from sklearn_convlstm._targets import check_classification_labels
from sklearn_convlstm._validation import (
    Interval,
    StrOptions,
    check_series,
    fit_context,
    series_lengths,
)
from sklearn_convlstm.nn import ARCHITECTURE_VARIANTS
from sklearn_convlstm.nn._networks import is_causal_configuration
from sklearn_convlstm.streaming import check_streamable

__all__ = [
    "AUTO_THRESHOLDS",
    "EarlyConvLSTMClassifier",
    "EarlyPrediction",
    "harmonic_mean",
]

#: Probability thresholds ``probability_thresholds="auto"`` tries.
AUTO_THRESHOLDS = (
    *(round(t, 2) for t in np.arange(0.30, 0.99, 0.02)),
    0.99,
    0.995,
    0.999,
    0.9999,
)


class EarlyPrediction(NamedTuple):
    """What :meth:`EarlyConvLSTMClassifier.predict_early` returns, per series."""

    #: Class label at the decision (at the last step seen when undecided).
    labels: np.ndarray
    #: Whether the decision rule fired (or the series reached the training length).
    decided: np.ndarray
    #: Steps seen when the series was decided (all its steps when undecided).
    decision_steps: np.ndarray
    #: Class probabilities at that step, shape (n_series, n_classes).
    probabilities: np.ndarray


def harmonic_mean(accuracy: float, earliness: float) -> float:
    """Harmonic mean of accuracy and ``1 - earliness``, as aeon's TEASER scores.

    Parameters
    ----------
    accuracy : float
        Share of correct decisions.
    earliness : float
        Mean share of each series seen when it was decided.

    Returns
    -------
    harmonic_mean : float
        ``2 * accuracy * (1 - earliness) / (accuracy + 1 - earliness)``; 0
        when both are 0.

    Examples
    --------
    >>> round(harmonic_mean(0.9, 0.3), 4)
    0.7875
    """
    timeliness = 1.0 - earliness
    total = accuracy + timeliness
    return 0.0 if total == 0 else 2.0 * accuracy * timeliness / total


class EarlyConvLSTMClassifier(BaseEstimator):
    """Classify series early: a causal ConvLSTM and a learned decision rule.

    ``fit`` trains the causal network on the training series (and, with
    ``training_prefixes``, on their beginnings too, so it also learns to
    classify a series from its start), computes out-of-fold probabilities
    after every step of every training series with ``cv`` folds, and picks
    the pair (probability threshold, consecutive steps) of the rule with the
    best harmonic mean of accuracy and earliness on them. A series is then
    decided at the first recurrent step where its top class probability has
    been at least the threshold, for the same class, over that many
    consecutive steps.

    Parameters
    ----------
    estimator : ConvLSTMClassifier or None, default=None
        The classifier to train (cloned). It must be causal
        (``variant="causal"``, or ``conv_padding="causal"`` with
        ``bidirectional=False``) and predict with its network's own head.
        ``None``: ``ConvLSTMClassifier(variant="causal")``.
    probability_thresholds : "auto" or tuple of float, default="auto"
        Candidate thresholds of the top class probability;
        ``"auto"``: :data:`AUTO_THRESHOLDS`.
    consecutive_steps : tuple of int, default=(1, 2, 3, 4, 6, 8, 12)
        Candidate numbers of consecutive recurrent steps (one per
        ``estimator.min_length_`` input steps when the network pools) that
        must agree.
    training_prefixes : tuple of float or None, default=(0.25, 0.5, 0.75)
        Shares of each training series whose beginnings are added to the
        training set (with the series' label); ``None`` trains on whole
        series only.
    cv : int, default=3
        Stratified folds that give the out-of-fold probabilities the rule is
        chosen on (fewer when the smallest class has fewer series, at least
        2).
    random_state : int, RandomState instance or None, default=None
        Seeds the folds and, when given, the estimator's ``random_state``.

    Attributes
    ----------
    estimator_ : ConvLSTMClassifier
        The causal classifier trained on all training series.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    threshold_ : float
        The chosen probability threshold.
    consecutive_steps_ : int
        The chosen number of consecutive agreeing recurrent steps.
    step_size_ : int
        Input steps per recurrent step (``estimator_.min_length_``).
    full_length_ : int or None
        The training series' length when they are all equally long (a
        series of that length is decided at its end at the latest), else
        ``None``.
    cv_results_ : dict of ndarray
        ``threshold``, ``consecutive_steps``, ``accuracy``, ``earliness``
        and ``harmonic_mean`` of every candidate rule on the out-of-fold
        probabilities.
    n_features_in_ : int
        Channels of the training series.

    See Also
    --------
    sklearn_convlstm.streaming.ConvLSTMStream : Probabilities as series arrive.

    Notes
    -----
    The API follows aeon's ``BaseEarlyClassifier`` (and sktime's):
    ``predict`` and ``predict_proba`` return a pair (values, decisions) and
    ``score`` returns ``(harmonic_mean, accuracy, earliness)``. Unlike aeon,
    which returns ``-1`` for undecided series, the label of an undecided
    series is the current best guess; ``decided`` tells them apart. ``X`` may
    hold prefixes: what has arrived of each series so far.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm import ConvLSTMClassifier
    >>> from sklearn_convlstm.early_classification import EarlyConvLSTMClassifier
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(24, 1, 20)), np.array([0, 1] * 12)
    >>> X[y == 1, 0, 4:8] += 3  # class 1 shows itself early
    >>> base = ConvLSTMClassifier(variant="causal", max_epochs=2, random_state=0)
    >>> early = EarlyConvLSTMClassifier(base, cv=2, random_state=0).fit(X, y)
    >>> labels, decided = early.predict(X[:3])
    >>> labels.shape, decided.dtype
    ((3,), dtype('bool'))
    >>> hm, accuracy, earliness = early.score(X, y)
    """

    _parameter_constraints: ClassVar[dict] = {
        "estimator": [ConvLSTMClassifier, None],
        "probability_thresholds": [StrOptions({"auto"}), tuple, list],
        "consecutive_steps": [tuple, list],
        "training_prefixes": [tuple, list, None],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator: ConvLSTMClassifier | None = None,
        *,
        probability_thresholds: str | tuple[float, ...] = "auto",
        consecutive_steps: tuple[int, ...] = (1, 2, 3, 4, 6, 8, 12),
        training_prefixes: tuple[float, ...] | None = (0.25, 0.5, 0.75),
        cv: int = 3,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.estimator = estimator
        self.probability_thresholds = probability_thresholds
        self.consecutive_steps = consecutive_steps
        self.training_prefixes = training_prefixes
        self.cv = cv
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    # ------------------------------------------------------------- fit

    def _base_estimator(self, seed: int) -> ConvLSTMClassifier:
        estimator = (
            ConvLSTMClassifier(variant="causal")
            if self.estimator is None
            else clone(self.estimator)
        )
        params = estimator.get_params()
        config = dict(ARCHITECTURE_VARIANTS[params["variant"]])
        config.update(
            {
                k: params[k]
                for k in ("conv_padding", "bidirectional")
                if params[k] is not None
            }
        )
        if not is_causal_configuration(config):
            raise ValueError(
                f"estimator must be causal to classify early; got variant="
                f"{params['variant']!r} with conv_padding={config['conv_padding']!r} "
                f"and bidirectional={config['bidirectional']}. Use "
                "ConvLSTMClassifier(variant='causal')."
            )
        if params["head"] == "random-kernels":
            raise ValueError(
                "estimator has head='random-kernels', whose features read whole "
                "series; use head='softmax' or 'auto'."
            )
        if self.random_state is not None:
            estimator.set_params(random_state=seed)
        return estimator

    def _check_candidates(self) -> tuple[np.ndarray, list[int], tuple[float, ...]]:
        thresholds = (
            AUTO_THRESHOLDS
            if isinstance(self.probability_thresholds, str)
            else tuple(self.probability_thresholds)
        )
        if not thresholds or not all(
            isinstance(t, Real) and 0 <= float(t) <= 1 for t in thresholds
        ):
            raise ValueError(
                "probability_thresholds must be 'auto' or a non-empty tuple of "
                f"floats in [0, 1]; got {self.probability_thresholds!r}."
            )
        counts = list(self.consecutive_steps)
        if not counts or not all(
            isinstance(c, Integral) and not isinstance(c, bool) and c >= 1
            for c in counts
        ):
            raise ValueError(
                "consecutive_steps must be a non-empty tuple of ints >= 1; got "
                f"{self.consecutive_steps!r}."
            )
        prefixes = tuple(self.training_prefixes or ())
        if not all(isinstance(p, Real) and 0 < p < 1 for p in prefixes):
            raise ValueError(
                "training_prefixes must be None or a tuple of shares in (0, 1); "
                f"got {self.training_prefixes!r}."
            )
        return np.asarray(thresholds, dtype=float), [int(c) for c in counts], prefixes

    def _fit_network(
        self, estimator: ConvLSTMClassifier, X: Any, y: np.ndarray, prefixes: tuple
    ) -> ConvLSTMClassifier:
        """Fit on the series, plus their beginnings when ``prefixes`` are given."""
        if not prefixes:
            return estimator.fit(X, y)
        series = list(X)
        labels = [y]
        longest = max(one.shape[-1] for one in series)
        pools = estimator._resolve_network_params(longest)["pool_sizes"]
        shortest = int(np.prod(pools))  # the causal network's min_length
        for share in prefixes:
            for one in X:
                keep = max(shortest, round(share * one.shape[-1]))
                series.append(one[:, : min(keep, one.shape[-1])])
            labels.append(y)
        return estimator.fit(series, np.concatenate(labels))

    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: Any, y: Any) -> EarlyConvLSTMClassifier:
        """Train the causal network and choose the decision rule.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or \
                (n_samples, n_timesteps), or list of arrays
            Training series (whole recordings).
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : EarlyConvLSTMClassifier
        """
        thresholds, counts, prefixes = self._check_candidates()
        X = check_series(X)
        y = check_classification_labels(y, len(X))
        self.classes_, encoded = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                "y has only 1 class; early classification needs 2 or more."
            )
        smallest = int(np.bincount(encoded).min())
        if smallest < 2:
            raise ValueError(
                "The smallest class has 1 training series; choosing the decision "
                "rule by cross-validation needs at least 2 per class."
            )
        lengths = series_lengths(X)
        seed = draw_seed(self.random_state)
        folds = StratifiedKFold(min(self.cv, smallest), shuffle=True, random_state=seed)
        n_outputs = None
        probabilities: list[np.ndarray] = [np.empty(0)] * len(X)
        step_size = 1
        for train, test in folds.split(np.zeros(len(y)), encoded):
            model = self._fit_network(
                self._base_estimator(seed), _take(X, train), y[train], prefixes
            )
            step_size = int(model.min_length_)
            trajectories = self._step_probabilities(model, _take(X, test))
            for row, proba in zip(test, trajectories, strict=True):
                probabilities[row] = proba
        # the folds' networks know the classes of their training part only
        n_outputs = len(self.classes_)
        maxp, labels = _pad_trajectories(probabilities, n_outputs)
        results: dict[str, list[float]] = {
            k: []
            for k in (
                "threshold",
                "consecutive_steps",
                "accuracy",
                "earliness",
                "harmonic_mean",
            )
        }
        for threshold in thresholds:
            runs = _agreement_runs(maxp, labels, threshold)
            for count in counts:
                step, label = _first_decisions(runs, labels, count)
                decided_at = np.where(step >= 0, (step + 1) * step_size, lengths)
                accuracy = float(np.mean(label == encoded))
                earliness = float(np.mean(np.minimum(decided_at, lengths) / lengths))
                results["threshold"].append(float(threshold))
                results["consecutive_steps"].append(count)
                results["accuracy"].append(accuracy)
                results["earliness"].append(earliness)
                results["harmonic_mean"].append(harmonic_mean(accuracy, earliness))
        self.cv_results_ = {k: np.asarray(v) for k, v in results.items()}
        best = int(np.argmax(self.cv_results_["harmonic_mean"]))
        self.threshold_ = float(self.cv_results_["threshold"][best])
        self.consecutive_steps_ = int(self.cv_results_["consecutive_steps"][best])
        self.estimator_ = self._fit_network(self._base_estimator(seed), X, y, prefixes)
        check_streamable(self.estimator_)
        self.step_size_ = int(self.estimator_.min_length_)
        self.full_length_ = int(lengths[0]) if (lengths == lengths[0]).all() else None
        self.n_features_in_ = int(X[0].shape[0])
        return self

    # --------------------------------------------------------- predict

    def _step_probabilities(
        self, model: ConvLSTMClassifier, X: Any
    ) -> list[np.ndarray]:
        """Per series, the class probabilities after each recurrent step.

        Returns one array (n_outputs_i, n_classes of ``self.classes_``) per
        series; row ``j`` is ``model.predict_proba`` of the first
        ``(j + 1) * model.min_length_`` steps.
        """
        X, lengths = model._prediction_input(X)
        module = model.net_.module_
        if module.training:
            module.eval()
        step = int(model.min_length_)
        columns = np.searchsorted(self.classes_, model.classes_)
        out: list[np.ndarray] = []
        with torch.inference_mode(), read_only_ok(X):
            for batch, batch_lengths in prediction_batches(X, lengths):
                logits = module.prefix_outputs(batch.float(), batch_lengths)
                proba = torch.softmax(
                    logits[:, step - 1 :: step].double(), dim=2
                ).numpy()
                first = len(out)
                for row in range(proba.shape[0]):
                    n_steps = int(lengths[first + row]) // step
                    full = np.zeros((n_steps, len(self.classes_)))
                    full[:, columns] = proba[row, :n_steps]
                    out.append(full)
        return out

    def predict_early(self, X: Any) -> EarlyPrediction:
        """Label, decision and decision step of each series seen so far.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_channels, n_timesteps) or \
                (n_samples, n_timesteps), or list of arrays
            Series, or what has arrived of them so far (prefixes).

        Returns
        -------
        prediction : EarlyPrediction
            ``labels``, ``decided``, ``decision_steps`` (steps seen when
            decided, or all steps when undecided) and ``probabilities``.
        """
        check_is_fitted(self)
        X = check_series(X)
        lengths = series_lengths(X)
        trajectories = self._step_probabilities(self.estimator_, X)
        maxp, labels = _pad_trajectories(trajectories, len(self.classes_))
        runs = _agreement_runs(maxp, labels, self.threshold_)
        step, label = _first_decisions(runs, labels, self.consecutive_steps_)
        decided = step >= 0
        last = np.array([len(t) - 1 for t in trajectories])
        at = np.where(decided, step, last)
        probabilities = np.stack([t[i] for t, i in zip(trajectories, at, strict=True)])
        steps = np.where(decided, (step + 1) * self.step_size_, lengths)
        if self.full_length_ is not None:
            decided = decided | (lengths >= self.full_length_)
        return EarlyPrediction(
            self.classes_[label], decided, steps.astype(np.int64), probabilities
        )

    def predict(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Labels and whether each is final, as aeon's early classifiers return.

        Parameters
        ----------
        X : array-like or list of arrays
            Series, or what has arrived of them so far.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Label at the decision (the current best guess when undecided).
        decided : ndarray of bool, shape (n_samples,)
            Whether the decision is final.
        """
        prediction = self.predict_early(X)
        return prediction.labels, prediction.decided

    def predict_proba(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Class probabilities at the decision and whether each is final.

        Parameters
        ----------
        X : array-like or list of arrays
            Series, or what has arrived of them so far.

        Returns
        -------
        probabilities : ndarray of shape (n_samples, n_classes)
        decided : ndarray of bool, shape (n_samples,)
        """
        prediction = self.predict_early(X)
        return prediction.probabilities, prediction.decided

    def score(self, X: Any, y: Any) -> tuple[float, float, float]:
        """Harmonic mean, accuracy and earliness on whole series, as aeon's TEASER.

        Each series is decided by the rule, or at its end; earliness is the
        mean share of each series seen at its decision.

        Parameters
        ----------
        X : array-like or list of arrays
            Whole series.
        y : array-like of shape (n_samples,)
            True labels.

        Returns
        -------
        harmonic_mean : float
        accuracy : float
        earliness : float
        """
        prediction = self.predict_early(X)
        y = check_classification_labels(y, len(prediction.labels))
        lengths = series_lengths(check_series(X))
        accuracy = float(np.mean(prediction.labels == y))
        earliness = float(np.mean(prediction.decision_steps / lengths))
        return harmonic_mean(accuracy, earliness), accuracy, earliness


def _take(X: Any, index: np.ndarray) -> Any:
    return X[index] if isinstance(X, np.ndarray) else [X[i] for i in index]


def _pad_trajectories(
    trajectories: list[np.ndarray], n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Top probability (-1 after a series' end) and its class, (n, max steps)."""
    width = max(len(t) for t in trajectories)
    maxp = np.full((len(trajectories), width), -1.0)
    labels = np.zeros((len(trajectories), width), dtype=np.int64)
    for row, proba in enumerate(trajectories):
        maxp[row, : len(proba)] = proba.max(axis=1)
        labels[row, : len(proba)] = proba.argmax(axis=1)
        labels[row, len(proba) :] = -1
    return maxp, labels


def _agreement_runs(
    maxp: np.ndarray, labels: np.ndarray, threshold: float
) -> np.ndarray:
    """Consecutive steps, up to each step, at or above ``threshold`` for one class."""
    confident = (maxp >= threshold) & (labels >= 0)
    runs = np.zeros(maxp.shape, dtype=np.int64)
    if maxp.shape[1]:
        runs[:, 0] = confident[:, 0]
    for j in range(1, maxp.shape[1]):
        same = (
            confident[:, j] & confident[:, j - 1] & (labels[:, j] == labels[:, j - 1])
        )
        runs[:, j] = np.where(
            same, runs[:, j - 1] + 1, confident[:, j].astype(np.int64)
        )
    return runs


def _first_decisions(
    runs: np.ndarray, labels: np.ndarray, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """First step with ``count`` agreeing steps (-1: none) and the label then.

    Undecided series take the label of their last step.
    """
    reached = runs >= count
    step = np.where(reached.any(axis=1), reached.argmax(axis=1), -1)
    last = (labels >= 0).sum(axis=1) - 1
    at = np.where(step >= 0, step, last)
    return step, labels[np.arange(len(labels)), at]
