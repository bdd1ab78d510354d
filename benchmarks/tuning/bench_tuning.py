"""Benchmark: wall time and best score of tuning with and without pruning.

Does pruning save tuning time without losing the best score?

On one dataset's TRAIN split, with the same cross-validation folds, the same
number of trials and the same TPE sampler seed, it tunes ConvLSTMClassifier
with :func:`sklearn_convlstm.tuning._tune`

* without pruning (every trial trains every fold to the end), and
* with pruning (the held-out fold scored at 10 checkpoints of each fold's
  training, the running cross-validated accuracy reported to a pruner),

and, for reference, runs ``GridSearchCV`` over a grid of about the same size.
It reports wall time, epochs trained (the work done), the best
cross-validated accuracy and the test accuracy of the best configuration
refitted on the whole TRAIN split. The test split is used for nothing else.

Everything runs in this process with one torch thread, one configuration at
a time, so wall times compare the work done, not parallelism.

Run (one sampler seed, about 10 minutes on a 2-core machine)::

    python -m benchmarks.tuning.bench_tuning --dataset GunPoint --n-trials 20 \
        --out /tmp/tuning

Runs split over processes (e.g. one sampler seed each, written to their own
``--out``) are combined with ``--merge DIR [DIR ...]`` (which reads their CSV
files back); the committed results name their commands.

Results go to ``<out>/tuning_<dataset>.csv`` and ``.md``, the run to
``<out>/metadata.json``.
"""

from __future__ import annotations

import argparse
import csv
import functools
import json
import platform
import time
import warnings
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import optuna
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from skorch.callbacks import Callback

from benchmarks.harness import (
    add_out_argument,
    command_line,
    optional_path,
    write_metadata,
)
from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm.datasets import load_dataset
from sklearn_convlstm.tuning import (
    REPORTS_PER_FOLD,
    default_pruner,
    params_from_trial,
    suggest_convlstm_params,
    tune,
)

#: --sampler choices -> the name used in method labels.
SAMPLER_NAMES = {"tpe": "TPE", "random": "Random"}


class EpochCounter(Callback):
    """Count training epochs over every fit of this process."""

    epochs: ClassVar[int] = 0

    def on_epoch_end(self, net: Any, **kwargs: Any) -> None:
        """Count one epoch."""
        type(self).epochs += 1


def make_pruner(spec: str, n_startup_trials: int, n_warmup_steps: int) -> Any:
    """Build a pruner from ``NAME[:STEPS]``: median, percentileNN, hyperband.

    ``STEPS`` (checkpoints, tenths of a fold's training) overrides
    ``--warmup-steps`` (the warm-up of median and percentile, the
    ``min_resource`` of hyperband); ``default`` is what
    :func:`~sklearn_convlstm.tuning._tune` uses with ``pruner="auto"``.
    """
    name, _, steps = spec.partition(":")
    warmup = int(steps) if steps else n_warmup_steps
    if name == "default":
        return "auto"
    if name == "median":
        return optuna.pruners.MedianPruner(
            n_startup_trials=n_startup_trials, n_warmup_steps=warmup
        )
    if name.startswith("percentile"):  # percentile25 keeps the top quarter
        return optuna.pruners.PercentilePruner(
            float(name.removeprefix("percentile")),
            n_startup_trials=n_startup_trials,
            n_warmup_steps=warmup,
        )
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=warmup)
    raise ValueError(f"unknown pruner {spec!r}")


def describe_pruner(pruner: Any) -> str:
    if pruner == "auto":
        pruner = default_pruner("epochs")
    if isinstance(pruner, optuna.pruners.HyperbandPruner):
        return f"HyperbandPruner(min_resource={pruner._min_resource})"
    if isinstance(pruner, optuna.pruners.PercentilePruner):
        kind = (
            "MedianPruner("
            if pruner._percentile == 50
            else f"PercentilePruner({pruner._percentile:g}, "
        )
        return (
            f"{kind}n_startup_trials={pruner._n_startup_trials}, "
            f"n_warmup_steps={pruner._n_warmup_steps})"
        )
    return type(pruner).__name__


def run_optuna(
    label: str,
    pruner: Any,
    sampler_seed: int,
    estimator: ConvLSTMClassifier,
    space: Any,
    X: Any,
    y: np.ndarray,
    splits: list,
    args: argparse.Namespace,
) -> dict[str, Any]:
    EpochCounter.epochs = 0
    start = time.perf_counter()
    study, _ = tune(
        estimator,
        X,
        y,
        param_space=space,
        cv=splits,
        n_trials=args.n_trials,
        sampler=(
            optuna.samplers.TPESampler(seed=sampler_seed)
            if args.sampler == "tpe"
            else optuna.samplers.RandomSampler(seed=sampler_seed)
        ),
        pruner=pruner,
        pruning="epochs",
        refit=False,
        verbose=1,
    )
    wall = time.perf_counter() - start
    states = [trial.state.name for trial in study.trials]
    params = params_from_trial(study.best_params, estimator, param_space=space)
    return {
        "method": label,
        "sampler_seed": sampler_seed,
        "configurations": len(states),
        "complete": states.count("COMPLETE"),
        "pruned": states.count("PRUNED"),
        "epochs_trained": EpochCounter.epochs,
        "wall_s": wall,
        "best_cv_accuracy": study.best_value,
        "best_found_at_trial": study.best_trial.number,
        "best_params": params,
    }


def grid(args: argparse.Namespace) -> list[dict[str, list]]:
    """16 configurations: depth x LSTM size x direction x learning rate."""
    shared = {
        "lstm_hidden_size": [32, 64],
        "bidirectional": [False, True],
        "lr": [1e-3, 1e-2],
        "max_epochs": [args.grid_epochs],
    }
    return [
        {"conv_channels": [(32,)], "kernel_sizes": [(7,)], **shared},
        {"conv_channels": [(32, 64)], "kernel_sizes": [(7, 5)], **shared},
    ]


def run_grid(
    estimator: ConvLSTMClassifier,
    X: Any,
    y: np.ndarray,
    splits: list,
    args: argparse.Namespace,
) -> dict[str, Any]:
    EpochCounter.epochs = 0
    start = time.perf_counter()
    search = GridSearchCV(
        estimator, grid(args), cv=splits, n_jobs=1, refit=False, verbose=1
    )
    search.fit(X, y)
    wall = time.perf_counter() - start
    results = search.cv_results_
    best = int(np.argmax(results["mean_test_score"]))
    return {
        "method": "GridSearchCV",
        "sampler_seed": "",
        "configurations": len(results["params"]),
        "complete": len(results["params"]),
        "pruned": 0,
        "epochs_trained": EpochCounter.epochs,
        "wall_s": wall,
        "best_cv_accuracy": float(results["mean_test_score"][best]),
        "best_found_at_trial": best,
        "best_params": results["params"][best],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", default="GunPoint")
    parser.add_argument(
        "--data-home",
        type=optional_path,
        default=None,
        help="directory of the dataset (default: the datasets inside the package)",
    )
    parser.add_argument("--n-trials", type=int, default=20)
    parser.add_argument("--cv", type=int, default=3)
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the CV folds and the networks"
    )
    parser.add_argument(
        "--sampler-seeds",
        type=int,
        nargs="+",
        default=[0],
        help="TPE seeds; each runs without and with every pruner",
    )
    parser.add_argument(
        "--max-epochs",
        type=int,
        nargs=2,
        default=(20, 200),
        metavar=("LOW", "HIGH"),
        help="range of max_epochs in the search space (default: tune's)",
    )
    parser.add_argument("--grid-epochs", type=int, default=80)
    parser.add_argument(
        "--pruners",
        nargs="+",
        default=["default", "median:5", "hyperband:5"],
        help="pruned runs to compare, NAME[:WARMUP_STEPS]: default (tune's), "
        "median, hyperband, percentileNN (keeps the top NN%%)",
    )
    parser.add_argument("--startup-trials", type=int, default=5)
    parser.add_argument("--warmup-steps", type=int, default=3)
    parser.add_argument("--skip-grid", action="store_true")
    add_out_argument(parser)
    parser.add_argument("--skip-unpruned", action="store_true")
    parser.add_argument(
        "--sampler",
        choices=sorted(SAMPLER_NAMES),
        default="tpe",
        help="tpe (tune's default) or random (same configurations with and "
        "without pruning: isolates what pruning saves)",
    )
    parser.add_argument(
        "--merge",
        type=Path,
        nargs="+",
        metavar="DIR",
        help="only combine the CSVs that earlier runs wrote to these directories",
    )
    args = parser.parse_args(argv)
    command = command_line(__spec__.name if __spec__ else __name__, argv)
    if args.merge:
        rows = merge(args)
        commands = sorted({row["command"] for row in rows})
        report(rows, args, commands=commands, command=command)
        return

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    X, y, X_test, y_test = load_dataset(args.dataset, data_home=args.data_home)
    splits = list(
        StratifiedKFold(args.cv, shuffle=True, random_state=args.seed).split(
            np.zeros(len(y)), y
        )
    )
    estimator = ConvLSTMClassifier(random_state=args.seed, callbacks=(EpochCounter(),))
    space = functools.partial(
        suggest_convlstm_params, max_epochs=tuple(args.max_epochs)
    )
    print(
        f"{args.dataset}: {len(y)} training series, {args.cv}-fold CV, "
        f"{args.n_trials} trials, TPE seeds {args.sampler_seeds}, max_epochs in "
        f"{args.max_epochs}"
    )

    # Warm up torch (first-call initialisation) before anything is timed.
    clone(estimator).set_params(max_epochs=2).fit(X, y)

    rows = []
    sampler = SAMPLER_NAMES[args.sampler]
    for sampler_seed in args.sampler_seeds:
        specs = [] if args.skip_unpruned else ["none"]
        for spec in specs + list(args.pruners):
            pruner = (
                None
                if spec == "none"
                else make_pruner(spec, args.startup_trials, args.warmup_steps)
            )
            description = describe_pruner(pruner) if pruner else ""
            label = method_label(sampler, description)
            print(f"\n== {label}, {sampler} seed {sampler_seed}")
            rows.append(
                run_optuna(
                    label, pruner, sampler_seed, estimator, space, X, y, splits, args
                )
            )
            rows[-1]["pruner"] = description
    if not args.skip_grid:
        print("\n== GridSearchCV")
        rows.append(run_grid(estimator, X, y, splits, args))

    for row in rows:
        model = clone(estimator).set_params(**row["best_params"]).fit(X, y)
        row["test_accuracy_of_best"] = float(model.score(X_test, y_test))
        row["command"] = command
    report(rows, args, commands=[command], command=command)


COLUMNS = [
    "method",
    "sampler_seed",
    "configurations",
    "complete",
    "pruned",
    "epochs_trained",
    "wall_s",
    "speedup",
    "best_cv_accuracy",
    "best_found_at_trial",
    "test_accuracy_of_best",
]
#: Written to the CSV besides COLUMNS (and read back by --merge).
EXTRA_COLUMNS = ["pruner", "command", "best_params"]
SUMMARY_COLUMNS = [
    "method",
    "runs",
    "epochs_trained",
    "wall_s",
    "speedup",
    "best_cv_accuracy",
    "best_cv_vs_no_pruning",
    "test_accuracy_of_best",
]


def method_label(sampler: str, pruner_description: str) -> str:
    """Name a run by its sampler and its pruner's full description.

    The description (not the ``--pruners`` spec) names the run, so runs with
    different ``--startup-trials`` never share a label, and labels do not
    change meaning when tune()'s default pruner changes.
    """
    if not pruner_description:
        return f"{sampler}, no pruning"
    is_default = pruner_description == describe_pruner("auto")
    return f"{sampler} + {pruner_description}" + (" (default)" if is_default else "")


def _sampler_of(method: str) -> str:
    """Return the sampler name a method label starts with ("TPE", "Random")."""
    return method.split(" ")[0].rstrip(",")


def _unpruned_label(method: str) -> str:
    """Name the unpruned run a method compares with (same sampler; grid: TPE)."""
    sampler = _sampler_of(method)
    return f"{sampler if sampler in SAMPLER_NAMES.values() else 'TPE'}, no pruning"


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean of each method over the sampler seeds; speedup of mean wall times."""
    methods = list(dict.fromkeys(row["method"] for row in rows))
    summary = []
    for method in methods:
        group = [row for row in rows if row["method"] == method]
        summary.append(
            {
                "method": method,
                "runs": len(group),
                **{
                    column: float(np.mean([row[column] for row in group]))
                    for column in (
                        "epochs_trained",
                        "wall_s",
                        "best_cv_accuracy",
                        "test_accuracy_of_best",
                    )
                },
            }
        )
    for row in summary:
        reference = next(
            (r for r in summary if r["method"] == _unpruned_label(row["method"])), None
        )
        row["speedup"] = reference["wall_s"] / row["wall_s"] if reference else np.nan
        row["best_cv_vs_no_pruning"] = (
            row["best_cv_accuracy"] - reference["best_cv_accuracy"]
            if reference
            else np.nan
        )
    return summary


def _cell(column: str, value: Any) -> str:
    if isinstance(value, float) and np.isnan(value):
        return "n/a"
    if column == "wall_s":
        return f"{value:.0f}"
    if column == "speedup":
        return f"{value:.2f}x"
    if column == "best_cv_vs_no_pruning":
        return f"{100 * value:+.1f} points"
    if isinstance(value, float):
        return f"{value:.3f}" if column != "epochs_trained" else f"{value:.0f}"
    return str(value)


def _table(rows: list[dict[str, Any]], columns: list[str]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_cell(c, row[c]) for c in columns) + " |")
    return lines


def merge(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Read back the rows that earlier runs wrote to ``args.merge``."""
    rows = []
    for directory in args.merge:
        with open(directory / f"tuning_{args.dataset}.csv", newline="") as handle:
            for row in csv.DictReader(handle):
                for column in ("configurations", "complete", "pruned"):
                    row[column] = int(row[column])
                for column in (
                    "epochs_trained",
                    "wall_s",
                    "best_cv_accuracy",
                    "test_accuracy_of_best",
                ):
                    row[column] = float(row[column])
                row["best_params"] = json.loads(row["best_params"])
                if row["method"] != "GridSearchCV":  # labels of today's scheme
                    row["method"] = method_label(
                        _sampler_of(row["method"]), row["pruner"]
                    )
                rows.append(row)
    return rows


def report(
    rows: list[dict[str, Any]],
    args: argparse.Namespace,
    commands: list[str],
    command: str,
) -> None:
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"tuning_{args.dataset}"
    for row in rows:  # speedup against the unpruned run of the same seed
        reference = next(
            (
                r
                for r in rows
                if r["method"] == _unpruned_label(row["method"])
                and str(r["sampler_seed"]) == str(row["sampler_seed"])
            ),
            None,
        )
        row["speedup"] = reference["wall_s"] / row["wall_s"] if reference else np.nan
    summary = summarise(rows)

    with open(f"{stem}.csv", "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*COLUMNS, *EXTRA_COLUMNS])
        for row in rows:
            writer.writerow(
                [
                    *(
                        f"{row[c]:.4f}" if isinstance(row[c], float) else row[c]
                        for c in COLUMNS
                    ),
                    row.get("pruner", ""),
                    row.get("command", ""),
                    json.dumps(row["best_params"], default=str),
                ]
            )

    n_grid = sum(len(_expand(part)) for part in grid(args))
    lines = [
        f"# Tuning benchmark: {args.dataset}",
        "",
        f"TRAIN split only ({args.dataset}), {args.cv}-fold stratified CV (the same "
        f"folds for every run), {args.n_trials} Optuna trials per run, "
        f"samplers `TPESampler(seed=s)` (TPE rows) or `RandomSampler(seed=s)` "
        f"(Random rows: the same configurations with and without pruning) for s "
        f"in {args.sampler_seeds} (each seed runs without and with each pruner), "
        "max_epochs sampled in "
        f"{list(args.max_epochs)} (log scale), no early stopping: each trial "
        "trains its max_epochs on the whole training fold. Pruning reports the running "
        f"CV accuracy at {REPORTS_PER_FOLD} checkpoints of each fold's training "
        f"(step = fold * {REPORTS_PER_FOLD} + checkpoint - 1); a warm-up of w "
        "steps allows the first pruning at w+1 tenths of the first fold. "
        "Each pruned run is named by its pruner; "
        "(default) marks tune()'s default (`pruner='auto'`), "
        f"`{describe_pruner('auto')}`"
        + (
            ""
            if args.skip_grid
            else f". GridSearchCV: {n_grid} configurations, "
            f"max_epochs={args.grid_epochs}, same folds"
        )
        + ". "
        f"One torch thread, one fit at a time; {platform.machine()}, torch "
        f"{torch.__version__}, optuna {optuna.__version__}. Wall times come from "
        "a machine shared with other jobs: epochs_trained measures the work "
        "without that noise.",
        "",
        "## Mean over sampler seeds",
        "",
        *_table(summary, SUMMARY_COLUMNS),
        "",
        "## Every run",
        "",
        *_table(rows, COLUMNS),
        "",
        "Commands:",
        "",
        *(f"* `{_full_command(run)}`" for run in commands),
        *(["", f"Merged with `{command}`."] if args.merge else []),
    ]
    Path(f"{stem}.md").write_text("\n".join(lines) + "\n")
    write_metadata(args.out, command=command, extra={"runs_merged": commands})
    print("\n" + "\n".join(lines))
    print(f"\nwrote {stem}.csv and {stem}.md")


def _full_command(command: str) -> str:
    """Return a run's command; CSVs written before ``-m`` held only the arguments."""
    if command.startswith("python"):
        return command
    return f"python benchmarks/bench_tuning.py {command}"


def _expand(grid_part: dict[str, list]) -> list:
    from sklearn.model_selection import ParameterGrid

    return list(ParameterGrid(grid_part))


if __name__ == "__main__":
    main()
