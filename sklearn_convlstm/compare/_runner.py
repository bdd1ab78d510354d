"""Run the comparison: fit every method once per seed, score on the test split."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sklearn_convlstm._classifier import RANDOM_KERNEL_MAX_SERIES_PER_CLASS
from sklearn_convlstm._optional import missing_message
from sklearn_convlstm._validation import check_series, n_channels_of, series_lengths
from sklearn_convlstm.compare._methods import (
    DEFAULT_METHODS,
    METHODS,
    MethodOptions,
    make_estimator,
    parse_methods,
)
from sklearn_convlstm.tuning._estimator import TunedConvLSTM


@dataclass
class ComparisonResult:
    """What :func:`run_comparison` returns.

    Attributes
    ----------
    rows : list of dict
        One row per method and seed: ``dataset``, ``method``, ``seed``,
        ``accuracy`` (classification) or ``rmse`` and ``r2`` (regression),
        ``fit_seconds``, ``predict_seconds``, ``n_train``, ``n_test`` and
        ``details`` (epochs trained, tuned parameters, ...).
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

    The test split is used only to compute the scores after each fit:
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
        Shared settings of the methods; ``options.task`` picks the estimators
        and the scores (accuracy; RMSE and R² for regression). A method
        without a form for the task is skipped with a note.
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
    >>> from sklearn_convlstm.compare import run_comparison
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
        if options.task not in METHODS[name].tasks:
            result.skipped[name] = (
                f"method {name!r} has no {options.task} form "
                f"(it supports {', '.join(METHODS[name].tasks)})"
            )
            log(f"skipping {result.skipped[name]}")
        elif missing:
            result.skipped[name] = missing_message(f"method {name!r}", missing)
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
                        **score_predictions(y_test, y_pred, options.task),
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


#: Fewer training series than this in the smallest class is the regime where
#: the network alone is known to trail MiniRocket on the regime tests (k
#: series per class drawn from TRAIN splits, scored on the rest of TRAIN;
#: figures on the evidence page of the documentation). At k <= 2 the default
#: adds the random-kernel head.
WEAK_REGIME_SERIES_PER_CLASS = 5


def regime_hint(y_train: Any) -> str | None:
    """Return a one-line hint when the training data is in a known weak regime.

    With at most ``RANDOM_KERNEL_MAX_SERIES_PER_CLASS``
    training series in some class, the default ConvLSTMClassifier
    (``head="auto"``) adds its random-kernel ridge head, which is level with
    MiniRocket on the project's regime tests; with a few more (fewer than
    :data:`WEAK_REGIME_SERIES_PER_CLASS`) it is the network alone, which
    trails MiniRocket. ``compare`` prints this line before it runs, so the
    reader knows which column to look at.

    Parameters
    ----------
    y_train : array-like of shape (n_series,)
        Training labels.

    Returns
    -------
    hint : str or None
        The hint, or ``None`` when the smallest class has at least
        :data:`WEAK_REGIME_SERIES_PER_CLASS` training series.

    Raises
    ------
    ValueError
        When ``y_train`` is empty.

    Examples
    --------
    >>> from sklearn_convlstm.compare import regime_hint
    >>> regime_hint(["a"] * 30 + ["b"] * 30) is None
    True
    >>> print(regime_hint(["a", "a", "b", "b", "c"]))  # doctest: +ELLIPSIS
    hint: the smallest class has 1 training series (3 classes); ...
    """
    labels = np.asarray(y_train).ravel()
    if labels.size == 0:
        raise ValueError(
            "y_train is empty; regime_hint needs the training labels of at least "
            "one series."
        )
    _, counts = np.unique(labels, return_counts=True)
    smallest = int(counts.min())
    if smallest >= WEAK_REGIME_SERIES_PER_CLASS:
        return None
    start = (
        f"hint: the smallest class has {smallest} training series "
        f"({len(counts)} classes); "
    )
    if smallest <= RANDOM_KERNEL_MAX_SERIES_PER_CLASS:
        return start + (
            f"with at most {RANDOM_KERNEL_MAX_SERIES_PER_CLASS} per class the "
            "default ConvLSTM adds its random-kernel ridge head (head='auto'), "
            "level with MiniRocket on the regime tests, where the network "
            "alone trails it (see the evidence page of the documentation)."
        )
    return start + (
        f"below {WEAK_REGIME_SERIES_PER_CLASS} per class the default ConvLSTM "
        "trails MiniRocket on the regime tests (see the evidence page of the "
        "documentation): compare it with --methods "
        "convlstm-default,minirocket,rf-stats before choosing."
    )


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
    >>> from sklearn_convlstm.compare import describe_data
    >>> X = np.zeros((6, 2, 10))
    >>> describe_data(X, [0, 1, 0, 1, 0, 1], X[:4], [0, 1, 0, 1])
    '6 train / 4 test series, 2 channels, length 10, 2 classes'
    >>> describe_data(X, [0.5, 1, 2, 3, 4, 5], X[:4], [1.0, 2, 3, 4])
    '6 train / 4 test series, 2 channels, length 10, numeric targets in [0.5, 5]'
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
    y = np.asarray(y_train)
    if infer_task(y) == "regression":
        targets = f"numeric targets in [{y.min():.4g}, {y.max():.4g}]"
        if y.ndim == 2:
            targets = f"{y.shape[1]} " + targets
    else:
        targets = f"{len(np.unique(y))} classes"
    return (
        f"{len(y)} train / {len(np.asarray(y_test))} test series, "
        f"{n_channels} channel{'s' if n_channels != 1 else ''}, {length}, "
        f"{targets}"
    )


def infer_task(y: Any) -> str:
    """Return ``"regression"`` for float targets, ``"classification"`` otherwise.

    Float targets (what :func:`~sklearn_convlstm.load_ts_file` returns for a
    ``@targetLabel true`` file) mean regression; strings, integers and bools
    are class labels.

    Parameters
    ----------
    y : array-like

    Returns
    -------
    task : {"classification", "regression"}

    Examples
    --------
    >>> from sklearn_convlstm.compare._runner import infer_task
    >>> infer_task(["1", "2"]), infer_task([0, 1]), infer_task([0.5, 1.25])
    ('classification', 'classification', 'regression')
    """
    return "regression" if np.asarray(y).dtype.kind == "f" else "classification"
