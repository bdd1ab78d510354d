"""The ``compare`` command: arguments, options and the run it prints."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sklearn_convlstm._command_line import check_writable_directory, int_at_least
from sklearn_convlstm._threads import torch_threads
from sklearn_convlstm.compare._methods import (
    DEFAULT_METHODS,
    DEFAULT_REGRESSION_METHODS,
    ENSEMBLE_SIZE,
    METHODS,
    TASKS,
    TUNED_ENSEMBLE_SIZE,
    MethodOptions,
    parse_methods,
    parse_seeds,
)
from sklearn_convlstm.compare._report import (
    format_table,
    plot_comparison,
    summarize,
    write_csv,
)
from sklearn_convlstm.compare._runner import (
    check_split,
    default_n_jobs,
    describe_data,
    infer_task,
    regime_hint,
    run_comparison,
    usable_cores,
    worker_processes,
)
from sklearn_convlstm.tuning._estimator import (
    DEFAULT_CV,
    DEFAULT_TRIALS,
    DEFAULT_TUNING_EPOCHS,
)

if TYPE_CHECKING:  # pragma: no cover
    import argparse


def _methods_argument(text: str) -> tuple[str, ...]:
    import argparse

    try:
        return parse_methods(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _seeds_argument(text: str) -> tuple[int, ...]:
    import argparse

    try:
        return parse_seeds(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


_positive_int = int_at_least(1)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of ``python -m sklearn_convlstm compare`` to ``parser``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The sub-parser of the ``compare`` command.
    """
    method_lines = "; ".join(
        f"{method.name}: {method.description}" for method in METHODS.values()
    )
    parser.add_argument(
        "--dataset",
        default="GunPoint",
        help="shipped dataset name (GunPoint, ItalyPowerDemand), a name found "
        "under --data-home, a path prefix PREFIX of PREFIX_TRAIN.ts and "
        "PREFIX_TEST.ts, or a dataset shipped with sktime (e.g. the regression "
        "datasets Covid3Month and Tecator) (default: %(default)s)",
    )
    parser.add_argument(
        "--task",
        choices=("auto", *TASKS),
        default="auto",
        help="classification (accuracy) or regression (RMSE and R²); auto: "
        "regression when the targets are numbers (a .ts file with @targetLabel "
        "true) (default: %(default)s)",
    )
    parser.add_argument(
        "--data-home",
        default=None,
        metavar="DIR",
        help="directory holding NAME/NAME_TRAIN.ts (the UCR/UEA layout)",
    )
    parser.add_argument(
        "--methods",
        type=_methods_argument,
        default=None,
        help=f"comma-separated methods (default: {','.join(DEFAULT_METHODS)}; "
        f"for regression {','.join(DEFAULT_REGRESSION_METHODS)}). "
        f"Choices: {method_lines}",
    )
    parser.add_argument(
        "--seeds",
        type=_seeds_argument,
        default=(0,),
        help="comma-separated seeds ('0,1,2'; '7,' for seed 7 alone), or a count "
        "('3' = seeds 0, 1, 2; '0' and '1' = seed 0); every method gets the same "
        "seeds (default: seed 0)",
    )
    parser.add_argument(
        "--trials",
        type=_positive_int,
        default=DEFAULT_TRIALS,
        help="Optuna trials of convlstm-tuned (default: %(default)s)",
    )
    parser.add_argument(
        "--cv",
        type=int_at_least(2),
        default=DEFAULT_CV,
        help="cross-validation folds of convlstm-tuned, on the training split "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--tuning-max-epochs",
        type=_positive_int,
        default=DEFAULT_TUNING_EPOCHS[1],
        metavar="N",
        help="upper end of the max_epochs range searched by convlstm-tuned "
        f"(default: %(default)s; lower end: min({DEFAULT_TUNING_EPOCHS[0]}, N))",
    )
    parser.add_argument(
        "--ensemble-size",
        type=_positive_int,
        default=ENSEMBLE_SIZE,
        metavar="N",
        help="networks averaged by convlstm-ensemble (default: %(default)s)",
    )
    parser.add_argument(
        "--tuned-ensemble-size",
        type=_positive_int,
        default=TUNED_ENSEMBLE_SIZE,
        metavar="N",
        help="networks of the best configuration that convlstm-tuned refits "
        "with different seeds and averages (default: %(default)s)",
    )
    parser.add_argument(
        "--device",
        default=None,
        help="torch device of the ConvLSTM methods (default: the classifier's, cpu)",
    )
    parser.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="write comparison.csv (one row per method and seed), "
        "comparison_summary.csv and comparison.png to DIR",
    )
    parser.add_argument(
        "--threads",
        type=int_at_least(0),
        default=1,
        help="torch threads (torch.set_num_threads) during the run; 0 keeps "
        "torch's default of one per core. Default: %(default)s, which the small "
        "networks need on a busy machine: with other processes on the cores, "
        "torch's default made training over 100 times slower on a 2-core machine",
    )
    parser.add_argument(
        "--n-jobs",
        type=_positive_int,
        default=default_n_jobs(),
        metavar="N",
        help="run N pieces at once: the methods, and the first trials of "
        "convlstm-tuned, which do not depend on each other; this process and "
        "N-1 worker processes, each with --threads torch threads (with "
        "--threads 0: the cores divided among them). The scores are those of "
        "--n-jobs 1, which runs everything here, one after another (default: "
        "the usable cores, at most 4: %(default)s)",
    )
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bars",
    )


def options_from_args(
    args: argparse.Namespace, task: str = "classification"
) -> MethodOptions:
    """Build :class:`MethodOptions` from parsed ``compare`` arguments.

    Parameters
    ----------
    args : argparse.Namespace
        Needs ``trials``, ``cv``, ``tuning_max_epochs``, ``ensemble_size``,
        ``tuned_ensemble_size``, ``device`` and ``no_progress`` (see
        :func:`add_arguments`).
    task : {"classification", "regression"}, default="classification"
        The task resolved from ``--task`` and the data.

    Returns
    -------
    options : MethodOptions
    """
    high = int(args.tuning_max_epochs)
    convlstm_params = {} if args.device is None else {"device": args.device}
    return MethodOptions(
        n_trials=args.trials,
        cv=args.cv,
        tuning_epochs=(min(DEFAULT_TUNING_EPOCHS[0], high), high),
        convlstm_params=convlstm_params,
        progress_bar=not args.no_progress,
        ensemble_size=args.ensemble_size,
        tuned_ensemble_size=args.tuned_ensemble_size,
        task=task,
    )


def run_command(args: argparse.Namespace) -> int:
    """Run ``python -m sklearn_convlstm compare``.

    Loads the dataset's official split, runs :func:`run_comparison`, prints
    the table of :func:`format_table` and, with ``--out``, writes the CSVs and
    the chart.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments (see :func:`add_arguments`).

    Returns
    -------
    exit_code : int
        0 on success; 2 when the dataset cannot be loaded or fails
        :func:`check_split` (printed as one ``error:`` line, before any
        training).
    """
    from sklearn_convlstm.datasets import load_dataset

    if args.out is not None:
        problem = check_writable_directory(args.out, "--out")
        if problem is not None:
            print(f"error: {problem}", file=sys.stderr)
            return 2
    try:
        X_train, y_train, X_test, y_test = load_dataset(
            args.dataset, data_home=args.data_home
        )
    except (ValueError, OSError) as error:
        sktime_data = _sktime_dataset(str(args.dataset))
        if sktime_data is None:
            print(f"error: {error}", file=sys.stderr)
            return 2
        X_train, y_train, X_test, y_test = load_dataset(sktime_data)
    with torch_threads(args.threads):
        return _compare(args, X_train, y_train, X_test, y_test)


def _sktime_dataset(name: str) -> Path | None:
    """Folder of a dataset shipped with sktime (``Covid3Month``, ...), if any."""
    if "/" in name or "\\" in name or not name.isidentifier():
        return None
    try:
        import sktime.datasets
    except ImportError:
        return None
    data = Path(sktime.datasets.__file__).parent / "data"
    for folder in data.iterdir() if data.is_dir() else ():
        if folder.name.lower() == name.lower() and folder.is_dir():
            return folder
    return None


def _compare(
    args: argparse.Namespace, X_train: Any, y_train: Any, X_test: Any, y_test: Any
) -> int:
    """Run, print and save the comparison of ``run_command``."""
    import torch

    dataset = Path(str(args.dataset)).name
    task = infer_task(y_train) if args.task == "auto" else args.task
    options = options_from_args(args, task)
    methods = args.methods
    if methods is None:
        methods = (
            DEFAULT_REGRESSION_METHODS if task == "regression" else DEFAULT_METHODS
        )
    try:  # before any training: bad data is a usage error, not a traceback
        check_split(X_train, y_train, X_test, y_test, methods=methods, task=task)
    except ValueError as error:
        print(f"error: {args.dataset}: {error}", file=sys.stderr)
        return 2
    processes = worker_processes(methods, args.seeds, options, args.n_jobs)
    worker_threads = args.threads or max(1, usable_cores() // max(processes, 1))
    threads = torch.get_num_threads() if not processes else worker_threads
    parallel = f"; {processes} worker processes" if processes else ""
    scores = "regression: RMSE and R²" if task == "regression" else "accuracy"
    print(
        f"{dataset}: {describe_data(X_train, y_train, X_test, y_test)}; "
        f"{scores} on the official test split; seeds "
        f"{','.join(map(str, args.seeds))}; torch threads {threads}{parallel}",
        flush=True,
    )
    hint = regime_hint(y_train) if task == "classification" else None
    if hint is not None:
        print(hint, flush=True)
    if "convlstm-tuned" in methods and task == "classification":
        print(
            f"convlstm-tuned: {options.n_trials} Optuna trials (the first: the "
            f"default configuration), {options.cv}-fold CV on the training split, "
            f"max_epochs in {list(options.tuning_epochs)}",
            flush=True,
        )
    start = time.perf_counter()
    result = run_comparison(
        X_train,
        y_train,
        X_test,
        y_test,
        methods=methods,
        seeds=args.seeds,
        options=options,
        dataset=dataset,
        progress=not args.no_progress,
        n_jobs=args.n_jobs,
        threads=worker_threads,
    )
    elapsed = time.perf_counter() - start
    summary = summarize(result.rows)
    print()
    print(format_table(summary))
    for name, reason in result.skipped.items():
        print(f"skipped {name}: {reason}")
    how = (
        f"{processes} worker processes ran the methods side by side"
        if processes
        else "one process ran the methods one after another"
    )
    print(
        f"\nfit s, predict s: mean over seeds of each fit's work (a tuned fit's "
        f"pieces summed); arm s: wall-clock seconds of the method in this run; "
        f"{how}."
    )
    print(f"total time: {elapsed:.1f} s")
    if args.out is not None:
        out = Path(args.out)
        paths = [
            write_csv(result.rows, out / "comparison.csv"),
            write_csv(summary, out / "comparison_summary.csv"),
        ]
        if summary:
            try:
                paths.append(
                    plot_comparison(summary, out / "comparison.png", title=f"{dataset}")
                )
            except ImportError as error:
                print(f"no chart: {error}", file=sys.stderr)
        print("wrote " + ", ".join(str(path) for path in paths))
    return 0
