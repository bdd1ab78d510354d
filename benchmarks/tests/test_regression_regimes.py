"""benchmarks/regression: task generators, the candidates' blend, the rule, a run."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.model_selection import KFold

from benchmarks.regression import bench_regression_regimes as bench
from benchmarks.regression import tasks


@pytest.mark.parametrize("kind", sorted(tasks.GENERATORS))
def test_generators_are_seeded_and_shaped(kind):
    generator = tasks.GENERATORS[kind]
    X, y = generator(30, 40, 1, 0)
    n_channels = {"window": 2, "interaction": 3}.get(kind, 1)
    assert X.shape == (30, n_channels, 40) and X.dtype == np.float32
    assert y.shape == (30,) and y.dtype == np.float64 and np.isfinite(y).all()
    X_again, y_again = generator(30, 40, 1, 0)
    np.testing.assert_array_equal(X, X_again)
    np.testing.assert_array_equal(y, y_again)
    assert not np.allclose(generator(30, 40, 1, 1)[1], y)


def test_window_target_is_a_unit_signal_plus_noise():
    # a standardised signal (variance 1) plus noise of variance 0.25: 80 % of
    # the target's variance is explainable from the series
    _, y = tasks.make_window(4000, 60, 2, seed=0)
    assert np.var(y) == pytest.approx(1.25, rel=0.05)


def test_shuffle_partly_moves_only_the_chosen_fraction():
    y = np.arange(100.0)
    shuffled = tasks.shuffle_partly(y, 0.5, seed=0)
    assert sorted(shuffled) == list(y)  # a permutation
    assert 30 <= int((shuffled != y).sum()) <= 50
    np.testing.assert_array_equal(tasks.shuffle_partly(y, 0.0, seed=0), y)


def test_check_tasks_are_apart_from_the_selection_tasks():
    selection = {(t.kind, t.seed, t.dataset, t.shuffled) for t in tasks.SELECTION_TASKS}
    check = {(t.kind, t.seed, t.dataset, t.shuffled) for t in tasks.CHECK_TASKS}
    assert not selection & check
    names = [t.name for t in (*tasks.SELECTION_TASKS, *tasks.CHECK_TASKS)]
    assert len(names) == len(set(names)) == len(tasks.TASKS) - len(tasks.QUICK_TASKS)


def test_best_blend_picks_the_better_model_and_shrinks_noise():
    rng = np.random.RandomState(0)
    y = rng.normal(size=200)
    good, noise = y + rng.normal(0, 0.1, 200), rng.normal(size=200)
    assert bench.best_blend(y, good, noise, 0.0) == (1.0, 1.0)
    assert bench.best_blend(y, noise, good, 0.0)[0] == 0.0
    # neither predicts: shrink toward the mean
    assert bench.best_blend(y, noise, rng.normal(size=200), 0.0)[1] <= 0.2
    assert bench.best_blend(y, noise, None, 0.0)[0] == 1.0


def _rows(task, method, values, cv_seed=0):
    return [
        {"task": task, "method": method, "cv_seed": str(cv_seed), "cv_r2": str(v)}
        for v in values
    ]


@pytest.mark.parametrize(
    ("candidate", "passes"),
    [
        ((0.55, 0.75), True),  # +0.05 on both tasks
        ((0.66, 0.66), False),  # +0.03 on average, but B is 0.04 below
        ((0.51, 0.71), False),  # +0.01 on average: below +0.02
    ],
)
def test_rule_judges_gain_and_worst_task(candidate, passes):
    rows = _rows("A", "default", [0.5] * 3) + _rows("B", "default", [0.7] * 3)
    rows += _rows("A", "cand", [candidate[0]] * 3) + _rows(
        "B", "cand", [candidate[1]] * 3
    )
    rows += _rows("A", "cand", [0.0] * 3, cv_seed=1)  # another seed: ignored
    verdict = bench.judge(rows, ["A", "B"], "cand", cv_seed=0)
    assert verdict["passes"] is passes and verdict["tasks"] == 2
    assert bench.judge(rows, ["A", "B", "C"], "cand", cv_seed=0)["passes"] is None


def test_flatten_padded_pads_unequal_lengths():
    flat = bench.flatten_padded([np.ones((1, 3)), np.ones((1, 5))])
    np.testing.assert_array_equal(flat, [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])


def test_quick_run_writes_rows_report_and_metadata_and_resumes(tmp_path):
    argv = ["--quick", "--fits", "mean,ridge-raw,es-family", "--out", str(tmp_path)]
    bench.main(argv)
    lines = (tmp_path / bench.CSV_NAME).read_text().splitlines()
    assert lines[0].startswith("task,cv_seed,fold,fit,n_train,n_test,fit_seconds")
    # 2 tasks x 3 folds x (mean, ridge-raw, and nine rows of es-family)
    assert len(lines) == 1 + 2 * 3 * 11
    report = (tmp_path / bench.REPORT_NAME).read_text()
    assert "## Quick tasks" in report and "| window-quick | 24 |" in report
    bench.main(argv)  # nothing left to run
    assert len((tmp_path / bench.CSV_NAME).read_text().splitlines()) == len(lines)
    runs = json.loads((tmp_path / "metadata.json").read_text())["runs"]
    assert len(runs) == 2 and runs[0]["extra"]["set_aside"][0] == "window-check-400"


def test_clipped_blend_keeps_the_ridge_inside_the_training_targets():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 1, 12)).astype(np.float32)
    y = X[:, 0, :3].sum(axis=1)
    blend = bench.ValidatedBlend(random_state=0, max_epochs=2).fit(X, y)
    far = 50.0 * X[:6]  # outlying series: the ridge extrapolates
    predictions = blend.predict_all(far)
    network = blend.network_.predict(far)
    clipped = np.clip(predictions["rk"], y.min(), y.max())
    assert np.abs(predictions["rk"]).max() > y.max()  # the plain ridge leaves the range
    w = blend.weight_clip_no_shrink_
    np.testing.assert_allclose(
        predictions["es-rk-clip"], w * network + (1 - w) * clipped, rtol=1e-6
    )
    assert set(blend.chosen()) >= {"clip_weight", "clip_weight_shrink"}


def test_guard_predicts_the_mean_where_the_blend_barely_beats_it(monkeypatch):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 1, 12)).astype(np.float32)
    y = X[:, 0, :3].sum(axis=1)
    for threshold, guarded in ((bench.GUARD_R2, False), (1.01, True)):
        # an R² on the 20 % is at most 1: a threshold above it always guards
        monkeypatch.setattr(bench, "GUARD_R2", threshold)
        blend = bench.ValidatedBlend(random_state=0, max_epochs=2).fit(X, y)
        chosen = blend.chosen()
        assert chosen["guarded"] is guarded
        assert 0.1 < chosen["clip_valid_r2"] <= 1.0  # the signal is learnt
        predictions = blend.predict_all(X[:5])
        expected = (
            np.full(5, np.mean(y)) if guarded else predictions["es-rk-clip-shrink"]
        )
        np.testing.assert_allclose(predictions["es-rk-clip-guard"], expected)


def test_chance_r2_is_high_for_noise_and_low_against_a_real_fit():
    rng = np.random.default_rng(2)
    y = rng.normal(size=30)
    noise_network, noise_ridge = rng.normal(size=(2, 30))
    chance = bench.chance_r2(y, noise_network, noise_ridge, 0.0, seed=0)
    assert 0.0 <= chance < 0.5
    # a fit on permuted targets is as good as on the real ones: not above chance
    assert bench.blend_r2(y, noise_network, noise_ridge, 0.0) < 0.5
    # a real fit is far above what permutations give
    good = y + 0.1 * rng.normal(size=30)
    assert bench.blend_r2(y, good, noise_ridge, 0.0) > 0.95
    assert bench.chance_r2(y, good, noise_ridge, 0.0, seed=0) < 0.5
    # the same seed, the same threshold
    assert chance == bench.chance_r2(y, noise_network, noise_ridge, 0.0, seed=0)


def test_cross_fit_chooses_on_every_series_out_of_fold_and_averages_members():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 1, 12)).astype(np.float32)
    y = X[:, 0, :3].sum(axis=1).astype(np.float64)
    blend = bench.CrossFitBlend(random_state=0, max_epochs=2).fit(X, y)
    assert len(blend.members_) == bench.CROSS_FIT_FOLDS
    oof = blend.oof_
    # each series is predicted by the members that did not train on it
    inner = KFold(bench.CROSS_FIT_FOLDS, shuffle=True, random_state=0).split(y)
    for (member, low, high), (inner_train, inner_valid) in zip(
        blend.members_, inner, strict=True
    ):
        np.testing.assert_allclose(
            oof["network"][inner_valid], member.network_.predict(X[inner_valid])
        )
        assert (low, high) == (y[inner_train].min(), y[inner_train].max())
        np.testing.assert_allclose(oof["mean"][inner_valid], y[inner_train].mean())
    chosen = bench.best_blend(y, oof["network"], oof["ridge"], oof["mean"])
    assert chosen == blend.blend_
    # predictions: the members' averages, blended and shrunk as chosen
    w, s = blend.blend_
    predictions = blend.predict_all(X[:7])
    network = np.mean([m.network_.predict(X[:7]) for m, _, _ in blend.members_], axis=0)
    ridge = np.mean(
        [np.clip(m._ridge_predict(X[:7]), lo, hi) for m, lo, hi in blend.members_],
        axis=0,
    )
    np.testing.assert_allclose(predictions["cf"], network)
    expected = blend.mean_ + s * (w * network + (1 - w) * ridge - blend.mean_)
    np.testing.assert_allclose(predictions["cf-rk-clip-shrink"], expected)
    guarded = blend.chosen()["perm_guarded"]
    assert guarded == (blend.oof_r2_ < blend.chance_r2_)
    np.testing.assert_allclose(
        predictions["cf-rk-clip-perm"],
        np.full(7, blend.mean_) if guarded else expected,
    )
    # the three members are different networks
    assert len({m.random_state for m, _, _ in blend.members_}) == 3


def test_cross_fit_guard_fires_on_a_target_nothing_predicts():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(45, 1, 12)).astype(np.float32)
    y = rng.normal(size=45)
    blend = bench.CrossFitBlend(random_state=1, max_epochs=2).fit(X, y)
    assert blend.perm_guarded_
    np.testing.assert_allclose(
        blend.predict_all(X[:4])["cf-rk-clip-perm"], np.full(4, y.mean())
    )
