"""Regression regime tests: ConvLSTMRegressor against cheap baselines, CV on TRAIN.

Tasks (:mod:`benchmarks.regression.tasks`): synthetic kinds (window
statistics at fixed positions, frequency or phase of a noisy oscillation,
bump amplitude, trend, multichannel interactions, noise-dominated targets)
and the TRAIN splits of Tecator and Covid3Month (whole, and with targets
partly shuffled). Each task is scored by 3-fold shuffled ``KFold``
cross-validation (seeded by ``--cv-seeds``); test splits are never read. The
CHECK tasks (``--set check``) were set aside before any run and are not used
to choose. The methods:

- ``default``: the regressor's default before this study,
  ``ConvLSTMRegressor(random_state=seed)`` (with ``head="network"`` once the
  regressor has that parameter); ``new-default``: ``ConvLSTMRegressor(
  random_state=seed)`` as the package defines it when the script runs
  (``regressor_params`` in the metadata record its parameters). The check
  run of ``benchmarks/results/regression_regimes`` ran it on a working tree
  with the ``es-rk`` candidate implemented as ``head="auto"``; its rows are
  labelled ``es-rk-head`` there (the implementation was then withdrawn);
- ``ridge-raw``: ``StandardScaler`` + ``RidgeCV`` on the raw values
  (flattened, zero-padded to the longest series);
- ``rf-stats``, ``minirocket``: ``compare``'s regression baselines
  (``make_estimator(..., MethodOptions(task="regression"))``);
- ``mean``: the training mean (``DummyRegressor``);
- candidates: ``es-family`` is one fit with ``early_stopping=True`` (a
  random 20 % of the training fold held out, the best weights restored) that
  yields seven rows: ``es`` (the network alone), ``es-shrink`` (its
  predictions shrunk toward the training mean by a factor chosen on the
  held-out 20 %), ``es-rk`` (a blend with a ridge regression on the
  random-kernel features of :class:`sklearn_convlstm.nn.RandomKernelFeatures`,
  blend weight chosen on the held-out 20 %), ``es-rk-shrink`` (both),
  ``rk`` (the random-kernel ridge alone) and, added for the second round
  (``regression_regimes_round2``), ``es-rk-clip`` and ``es-rk-clip-shrink``:
  ``es-rk`` and ``es-rk-shrink`` with the ridge's predictions clipped to the
  range of the targets it was fitted on, and, for the third round
  (``regression_regimes_round3``), ``es-rk-clip-guard``: ``es-rk-clip-shrink``,
  or the training mean where the chosen blend's R² on the held-out 20 % is
  below :data:`GUARD_R2`, and, for the fourth (``regression_regimes_round4``),
  ``es-rk-clip-perm``: the same with the threshold what the choice reaches on
  the held-out targets permuted (:func:`chance_r2`); ``cf-family``
  (``regression_regimes_round5``): the same head chosen by cross-fitting
  (:class:`CrossFitBlend`), rows ``cf`` (the inner networks averaged),
  ``cf-rk-clip-shrink`` and ``cf-rk-clip-perm``; ``wd-scaled``: weight decay
  ``0.1 * max(1, 1000 / n_train)``.

Usage::

    python -m benchmarks.regression.bench_regression_regimes \
        --out benchmarks/results/regression_regimes
    python -m benchmarks.regression.bench_regression_regimes --quick --out /tmp/rr

Rows go to ``regression_regimes.csv`` as fits finish, one per (task, CV seed,
fold, method); a rerun skips the fits already there, so a run resumes.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.harness import (
    add_out_argument,
    append_csv,
    comma_ints,
    comma_list,
    command_line,
    jsonable,
    machine_description,
    markdown_table,
    read_csv,
    read_metadata,
    report_preamble,
    take,
    write_metadata,
)
from benchmarks.regression.tasks import (
    CHECK_TASKS,
    QUICK_TASKS,
    SELECTION_TASKS,
    TASKS,
)

CSV_NAME = "regression_regimes.csv"
REPORT_NAME = "tables.md"
N_FOLDS = 3
BASELINES = ("mean", "ridge-raw", "rf-stats", "minirocket")
#: Fits (a fit may give several method rows) in the order they run: cheap first.
DEFAULT_FITS = ("mean", "ridge-raw", "rf-stats", "minirocket", "default", "es-family")
#: Every fit :func:`build` knows.
KNOWN_FITS = (*DEFAULT_FITS, "new-default", "wd-scaled", "cf-family")
#: Rows each fit gives.
FIT_METHODS = {
    "es-family": (
        "es",
        "es-shrink",
        "es-rk",
        "es-rk-shrink",
        "rk",
        "es-rk-clip",
        "es-rk-clip-shrink",
        "es-rk-clip-guard",
        "es-rk-clip-perm",
    ),
    "cf-family": ("cf", "cf-rk-clip-shrink", "cf-rk-clip-perm"),
}
#: Round 5: inner folds of the cross-fitted blend (``cf-family``).
CROSS_FIT_FOLDS = 3
#: Round 3's guard: below this R² of the chosen blend on the held-out 20 %
#: (against the mean of the 80 %), ``es-rk-clip-guard`` predicts the mean.
GUARD_R2 = 0.1
#: Round 4's guard: the mean where the chosen blend's held-out R² is below this
#: quantile of the best-of-grid R² with the held-out targets permuted.
PERMUTATIONS = 100
PERMUTATION_QUANTILE = 0.95
#: Grid of blend weights (network share) and shrinkage factors.
GRID = np.linspace(0.0, 1.0, 11)
#: Ridge penalties of the random-kernel ridge (MiniRocket's).
RIDGE_ALPHAS = np.logspace(-3, 3, 10)


def methods_of(fit: str) -> tuple[str, ...]:
    """Return the method rows one fit gives."""
    return FIT_METHODS.get(fit, (fit,))


def flatten_padded(X: Any) -> np.ndarray:
    """Return series as rows of raw values, zero-padded to the longest."""
    if isinstance(X, np.ndarray):
        return X.reshape(len(X), -1)
    width = max(np.asarray(x).shape[-1] for x in X)
    rows = [
        np.pad(np.atleast_2d(x), ((0, 0), (0, width - np.asarray(x).shape[-1])))
        for x in X
    ]
    return np.stack(rows).reshape(len(rows), -1)


class RawRidge:
    """``StandardScaler`` + ``RidgeCV`` on the flattened raw values."""

    def fit(self, X: Any, y: np.ndarray) -> RawRidge:
        """Fit the ridge on the flattened series."""
        from sklearn.linear_model import RidgeCV
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self.width_ = flatten_padded(X[:1] if isinstance(X, np.ndarray) else X)
        self.model_ = make_pipeline(
            StandardScaler(), RidgeCV(alphas=np.logspace(-3, 5, 17))
        ).fit(flatten_padded(X), y)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predict from the flattened series (padded or cut to the fitted width)."""
        flat = flatten_padded(X)
        width = self.model_[0].n_features_in_
        if flat.shape[1] < width:
            flat = np.pad(flat, ((0, 0), (0, width - flat.shape[1])))
        return self.model_.predict(flat[:, :width])


def best_blend(
    y: np.ndarray,
    network: np.ndarray,
    ridge: np.ndarray | None,
    mean: float | np.ndarray,
) -> tuple[float, float]:
    """Return the (network weight, shrinkage) of least squared error on ``y``.

    The prediction is ``mean + shrink * (w * network + (1 - w) * ridge -
    mean)`` over :data:`GRID` for both; without ``ridge``, ``w`` is 1. Ties
    go to the larger weight and shrinkage (the earliest in the reversed grid).
    ``mean`` may be one value per series (the mean each series shrinks toward).
    """
    weights = GRID[::-1] if ridge is not None else np.array([1.0])
    best = (np.inf, 1.0, 1.0)
    for w in weights:
        blend = w * network + (0.0 if ridge is None else (1 - w) * ridge)
        for shrink in GRID[::-1]:
            error = float(np.mean((mean + shrink * (blend - mean) - y) ** 2))
            if error < best[0] - 1e-12:
                best = (error, float(w), float(shrink))
    return best[1], best[2]


def blend_r2(
    y: np.ndarray, network: np.ndarray, ridge: np.ndarray, mean: float | np.ndarray
) -> float:
    """Return the R² (against ``mean``) of the blend :func:`best_blend` chooses."""
    w, shrink = best_blend(y, network, ridge, mean)
    predicted = mean + shrink * (w * network + (1 - w) * ridge - mean)
    spread = float(np.mean((mean - y) ** 2))
    if spread == 0:
        return 0.0
    return 1.0 - float(np.mean((predicted - y) ** 2)) / spread


def chance_r2(
    y: np.ndarray,
    network: np.ndarray,
    ridge: np.ndarray,
    mean: float | np.ndarray,
    seed: int,
) -> float:
    """Return what :func:`blend_r2` reaches by chance on these held-out series.

    Its :data:`PERMUTATION_QUANTILE` quantile over :data:`PERMUTATIONS`
    permutations of ``y`` (the predictions kept in place).
    """
    rng = np.random.RandomState(seed)
    values = [
        blend_r2(rng.permutation(y), network, ridge, mean) for _ in range(PERMUTATIONS)
    ]
    return float(np.quantile(values, PERMUTATION_QUANTILE))


class ValidatedBlend:
    """Candidates ``es*``/``rk``: an early-stopped network, a random-kernel ridge.

    One fit: ``ConvLSTMRegressor(early_stopping=True)`` (its random 20 %
    validation split, best weights restored); the random-kernel features of
    the network-scaled training series (10,000, MiniRocket's) with a
    ``RidgeCV`` fitted on the 80 % the network trains on; the blend weight
    and shrinkage toward the training mean chosen on the 20 %
    (:func:`best_blend`); then the ridge refitted on all training series.
    """

    def __init__(self, random_state: int, **params: Any) -> None:
        self.random_state = random_state
        self.params = params

    def _scaled(self, X: np.ndarray) -> Any:
        import torch

        x = torch.as_tensor(np.asarray(X, dtype=np.float32))
        scaling = self.network_.net_.module_.input_scaling
        with torch.no_grad():
            return x if scaling is None else scaling(x).float()

    def _fit_ridge(self, X: np.ndarray, y: np.ndarray) -> tuple[Any, Any]:
        from sklearn.linear_model import RidgeCV
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        from sklearn_convlstm.nn import RandomKernelFeatures

        x = self._scaled(X)
        features = RandomKernelFeatures.from_training_series(
            x, random_state=self.random_state
        )
        table = features(x).double().numpy()
        ridge = make_pipeline(StandardScaler(), RidgeCV(alphas=RIDGE_ALPHAS))
        return features, ridge.fit(table, y)

    def _ridge_predict(self, X: np.ndarray) -> np.ndarray:
        return self.ridge_.predict(self.features_(self._scaled(X)).double().numpy())

    def fit(self, X: np.ndarray, y: np.ndarray) -> ValidatedBlend:
        """Train the network and the ridge; choose the blends on the 20 %."""
        from sklearn_convlstm import ConvLSTMRegressor
        from sklearn_convlstm._parameters import draw_seed

        start = time.perf_counter()
        self.network_ = ConvLSTMRegressor(
            random_state=self.random_state, early_stopping=True, **self.params
        ).fit(X, y)
        self.network_seconds_ = time.perf_counter() - start
        train, valid = self.network_._validation_split(
            np.asarray(y)[:, None], draw_seed(self.random_state)
        )
        self.mean_ = float(np.mean(y))
        network_valid = self.network_.predict(X[valid])
        self.features_, self.ridge_ = self._fit_ridge(X[train], y[train])
        ridge_valid = self._ridge_predict(X[valid])
        mean_train = float(np.mean(y[train]))
        self.shrink_only_ = best_blend(y[valid], network_valid, None, mean_train)
        self.blend_only_ = best_blend(y[valid], network_valid, ridge_valid, mean_train)
        # weight chosen with shrinkage fixed at 1 (no shrink)
        errors = [
            float(np.mean((w * network_valid + (1 - w) * ridge_valid - y[valid]) ** 2))
            for w in GRID
        ]
        self.weight_no_shrink_ = float(GRID[int(np.argmin(errors))])
        # round 2: the ridge clipped to the range of the targets it was fitted on
        clipped_valid = np.clip(ridge_valid, y[train].min(), y[train].max())
        self.blend_clip_ = best_blend(
            y[valid], network_valid, clipped_valid, mean_train
        )
        errors = [
            float(
                np.mean((w * network_valid + (1 - w) * clipped_valid - y[valid]) ** 2)
            )
            for w in GRID
        ]
        self.weight_clip_no_shrink_ = float(GRID[int(np.argmin(errors))])
        # round 3: the mean where the chosen blend barely beats it on the 20 %
        self.clip_valid_r2_ = blend_r2(
            y[valid], network_valid, clipped_valid, mean_train
        )
        self.guarded_ = self.clip_valid_r2_ < GUARD_R2
        # round 4: the threshold is what the same choice reaches on permuted targets
        self.chance_r2_ = chance_r2(
            y[valid], network_valid, clipped_valid, mean_train, self.random_state
        )
        self.perm_guarded_ = self.clip_valid_r2_ < self.chance_r2_
        self.low_, self.high_ = float(np.min(y)), float(np.max(y))
        self.features_, self.ridge_ = self._fit_ridge(X, y)
        self.history_ = self.network_.history_
        return self

    def predict_all(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Predictions of the five candidate rows."""
        network = self.network_.predict(X)
        ridge = self._ridge_predict(X)
        m = self.mean_
        _, shrink = self.shrink_only_
        w, s = self.blend_only_
        v = self.weight_no_shrink_
        clipped = np.clip(ridge, self.low_, self.high_)
        vc = self.weight_clip_no_shrink_
        wc, sc = self.blend_clip_
        clip_shrink = m + sc * (wc * network + (1 - wc) * clipped - m)
        return {
            "es-rk-clip": vc * network + (1 - vc) * clipped,
            "es-rk-clip-shrink": clip_shrink,
            "es-rk-clip-guard": np.full_like(clip_shrink, m)
            if self.guarded_
            else clip_shrink,
            "es-rk-clip-perm": np.full_like(clip_shrink, m)
            if self.perm_guarded_
            else clip_shrink,
            "es": network,
            "es-shrink": m + shrink * (network - m),
            "es-rk": v * network + (1 - v) * ridge,
            "es-rk-shrink": m + s * (w * network + (1 - w) * ridge - m),
            "rk": ridge,
        }

    def chosen(self) -> dict[str, Any]:
        """Return the blend weights and shrinkages chosen (for the rows)."""
        return {
            "shrink": self.shrink_only_[1],
            "weight_no_shrink": self.weight_no_shrink_,
            "weight": self.blend_only_[0],
            "weight_shrink": self.blend_only_[1],
            "clip_weight_no_shrink": self.weight_clip_no_shrink_,
            "clip_weight": self.blend_clip_[0],
            "clip_weight_shrink": self.blend_clip_[1],
            "clip_valid_r2": self.clip_valid_r2_,
            "guarded": self.guarded_,
            "chance_r2": self.chance_r2_,
            "perm_guarded": self.perm_guarded_,
        }


class CrossFitBlend:
    """Round 5's candidates ``cf*``: the blend chosen by cross-fitting.

    The training series are split into :data:`CROSS_FIT_FOLDS` shuffled
    folds; on each, an early-stopped network and a clipped random-kernel ridge
    (as :class:`ValidatedBlend`'s) are trained on the other folds. Their
    out-of-fold predictions, on every training series, choose the blend weight
    and the shrinkage (toward the mean of the targets each series' models were
    trained on) and decide the permutation guard (:func:`chance_r2`).
    Predictions average the inner models; nothing is refitted on all series.
    """

    def __init__(self, random_state: int, **params: Any) -> None:
        self.random_state = random_state
        self.params = params

    def fit(self, X: np.ndarray, y: np.ndarray) -> CrossFitBlend:
        """Train the inner models; choose the blend on their out-of-fold predictions."""
        from sklearn.model_selection import KFold

        from sklearn_convlstm.ensemble import member_seeds

        y = np.asarray(y, dtype=np.float64)
        seeds = member_seeds(self.random_state, CROSS_FIT_FOLDS)
        folds = KFold(CROSS_FIT_FOLDS, shuffle=True, random_state=self.random_state)
        network_oof, ridge_oof, mean_oof = (np.empty(len(y)) for _ in range(3))
        self.members_: list[tuple[ValidatedBlend, float, float]] = []
        for seed, (inner_train, inner_valid) in zip(seeds, folds.split(y), strict=True):
            member = ValidatedBlend(random_state=int(seed or 0), **self.params)
            member.network_ = _early_stopped_network(
                member.random_state, self.params, X[inner_train], y[inner_train]
            )
            member.features_, member.ridge_ = member._fit_ridge(
                X[inner_train], y[inner_train]
            )
            low, high = float(y[inner_train].min()), float(y[inner_train].max())
            self.members_.append((member, low, high))
            network_oof[inner_valid] = member.network_.predict(X[inner_valid])
            ridge_oof[inner_valid] = np.clip(
                member._ridge_predict(X[inner_valid]), low, high
            )
            mean_oof[inner_valid] = float(np.mean(y[inner_train]))
        self.oof_ = {"network": network_oof, "ridge": ridge_oof, "mean": mean_oof}
        self.mean_ = float(np.mean(y))
        self.blend_ = best_blend(y, network_oof, ridge_oof, mean_oof)
        self.oof_r2_ = blend_r2(y, network_oof, ridge_oof, mean_oof)
        self.chance_r2_ = chance_r2(
            y, network_oof, ridge_oof, mean_oof, self.random_state
        )
        self.perm_guarded_ = self.oof_r2_ < self.chance_r2_
        self.history_ = [
            epoch for m, _, _ in self.members_ for epoch in m.network_.history_
        ]
        return self

    def predict_all(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Predictions of the three candidate rows."""
        network = np.mean([m.network_.predict(X) for m, _, _ in self.members_], axis=0)
        ridge = np.mean(
            [np.clip(m._ridge_predict(X), low, high) for m, low, high in self.members_],
            axis=0,
        )
        w, s = self.blend_
        blend = self.mean_ + s * (w * network + (1 - w) * ridge - self.mean_)
        return {
            "cf": network,
            "cf-rk-clip-shrink": blend,
            "cf-rk-clip-perm": np.full_like(blend, self.mean_)
            if self.perm_guarded_
            else blend,
        }

    def chosen(self) -> dict[str, Any]:
        """Return the blend chosen and the guard's figures (for the rows)."""
        return {
            "weight": self.blend_[0],
            "shrink": self.blend_[1],
            "oof_r2": self.oof_r2_,
            "chance_r2": self.chance_r2_,
            "perm_guarded": self.perm_guarded_,
            "epochs": [len(m.network_.history_) for m, _, _ in self.members_],
        }


def _early_stopped_network(
    seed: int, params: dict[str, Any], X: np.ndarray, y: np.ndarray
) -> Any:
    """Return ``ConvLSTMRegressor(early_stopping=True)`` fitted on ``(X, y)``."""
    from sklearn_convlstm import ConvLSTMRegressor

    return ConvLSTMRegressor(random_state=seed, early_stopping=True, **params).fit(X, y)


def build(fit: str, seed: int, n_train: int, quick: bool) -> Any:
    """Return a fresh estimator of ``fit`` seeded with ``seed``."""
    from sklearn.dummy import DummyRegressor

    from sklearn_convlstm import ConvLSTMRegressor
    from sklearn_convlstm.compare import MethodOptions, make_estimator

    quick_params: dict[str, Any] = {"max_epochs": 2} if quick else {}
    if fit == "mean":
        return DummyRegressor()
    if fit == "ridge-raw":
        return RawRidge()
    if fit in ("rf-stats", "minirocket"):
        return make_estimator(fit, seed, MethodOptions(task="regression"))
    if fit == "default":
        # the default before this study: the network alone (head="network"
        # once the regressor has a head parameter)
        old: dict[str, Any] = (
            {"head": "network"} if "head" in ConvLSTMRegressor().get_params() else {}
        )
        return ConvLSTMRegressor(random_state=seed, **old, **quick_params)
    if fit == "new-default":
        return ConvLSTMRegressor(random_state=seed, **quick_params)
    if fit == "wd-scaled":
        return ConvLSTMRegressor(
            random_state=seed,
            weight_decay=0.1 * max(1.0, 1000 / n_train),
            **quick_params,
        )
    if fit == "es-family":
        return ValidatedBlend(random_state=seed, **quick_params)
    if fit == "cf-family":
        return CrossFitBlend(random_state=seed, **quick_params)
    raise ValueError(f"unknown fit {fit!r}; expected one of {KNOWN_FITS}")


def r2(y: np.ndarray, predicted: np.ndarray) -> float:
    from sklearn.metrics import r2_score

    return float(r2_score(y, predicted))


def run_fold(task_name: str, cv_seed: int, fold: int, fit: str, quick: bool) -> list:
    """Fit one method on one fold of one task; return its row(s)."""
    import torch
    from sklearn.model_selection import KFold

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", category=UserWarning)
    X, y = TASKS[task_name].load()
    folds = list(KFold(N_FOLDS, shuffle=True, random_state=cv_seed).split(y))
    train, test = folds[fold]
    seed = 1000 * cv_seed + fold
    estimator = build(fit, seed, len(train), quick)
    X_train, X_test = take(X, train), take(X, test)
    start = time.perf_counter()
    estimator.fit(X_train, y[train])
    fit_seconds = time.perf_counter() - start
    history = getattr(estimator, "history_", None)
    base = {
        "task": task_name,
        "cv_seed": cv_seed,
        "fold": fold,
        "fit": fit,
        "n_train": len(train),
        "n_test": len(test),
        "fit_seconds": round(fit_seconds, 2),
        "epochs": "" if history is None else len(history),
    }
    if fit in FIT_METHODS:
        test_predictions = estimator.predict_all(X_test)
        train_predictions = estimator.predict_all(X_train)
        chosen = json.dumps(estimator.chosen())
        return [
            {
                **base,
                "method": method,
                "cv_r2": r2(y[test], test_predictions[method]),
                "train_r2": r2(y[train], train_predictions[method]),
                "chosen": chosen,
            }
            for method in methods_of(fit)
        ]
    return [
        {
            **base,
            "method": fit,
            "cv_r2": r2(y[test], estimator.predict(X_test)),
            "train_r2": r2(y[train], estimator.predict(X_train)),
            "chosen": "",
        }
    ]


# ---------------------------------------------------------------- summaries


def mean_r2(
    rows: Sequence[dict[str, str]], task: str, method: str, cv_seed: int | None
) -> float:
    """Mean CV R² over the folds of one task (one CV seed, or all); NaN if none."""
    values = [
        float(r["cv_r2"])
        for r in rows
        if r["task"] == task
        and r["method"] == method
        and (cv_seed is None or int(r["cv_seed"]) == cv_seed)
    ]
    return (
        float(np.mean(values))
        if len(values) == N_FOLDS or (cv_seed is None and values)
        else float("nan")
    )


def judge(
    rows: Sequence[dict[str, str]],
    tasks: Sequence[str],
    candidate: str,
    cv_seed: int,
    gain: float = 0.02,
    tolerance: float = 0.03,
) -> dict[str, Any]:
    """Apply the rule of the report to one candidate on one CV seed.

    Passes when the candidate's mean CV R² over ``tasks`` is at least
    ``gain`` above the default's and on no task more than ``tolerance``
    below it; ``passes`` is None until every task has both.
    """
    pairs = [
        (
            task,
            mean_r2(rows, task, "default", cv_seed),
            mean_r2(rows, task, candidate, cv_seed),
        )
        for task in tasks
    ]
    pairs = [p for p in pairs if not (np.isnan(p[1]) or np.isnan(p[2]))]
    if not pairs:
        return {"candidate": candidate, "cv_seed": cv_seed, "tasks": 0, "passes": None}
    differences = np.array([c - d for _, d, c in pairs])
    worst = int(np.argmin(differences))
    return {
        "candidate": candidate,
        "cv_seed": cv_seed,
        "tasks": len(pairs),
        "mean_gain": float(differences.mean()),
        "worst_task": pairs[worst][0],
        "worst_difference": float(differences[worst]),
        # no verdict until every task has both (a partial run)
        "passes": None
        if len(pairs) < len(tasks)
        else bool(differences.mean() >= gain and differences.min() >= -tolerance),
    }


def task_table(
    rows: Sequence[dict[str, str]],
    tasks: Sequence[str],
    methods: Sequence[str],
    cv_seed: int | None,
) -> str:
    """Mean CV R² per task and method (and the mean over tasks)."""
    header = ["task", "n", *methods]
    lines = []
    for task in tasks:
        first = next((r for r in rows if r["task"] == task), None)
        n_total = (
            "" if first is None else str(int(first["n_train"]) + int(first["n_test"]))
        )
        lines.append(
            [task, n_total] + [_cell(mean_r2(rows, task, m, cv_seed)) for m in methods]
        )
    means = []
    for method in methods:
        values = [mean_r2(rows, task, method, cv_seed) for task in tasks]
        values = [v for v in values if not np.isnan(v)]
        partial = f" ({len(values)}/{len(tasks)})" if len(values) < len(tasks) else ""
        means.append(f"**{np.mean(values):.3f}**{partial}" if values else "")
    lines.append(["**mean**", "", *means])
    return markdown_table(header, lines)


def detail_table(
    rows: Sequence[dict[str, str]], tasks: Sequence[str], methods: Sequence[str]
) -> str:
    """Per task and method: CV R² (all seeds), train R², fit seconds, epochs."""
    header = ["task", "method", "CV R²", "train R²", "fit s", "epochs", "folds"]
    lines = []
    for task in tasks:
        for method in methods:
            here = [r for r in rows if r["task"] == task and r["method"] == method]
            if not here:
                continue
            epochs = [float(r["epochs"]) for r in here if r["epochs"]]
            lines.append(
                [
                    task,
                    method,
                    _cell(float(np.mean([float(r["cv_r2"]) for r in here]))),
                    _cell(float(np.mean([float(r["train_r2"]) for r in here]))),
                    f"{np.mean([float(r['fit_seconds']) for r in here]):.1f}",
                    f"{np.mean(epochs):.0f}" if epochs else "",
                    str(len(here)),
                ]
            )
    return markdown_table(header, lines)


def verdict_table(
    rows: Sequence[dict[str, str]], tasks: Sequence[str], candidates: Sequence[str]
) -> str:
    """Tabulate the rule (:func:`judge`) per candidate and CV seed present."""
    header = [
        "candidate",
        "CV seed",
        "tasks",
        "mean gain",
        "worst task",
        "worst",
        "passes",
    ]
    lines = []
    seeds = sorted({int(r["cv_seed"]) for r in rows if r["task"] in tasks})
    for candidate in candidates:
        for cv_seed in seeds:
            verdict = judge(rows, tasks, candidate, cv_seed)
            if not verdict["tasks"]:
                continue
            lines.append(
                [
                    candidate,
                    str(cv_seed),
                    str(verdict["tasks"]),
                    f"{verdict['mean_gain']:+.3f}",
                    verdict["worst_task"],
                    f"{verdict['worst_difference']:+.3f}",
                    {True: "yes", False: "no", None: "(incomplete)"}[verdict["passes"]],
                ]
            )
    return markdown_table(header, lines)


def target_table(
    rows: Sequence[dict[str, str]], tasks: Sequence[str], methods: Sequence[str]
) -> str:
    """Tabulate the issue's targets: each method against the best baseline and RF.

    Per task, over every CV seed present: the best of ``ridge-raw``,
    ``rf-stats`` and ``minirocket``, and each method's difference to it and
    to ``rf-stats`` (the target: within 0.05 of the best baseline; never more
    than 0.05 below ``rf-stats`` where nothing is predictable).
    """
    header = ["task", "best baseline", *[f"{m}: vs best / vs rf" for m in methods]]
    lines = []
    for task in tasks:
        baselines = {
            m: mean_r2(rows, task, m, None)
            for m in ("ridge-raw", "rf-stats", "minirocket")
        }
        baselines = {m: v for m, v in baselines.items() if not np.isnan(v)}
        if not baselines:
            continue
        best = max(baselines, key=lambda m: baselines[m])
        cells = []
        for method in methods:
            value = mean_r2(rows, task, method, None)
            if np.isnan(value):
                cells.append("")
                continue
            rf = baselines.get("rf-stats", float("nan"))
            cells.append(f"{value - baselines[best]:+.3f} / {value - rf:+.3f}")
        lines.append([task, f"{best} {baselines[best]:.3f}", *cells])
    return markdown_table(header, lines)


def _cell(value: float) -> str:
    return "" if np.isnan(value) else f"{value:.3f}"


def write_report(out: Path, command: str) -> Path:
    """Write the tables of ``regression_regimes.csv`` to ``tables.md``."""
    rows = read_csv([out / CSV_NAME])
    present = list(dict.fromkeys(r["method"] for r in rows))
    order = [
        *BASELINES,
        "default",
        "new-default",
        "es-rk-head",
        "wd-scaled",
        *FIT_METHODS["es-family"],
        *FIT_METHODS["cf-family"],
    ]
    methods = [m for m in order if m in present] + [
        m for m in present if m not in order
    ]
    lines = report_preamble(
        "Regression regime tests (tables)",
        (__doc__ or "").split("Usage::")[0].strip(),
        command,
        machine_description(),
    )
    for title, task_set in (
        ("Selection tasks", [t.name for t in SELECTION_TASKS]),
        ("Check tasks (set aside; not used to choose)", [t.name for t in CHECK_TASKS]),
        ("Quick tasks", [t.name for t in QUICK_TASKS]),
    ):
        tasks = [t for t in task_set if any(r["task"] == t for r in rows)]
        if not tasks:
            continue
        lines += [f"## {title}", ""]
        for cv_seed in sorted({int(r["cv_seed"]) for r in rows if r["task"] in tasks}):
            lines += [
                f"Mean CV R² over {N_FOLDS} folds, CV seed {cv_seed}:",
                "",
                task_table(rows, tasks, methods, cv_seed),
                "",
            ]
        candidates = [
            m
            for m in (
                "es-rk-head",
                "es",
                "es-shrink",
                "es-rk",
                "es-rk-shrink",
                "es-rk-clip",
                "es-rk-clip-shrink",
                "es-rk-clip-guard",
                "es-rk-clip-perm",
                "cf",
                "cf-rk-clip-shrink",
                "cf-rk-clip-perm",
                "new-default",
                "wd-scaled",
            )
            if m in methods
        ]
        lines += [
            "The rule of `RULE.md` (candidate against `default`, same folds: mean "
            "gain >= +0.02 and no task below -0.03):",
            "",
            verdict_table(rows, tasks, candidates),
            "",
            "The issue's targets (all CV seeds): difference to the best baseline "
            "/ to `rf-stats`:",
            "",
            target_table(rows, tasks, ["default", *candidates, "rk"]),
            "",
        ]
        lines += [
            "All CV seeds: mean CV R², mean training R² (the fold's training "
            "series), mean fit seconds, mean epochs trained:",
            "",
            detail_table(rows, tasks, methods),
            "",
        ]
    path = out / REPORT_NAME
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_out_argument(parser)
    parser.add_argument(
        "--set",
        choices=("selection", "check"),
        default="selection",
        help="which tasks: the selection tasks or the set-aside check tasks",
    )
    parser.add_argument(
        "--tasks", type=comma_list, default=None, help="task names (default: the set)"
    )
    parser.add_argument("--fits", type=comma_list, default=list(DEFAULT_FITS))
    parser.add_argument("--cv-seeds", type=comma_ints, default=[0])
    parser.add_argument(
        "--quick", action="store_true", help="two tiny tasks, 2 epochs (a smoke test)"
    )
    args = parser.parse_args(argv)
    task_set = CHECK_TASKS if args.set == "check" else SELECTION_TASKS
    tasks = args.tasks or [t.name for t in task_set]
    if args.quick:
        tasks = [t.name for t in QUICK_TASKS]
    unknown = [t for t in tasks if t not in TASKS]
    if unknown:
        parser.error(f"unknown tasks {unknown}; choose from {sorted(TASKS)}")
    module = __spec__.name if __spec__ else __name__
    command = command_line(module, argv)
    csv_path = args.out / CSV_NAME
    done = set()
    if csv_path.exists():
        done = {
            (r["task"], int(r["cv_seed"]), int(r["fold"]), r["fit"])
            for r in read_csv([csv_path])
        }
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    start = time.perf_counter()
    for fit in args.fits:
        for cv_seed in args.cv_seeds:
            for task in tasks:
                for fold in range(N_FOLDS):
                    if (task, cv_seed, fold, fit) in done:
                        continue
                    rows = run_fold(task, cv_seed, fold, fit, args.quick)
                    append_csv(rows, csv_path)
                    for row in rows:
                        print(
                            f"{task} seed={cv_seed} fold={fold} {row['method']}: "
                            f"R² {row['cv_r2']:.3f} (train {row['train_r2']:.3f}, "
                            f"{row['fit_seconds']} s)",
                            flush=True,
                        )
    from sklearn_convlstm import ConvLSTMRegressor

    write_metadata(
        args.out,
        command=command,
        wall_seconds=time.perf_counter() - start,
        append=True,
        extra={
            "set": args.set,
            "tasks": tasks,
            "fits": args.fits,
            "cv_seeds": args.cv_seeds,
            "folds": N_FOLDS,
            "regressor_params": jsonable(ConvLSTMRegressor().get_params()),
            "task_definitions": {t: jsonable(vars(TASKS[t])) for t in tasks},
            "set_aside": [t.name for t in CHECK_TASKS],
        },
    )
    if csv_path.exists():
        commands = [
            run["command"]
            for run in read_metadata(args.out)["runs"]
            if run["command"].startswith(f"python -m {module}")
        ]
        write_report(args.out, "\n".join(dict.fromkeys(commands)))


if __name__ == "__main__":
    main()
