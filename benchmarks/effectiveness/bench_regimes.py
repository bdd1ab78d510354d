"""Regime tests: few training series per class, many classes, long series.

Built only from data at hand and evaluated only on TRAINING splits: for each
dataset, k = 1, 2 or 5 series per class are drawn from the TRAIN split
(stratified, one draw per ``--seeds`` value), the methods are fitted on them
and scored on the remaining TRAIN series. Test splits are never read, except
with ``--score-on-test``: the same draws are then scored on the official TEST
split, to report (never to choose) how a setting chosen on the training
splits does there; its rows say ``scored_on=test`` and it needs a folder of
its own.

Data:

- the five shared datasets (``harness.DATA_HOME``);
- UCR datasets shipped inside sktime (``sktime/datasets/data``): OSULeaf
  (427 steps, 6 classes) and ACSF1 (1,460 steps, 10 classes: long series,
  few of them). Both were looked at before, so they are regime material here,
  not unseen evidence;
- ``synthetic-many``: 50 classes of 1,000 steps from :func:`make_many_class`
  (a harder generator than ``make_pattern_classification``, which stops at 8
  classes): 12 series per class, so k per class are drawn and the rest are
  the evaluation fold.

Set aside before any run (check data, not used to choose anything): PLAID
(``--datasets PLAID``) and ``synthetic-check`` (:func:`make_many_class` with
other templates, 60 classes of 1,500 steps); for round 3 of the regime
selection, ``synthetic-check2`` (52 classes of 2,000 steps, template seed 2).

Methods: the ``compare`` registry (``convlstm-default``, ``convlstm-ensemble``,
``rf-stats``, ``minirocket``, ...) and the candidates of the regime selection
(``benchmarks/results/regime_selection/RULE.md``): ``cand-wd1``,
``cand-small``, ``cand-ridgehead``.

Usage::

    python -m benchmarks.effectiveness.bench_regimes --out benchmarks/results/regimes
    python -m benchmarks.effectiveness.bench_regimes --quick --out /tmp/regimes

Rows are appended to ``regimes.csv`` as fits finish, and a rerun skips the
(dataset, k, seed, method) cells already there, so an interrupted run resumes.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.harness import (
    DATA_HOME,
    DATASETS,
    add_out_argument,
    append_csv,
    comma_ints,
    comma_list,
    command_line,
    machine_description,
    markdown_table,
    read_csv,
    read_metadata,
    report_preamble,
    take,
    write_metadata,
)

#: Where sktime ships its UCR datasets.
SKTIME_DATA = Path(__import__("sktime.datasets").datasets.__file__).parent / "data"
#: Datasets read from sktime's folder rather than ``harness.DATA_HOME``.
SKTIME_DATASETS = ("OSULeaf", "ACSF1", "PLAID")
#: Synthetic sets: name -> (classes, steps, series per class, template seed).
SYNTHETIC = {
    "synthetic-many": (50, 1000, 12, 0),
    "synthetic-check": (60, 1500, 12, 1),
    # set aside for round 3's check (regime_selection_round3/RULE.md)
    "synthetic-check2": (52, 2000, 12, 2),
    # set aside for the cross-fitted fusion round's check
    # (fusion_weight_selection_round2/RULE.md)
    "synthetic-check3": (20, 500, 15, 3),
    # set aside for the fusion below 24 series (fusion_weight_small_sizes/RULE.md)
    "synthetic-check4": (4, 300, 15, 4),
    # set aside for the threshold 3 (fusion_weight_three_per_class/RULE.md)
    "synthetic-check5": (10, 400, 13, 5),
}
#: Regime datasets run by default (the check data, PLAID and
#: synthetic-check, is set aside).
DEFAULT_DATASETS = (*DATASETS, "OSULeaf", "ACSF1", "synthetic-many")
DEFAULT_METHODS = ("convlstm-default", "convlstm-ensemble", "rf-stats", "minirocket")
#: Members of ``convlstm-ensemble`` here (compare's default is 5; 3 to fit the
#: time this study had).
ENSEMBLE_MEMBERS = 3
#: Candidates of the regime selection: ConvLSTMClassifier parameters.
CANDIDATES: dict[str, dict[str, Any]] = {
    "cand-wd1": {"weight_decay": 1.0},
    "cand-small": {"conv_channels": (32, 64, 64), "lstm_hidden_size": 32},
    # round 3 exploration (draw 10 only, before its rule): augmentation,
    # longer training and their combinations with weight_decay=1.0
    "cand-aug": {"augmentation": True},
    "cand-aug-wd1": {"augmentation": True, "weight_decay": 1.0},
    "cand-e300": {"max_epochs": 300},
    "cand-aug-wd1-e300": {"augmentation": True, "weight_decay": 1.0, "max_epochs": 300},
    "cand-nobn": {"batch_norm": False},
    "cand-lr1e-3": {"lr": 1e-3},
    "cand-lr1e-2": {"lr": 1e-2},
    "cand-convdrop": {"conv_dropout": 0.3},
    "cand-mean": {"readout": "mean"},
    "cand-noskip": {"conv_skip": False},
    "cand-amp": {"augmentation": True, "augmentation_window": 1.0},
    # round 3: the candidate of regime_selection_round3/RULE.md
    "cand-rk": {"head": "random-kernels"},
}
#: Evaluation series kept per class at most (the rest of TRAIN beyond this is
#: not scored, to bound predict time on large TRAIN splits).
MAX_EVAL_PER_CLASS = 50


def make_many_class(
    n_classes: int,
    n_timesteps: int,
    n_per_class: int,
    template_seed: int,
    noise: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """Make a many-class set: each class a random smooth shape, warped per series.

    The template of a class is a sum of four Gaussian bumps (random centre,
    width 2-8 % of the series, signed amplitude) on a random slow sine. Each
    series is its class template shifted by up to 5 % of the length, stretched
    in time by 0.95-1.05, scaled in amplitude by N(1, 0.1), with Gaussian
    noise of standard deviation ``noise``.

    Returns
    -------
    X : ndarray of shape (n_classes * n_per_class, 1, n_timesteps)
    y : ndarray of str
    """
    templates_rng = np.random.RandomState(template_seed)
    grid = np.linspace(0.0, 1.0, n_timesteps)
    series_rng = np.random.RandomState(1000 + template_seed)
    X = np.empty((n_classes * n_per_class, 1, n_timesteps), dtype=np.float32)
    y = np.empty(n_classes * n_per_class, dtype=object)
    row = 0
    for label in range(n_classes):
        centres = templates_rng.uniform(0.05, 0.95, 4)
        widths = templates_rng.uniform(0.02, 0.08, 4)
        heights = templates_rng.choice([-1, 1], 4) * templates_rng.uniform(0.8, 2, 4)
        frequency = templates_rng.uniform(0.5, 3)
        phase = templates_rng.uniform(0, 2 * np.pi)

        for _ in range(n_per_class):
            shift = series_rng.uniform(-0.05, 0.05)
            stretch = series_rng.uniform(0.95, 1.05)
            warped = (grid - 0.5) * stretch + 0.5 + shift
            bumps = heights * np.exp(-0.5 * ((warped[:, None] - centres) / widths) ** 2)
            shape = bumps.sum(axis=1) + 0.5 * np.sin(
                2 * np.pi * frequency * warped + phase
            )
            X[row, 0] = series_rng.normal(1.0, 0.1) * shape + series_rng.normal(
                0, noise, n_timesteps
            )
            y[row] = f"c{label:02d}"
            row += 1
    return X, y.astype(str)


def load_split(
    name: str, data_home: Path, split: str = "train"
) -> tuple[Any, np.ndarray]:
    """Return a split of a regime dataset: TRAIN, or with ``split="test"`` TEST.

    The synthetic sets are all TRAIN (they have no TEST split).
    """
    from sklearn_convlstm.datasets import load_dataset

    if name in SYNTHETIC:
        if split != "train":
            raise ValueError(f"{name} is synthetic: it has no {split} split")
        return make_many_class(*SYNTHETIC[name])
    home = SKTIME_DATA if name in SKTIME_DATASETS else data_home
    return load_dataset(name, data_home=home, split=split)


def draw_per_class(
    y: np.ndarray, k: int, seed: int, max_eval_per_class: int = MAX_EVAL_PER_CLASS
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``k`` training series per class; the rest (capped) is the eval fold.

    Classes with at most ``k`` series in TRAIN are left out (they could not
    be scored); the draw depends only on ``seed``, ``k`` and ``y``.
    """
    rng = np.random.RandomState(seed * 1000 + k)
    train, evaluation = [], []
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        if len(members) <= k:
            continue
        train.append(members[:k])
        evaluation.append(members[k : k + max_eval_per_class])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(evaluation))


class PooledRidge:
    """Candidate: the default network, then a ridge head on its pooled features.

    The network is trained as usual; its readout (the input of the last
    linear layer, read with a forward hook) is standardised and a
    ``RidgeClassifierCV`` (alphas 1e-2..1e4, leave-one-out) is fitted on it,
    replacing the softmax head at prediction.
    """

    def __init__(self, random_state: int, **params: Any) -> None:
        self.random_state = random_state
        self.params = params

    def _features(self, X: Any) -> np.ndarray:
        captured: list[np.ndarray] = []
        hook = self.network_.net_.module_.head.register_forward_hook(
            lambda module, inputs, output: captured.append(
                inputs[0].detach().float().cpu().numpy()
            )
        )
        try:
            self.network_.predict_proba(X)
        finally:
            hook.remove()
        return np.concatenate(captured)

    def fit(self, X: Any, y: Any) -> PooledRidge:
        """Train the network, then the ridge head on its training readouts."""
        from sklearn.linear_model import RidgeClassifierCV
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        from sklearn_convlstm import ConvLSTMClassifier

        self.network_ = ConvLSTMClassifier(
            random_state=self.random_state, **self.params
        ).fit(X, y)
        self.head_ = make_pipeline(
            StandardScaler(), RidgeClassifierCV(alphas=np.logspace(-2, 4, 13))
        ).fit(self._features(X), y)
        self.history_ = self.network_.history_
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predict with the ridge head on the network's readouts."""
        return self.head_.predict(self._features(X))


def build(method: str, seed: int, quick: bool) -> Any:
    """Return a fresh estimator of ``method`` seeded with ``seed``."""
    from sklearn_convlstm import ConvLSTMClassifier
    from sklearn_convlstm.compare import MethodOptions, make_estimator

    quick_params = {"max_epochs": 2} if quick else {}
    if method in CANDIDATES:
        return ConvLSTMClassifier(
            random_state=seed, **{**CANDIDATES[method], **quick_params}
        )
    if method == "cand-ridgehead":
        return PooledRidge(random_state=seed, **quick_params)
    options = MethodOptions(
        convlstm_params=quick_params, ensemble_size=ENSEMBLE_MEMBERS
    )
    return make_estimator(method, seed, options)


def run_cell(
    dataset: str,
    k: int,
    seed: int,
    method: str,
    data_home: Path,
    quick: bool,
    score_on_test: bool = False,
) -> list[dict[str, Any]]:
    """Fit one method on one draw; return its row.

    The draw is scored on the rest of TRAIN, or with ``score_on_test`` on the
    official TEST split (``scored_on`` says which).

    ``cand-rk`` returns three rows from one fit: the random-kernel head's at
    its fusion weight (10), ``cand-rk3``'s at the weight 3 (the same network
    and ridge), and ``convlstm-default``'s from the same network alone (the
    head is fitted after training and does not change it).
    """
    import warnings

    import torch

    from sklearn_convlstm._classifier import LARGER_CLASSES_FUSION

    torch.set_num_threads(1)
    # k = 1 or 2 series per class: scikit-learn warns that y looks continuous.
    warnings.filterwarnings("ignore", message="The number of unique classes")
    X, y = load_split(dataset, data_home)
    y = np.asarray(y).astype(str)
    train, evaluation = draw_per_class(y, k, seed)
    X_eval, y_eval = take(X, evaluation), y[evaluation]
    if score_on_test:
        X_eval, y_eval = load_split(dataset, data_home, split="test")
        y_eval = np.asarray(y_eval).astype(str)
    estimator = build(method, seed, quick)
    start = time.perf_counter()
    estimator.fit(take(X, train), y[train])
    fit_seconds = time.perf_counter() - start
    predicted = np.asarray(estimator.predict(X_eval)).astype(str)
    history = getattr(estimator, "history_", None)
    row = {
        "dataset": dataset,
        "k": k,
        "seed": seed,
        "method": method,
        # accuracy on the scored series (the name is the regime studies')
        "cv_accuracy": float(np.mean(predicted == y_eval)),
        "fit_seconds": round(fit_seconds, 2),
        "n_classes": len(np.unique(y[train])),
        "n_train": len(train),
        "n_eval": len(y_eval),
        "epochs": "" if history is None else len(history),
        "scored_on": "test" if score_on_test else "train-rest",
    }
    if method != "cand-rk":
        return [row]
    logits = estimator._network_outputs(X_eval)
    network_alone = estimator.classes_[logits.argmax(dim=1).numpy()].astype(str)
    estimator.fusion_weight_ = LARGER_CLASSES_FUSION
    weight_3 = np.asarray(estimator.predict(X_eval)).astype(str)
    return [
        row,
        {
            **row,
            "method": "cand-rk3",
            "cv_accuracy": float(np.mean(weight_3 == y_eval)),
        },
        {
            **row,
            "method": "convlstm-default",
            "cv_accuracy": float(np.mean(network_alone == y_eval)),
        },
    ]


def summary_table(rows: Sequence[dict[str, str]], methods: Sequence[str]) -> str:
    """Mean CV accuracy per (dataset, k) and method, over draws; + fit seconds."""
    cells = list(dict.fromkeys((row["dataset"], int(row["k"])) for row in rows))
    cells.sort(key=lambda cell: (cell[1], cell[0]))
    header = ["k", "dataset", "draws", *methods, "default fit s"]
    lines = []
    for dataset, k in cells:
        here = [r for r in rows if r["dataset"] == dataset and int(r["k"]) == k]
        values = []
        for method in methods:
            scores = [float(r["cv_accuracy"]) for r in here if r["method"] == method]
            values.append(f"{np.mean(scores):.3f}" if scores else "")
        fits = [
            float(r["fit_seconds"]) for r in here if r["method"] == "convlstm-default"
        ]
        draws = len({r["seed"] for r in here})
        fit_cell = f"{np.mean(fits):.0f}" if fits else ""
        lines.append([str(k), dataset, str(draws), *values, fit_cell])
    for k in sorted({cell[1] for cell in cells}):
        here = [r for r in rows if int(r["k"]) == k]
        means = []
        for method in methods:
            per_cell = [
                np.mean(
                    [
                        float(r["cv_accuracy"])
                        for r in here
                        if r["method"] == method and r["dataset"] == dataset
                    ]
                )
                for dataset, kk in cells
                if kk == k
                and any(r["method"] == method and r["dataset"] == dataset for r in here)
            ]
            n_cells = sum(1 for _, kk in cells if kk == k)
            partial = (
                f" ({len(per_cell)} of {n_cells})" if len(per_cell) < n_cells else ""
            )
            means.append(f"**{np.mean(per_cell):.3f}**{partial}" if per_cell else "")
        lines.append([str(k), "**mean**", "", *means, ""])
    return markdown_table(header, lines)


def write_report(out: Path, command: str, methods: Sequence[str]) -> Path:
    """Write ``regimes.md`` from ``regimes.csv`` (all rows so far)."""
    rows = read_csv([out / "regimes.csv"])
    present = [m for m in methods if any(r["method"] == m for r in rows)]
    present += [m for m in dict.fromkeys(r["method"] for r in rows) if m not in present]
    lines = report_preamble(
        "Regime tests: few series per class, many classes, long series",
        (__doc__ or "").split("Usage::")[0].strip(),
        command,
        machine_description(),
    )
    on_test = any(r.get("scored_on") == "test" for r in rows)
    scored = (
        "the official TEST split (reported, not chosen on)"
        if on_test
        else "the evaluation fold (the TRAIN series not drawn)"
    )
    lines += [
        f"Mean accuracy on {scored}, over "
        "draws (each draw: its own subsample and estimator seed). k: training "
        "series per class. `convlstm-ensemble`: a seed ensemble of "
        f"{ENSEMBLE_MEMBERS} default networks (`make_seed_ensemble`). A mean "
        "marked (n of m) is over the n cells the method was run on.",
        "",
        summary_table(rows, present),
        "",
    ]
    path = out / "regimes.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_out_argument(parser)
    parser.add_argument("--datasets", type=comma_list, default=list(DEFAULT_DATASETS))
    parser.add_argument("--data-home", type=Path, default=DATA_HOME)
    parser.add_argument(
        "--ks", type=comma_ints, default=[1, 2, 5], help="series per class"
    )
    parser.add_argument(
        "--seeds", type=comma_ints, default=[0, 1], help="draws (and estimator seeds)"
    )
    parser.add_argument("--methods", type=comma_list, default=list(DEFAULT_METHODS))
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument(
        "--quick", action="store_true", help="2 epochs, k=1, seed 0 (a smoke test)"
    )
    parser.add_argument(
        "--score-on-test",
        action="store_true",
        help="score the draws on the official TEST split (a report, never a "
        "choice; a folder of its own)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.ks, args.seeds = [1], [0]
    scored_on = "test" if args.score_on_test else "train-rest"
    if args.score_on_test and (synthetic := set(args.datasets) & set(SYNTHETIC)):
        parser.error(f"--score-on-test: {sorted(synthetic)} have no TEST split")
    command = command_line(__spec__.name if __spec__ else __name__, argv)
    csv_path = args.out / "regimes.csv"
    done = set()
    if csv_path.exists():
        previous = read_csv([csv_path])
        if any(r.get("scored_on", "train-rest") != scored_on for r in previous):
            parser.error(
                f"{csv_path} holds rows scored otherwise than on {scored_on}: "
                "use another --out folder"
            )
        done = {
            (r["dataset"], int(r["k"]), int(r["seed"]), r["method"]) for r in previous
        }
    # cheap methods first, then by cost
    tasks = [
        (dataset, k, seed, method, args.data_home, args.quick, args.score_on_test)
        for method in args.methods
        for seed in args.seeds
        for k in args.ks
        for dataset in args.datasets
        if (dataset, k, seed, method) not in done
    ]
    from joblib import Parallel, delayed

    start = time.perf_counter()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    results = Parallel(n_jobs=args.jobs, return_as="generator_unordered")(
        delayed(run_cell)(*task) for task in tasks
    )
    for rows in results:
        append_csv(rows, csv_path)
        for row in rows:
            print(
                f"{row['dataset']} k={row['k']} seed={row['seed']} {row['method']}: "
                f"{row['cv_accuracy']:.3f} ({row['fit_seconds']} s)",
                flush=True,
            )
    wall = time.perf_counter() - start
    write_metadata(
        args.out,
        command=command,
        wall_seconds=wall,
        append=True,
        extra={
            "datasets": args.datasets,
            "ks": args.ks,
            "seeds": args.seeds,
            "methods": args.methods,
            "ensemble_members": ENSEMBLE_MEMBERS,
            "synthetic": SYNTHETIC,
            "set_aside": ["PLAID", "synthetic-check", "synthetic-check2"],
            "scored_on": scored_on,
        },
    )
    if csv_path.exists():
        # every invocation that added rows to the folder, in order
        commands = [
            run["command"]
            for run in read_metadata(args.out)["runs"]
            if run["command"].startswith(
                f"python -m {__spec__.name if __spec__ else __name__}"
            )
        ]
        write_report(args.out, "\n".join(dict.fromkeys(commands)), args.methods)


if __name__ == "__main__":
    main()
