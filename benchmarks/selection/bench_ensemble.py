"""Does a seed ensemble beat one network? Cross-validation on TRAIN splits only.

For each shared dataset, stratified k-fold cross-validation on the training
split (the folds of ``bench_default_selection``). In each fold, ``--ensemble-size``
networks with the same parameters (default: ``ConvLSTMClassifier``'s defaults)
and the seeds of :func:`sklearn_convlstm.ensemble.member_seeds` are trained;
their held-out probabilities give, from the same fits,

* the accuracy of one network (mean over the members), and
* the accuracy of the soft-voting ensemble of the first k members.

Writes to the study folder ``--out``: ``ensemble_seed<SEED>.csv`` (one row per
dataset, fold and member, with the held-out probabilities), its table
``ensemble_seed<SEED>.md`` and ``metadata.json`` (each run appended). Test
splits are never read.

Usage::

    python -m benchmarks.selection.bench_ensemble --jobs 2 --out /tmp/ensemble
    python -m benchmarks.selection.bench_ensemble --datasets ArrowHead --seed 3 \
        --ensemble-size 5 --out /tmp/ensemble
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from benchmarks.harness import (
    add_data_arguments,
    add_out_argument,
    command_line,
    machine_description,
    run_in_parallel,
    take,
    train_split_folds,
    write_csv,
    write_metadata,
)
from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm.ensemble import member_seeds


def run_member(dataset, fold, member, seed, X, y, train_index, test_index, params):
    """Fit one member on a fold's training part; return its held-out probabilities."""
    import torch

    torch.set_num_threads(1)
    clf = ConvLSTMClassifier(**params, random_state=seed)
    start = time.perf_counter()
    clf.fit(take(X, train_index), y[train_index])
    fit_seconds = time.perf_counter() - start
    proba = clf.predict_proba(take(X, test_index))
    return {
        "dataset": dataset,
        "fold": fold,
        "member": member,
        "seed": seed,
        "fit_seconds": round(fit_seconds, 3),
        "classes": json.dumps([str(c) for c in clf.classes_]),
        "y_true": json.dumps([str(c) for c in y[test_index]]),
        "proba": json.dumps(np.round(proba, 6).tolist()),
    }


def accuracies(rows: list[dict], sizes: list[int]) -> dict[str, dict[str, float]]:
    """Per dataset: mean single-network accuracy and ensemble accuracy per size."""
    table: dict[str, dict[str, float]] = {}
    for dataset in dict.fromkeys(row["dataset"] for row in rows):
        folds = sorted({int(r["fold"]) for r in rows if r["dataset"] == dataset})
        single, ensembles = [], {k: [] for k in sizes}
        for fold in folds:
            members = sorted(
                (r for r in rows if r["dataset"] == dataset and int(r["fold"]) == fold),
                key=lambda r: int(r["member"]),
            )
            classes = np.array(json.loads(members[0]["classes"]))
            y_true = np.array(json.loads(members[0]["y_true"]))
            probas = [np.array(json.loads(m["proba"])) for m in members]
            single.append(
                np.mean([np.mean(classes[p.argmax(1)] == y_true) for p in probas])
            )
            for k in sizes:
                mean = np.mean(probas[:k], axis=0)
                ensembles[k].append(np.mean(classes[mean.argmax(1)] == y_true))
        table[dataset] = {
            "one network (mean of members)": float(np.mean(single)),
            **{f"ensemble of {k}": float(np.mean(ensembles[k])) for k in sizes},
            "fit s per network": float(
                np.mean(
                    [float(r["fit_seconds"]) for r in rows if r["dataset"] == dataset]
                )
            ),
        }
    return table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_data_arguments(parser)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="folds and member seeds")
    parser.add_argument(
        "--ensemble-size",
        type=int,
        default=5,
        help="networks per fold; ensembles of 1, 3 and this size are scored",
    )
    parser.add_argument(
        "--params", default="{}", help="JSON of ConvLSTMClassifier parameters"
    )
    parser.add_argument("--jobs", type=int, default=2)
    add_out_argument(parser)
    args = parser.parse_args(argv)
    params = json.loads(args.params)
    size = args.ensemble_size
    seeds = member_seeds(args.seed, size)

    tasks = [
        (dataset, fold, member, seed, X, y, train_index, test_index, params)
        for dataset, fold, X, y, train_index, test_index in train_split_folds(
            args.datasets, args.folds, args.seed, args.data_home
        )
        for member, seed in enumerate(seeds)
    ]
    rows, wall = run_in_parallel(run_member, tasks, args.jobs)

    out = write_csv(rows, args.out / f"ensemble_seed{args.seed}.csv")
    command = command_line(__spec__.name if __spec__ else __name__, argv)
    write_metadata(args.out, command=command, wall_seconds=wall, append=True)
    sizes = sorted({k for k in (1, 3, size) if k <= size})
    table = accuracies(rows, sizes)
    columns = list(next(iter(table.values())))
    lines = [
        "# Seed ensembles: cross-validation on TRAIN splits only",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine_description()}; {args.jobs} workers x 1 torch thread; "
        f"wall time {wall:.0f} s.",
        "",
        f"Mean {args.folds}-fold stratified CV accuracy (folds of seed {args.seed}, "
        "as in default_selection.md); ConvLSTMClassifier parameters "
        f"{params or 'default'}; "
        f"{size} networks per fold with seeds `member_seeds({args.seed}, "
        f"{size})`. 'one network' is the mean accuracy of those networks "
        "alone, 'ensemble of k' averages the probabilities of the first k.",
        "",
        "| dataset | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for dataset, values in table.items():
        cells = [
            f"{values[c]:.1f}" if c.startswith("fit") else f"{values[c]:.3f}"
            for c in columns
        ]
        lines.append(f"| {dataset} | " + " | ".join(cells) + " |")
    means = [np.mean([v[c] for v in table.values()]) for c in columns]
    lines.append(
        "| **mean** | "
        + " | ".join(
            f"{m:.1f}" if c.startswith("fit") else f"{m:.3f}"
            for c, m in zip(columns, means, strict=True)
        )
        + " |"
    )
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
