"""Choose ConvLSTMClassifier's defaults by cross-validation on TRAIN splits only.

Runs stratified k-fold cross-validation on the training split of each of the five
shared datasets for a set of candidate configurations (an ablation around the
default: each candidate changes one ingredient) and writes
``benchmarks/results/default_selection.csv`` (one row per dataset, config and
fold) and ``default_selection.md`` (mean CV accuracy per dataset and config,
plus mean fit seconds). Test splits are never read.

Usage::

    python benchmarks/bench_default_selection.py                # all configs
    python benchmarks/bench_default_selection.py --configs default,no_bn
    python benchmarks/bench_default_selection.py --jobs 2 --folds 5

Each worker process trains with one torch thread; ``--jobs 2`` runs two folds
at once on a 2-core machine.
"""

from __future__ import annotations

import argparse
import csv
import platform
import sys
import time
from pathlib import Path

import numpy as np
from bench_accuracy import DATASETS, DEFAULT_DATA_HOME
from joblib import Parallel, delayed
from sklearn.model_selection import StratifiedKFold

from sklearn_convlstm import ConvLSTMClassifier, load_dataset
from sklearn_convlstm.comparison import ARTICLE_TRAINING

RESULTS = Path(__file__).resolve().parent / "results"


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
    "article_basic_naive": {"variant": "basic", **ARTICLE_TRAINING},
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
    import torch

    torch.set_num_threads(1)
    params = {**CANDIDATES[config_name], "random_state": seed}
    clf = ConvLSTMClassifier(**params)
    X_train = _take(X, train_index)
    X_valid = _take(X, test_index)
    start = time.perf_counter()
    clf.fit(X_train, y[train_index])
    fit_seconds = time.perf_counter() - start
    accuracy = clf.score(X_valid, y[test_index])
    return {
        "dataset": dataset,
        "config": config_name,
        "fold": fold,
        "seed": seed,
        "cv_accuracy": round(float(accuracy), 6),
        "fit_seconds": round(fit_seconds, 3),
        "epochs": len(clf.history_),
    }


def _take(X, index):
    return X[index] if isinstance(X, np.ndarray) else [X[i] for i in index]


def train_split_folds(datasets, n_folds, seed, data_home):
    """Yield ``(dataset, fold, X, y, train_index, test_index)`` on TRAIN splits.

    Stratified ``n_folds``-fold CV with shuffling seeded by ``seed``: the folds
    every CV-on-training-data benchmark here shares. Test splits are not read.
    """
    for dataset in datasets:
        X, y = load_dataset(dataset, data_home=data_home, split="train")
        folds = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
        for fold, (train_index, test_index) in enumerate(
            folds.split(np.zeros(len(y)), y)
        ):
            yield dataset, fold, X, y, train_index, test_index


def run_in_parallel(function, tasks, jobs):
    """Run ``function(*task)`` for every task on ``jobs`` joblib workers.

    Returns
    -------
    rows : list
        The results, in task order.
    wall : float
        Seconds the whole run took.
    """
    start = time.perf_counter()
    rows = Parallel(n_jobs=jobs, verbose=5)(delayed(function)(*task) for task in tasks)
    return rows, time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--configs", default=",".join(CANDIDATES))
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--data-home", default=str(DEFAULT_DATA_HOME))
    parser.add_argument("--out", default=str(RESULTS / "default_selection.csv"))
    args = parser.parse_args(argv)
    configs = args.configs.split(",")
    unknown = sorted(set(configs) - set(CANDIDATES))
    if unknown:
        parser.error(f"unknown configs {unknown}; choose from {sorted(CANDIDATES)}")

    tasks = [
        (dataset, config, fold, X, y, train_index, test_index, args.seed)
        for dataset, fold, X, y, train_index, test_index in train_split_folds(
            args.datasets.split(","), args.folds, args.seed, args.data_home
        )
        for config in configs
    ]
    rows, wall = run_in_parallel(run_fold, tasks, args.jobs)

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    existing = []
    if out.exists():
        with out.open() as handle:
            existing = [
                row
                for row in csv.DictReader(handle)
                if (row["dataset"], row["config"])
                not in {(r["dataset"], r["config"]) for r in rows}
            ]
    all_rows = existing + rows
    with out.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(all_rows)
    write_markdown(all_rows, out.with_suffix(".md"), wall, argv, args.jobs)
    print(out.with_suffix(".md").read_text())
    return 0


def write_markdown(rows, path: Path, wall: float, argv, jobs: int) -> None:
    """Write the mean CV accuracy per dataset and config; folds and seeds from rows."""
    n_folds = 1 + max(int(r["fold"]) for r in rows)
    seeds = ", ".join(sorted({str(r["seed"]) for r in rows}, key=int))
    datasets = [d for d in DATASETS if any(r["dataset"] == d for r in rows)]
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
        f"Command: `python benchmarks/bench_default_selection.py "
        f"{' '.join(argv if argv is not None else sys.argv[1:])}`  ",
        f"Machine: {platform.platform()}, {platform.processor() or 'cpu'}, "
        f"{jobs} workers x 1 torch thread; last run's wall time {wall:.0f} s.",
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
    sys.exit(main())
