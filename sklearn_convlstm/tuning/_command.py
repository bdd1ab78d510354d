"""The ``tune`` worker command (``python -m sklearn_convlstm tune``)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sklearn.base import BaseEstimator

from sklearn_convlstm._command_line import check_writable_directory, int_at_least
from sklearn_convlstm._optional import import_optional, quiet_optuna_warnings
from sklearn_convlstm.tuning._objective import state_counts
from sklearn_convlstm.tuning._report import jsonable
from sklearn_convlstm.tuning._spaces import (
    ParamSpace,
    params_from_trial,
    suggest_convlstm_params,
    suggest_forest_params,
)
from sklearn_convlstm.tuning._storage import make_storage
from sklearn_convlstm.tuning._tune import tune

if TYPE_CHECKING:  # pragma: no cover
    import argparse

#: Environment variable read for ``--storage`` when the option is not given.
STORAGE_ENVIRONMENT_VARIABLE = "SKLEARN_CONVLSTM_STORAGE"
#: Journal file used when neither ``--storage`` nor the variable is set.
DEFAULT_STORAGE = "sklearn_convlstm_tuning.journal"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the arguments of the ``tune`` worker command to ``parser``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The sub-parser of ``python -m sklearn_convlstm tune``.
    """
    parser.add_argument(
        "--dataset",
        required=True,
        help="dataset name (shipped: GunPoint, ItalyPowerDemand), a name under "
        "--data-home, or a path prefix of NAME_TRAIN.ts/NAME_TEST.ts; only the "
        "TRAIN split is used",
    )
    parser.add_argument("--data-home", default=None, help="directory of datasets")
    parser.add_argument(
        "--estimator",
        choices=("convlstm", "stats-forest"),
        default="convlstm",
        help="what to tune: ConvLSTMClassifier or the statistical-features "
        "random-forest baseline (default: convlstm)",
    )
    parser.add_argument(
        "--storage",
        default=os.environ.get(STORAGE_ENVIRONMENT_VARIABLE, DEFAULT_STORAGE),
        help="journal file path (one machine or a shared file system, no server) "
        "or database URL such as postgresql://user:password@host:5432/db (many "
        f"machines). Default: ${STORAGE_ENVIRONMENT_VARIABLE} when set (keeps a "
        "database password out of the process list), else "
        f"{DEFAULT_STORAGE}",
    )
    parser.add_argument(
        "--study-name",
        default=None,
        help="study name; all workers of one study use the same "
        "(default: DATASET-ESTIMATOR)",
    )
    parser.add_argument(
        "--n-trials",
        type=int_at_least(1),
        default=20,
        help="finished trials the whole study should have, all workers together "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--timeout", type=float, default=None, help="seconds for this worker"
    )
    parser.add_argument(
        "--cv", type=int_at_least(2), default=5, help="number of CV folds"
    )
    parser.add_argument(
        "--scoring", default=None, help="scikit-learn scoring (default: accuracy)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the CV folds and of the estimator; the same for all "
        "workers of a study (default: %(default)s)",
    )
    parser.add_argument(
        "--sampler-seed",
        type=int,
        default=None,
        help=(
            "TPE sampler seed; give every worker of a study the same one: trial n "
            "then draws the same configuration whichever worker starts it "
            "(default: random)"
        ),
    )
    parser.add_argument(
        "--pruning",
        choices=("auto", "epochs", "folds", "none"),
        default="auto",
        help="what trials report to the pruner (default: %(default)s)",
    )
    parser.add_argument(
        "--max-epochs",
        type=int_at_least(1),
        default=200,
        help="upper end of the max_epochs range of convlstm (default: %(default)s)",
    )
    parser.add_argument(
        "--min-epochs",
        type=int_at_least(1),
        default=None,
        help="lower end of the max_epochs range (default: min(20, --max-epochs))",
    )
    parser.add_argument("--device", default="cpu", help="torch device for convlstm")
    parser.add_argument(
        "--heartbeat-interval",
        type=int_at_least(1),
        default=60,
        help="seconds between heartbeats of a running trial (database storage)",
    )
    parser.add_argument(
        "--grace-period",
        type=int_at_least(1),
        default=None,
        help="seconds without heartbeat before a trial counts as crashed "
        "(default: twice the heartbeat interval)",
    )
    parser.add_argument(
        "--max-retry",
        type=int_at_least(0),
        default=3,
        help="times a crashed trial is queued again (default: %(default)s)",
    )
    parser.add_argument(
        "--plots", default=None, metavar="DIR", help="save the study's plots as PNG"
    )
    parser.add_argument(
        "--threads",
        type=int_at_least(1),
        default=1,
        help="torch threads of this worker (default: %(default)s)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no line per trial, only the summary"
    )


def _worker_estimator(args: argparse.Namespace) -> tuple[BaseEstimator, ParamSpace]:
    import functools

    if args.estimator == "stats-forest":
        from sklearn_convlstm.baselines import make_feature_baseline

        baseline = make_feature_baseline("stats", random_state=args.seed, n_jobs=1)
        return baseline, functools.partial(suggest_forest_params, prefix="classifier__")
    from sklearn_convlstm._classifier import ConvLSTMClassifier

    low = args.min_epochs if args.min_epochs is not None else min(20, args.max_epochs)
    return (
        ConvLSTMClassifier(random_state=args.seed, device=args.device),
        functools.partial(suggest_convlstm_params, max_epochs=(low, args.max_epochs)),
    )


def run_command(args: argparse.Namespace) -> int:
    """Run one tuning worker: ``python -m sklearn_convlstm tune ...``.

    Any number of workers, on any number of machines, can run this with the
    same ``--storage`` and ``--study-name``; together they finish
    ``--n-trials`` trials. The worker tunes on the dataset's TRAIN split only
    and prints one line per trial and a summary of the study.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments (see :func:`add_arguments`).

    Returns
    -------
    exit_code : int
        0 on success, 1 when the study has no completed trial, 2 on usage
        errors (dataset, storage or ``--plots`` unusable), 130 when
        interrupted (Ctrl-C / SIGINT).
    """
    import_optional("optuna", purpose="Tuning")
    from sklearn_convlstm.datasets import load_dataset

    if args.plots is not None:
        problem = check_writable_directory(args.plots, "--plots")
        if problem is not None:
            return _usage_error(problem)
    try:
        X, y = load_dataset(args.dataset, data_home=args.data_home, split="train")
    except (ValueError, OSError) as error:
        return _usage_error(str(error))
    try:
        storage = make_storage(
            args.storage,
            heartbeat_interval=args.heartbeat_interval,
            grace_period=args.grace_period,
            max_retry=args.max_retry,
        )
    except PermissionError as error:
        if str(error).startswith("storage is read-only"):
            return _usage_error(str(error))
        return _usage_error(
            f"cannot open the storage {_describe_storage(args.storage)}: "
            f"{_first_line(error)}"
        )
    except Exception as error:  # driver, permissions, unreachable server
        return _usage_error(
            f"cannot open the storage {_describe_storage(args.storage)}: "
            f"{_first_line(error)}"
        )
    estimator, space = _worker_estimator(args)
    study_name = args.study_name or f"{Path(str(args.dataset)).name}-{args.estimator}"
    print(
        f"worker pid {os.getpid()}: study {study_name!r}, {len(y)} training series "
        f"of {args.dataset}, target {args.n_trials} trials",
        flush=True,
    )
    try:
        study, _ = tune(
            estimator,
            X,
            y,
            param_space=space,
            cv=args.cv,
            n_trials=args.n_trials,
            timeout=args.timeout,
            scoring=args.scoring,
            storage=storage,
            study_name=study_name,
            sampler=_worker_sampler(args.sampler_seed),
            pruning=None if args.pruning == "none" else args.pruning,
            pruner=None if args.pruning == "none" else "auto",
            refit=False,
            random_state=args.seed,
            torch_threads=args.threads,
            plots_dir=args.plots,
            verbose=0 if args.quiet else 1,
        )
    except KeyboardInterrupt:
        print(
            f"worker pid {os.getpid()}: interrupted; its running trial is recorded "
            "as failed, not complete. Run the command again to continue the study.",
            file=sys.stderr,
            flush=True,
        )
        return 130
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except Exception as error:
        if not _is_read_only_storage_error(error):
            raise
        return _usage_error(
            f"storage is read-only: {_describe_storage(args.storage)} refused a "
            f"write ({_root_cause(error)}). Make the database writable or pass "
            "another --storage."
        )
    counts = state_counts(study)
    best = study.best_trial
    print(
        f"study {study_name!r}: "
        + ", ".join(f"{n} {state.lower()}" for state, n in sorted(counts.items()))
        + f"; best trial {best.number}: score {best.value:.4f}",
        flush=True,
    )
    print(
        "best parameters: "
        + json.dumps(
            jsonable(params_from_trial(best.params, estimator, param_space=space))
        ),
        flush=True,
    )
    return 0


def _usage_error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def _root_cause(error: BaseException) -> str:
    """Return the first line of the innermost cause of ``error``."""
    while error.__cause__ is not None or error.__context__ is not None:
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return _first_line(error)


def _is_read_only_storage_error(error: BaseException) -> bool:
    """Whether a storage error was caused by a database that refuses writes.

    Optuna wraps the database driver's error (SQLite's "attempt to write a
    readonly database", PostgreSQL's "read-only transaction") in its
    ``StorageInternalError``.
    """
    seen: BaseException | None = error
    while seen is not None:
        text = str(seen).lower()
        if "readonly database" in text or "read-only transaction" in text:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _describe_storage(storage: str) -> str:
    """Name the storage in a message: a URL without its password, or the path."""
    if "://" in storage:
        from sklearn_convlstm.tuning._database import redact_url

        return redact_url(storage)
    return repr(storage)


def _worker_sampler(seed: int | None) -> Any:
    import_optional("optuna", purpose="Tuning")
    with quiet_optuna_warnings():
        from sklearn_convlstm.tuning._sampler import TrialSeededTPESampler

        return TrialSeededTPESampler(seed=seed, constant_liar=True)
