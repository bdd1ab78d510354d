"""The ``compare`` command: arguments, options and the run it prints."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cli import check_writable_directory, int_at_least
from ..tuning.estimator import DEFAULT_CV, DEFAULT_TRIALS, DEFAULT_TUNING_EPOCHS
from .methods import (
    DEFAULT_METHODS,
    ENSEMBLE_SIZE,
    METHODS,
    TUNED_ENSEMBLE_SIZE,
    MethodOptions,
    parse_methods,
    parse_seeds,
)
from .report import format_table, plot_comparison, summarize, write_csv
from .runner import describe_data, regime_hint, run_comparison

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
        "under --data-home, or a path prefix PREFIX of PREFIX_TRAIN.ts and "
        "PREFIX_TEST.ts (default: %(default)s)",
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
        default=DEFAULT_METHODS,
        help=f"comma-separated methods (default: {','.join(DEFAULT_METHODS)}). "
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
        "--no-progress",
        action="store_true",
        help="no progress bars",
    )


def options_from_args(args: argparse.Namespace) -> MethodOptions:
    """Build :class:`MethodOptions` from parsed ``compare`` arguments.

    Parameters
    ----------
    args : argparse.Namespace
        Needs ``trials``, ``cv``, ``tuning_max_epochs``, ``ensemble_size``,
        ``tuned_ensemble_size``, ``device`` and ``no_progress`` (see
        :func:`add_arguments`).

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
        0 on success, 2 when the dataset cannot be loaded.
    """
    import torch

    from ..datasets import load_dataset

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
        print(f"error: {error}", file=sys.stderr)
        return 2
    threads_before = torch.get_num_threads()
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        return _compare(args, X_train, y_train, X_test, y_test)
    finally:
        torch.set_num_threads(threads_before)


def _compare(
    args: argparse.Namespace, X_train: Any, y_train: Any, X_test: Any, y_test: Any
) -> int:
    """Run, print and save the comparison of ``run_command``."""
    import torch

    dataset = Path(str(args.dataset)).name
    options = options_from_args(args)
    print(
        f"{dataset}: {describe_data(X_train, y_train, X_test, y_test)}; "
        f"accuracy on the official test split; seeds "
        f"{','.join(map(str, args.seeds))}; torch threads {torch.get_num_threads()}",
        flush=True,
    )
    hint = regime_hint(y_train)
    if hint is not None:
        print(hint, flush=True)
    if "convlstm-tuned" in args.methods:
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
        methods=args.methods,
        seeds=args.seeds,
        options=options,
        dataset=dataset,
        progress=not args.no_progress,
    )
    elapsed = time.perf_counter() - start
    summary = summarize(result.rows)
    print()
    print(format_table(summary))
    for name, reason in result.skipped.items():
        print(f"skipped {name}: {reason}")
    print(f"\ntotal time: {elapsed:.1f} s")
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
