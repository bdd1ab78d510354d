r"""Fusing the network with the random-kernel ridge at any training size.

``head="auto"`` adds the random-kernel ridge only when the smallest class has
at most 2 training series, with a fixed weight (the ridge scores times
``RANDOM_KERNEL_FUSION`` added to the network's log-probabilities). This
study asks whether the fusion also helps with full training sets when its
weight is chosen by inner cross-validation on the training data, instead of
the fixed rule.

Per dataset (TRAIN split only) and outer fold of a stratified 3-fold CV
(shuffled with the CV seed), one ``ConvLSTMClassifier(head="random-kernels")``
is fitted on the outer training part; its network's log-probabilities and its
ridge's scores on the outer evaluation part give every fixed weight in
:data:`WEIGHTS` from the same fit (weight 0: the network alone, today's default
at these sizes; ``inf``: the ridge alone). The ``inner-cv`` candidate picks one
weight per outer fold by a stratified 2-fold CV inside the outer training part
(two more fits on halves; accuracy summed over both halves, ties broken by
:func:`pick_weight`). MiniRocket + ridge (sktime) is fitted on the same folds
for reference. Rows: ``fusion.csv`` (one per dataset, fold and candidate),
``inner_weights.csv`` (the weight each outer fold chose); ``--report`` writes
``fusion_weight.md``.

Usage::

    python -m benchmarks.effectiveness.bench_fusion_weight --seed 0 \\
        --out benchmarks/results/fusion_weight_selection
    python -m benchmarks.effectiveness.bench_fusion_weight --report \\
        --out benchmarks/results/fusion_weight_selection
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.harness import (
    DATASETS,
    add_data_arguments,
    add_out_argument,
    append_csv,
    comma_floats,
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

#: Candidate fusion weights, in order (0: network alone; inf: ridge alone):
#: the grid of the first round (``--weights`` sets another).
WEIGHTS = (0.0, 1.0, 3.0, 10.0, 30.0, math.inf)
#: Folds of the outer CV (on TRAIN) and of the inner CV (on the outer training part).
OUTER_FOLDS = 3
INNER_FOLDS = 2
#: Name of the report.
REPORT = "fusion_weight.md"
#: Extra ``ConvLSTMClassifier`` parameters (none: the defaults; tests shorten training).
NETWORK_PARAMS: dict[str, Any] = {}


def fused_predictions(
    log_probabilities: np.ndarray, ridge_scores: np.ndarray, weight: float
) -> np.ndarray:
    """Class indices of ``log_probabilities + weight * ridge_scores`` (inf: ridge)."""
    if math.isinf(weight):
        return ridge_scores.argmax(axis=1)
    return (log_probabilities + weight * ridge_scores).argmax(axis=1)


def pick_weight(correct: Sequence[int], weights: Sequence[float] = WEIGHTS) -> float:
    """Return the weight with the most inner-CV hits; ties: the middle tied weight.

    ``correct[i]`` is the number of inner evaluation series ``weights[i]``
    classified correctly. Among tied weights (in the order of ``weights``) the
    middle one is taken, the lower middle for an even count: a tie between
    the extremes does not push the choice to either end.
    """
    best = max(correct)
    tied = [w for w, hits in zip(weights, correct, strict=True) if hits == best]
    return tied[(len(tied) - 1) // 2]


def network_and_ridge_scores(
    X_fit: Any, y_fit: np.ndarray, X_eval: Any, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Fit ``head="random-kernels"``: log-probabilities, ridge scores, classes, s."""
    import torch

    from sklearn_convlstm import ConvLSTMClassifier

    torch.set_num_threads(1)
    estimator = ConvLSTMClassifier(
        head="random-kernels", random_state=seed, **NETWORK_PARAMS
    )
    start = time.perf_counter()
    estimator.fit(X_fit, y_fit)
    seconds = time.perf_counter() - start
    logits = estimator._network_outputs(X_eval).double()
    log_probabilities = torch.log_softmax(logits, dim=1).numpy()
    ridge_scores = estimator._random_kernel_scores(X_eval).numpy()
    return log_probabilities, ridge_scores, estimator.classes_, seconds


def inner_weight(
    X: Any, y: np.ndarray, seed: int, weights: Sequence[float] = WEIGHTS
) -> tuple[float, list[int]]:
    """Choose the fusion weight among ``weights`` by a stratified inner CV on (X, y)."""
    from sklearn.model_selection import StratifiedKFold

    correct = np.zeros(len(weights), dtype=int)
    folds = StratifiedKFold(INNER_FOLDS, shuffle=True, random_state=seed)
    for fit_index, eval_index in folds.split(np.zeros(len(y)), y):
        log_p, ridge, classes, _ = network_and_ridge_scores(
            take(X, fit_index), y[fit_index], take(X, eval_index), seed
        )
        for i, weight in enumerate(weights):
            predicted = classes[fused_predictions(log_p, ridge, weight)]
            correct[i] += int(np.sum(predicted == y[eval_index]))
    return pick_weight(list(correct), weights), [int(c) for c in correct]


def minirocket_accuracy(
    X_fit: Any, y_fit: np.ndarray, X_eval: Any, y_eval: np.ndarray, seed: int
) -> float:
    """Accuracy of the package's MiniRocket + ridge baseline on one fold."""
    import torch

    from sklearn_convlstm.baselines import MiniRocketRidge

    torch.set_num_threads(1)
    model = MiniRocketRidge(random_state=seed).fit(X_fit, y_fit)
    return float(np.mean(np.asarray(model.predict(X_eval)) == y_eval))


def weight_label(weight: float) -> str:
    """Name of a fixed-weight candidate: ``w=0``, ``w=10``, ``w=inf``."""
    return "w=inf" if math.isinf(weight) else f"w={weight:g}"


def run_fold(
    dataset: str,
    fold: int,
    X: Any,
    y: np.ndarray,
    fit_index: np.ndarray,
    eval_index: np.ndarray,
    seed: int,
    weights: Sequence[float] = WEIGHTS,
    inner: bool = True,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """All candidates on one outer fold: accuracy rows and the inner choice.

    With ``inner=False`` only the fixed weights and MiniRocket are scored
    (no fits on halves; no ``inner-cv`` row, no choice).
    """
    X_fit, y_fit = take(X, fit_index), y[fit_index]
    X_eval, y_eval = take(X, eval_index), y[eval_index]
    log_p, ridge, classes, fit_seconds = network_and_ridge_scores(
        X_fit, y_fit, X_eval, seed
    )
    base = {"dataset": dataset, "seed": seed, "fold": fold}
    rows = []
    for weight in weights:
        predicted = classes[fused_predictions(log_p, ridge, weight)]
        rows.append(
            {
                **base,
                "candidate": weight_label(weight),
                "cv_accuracy": float(np.mean(predicted == y_eval)),
                "fit_seconds": round(fit_seconds, 2),
            }
        )
    choice = None
    if inner:
        start = time.perf_counter()
        chosen, correct = inner_weight(X_fit, y_fit, seed, weights)
        inner_seconds = time.perf_counter() - start
        predicted = classes[fused_predictions(log_p, ridge, chosen)]
        rows.append(
            {
                **base,
                "candidate": "inner-cv",
                "cv_accuracy": float(np.mean(predicted == y_eval)),
                "fit_seconds": round(fit_seconds + inner_seconds, 2),
            }
        )
        choice = {
            **base,
            "chosen_weight": weight_label(chosen),
            **{
                f"hits_{weight_label(w)}": c
                for w, c in zip(weights, correct, strict=True)
            },
        }
    start = time.perf_counter()
    accuracy = minirocket_accuracy(X_fit, y_fit, X_eval, y_eval, seed)
    rows.append(
        {
            **base,
            "candidate": "minirocket",
            "cv_accuracy": accuracy,
            "fit_seconds": round(time.perf_counter() - start, 2),
        }
    )
    return rows, choice


def cv_folds(
    datasets: Sequence[str], seed: int, data_home: Path | None
) -> Iterator[tuple[str, int, Any, np.ndarray, np.ndarray, np.ndarray]]:
    """Outer folds of :func:`benchmarks.harness.train_split_folds`, per dataset.

    The synthetic sets of :mod:`benchmarks.effectiveness.bench_regimes` are
    made, not read; UCR datasets come from ``data_home`` (the shared datasets'
    folder by default) or, for OSULeaf, ACSF1 and PLAID, sktime's folder.
    """
    from sklearn.model_selection import StratifiedKFold

    from benchmarks.effectiveness.bench_regimes import (
        SKTIME_DATA,
        SKTIME_DATASETS,
        SYNTHETIC,
        make_many_class,
    )

    for dataset in datasets:
        if dataset in SYNTHETIC:
            X, y = make_many_class(*SYNTHETIC[dataset])
            folds = StratifiedKFold(OUTER_FOLDS, shuffle=True, random_state=seed)
            for fold, (fit_index, eval_index) in enumerate(folds.split(X, y)):
                yield dataset, fold, X, y, fit_index, eval_index
            continue
        home = SKTIME_DATA if dataset in SKTIME_DATASETS else data_home
        yield from train_split_folds([dataset], OUTER_FOLDS, seed, home)


def run(
    datasets: Sequence[str],
    seed: int,
    out: Path,
    data_home: Path | None,
    weights: Sequence[float] = WEIGHTS,
    inner: bool = True,
) -> None:
    """Run every missing (dataset, outer fold) of one CV seed, appending rows."""
    path = out / "fusion.csv"
    done = {
        (row["dataset"], int(row["seed"]), int(row["fold"]))
        for row in (read_csv([path]) if path.exists() else [])
    }
    for dataset, fold, X, y, fit_index, eval_index in cv_folds(
        datasets, seed, data_home
    ):
        y = np.asarray(y)
        if (dataset, seed, fold) in done:
            continue
        rows, choice = run_fold(
            dataset, fold, X, y, fit_index, eval_index, seed, weights, inner
        )
        append_csv(rows, path)
        if choice is not None:
            append_csv([choice], out / "inner_weights.csv")
        summary = {row["candidate"]: round(row["cv_accuracy"], 3) for row in rows}
        chose = "" if choice is None else f" chose {choice['chosen_weight']}"
        print(f"{dataset} seed {seed} fold {fold}: {summary}{chose}", flush=True)


def mean_table(
    rows: Sequence[dict[str, str]], seeds: Sequence[int]
) -> tuple[str, dict]:
    """Mean CV accuracy per dataset and candidate over the folds of ``seeds``."""
    chosen = [r for r in rows if int(r["seed"]) in seeds]
    datasets = list(dict.fromkeys(r["dataset"] for r in chosen))
    candidates = list(dict.fromkeys(r["candidate"] for r in chosen))
    means: dict[tuple[str, str], float] = {}
    for dataset in datasets:
        for candidate in candidates:
            values = [
                float(r["cv_accuracy"])
                for r in chosen
                if r["dataset"] == dataset and r["candidate"] == candidate
            ]
            means[dataset, candidate] = float(np.mean(values))
    body = [
        [dataset, *(f"{means[dataset, c]:.3f}" for c in candidates)]
        for dataset in datasets
    ]
    body.append(
        [
            "mean",
            *(f"{np.mean([means[d, c] for d in datasets]):.3f}" for c in candidates),
        ]
    )
    return markdown_table(["dataset", *candidates], body), means


def verdicts(means: dict, datasets: Sequence[str]) -> str:
    """Gains of the candidates over the network alone, and gaps to MiniRocket.

    The candidates are those of the rounds' rules that the rows hold:
    ``inner-cv`` (rounds 1, 2), ``w=3`` (round 3) and ``w=10`` (the fixed
    weight of ``head="random-kernels"``).
    """
    lines = []
    present = {candidate for _, candidate in means}
    for candidate in [c for c in ("inner-cv", "w=3", "w=10") if c in present]:
        gains = [100 * (means[d, candidate] - means[d, "w=0"]) for d in datasets]
        gaps = [100 * (means[d, candidate] - means[d, "minirocket"]) for d in datasets]
        lines.append(
            [
                candidate,
                f"{np.mean(gains):+.2f}",
                f"{min(gains):+.2f}",
                f"{np.mean(gaps):+.2f}",
                f"{min(gaps):+.2f}",
            ]
        )
    return markdown_table(
        [
            "candidate",
            "mean gain over w=0 (points)",
            "worst dataset gain",
            "mean gap to MiniRocket",
            "worst gap to MiniRocket",
        ],
        lines,
    )


def write_report(out: Path) -> Path:
    """Write ``fusion_weight.md``: per-seed tables and verdict inputs."""
    rows = read_csv([out / "fusion.csv"])
    runs = read_metadata(out).get("runs", [])
    commands = "\n".join(run["command"] for run in runs) or "(none recorded)"
    machine = runs[-1]["machine"] if runs else machine_description()
    inner = any(r["candidate"] == "inner-cv" for r in rows)
    lines = report_preamble(
        "Fusion weights of the network and the random-kernel ridge",
        "Stratified 3-fold CV on TRAIN splits; per outer fold one fit of "
        "`head='random-kernels'` gives every fixed weight w of "
        "`log_softmax(network) + w * ridge` (w=0: the network alone; w=inf: "
        "the ridge alone)"
        + (
            "; `inner-cv` chooses the weight by a 2-fold CV inside the outer "
            "training part"
            if inner
            else ""
        )
        + ". Rule: RULE.md (written before the runs).",
        commands,
        machine,
    )
    for seed in sorted({int(r["seed"]) for r in rows}):
        table, means = mean_table(rows, [seed])
        datasets = list(dict.fromkeys(d for d, _ in means))
        lines += [f"## CV seed {seed}", "", table, "", verdicts(means, datasets), ""]
    choices_path = out / "inner_weights.csv"
    if choices_path.exists():
        choices = read_csv([choices_path])
        lines += [
            "## Weights chosen by the inner CV",
            "",
            markdown_table(
                ["dataset", "seed", "fold", "chosen"],
                [
                    [c["dataset"], c["seed"], c["fold"], c["chosen_weight"]]
                    for c in choices
                ],
            ),
            "",
        ]
    path = out / REPORT
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="CV seed (default: 0)")
    add_data_arguments(parser, DATASETS)
    parser.add_argument(
        "--weights",
        type=comma_floats,
        default=list(WEIGHTS),
        help="fusion weights, in order (default: 0,1,3,10,30,inf)",
    )
    parser.add_argument(
        "--no-inner",
        action="store_true",
        help="score the fixed weights only (no inner-cv fits on halves)",
    )
    parser.add_argument("--report", action="store_true", help="only write the report")
    add_out_argument(parser)
    args = parser.parse_args(argv)
    if not args.report:
        start = time.perf_counter()
        run(
            args.datasets,
            args.seed,
            args.out,
            args.data_home,
            args.weights,
            inner=not args.no_inner,
        )
        write_metadata(
            args.out,
            command=command_line(__spec__.name if __spec__ else __name__, argv),
            wall_seconds=time.perf_counter() - start,
            append=True,
        )
    print(write_report(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
