"""Choose ConvLSTMClassifier's defaults by cross-validation on TRAIN splits only.

Runs stratified k-fold cross-validation on the training split of each of the five
shared datasets for a set of candidate configurations (an ablation around the
default: each candidate changes one ingredient) and writes to the study folder
``--out``: ``cv_seed<SEED>.csv`` (one row per dataset, config and fold of CV
seed ``--seed``; rows of configs run again replace the old ones, others stay),
``cv_seed<SEED>.md`` (mean CV accuracy per dataset and config, plus mean fit
seconds) and ``metadata.json`` (each run appended). Several CV seeds go to the
same folder, one file each; ``summarise_selection`` tabulates them together.
Test splits are never read.

Usage::

    python -m benchmarks.selection.bench_default_selection --out /tmp/sel  # all
    python -m benchmarks.selection.bench_default_selection --configs default,gru \
        --datasets ArrowHead --seed 3 --out /tmp/sel

Each worker process trains with one torch thread; ``--jobs 2`` runs two folds
at once on a 2-core machine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from benchmarks.harness import (
    add_data_arguments,
    add_out_argument,
    comma_list,
    command_line,
    datasets_of,
    machine_description,
    read_csv,
    run_in_parallel,
    take,
    train_split_folds,
    write_csv,
    write_metadata,
)
from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm.compare import make_estimator


def _article_basic_params() -> dict:
    """Return the ``article-basic`` method's parameters (variant, naive training)."""
    params = make_estimator("article-basic", 0).get_params()
    del params["random_state"]
    return params


#: Candidate name -> parameters changed from ConvLSTMClassifier's current defaults.
CANDIDATES: dict[str, dict] = {
    "default": {},
    "per_series_scaling": {"scaling": "per_series"},
    "per_series_amplitude_scaling": {"scaling": "per_series_amplitude"},
    "readout_last": {"readout": "last"},
    "readout_mean": {"readout": "mean"},
    "no_batch_norm": {"batch_norm": False},
    "no_pooling": {"pool_sizes": 1},
    "unidirectional": {"bidirectional": False},
    "narrow_kernels": {"conv_channels": (32, 32, 32), "kernel_sizes": (3, 3, 3)},
    "early_stopping": {"early_stopping": True},
    "gru": {"rnn": "gru"},
    "constant_lr": {"lr_schedule": "constant", "lr": 1e-3},
    "max_epochs_100": {"max_epochs": 100},
    "article_basic_naive": _article_basic_params(),
    "augmentation": {"augmentation": True},
    "augmentation_amplitude_only": {"augmentation": True, "augmentation_window": 1.0},
    "mixed_precision": {"mixed_precision": True},
    "weight_decay_0.1": {"weight_decay": 0.1},
    "conv_dropout_0.2": {"conv_dropout": 0.2},
    "recurrent_dropout_0.5": {"recurrent_dropout": 0.5},
    "lr_1e-3": {"lr": 1e-3},
    "conv_skip": {"conv_skip": True},
    "no_conv_skip": {"conv_skip": False},
    "no_conv_skip_no_pooling": {"conv_skip": False, "pool_sizes": 1},
}


def run_fold(dataset, config_name, fold, X, y, train_index, test_index, seed):
    """Fit one candidate on one training fold; return its row."""
    import torch

    torch.set_num_threads(1)
    params = {**CANDIDATES[config_name], "random_state": seed}
    clf = ConvLSTMClassifier(**params)
    start = time.perf_counter()
    clf.fit(take(X, train_index), y[train_index])
    fit_seconds = time.perf_counter() - start
    accuracy = clf.score(take(X, test_index), y[test_index])
    return {
        "dataset": dataset,
        "config": config_name,
        "fold": fold,
        "seed": seed,
        "cv_accuracy": round(float(accuracy), 6),
        "fit_seconds": round(fit_seconds, 3),
        "epochs": len(clf.history_),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--configs",
        type=comma_list,
        default=list(CANDIDATES),
        help="comma-separated candidates (default: all of them)",
    )
    add_data_arguments(parser)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--seed", type=int, default=0, help="CV seed: the folds and the networks"
    )
    parser.add_argument("--jobs", type=int, default=2)
    add_out_argument(parser)
    args = parser.parse_args(argv)
    unknown = sorted(set(args.configs) - set(CANDIDATES))
    if unknown:
        parser.error(f"unknown configs {unknown}; choose from {sorted(CANDIDATES)}")

    tasks = [
        (dataset, config, fold, X, y, train_index, test_index, args.seed)
        for dataset, fold, X, y, train_index, test_index in train_split_folds(
            args.datasets, args.folds, args.seed, args.data_home
        )
        for config in args.configs
    ]
    rows, wall = run_in_parallel(run_fold, tasks, args.jobs)

    path = args.out / f"cv_seed{args.seed}.csv"
    rerun = {(row["dataset"], row["config"]) for row in rows}
    existing = [
        row
        for row in (read_csv([path]) if path.exists() else [])
        if (row["dataset"], row["config"]) not in rerun
    ]
    all_rows = existing + rows
    write_csv(all_rows, path)
    command = command_line(__spec__.name if __spec__ else __name__, argv)
    write_markdown(all_rows, path.with_suffix(".md"), wall, command, args.jobs)
    write_metadata(args.out, command=command, wall_seconds=wall, append=True)
    print(path.with_suffix(".md").read_text())
    return 0


def write_markdown(rows, path: Path, wall: float, command: str, jobs: int) -> None:
    """Write the mean CV accuracy per dataset and config; folds and seeds from rows."""
    n_folds = 1 + max(int(r["fold"]) for r in rows)
    seeds = ", ".join(sorted({str(r["seed"]) for r in rows}, key=int))
    datasets = datasets_of(rows)
    configs = [c for c in CANDIDATES if any(r["config"] == c for r in rows)]

    def cell(dataset, config, key):
        values = [
            float(r[key])
            for r in rows
            if r["dataset"] == dataset and r["config"] == config
        ]
        return np.mean(values) if values else np.nan

    lines = [
        "# Default selection: cross-validation on TRAIN splits only",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine_description()}; {jobs} workers x 1 torch thread; "
        f"last run's wall time {wall:.0f} s.",
        "",
        f"Mean stratified-CV accuracy ({n_folds} folds, seed {seeds}) per dataset; "
        "the test splits were not used.",
        "",
        "| config | " + " | ".join(datasets) + " | mean | fit s (mean) |",
        "|---|" + "---|" * (len(datasets) + 2),
    ]
    for config in configs:
        accuracies = [cell(d, config, "cv_accuracy") for d in datasets]
        fit = np.nanmean([cell(d, config, "fit_seconds") for d in datasets])
        lines.append(
            f"| {config} | "
            + " | ".join(f"{a:.3f}" for a in accuracies)
            + f" | {np.nanmean(accuracies):.3f} | {fit:.1f} |"
        )
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
