"""Run the comparison: fit every method once per seed, score on the test split."""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sklearn_convlstm._classifier import (
    LARGER_CLASSES_FUSION,
    RANDOM_KERNEL_MAX_SERIES_PER_CLASS,
)
from sklearn_convlstm._optional import missing_message
from sklearn_convlstm._validation import check_series, n_channels_of, series_lengths
from sklearn_convlstm.compare._arms import fit_and_score, score_predictions
from sklearn_convlstm.compare._methods import (
    DEFAULT_METHODS,
    METHODS,
    MethodOptions,
    make_estimator,
    parse_methods,
)
from sklearn_convlstm.compare._parallel import count_tasks, run_arms_in_processes

__all__ = [
    "WEAK_REGIME_SERIES_PER_CLASS",
    "ComparisonResult",
    "check_split",
    "default_n_jobs",
    "describe_data",
    "infer_task",
    "regime_hint",
    "run_comparison",
    "score_predictions",
    "usable_cores",
    "worker_processes",
]


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
    n_jobs: int = 1,
    threads: int = 1,
) -> ComparisonResult:
    """Fit every method once per seed on the training data; score on the test data.

    The test split is used only to compute the scores after each fit:
    tuning and early stopping see the training split only. Every method gets
    the same seeds. The split is checked first (:func:`check_split`), so bad
    data fails before any training.

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
    n_jobs : int, default=1
        Worker processes. With more than one, the arms (a method and a seed)
        run in parallel processes, and ``convlstm-tuned`` runs its first
        trials, which do not depend on each other, in parallel too; every
        piece builds its estimator from the same seed, so the scores are
        those of ``n_jobs=1``. This process runs one piece at a time itself
        and starts ``n_jobs - 1`` worker processes (``spawn``: in a script,
        call ``run_comparison`` under ``if __name__ == "__main__":``), no
        more than there are pieces; with one piece nothing starts. The
        estimators' own progress bars are off then.
    threads : int, default=1
        ``torch.set_num_threads`` of each worker process when ``n_jobs > 1``
        (set right before each fit). With ``n_jobs=1`` this process's
        setting is used as it is.

    Returns
    -------
    result : ComparisonResult
        Per-seed rows and the skipped methods.

    Raises
    ------
    ValueError
        For bad data (see :func:`check_split`), an unknown method, no seeds,
        or ``n_jobs`` or ``threads`` below 1.

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
    for name, value in (("n_jobs", n_jobs), ("threads", threads)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name} must be an int >= 1; got {value!r}.")
        if value < 1:
            raise ValueError(f"{name} must be an int >= 1; got {value!r}.")
    options = options or MethodOptions()
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    check_split(X_train, y_train, X_test, y_test, methods=methods, task=options.task)
    y_train = np.asarray(y_train)
    y_test = np.asarray(y_test)

    result = ComparisonResult()
    runnable, result.skipped = _runnable_methods(methods, options.task)
    for reason in result.skipped.values():
        log(f"skipping {reason}")

    arms = [(name, seed) for name in runnable for seed in seeds]
    processes = worker_processes(runnable, seeds, options, n_jobs)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(arms), desc=dataset, unit="fit")
    started = time.time()
    scored: dict[tuple[str, int], dict[str, Any]] = {}

    def record(name: str, seed: int, row: dict[str, Any]) -> None:
        scores: dict[str, Any] = {
            key: row[key] for key in ("accuracy", "rmse", "r2") if key in row
        }
        scored[(name, seed)] = {
            "dataset": dataset,
            "method": name,
            "seed": seed,
            **scores,
            "fit_seconds": row["fit_seconds"],
            "predict_seconds": row["predict_seconds"],
            "n_train": len(y_train),
            "n_test": len(y_test),
            "details": row["details"],
            "start_seconds": row["started"] - started,
            "end_seconds": row["ended"] - started,
        }
        if bar is not None:
            bar.set_description(f"{dataset}: {name} (seed {seed}) done")
            bar.update(1)

    try:
        if processes > 1:
            run_arms_in_processes(
                arms,
                (X_train, y_train, X_test, y_test),
                dataclasses.replace(options, progress_bar=False),
                n_jobs=processes,
                threads=threads,
                on_done=record,
            )
        else:
            for name, seed in arms:
                if bar is not None:
                    bar.set_description(f"{dataset}: {name} (seed {seed})")
                arm_start = time.time()
                row = fit_and_score(
                    make_estimator(name, seed, options),
                    X_train,
                    y_train,
                    X_test,
                    y_test,
                    options.task,
                )
                record(name, seed, {**row, "started": arm_start, "ended": time.time()})
    finally:
        if bar is not None:
            bar.close()
    result.rows = [scored[arm] for arm in arms]
    return result


def _runnable_methods(
    methods: Iterable[str], task: str
) -> tuple[list[str], dict[str, str]]:
    """Return the methods that can run, and the reason each other one cannot."""
    runnable, skipped = [], {}
    for name in methods:
        missing = METHODS[name].missing_requirements()
        if task not in METHODS[name].tasks:
            skipped[name] = (
                f"method {name!r} has no {task} form "
                f"(it supports {', '.join(METHODS[name].tasks)})"
            )
        elif missing:
            skipped[name] = missing_message(f"method {name!r}", missing)
        else:
            runnable.append(name)
    return runnable, skipped


def worker_processes(
    methods: Iterable[str],
    seeds: Iterable[int],
    options: MethodOptions,
    n_jobs: int,
) -> int:
    """Return how many processes :func:`run_comparison` starts for these arms.

    Parameters
    ----------
    methods : iterable of str
        Method names; those that cannot run for ``options.task`` are left
        out, as ``run_comparison`` leaves them out.
    seeds : iterable of int
    options : MethodOptions
    n_jobs : int

    Returns
    -------
    processes : int
        ``min(n_jobs, pieces to run)``, or 0 when ``run_comparison`` runs
        everything in the calling process (``n_jobs=1``, or a single piece).
    """
    runnable, _ = _runnable_methods(parse_methods(list(methods)), options.task)
    arms = [(name, int(seed)) for name in runnable for seed in seeds]
    if n_jobs <= 1 or not arms:
        return 0
    pieces = count_tasks(arms, options)
    return min(n_jobs, pieces) if pieces > 1 else 0


def usable_cores() -> int:
    """Return the CPU cores this process may run on.

    Returns
    -------
    cores : int
        ``len(os.sched_getaffinity(0))`` where the platform has it (a
        container or ``taskset`` may allow fewer cores than the machine has),
        else ``os.cpu_count()``.
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def default_n_jobs() -> int:
    """Return the worker count ``compare`` uses by default: the cores, at most 4.

    Returns
    -------
    n_jobs : int
        :func:`usable_cores`, capped at 4: each worker process holds its own
        copy of PyTorch (several hundred MiB).
    """
    return min(usable_cores(), 4)


def check_split(
    X_train: Any,
    y_train: Any,
    X_test: Any,
    y_test: Any,
    *,
    methods: Iterable[str] = DEFAULT_METHODS,
    task: str = "classification",
) -> None:
    """Check a train/test split before anything trains on it.

    :func:`run_comparison` calls this first, so that data no method can use
    fails at once, with a message that names the split, not after minutes of
    training.

    Parameters
    ----------
    X_train, y_train : training series and targets
    X_test, y_test : test series and targets
    methods : iterable of str, default=DEFAULT_METHODS
        The methods that will run: when one of them predicts only series of
        the training length (``Method.fixed_length``), test series of
        another length are refused.
    task : {"classification", "regression"}, default="classification"

    Raises
    ------
    ValueError
        When a split is not series in an accepted form, holds NaN, infinity
        or values beyond float32's range; when the number of targets differs
        from the number of series; when the test series have another number
        of channels than the training series, or another length while the
        training series share one length and a method needs it; when the
        training split of a classification has fewer than two classes; when
        regression targets are not finite numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm.compare import check_split
    >>> X = np.zeros((4, 1, 10))
    >>> check_split(X, [0, 1, 0, 1], X[:, :, :8], [0, 1, 0, 1])
    Traceback (most recent call last):
        ...
    ValueError: X_test has series of 8 timesteps, but the training series all ...
    """
    methods = parse_methods(list(methods))
    train = check_series(X_train, name="X_train")
    test = check_series(X_test, name="X_test")
    for name, X, y in (("train", train, y_train), ("test", test, y_test)):
        n_targets = len(np.asarray(y))
        if n_targets != len(X):
            raise ValueError(
                f"y_{name} has {n_targets} targets but X_{name} has {len(X)} "
                f"series; give one target per series."
            )
    n_channels, n_test_channels = n_channels_of(train), n_channels_of(test)
    if n_test_channels != n_channels:
        raise ValueError(
            f"X_test has {n_test_channels} channel(s) but X_train has "
            f"{n_channels}; the test series must have the channels of the "
            "training series, in the same order."
        )
    train_lengths, test_lengths = series_lengths(train), series_lengths(test)
    fixed = [name for name in methods if METHODS[name].fixed_length]
    if fixed and isinstance(train, np.ndarray):
        wrong = test_lengths != train_lengths[0]
        if wrong.any():
            raise ValueError(
                f"X_test has series of {int(test_lengths[wrong][0])} timesteps, "
                f"but the training series all have {int(train_lengths[0])}, and "
                f"{', '.join(fixed)} predict only series of the training length; "
                "pad or truncate the series to one length (PadTruncate), or "
                "choose other methods."
            )
    y = np.asarray(y_train)
    if task == "classification":
        classes = np.unique(y.astype(str) if y.dtype == object else y)
        if len(classes) < 2:
            raise ValueError(
                f"y_train has only {len(classes)} class ({str(classes[0])!r}); a "
                "classification needs training series of at least 2 classes."
            )
        return
    for name, targets in (("y_train", y), ("y_test", np.asarray(y_test))):
        try:
            values = targets.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"{name} holds targets that are not numbers (dtype "
                f"{targets.dtype}); a regression needs numeric targets."
            ) from None
        if not np.isfinite(values).all():
            raise ValueError(
                f"{name} holds {int((~np.isfinite(values)).sum())} target(s) "
                "that are NaN or infinite; a regression needs finite targets."
            )


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
    :data:`WEAK_REGIME_SERIES_PER_CLASS`) it adds the ridge at a lower weight,
    which gained over the network alone on those tests but still trailed
    MiniRocket on some datasets at 3 series per class. ``compare`` prints
    this line before it runs, so the reader knows which column to look at.

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
        f"adds its random-kernel ridge at weight {LARGER_CLASSES_FUSION:g} "
        "(head='auto'), which gains over the network alone on the regime tests "
        "but can still trail MiniRocket at 3 per class (see the evidence page "
        "of the documentation): compare it with --methods "
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
