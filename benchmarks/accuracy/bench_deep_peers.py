r"""The default side by side with sktime's deep peers: LSTM-FCN and InceptionTime.

sktime's PyTorch ports at their own defaults (``LSTMFCNClassifierTorch``:
2,000 epochs; ``InceptionTimeClassifierTorch``: 1,500 epochs) against
``ConvLSTMClassifier`` at its default and at the settings a user may choose to
trade fit time for accuracy. One protocol for every method: seed 0, one torch
thread, and

- ``cv``: stratified 3-fold cross-validation on the TRAIN split (shuffled with
  seed 0), the comparison;
- ``test``: fitted on TRAIN, scored on TEST, reported only.

Each method writes its own file of rows, ``rows_<method>.csv`` in ``--out``
(one row per dataset, split and fold: accuracy, fit and predict seconds), and
a rerun skips the rows already there, so a long run can be stopped and resumed
and the peers can run in one process while the ConvLSTM arms run in another.
``--report`` reads every ``rows_*.csv`` back and writes ``deep_peers.md``.

Usage::

    python -m benchmarks.accuracy.bench_deep_peers --methods lstm-fcn,inceptiontime \\
        --out benchmarks/results/deep_peers
    python -m benchmarks.accuracy.bench_deep_peers --methods convlstm-default \\
        --out benchmarks/results/deep_peers
    python -m benchmarks.accuracy.bench_deep_peers --report \\
        --out benchmarks/results/deep_peers
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.harness import (
    add_data_arguments,
    add_out_argument,
    append_csv,
    comma_list,
    command_line,
    machine_description,
    markdown_table,
    read_csv,
    read_metadata,
    report_preamble,
    take,
    train_split_folds,
    write_metadata,
)

#: The datasets the issue's table names (both shared, both known).
DEFAULT_DATASETS = ("GunPoint", "ArrowHead")
#: Folds of the cross-validation on TRAIN; its shuffling seed is ``SEED``.
N_FOLDS = 3
#: The one seed of every method and of the folds.
SEED = 0
#: Name of the report.
REPORT = "deep_peers.md"


def _lstm_fcn() -> Any:
    from sktime.classification.deep_learning.lstmfcn import LSTMFCNClassifierTorch

    return LSTMFCNClassifierTorch(random_state=SEED)


def _inception_time() -> Any:
    from sktime.classification.deep_learning.inceptiontime import (
        InceptionTimeClassifierTorch,
    )

    return InceptionTimeClassifierTorch(random_state=SEED)


def _convlstm(**params: Any) -> Callable[[], Any]:
    def make() -> Any:
        from sklearn_convlstm import ConvLSTMClassifier

        return ConvLSTMClassifier(random_state=SEED, **params)

    return make


#: Method name -> factory of an unfitted estimator (at seed ``SEED``).
METHODS: dict[str, Callable[[], Any]] = {
    "lstm-fcn": _lstm_fcn,
    "inceptiontime": _inception_time,
    "convlstm-default": _convlstm(),
    "convlstm-random-kernels": _convlstm(head="random-kernels"),
    "convlstm-300-epochs": _convlstm(max_epochs=300),
    "convlstm-random-kernels-300-epochs": _convlstm(
        head="random-kernels", max_epochs=300
    ),
}


def splits(
    dataset: str, data_home: Path | None
) -> list[tuple[str, int, Any, np.ndarray, Any, np.ndarray]]:
    """Return ``(split, fold, X_fit, y_fit, X_score, y_score)``: TEST first, then CV."""
    from sklearn_convlstm.datasets import load_dataset

    X_train, y_train, X_test, y_test = load_dataset(dataset, data_home=data_home)
    runs = [("test", 0, X_train, y_train, X_test, y_test)]
    for _, fold, X, y, fit_index, score_index in train_split_folds(
        [dataset], N_FOLDS, SEED, data_home
    ):
        runs.append(
            (
                "cv",
                fold,
                take(X, fit_index),
                y[fit_index],
                take(X, score_index),
                y[score_index],
            )
        )
    return runs


def fit_and_score(
    method: str, X_fit: Any, y_fit: np.ndarray, X_score: Any, y_score: np.ndarray
) -> dict[str, float]:
    """Fit one method on one thread; accuracy and seconds."""
    import torch

    torch.set_num_threads(1)  # before each fit: numba may have reset it
    estimator = METHODS[method]()
    start = time.perf_counter()
    estimator.fit(X_fit, y_fit)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    predicted = np.asarray(estimator.predict(X_score))
    predict_seconds = time.perf_counter() - start
    return {
        "accuracy": float(np.mean(predicted == np.asarray(y_score))),
        "fit_seconds": round(fit_seconds, 2),
        "predict_seconds": round(predict_seconds, 3),
    }


def rows_path(out: Path, method: str) -> Path:
    """Return the CSV file of one method's rows."""
    return out / f"rows_{method}.csv"


def run_method(
    method: str, datasets: Sequence[str], out: Path, data_home: Path | None
) -> int:
    """Run every missing (dataset, split, fold) of one method; return rows added."""
    path = rows_path(out, method)
    done = {
        (row["dataset"], row["split"], int(row["fold"]))
        for row in (read_csv([path]) if path.exists() else [])
    }
    added = 0
    for dataset in datasets:
        for split, fold, X_fit, y_fit, X_score, y_score in splits(dataset, data_home):
            if (dataset, split, fold) in done:
                continue
            scores = fit_and_score(method, X_fit, y_fit, X_score, y_score)
            row = {"method": method, "dataset": dataset, "split": split, "fold": fold}
            append_csv([{**row, **scores}], path)
            added += 1
            print(f"{method} {dataset} {split} {fold}: {scores}", flush=True)
    return added


def summary_rows(rows: Sequence[dict[str, str]]) -> list[dict[str, Any]]:
    """Per (dataset, method): mean CV accuracy and fit seconds (all folds), test."""
    summary = []
    keys = dict.fromkeys((row["dataset"], row["method"]) for row in rows)
    for dataset, method in keys:
        mine = [r for r in rows if r["dataset"] == dataset and r["method"] == method]
        cv = [r for r in mine if r["split"] == "cv"]
        test = [r for r in mine if r["split"] == "test"]
        complete = len(cv) == N_FOLDS
        summary.append(
            {
                "dataset": dataset,
                "method": method,
                "cv_accuracy": (
                    np.mean([float(r["accuracy"]) for r in cv]) if complete else None
                ),
                "cv_fit_seconds": (
                    np.mean([float(r["fit_seconds"]) for r in cv]) if complete else None
                ),
                "cv_folds": len(cv),
                "test_accuracy": float(test[0]["accuracy"]) if test else None,
                "test_fit_seconds": float(test[0]["fit_seconds"]) if test else None,
            }
        )
    return summary


def _cell(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def write_report(out: Path) -> Path:
    """Write ``deep_peers.md`` from every ``rows_*.csv`` in ``out``."""
    rows = read_csv(sorted(out.glob("rows_*.csv")))
    summary = summary_rows(rows)
    order = list(METHODS)
    summary.sort(key=lambda s: (s["dataset"], order.index(s["method"])))
    runs = read_metadata(out).get("runs", [])
    machine = runs[-1]["machine"] if runs else machine_description()
    commands = "\n".join(run["command"] for run in runs) or "(none recorded)"
    lines = report_preamble(
        "Deep peers: LSTM-FCN and InceptionTime",
        "sktime's PyTorch ports at their defaults against ConvLSTMClassifier; "
        f"seed {SEED}, one torch thread; CV: stratified {N_FOLDS}-fold on TRAIN "
        "(the comparison); test: TRAIN -> TEST (reported). Fit seconds: wall "
        "time of `fit` (CV: mean over the folds, each on two thirds of TRAIN).",
        commands,
        machine,
    )
    table = [
        [
            s["dataset"],
            s["method"],
            _cell(s["cv_accuracy"], 3) or f"({s['cv_folds']}/{N_FOLDS} folds)",
            _cell(s["cv_fit_seconds"], 1),
            _cell(s["test_accuracy"], 3),
            _cell(s["test_fit_seconds"], 1),
        ]
        for s in summary
    ]
    lines.append(
        markdown_table(
            [
                "dataset",
                "method",
                "CV accuracy",
                "CV fit s",
                "test accuracy",
                "test fit s",
            ],
            table,
        )
    )
    path = out / REPORT
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--methods",
        type=comma_list,
        default=list(METHODS),
        help=f"comma-separated methods among {','.join(METHODS)}",
    )
    add_data_arguments(parser, DEFAULT_DATASETS)
    parser.add_argument(
        "--report", action="store_true", help="only write the report from the rows"
    )
    add_out_argument(parser)
    args = parser.parse_args(argv)
    unknown = [m for m in args.methods if m not in METHODS]
    if unknown:
        parser.error(f"unknown methods {unknown}; expected some of {list(METHODS)}")
    command = command_line(__spec__.name if __spec__ else __name__, argv)
    if not args.report:
        start = time.perf_counter()
        for method in args.methods:
            run_method(method, args.datasets, args.out, args.data_home)
        write_metadata(
            args.out,
            command=command,
            wall_seconds=time.perf_counter() - start,
            append=True,
        )
    print(write_report(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
