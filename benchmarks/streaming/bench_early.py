"""Early classification against aeon's TEASER, and the cost of causality.

Two measurements on the shared datasets, with the splits of
``teaser_arm.py`` (stratified 3-fold CV on each TRAIN split, shuffled with
seed 0, then TRAIN -> TEST):

* ``early``: ``EarlyConvLSTMClassifier`` (its decision rule chosen on the
  training part only): harmonic mean of accuracy and earliness, accuracy,
  earliness, as aeon's TEASER scores them; rows in ``early_convlstm.csv``.
  The aeon arm (TEASER, PTEC) runs in its own environment
  (``teaser_arm.py``) and writes ``early_aeon.csv`` into the same folder.
* ``causality``: CV accuracy on the TRAIN splits of ``variant="causal"``
  against ``variant="default"`` (same folds, same seed, same epochs); rows
  in ``causality.csv``.

``--report`` reads the CSV files back and writes ``early.md``. Runs append
rows and skip those already present, so an interrupted run resumes.

    python -m benchmarks.streaming.bench_early --out benchmarks/results/streaming \
        --max-epochs 30 --jobs 2
    python -m benchmarks.streaming.bench_early --report \
        --out benchmarks/results/streaming
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.harness import (
    DATA_HOME,
    DATASETS,
    add_data_arguments,
    add_out_argument,
    append_csv,
    comma_list,
    command_line,
    markdown_table,
    read_csv,
    take,
    write_metadata,
)

EARLY_CSV = "early_convlstm.csv"
AEON_CSV = "early_aeon.csv"
CAUSALITY_CSV = "causality.csv"


def checksum(index: np.ndarray) -> int:
    """Order-independent checksum of evaluation indices (as ``teaser_arm.py``)."""
    index = np.sort(np.asarray(index, dtype=np.int64))
    return int(np.sum((index + 1) * 2654435761 % 1000003))


def tasks_of(datasets: Sequence[str], n_folds: int, seed: int, test: bool) -> list:
    """(dataset, split) pairs: the CV folds on TRAIN, then TRAIN -> TEST."""
    splits = [f"cv{fold}" for fold in range(n_folds)] + (["test"] if test else [])
    return [(dataset, split) for dataset in datasets for split in splits]


def split_data(dataset: str, split: str, n_folds: int, seed: int, data_home: Path):
    """Training and evaluation series of one task, and the evaluation indices."""
    from sklearn.model_selection import StratifiedKFold

    from sklearn_convlstm.datasets import load_dataset

    X, y = load_dataset(dataset, data_home=data_home, split="train")
    if split == "test":
        X_eval, y_eval = load_dataset(dataset, data_home=data_home, split="test")
        return X, y, X_eval, y_eval, np.arange(len(y_eval))
    folds = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
    train, test = list(folds.split(np.zeros(len(y)), y))[int(split[2:])]
    return take(X, train), y[train], take(X, test), y[test], test


def run_early(dataset: str, split: str, args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from sklearn_convlstm import ConvLSTMClassifier
    from sklearn_convlstm.early_classification import EarlyConvLSTMClassifier

    torch.set_num_threads(1)
    X, y, X_eval, y_eval, index = split_data(
        dataset, split, args.folds, args.seed, args.data_home
    )
    base = ConvLSTMClassifier(
        variant="causal", max_epochs=args.max_epochs, random_state=args.seed
    )
    start = time.perf_counter()
    early = EarlyConvLSTMClassifier(base, random_state=args.seed).fit(X, y)
    fit_seconds = time.perf_counter() - start
    hm, accuracy, earliness = early.score(X_eval, y_eval)
    full = float(np.mean(early.estimator_.predict(X_eval) == y_eval))
    return {
        "method": "convlstm-early",
        "dataset": dataset,
        "split": split,
        "seed": args.seed,
        "n_eval": len(y_eval),
        "index_checksum": checksum(index),
        "accuracy": accuracy,
        "earliness": earliness,
        "harmonic_mean": hm,
        "full_length_accuracy": full,
        "threshold": early.threshold_,
        "consecutive_steps": early.consecutive_steps_,
        "step_size": early.step_size_,
        "cv_harmonic_mean": float(early.cv_results_["harmonic_mean"].max()),
        "max_epochs": args.max_epochs,
        "fit_seconds": round(fit_seconds, 1),
    }


def run_causality(
    dataset: str, split: str, variant: str, args: argparse.Namespace
) -> dict[str, Any]:
    import torch

    from sklearn_convlstm import ConvLSTMClassifier

    torch.set_num_threads(1)
    X, y, X_eval, y_eval, index = split_data(
        dataset, split, args.folds, args.seed, args.data_home
    )
    start = time.perf_counter()
    clf = ConvLSTMClassifier(
        variant=variant, max_epochs=args.max_epochs, random_state=args.seed
    ).fit(X, y)
    return {
        "dataset": dataset,
        "split": split,
        "variant": variant,
        "seed": args.seed,
        "index_checksum": checksum(index),
        "accuracy": float(np.mean(clf.predict(X_eval) == y_eval)),
        "max_epochs": args.max_epochs,
        "fit_seconds": round(time.perf_counter() - start, 1),
    }


def _task(kind: str, *task: Any) -> tuple[str, dict[str, Any]]:
    *key, args = task
    if kind == "early":
        return kind, run_early(*key, args)
    return kind, run_causality(*key, args)


def mean_of(rows: list[dict[str, str]], column: str) -> float:
    values = [float(row[column]) for row in rows]
    return float(np.mean(values)) if values else float("nan")


def report(out: Path) -> Path:
    """Write ``early.md`` from the CSV files of the study folder."""
    ours = read_csv([out / EARLY_CSV]) if (out / EARLY_CSV).exists() else []
    aeon = read_csv([out / AEON_CSV]) if (out / AEON_CSV).exists() else []
    causal = read_csv([out / CAUSALITY_CSV]) if (out / CAUSALITY_CSV).exists() else []
    # one row per (method, dataset, split): the first, should a resumed run repeat it
    rows = list(
        {
            (r["method"], r["dataset"], r["split"]): r for r in reversed(ours + aeon)
        }.values()
    )
    methods = ["convlstm-early", "teaser", "ptec"]
    lines = ["# Early classification and the cost of causality", ""]
    for part, title in (
        ("cv", "Cross-validation on TRAIN splits (3 folds, seed 0)"),
        ("test", "TRAIN -> TEST"),
    ):
        lines += [
            f"## {title}",
            "",
            "Harmonic mean of accuracy and earliness (accuracy, earliness); "
            "mean over the folds. A cell is left empty when the run is missing.",
            "",
        ]
        table = []
        means: dict[str, list[float]] = {m: [] for m in methods}
        complete: list[str] = []
        for dataset in DATASETS:
            cells = [dataset]
            row_values = {}
            for method in methods:
                chosen = [
                    r
                    for r in rows
                    if r["method"] == method
                    and r["dataset"] == dataset
                    and (
                        r["split"].startswith("cv")
                        if part == "cv"
                        else r["split"] == "test"
                    )
                ]
                expected = 3 if part == "cv" else 1
                if len(chosen) < expected:
                    cells.append("")
                    continue
                hm, acc, earl = (
                    mean_of(chosen, c)
                    for c in ("harmonic_mean", "accuracy", "earliness")
                )
                row_values[method] = hm
                cells.append(f"{hm:.3f} ({acc:.3f}, {earl:.3f})")
            if all(m in row_values for m in methods[:2]):
                complete.append(dataset)
                for m, v in row_values.items():
                    means[m].append(v)
            table.append(cells)
        lines.append(markdown_table(["dataset", *methods], table))
        lines += [
            "",
            "Datasets with both ConvLSTM and TEASER complete: "
            f"{', '.join(complete) or 'none'}.",
        ]
        for m in methods:
            if means[m]:
                lines.append(
                    f"- mean harmonic mean of `{m}` over them: {np.mean(means[m]):.3f}"
                )
        lines.append("")
    lines += ["## Cost of causality (CV accuracy on TRAIN splits, full series)", ""]
    table = []
    for dataset in DATASETS:
        cells = [dataset]
        values = []
        for variant in ("default", "causal"):
            chosen = [
                r for r in causal if r["dataset"] == dataset and r["variant"] == variant
            ]
            value = mean_of(chosen, "accuracy") if len(chosen) == 3 else float("nan")
            values.append(value)
            cells.append("" if np.isnan(value) else f"{value:.3f}")
        cells.append("" if np.isnan(values).any() else f"{values[1] - values[0]:+.3f}")
        table.append(cells)
    lines.append(
        markdown_table(["dataset", "default", "causal", "causal - default"], table)
    )
    path = out / "early.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    add_out_argument(parser)
    parser.add_argument("--parts", type=comma_list, default=["early", "causality"])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-epochs", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--no-test", dest="test", action="store_false")
    parser.add_argument("--report", action="store_true", help="only write early.md")
    args = parser.parse_args(argv)
    if args.data_home is None:
        args.data_home = DATA_HOME
    if args.report:
        print(report(args.out))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    done_early = (
        {(r["dataset"], r["split"]) for r in read_csv([args.out / EARLY_CSV])}
        if (args.out / EARLY_CSV).exists()
        else set()
    )
    done_causal = (
        {
            (r["dataset"], r["split"], r["variant"])
            for r in read_csv([args.out / CAUSALITY_CSV])
        }
        if (args.out / CAUSALITY_CSV).exists()
        else set()
    )
    tasks: list[tuple] = []
    if "early" in args.parts:
        tasks += [
            ("early", d, s, args)
            for d, s in tasks_of(args.datasets, args.folds, args.seed, args.test)
            if (d, s) not in done_early
        ]
    if "causality" in args.parts:
        tasks += [
            ("causality", d, s, v, args)
            for d, s in tasks_of(args.datasets, args.folds, args.seed, False)
            for v in ("default", "causal")
            if (d, s, v) not in done_causal
        ]
    start = time.perf_counter()
    from joblib import Parallel, delayed

    for kind, row in Parallel(n_jobs=args.jobs, return_as="generator")(
        delayed(_task)(*task) for task in tasks
    ):
        append_csv([row], args.out / (EARLY_CSV if kind == "early" else CAUSALITY_CSV))
        print(kind, row, flush=True)
    write_metadata(
        args.out,
        command=command_line(__spec__.name if __spec__ else __name__, argv),
        wall_seconds=time.perf_counter() - start,
        extra={"parts": args.parts, "max_epochs": args.max_epochs, "folds": args.folds},
        append=True,
    )
    print(report(args.out))


if __name__ == "__main__":
    main()
