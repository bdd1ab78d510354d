"""The aeon arm of the early-classification comparison: TEASER (and PTEC).

Runs in a separate virtual environment with aeon installed (aeon pins its own
scikit-learn), so it imports neither this package nor ``benchmarks.harness``:

    python -m venv /tmp/aeonvenv
    /tmp/aeonvenv/bin/pip install torch==2.13.0
    /tmp/aeonvenv/bin/pip install "aeon==1.6.*"
    /tmp/aeonvenv/bin/python benchmarks/streaming/teaser_arm.py \
        --out benchmarks/results/streaming

The splits are those of ``bench_early.py``: stratified 3-fold CV on each TRAIN
split (shuffled, seed 0), then TRAIN -> TEST. Every row records a checksum of
its evaluation indices so the two arms can be checked to share the folds.
TEASER needs equal lengths: series of unequal length (JapaneseVowels) are
padded with zeros at the end to the longest one; earliness is reported both
as aeon computes it (over the padded length) and over each series' own length
(a decision after a series' end counts as its full length), which the
comparison uses.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

DATASETS = (
    "GunPoint",
    "ItalyPowerDemand",
    "ArrowHead",
    "BasicMotions",
    "JapaneseVowels",
)


def checksum(index: np.ndarray) -> int:
    """Order-independent checksum of evaluation indices (same in both arms)."""
    index = np.sort(np.asarray(index, dtype=np.int64))
    return int(np.sum((index + 1) * 2654435761 % 1000003))


def load(name: str, split: str, data_home: Path):
    from aeon.datasets import load_from_ts_file

    X, y = load_from_ts_file(str(data_home / name / f"{name}_{split.upper()}.ts"))
    if isinstance(X, np.ndarray):
        lengths = np.full(len(X), X.shape[-1])
        return X.astype(np.float64), y, lengths
    lengths = np.array([x.shape[-1] for x in X])
    return list(X), y, lengths


def pad(X, width: int) -> np.ndarray:
    if isinstance(X, np.ndarray):
        return X
    out = np.zeros((len(X), X[0].shape[0], width))
    for i, x in enumerate(X):
        out[i, :, : x.shape[-1]] = x
    return out


def take(X, index):
    """Index an array, or a list of unequal-length series, by positions."""
    return X[index] if isinstance(X, np.ndarray) else [X[i] for i in index]


def make(method: str, n_channels: int, n_timepoints: int, seed: int):
    from aeon.classification.dictionary_based import MUSE, WEASEL
    from aeon.classification.early_classification import (
        TEASER,
        ProbabilityThresholdEarlyClassifier,
    )

    if method == "teaser":
        return TEASER(random_state=seed)
    # PTEC with TEASER's own base classifier (its default DrCIF is far slower):
    # the two aeon arms then differ only in the decision rule.
    base = (
        MUSE(support_probabilities=True, alphabet_size=4, random_state=seed)
        if n_channels > 1
        else WEASEL(support_probabilities=True, alphabet_size=4, random_state=seed)
    )
    # TEASER's default points (20 prefix lengths, none under 8 steps)
    points = sorted({round(n_timepoints / i) for i in range(1, 21)} - set(range(8)))
    return ProbabilityThresholdEarlyClassifier(
        estimator=base, classification_points=points, random_state=seed
    )


def evaluate(method, X_train, y_train, X_eval, y_eval, lengths_eval, seed):
    width = max(max(x.shape[-1] for x in X_train), max(x.shape[-1] for x in X_eval))
    X_train, X_eval = pad(X_train, width), pad(X_eval, width)
    clf = make(method, X_train.shape[1], width, seed)
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    hm, acc, earl = clf.score(X_eval, y_eval)
    predict_seconds = time.perf_counter() - start
    state = np.asarray(clf.get_state_info())
    points = np.asarray(clf._classification_points)
    decided_at = points[state[:, 0].astype(int)]
    predicted = np.asarray(clf.classes_)[state[:, 2].astype(int)]
    accuracy = float(np.mean(predicted == np.asarray(y_eval)))
    own = float(np.mean(np.minimum(decided_at, lengths_eval) / lengths_eval))
    harmonic = (
        2 * accuracy * (1 - own) / (accuracy + 1 - own) if accuracy + 1 - own else 0.0
    )
    return {
        "accuracy": accuracy,
        "earliness": own,
        "harmonic_mean": harmonic,
        "aeon_harmonic_mean": float(hm),
        "aeon_accuracy": float(acc),
        "aeon_earliness": float(earl),
        "fit_seconds": round(fit_seconds, 2),
        "predict_seconds": round(predict_seconds, 3),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--methods", default="teaser")
    parser.add_argument(
        "--data-home",
        type=Path,
        default=Path(__file__).resolve().parents[3] / "shared" / "datasets",
    )
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--test", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args(argv)
    from sklearn.model_selection import StratifiedKFold

    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "early_aeon.csv"
    done = set()
    if path.exists():
        with path.open() as f:
            done = {(r["method"], r["dataset"], r["split"]) for r in csv.DictReader(f)}
    start_all = time.perf_counter()
    for dataset in args.datasets.split(","):
        X, y, lengths = load(dataset, "train", args.data_home)
        tasks = []
        folds = StratifiedKFold(args.folds, shuffle=True, random_state=args.seed)
        for fold, (tr, te) in enumerate(folds.split(np.zeros(len(y)), y)):
            tasks.append((f"cv{fold}", tr, te))
        if args.test:
            tasks.append(("test", None, None))
        for method in args.methods.split(","):
            for split, tr, te in tasks:
                if (method, dataset, split) in done:
                    continue
                if split == "test":
                    X_eval, y_eval, lengths_eval = load(dataset, "test", args.data_home)
                    X_tr, y_tr, index = X, y, np.arange(len(y_eval))
                else:
                    X_tr, y_tr = take(X, tr), y[tr]
                    X_eval, y_eval, lengths_eval = take(X, te), y[te], lengths[te]
                    index = te
                row = {
                    "method": method,
                    "dataset": dataset,
                    "split": split,
                    "seed": args.seed,
                    "n_eval": len(y_eval),
                    "index_checksum": checksum(index),
                }
                row.update(
                    evaluate(
                        method, X_tr, y_tr, X_eval, y_eval, lengths_eval, args.seed
                    )
                )
                print(json.dumps(row), flush=True)
                new = not path.exists()
                with path.open("a", newline="") as f:
                    writer = csv.DictWriter(f, fieldnames=list(row))
                    if new:
                        writer.writeheader()
                    writer.writerow(row)
    import aeon
    import sklearn

    meta = {
        "command": " ".join([sys.executable, *sys.argv]),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": f"{platform.platform()}, Python {platform.python_version()}",
        "aeon": aeon.__version__,
        "scikit-learn": sklearn.__version__,
        "wall_seconds": round(time.perf_counter() - start_all, 1),
    }
    (args.out / "early_aeon_metadata.json").write_text(
        json.dumps(meta, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
