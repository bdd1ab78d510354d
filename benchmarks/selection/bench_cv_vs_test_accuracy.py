r"""Check whether cross-validation on the TRAIN splits predicts the test ranking.

The defaults are chosen by stratified 5-fold CV on the training splits
(``bench_default_selection``), while the targets of the effectiveness issue
are test accuracies. This benchmark puts the two side by side:

1. **CV accuracy of any method of the comparison** (the feature baselines are
   cheap) on the same folds as the selection runs (``train_split_folds``: the
   CV seed sets the folds), appended to ``<out>/cv.csv``; ConvLSTM rows
   already measured by the selection runs can be read instead (``--cv-csv``
   with ``--rename conv_skip=convlstm-default``).
2. **Test accuracy** of the same methods from a ``bench_accuracy`` CSV.
3. **Covariate shift between the splits**: a random forest on the statistical
   features learns to tell TRAIN series from TEST series (labels ignored);
   its stratified 5-fold ROC AUC is 0.5 when the splits look alike and
   approaches 1 when they differ. This uses the test series, never their labels,
   and chooses nothing: it explains, after the fact, why CV and test disagree.

The report goes to ``<out>/cv_vs_test.md``, the run to ``<out>/metadata.json``.

Usage::

    python -m benchmarks.selection.bench_cv_vs_test_accuracy \
        --methods rf-stats,rf-catch22,minirocket --seeds 0,1,2,3,4 \
        --cv-csv benchmarks/results/conv_skip_selection/cv_seed*.csv \
        --rename conv_skip=convlstm-default \
        --report-methods convlstm-default,rf-stats,rf-catch22,minirocket \
        --test-csv benchmarks/results/archive/accuracy_10_seeds/accuracy.csv \
        --shift-seeds 0,1,2 --out /tmp/cv_vs_test
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.model_selection import StratifiedKFold, cross_val_score

from benchmarks.harness import (
    add_data_arguments,
    add_out_argument,
    append_csv,
    comma_ints,
    comma_list,
    command_line,
    markdown_table,
    mean_cv_accuracy,
    read_csv,
    run_in_parallel,
    take,
    train_split_folds,
    write_metadata,
)
from sklearn_convlstm.baselines import make_feature_baseline
from sklearn_convlstm.compare import make_estimator, summarize
from sklearn_convlstm.datasets import load_dataset

CV_FIELDS = ["dataset", "config", "fold", "seed", "cv_accuracy", "fit_seconds"]


def cv_fold(method, dataset, fold, X, y, train_index, test_index, seed):
    """Fit ``method`` on one training fold; return its CV row."""
    torch.set_num_threads(1)
    estimator = make_estimator(method, seed)
    start = time.perf_counter()
    estimator.fit(take(X, train_index), y[train_index])
    fit_seconds = time.perf_counter() - start
    return {
        "dataset": dataset,
        "config": method,
        "fold": fold,
        "seed": seed,
        "cv_accuracy": float(estimator.score(take(X, test_index), y[test_index])),
        "fit_seconds": round(fit_seconds, 3),
    }


def run_cv(methods, datasets, seeds, data_home, jobs, out: Path) -> list[dict]:
    """Cross-validate ``methods`` on the TRAIN splits; append the rows to ``out``."""
    tasks = [
        (method, *fold, seed)
        for seed in seeds
        for fold in train_split_folds(datasets, 5, seed, data_home)
        for method in methods
    ]
    rows, _ = run_in_parallel(cv_fold, tasks, jobs)
    append_csv([{key: row[key] for key in CV_FIELDS} for row in rows], out)
    return rows


def split_shift_auc(dataset: str, seed: int, data_home) -> float:
    """Mean 5-fold ROC AUC of a forest telling TRAIN series from TEST series."""
    X_train, _ = load_dataset(dataset, data_home=data_home, split="train")
    X_test, _ = load_dataset(dataset, data_home=data_home, split="test")
    if isinstance(X_train, list):  # unequal lengths
        X = X_train + list(X_test)
    else:
        X = np.concatenate([X_train, X_test])
    is_test = np.r_[np.zeros(len(X_train), int), np.ones(len(X_test), int)]
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    scores = cross_val_score(
        make_feature_baseline("stats", random_state=seed),
        X,
        is_test,
        cv=folds,
        scoring="roc_auc",
    )
    return float(scores.mean())


def summarise_test_rows(rows: list[dict]) -> dict[tuple[str, str], dict]:
    """Per-seed test rows of ``bench_accuracy`` summarised by (dataset, method)."""
    return {(row["dataset"], row["method"]): row for row in summarize(rows)}


def _seeds_of(rows: list[dict], dataset: str, config: str) -> list[int]:
    return sorted(
        {
            int(r["seed"])
            for r in rows
            if r["dataset"] == dataset and r["config"] == config
        }
    )


def comparison_table(cv_rows, test, methods, datasets) -> str:
    """CV mean, test mean and test minus CV per dataset and method."""
    missing = {"accuracy_mean": float("nan"), "n_seeds": 0}
    body = []
    for dataset in datasets:
        for method in methods:
            cv = mean_cv_accuracy(cv_rows, dataset, method, None)
            summary = test.get((dataset, method), missing)
            test_mean, n_test = summary["accuracy_mean"], summary["n_seeds"]
            seeds = _seeds_of(cv_rows, dataset, method)
            body.append(
                [
                    dataset,
                    method,
                    f"{cv:.3f} ({len(seeds)})",
                    f"{test_mean:.3f} ({n_test})",
                    f"{(test_mean - cv) * 100:+.1f}",
                ]
            )
    header = ["dataset", "method", "CV (CV seeds)", "test (seeds)", "test - CV, points"]
    return markdown_table(header, body)


def mean_table(cv_rows, test, methods, datasets) -> str:
    """Tabulate the five-dataset means of CV and test accuracy per method."""
    body = []
    for method in methods:
        cv = [mean_cv_accuracy(cv_rows, d, method, None) for d in datasets]
        test_means = [
            test[d, method]["accuracy_mean"] if (d, method) in test else np.nan
            for d in datasets
        ]
        body.append([method, f"{np.mean(cv):.3f}", f"{np.mean(test_means):.3f}"])
    return markdown_table(["method", "mean CV", "mean test"], body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--methods",
        type=comma_list,
        default=[],
        help="methods to cross-validate now (their rows go to <out>/cv.csv)",
    )
    add_data_arguments(parser)
    parser.add_argument("--seeds", type=comma_ints, default=[0, 1, 2, 3, 4])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--cv-csv",
        type=Path,
        nargs="*",
        default=[],
        help="CV rows measured before (e.g. a selection study's cv_seed*.csv)",
    )
    parser.add_argument(
        "--rename",
        action="append",
        default=[],
        help="OLD=NEW: read CV rows of config OLD as method NEW",
    )
    parser.add_argument(
        "--report-methods",
        type=comma_list,
        default=[],
        help="methods in the report (default: --methods)",
    )
    parser.add_argument("--test-csv", type=Path, help="a bench_accuracy CSV")
    parser.add_argument("--shift-seeds", type=comma_ints, default=[])
    add_out_argument(parser)
    parser.add_argument("--title", default="Cross-validation on TRAIN splits vs test")
    parser.add_argument("--intro", default="", help="Markdown after the title")
    args = parser.parse_args(argv)
    data_home, datasets, methods = args.data_home, args.datasets, args.methods
    cv_out = args.out / "cv.csv"
    start = time.perf_counter()
    if methods:
        run_cv(methods, datasets, args.seeds, data_home, args.jobs, cv_out)
    cv_rows = read_csv([*args.cv_csv, *([cv_out] if cv_out.exists() else [])])
    renames = dict(item.split("=", 1) for item in args.rename)
    for row in cv_rows:
        row["config"] = renames.get(row["config"], row["config"])
    report_methods = args.report_methods or methods
    lines = [f"# {args.title}", "", *([args.intro, ""] if args.intro else [])]
    if args.test_csv is not None and report_methods:
        test = summarise_test_rows(read_csv([args.test_csv]))
        lines += [
            "## CV on TRAIN splits vs test",
            "",
            comparison_table(cv_rows, test, report_methods, datasets),
            "",
            mean_table(cv_rows, test, report_methods, datasets),
            "",
        ]
    shift_seeds = args.shift_seeds
    if shift_seeds:
        body = []
        for dataset in datasets:
            aucs = [split_shift_auc(dataset, s, data_home) for s in shift_seeds]
            body.append(
                [dataset, f"{np.mean(aucs):.3f}", ", ".join(f"{a:.3f}" for a in aucs)]
            )
        lines += [
            "## TRAIN vs TEST split: can a forest tell them apart?",
            "",
            markdown_table(["dataset", "mean ROC AUC", "per seed"], body),
            "",
        ]
    text = "\n".join(lines)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "cv_vs_test.md").write_text(text + "\n", encoding="utf-8")
    command = command_line(__spec__.name if __spec__ else __name__, argv)
    write_metadata(
        args.out,
        command=command,
        wall_seconds=time.perf_counter() - start,
        append=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
