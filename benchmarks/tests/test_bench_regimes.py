"""benchmarks/effectiveness: regime draws, the many-class generator, the rule."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from benchmarks.effectiveness import bench_regimes, summarise_regime_selection


def test_draw_takes_k_per_class_and_scores_on_the_rest():
    y = np.repeat(["a", "b", "c"], [5, 3, 2])
    train, evaluation = bench_regimes.draw_per_class(y, 2, seed=0)
    assert sorted(y[train]) == ["a", "a", "b", "b"]  # "c" has only 2: left out
    assert sorted(y[evaluation]) == ["a", "a", "a", "b"]
    assert not set(train) & set(evaluation)
    again = bench_regimes.draw_per_class(y, 2, seed=0)
    assert np.array_equal(train, again[0]) and np.array_equal(evaluation, again[1])
    other = bench_regimes.draw_per_class(np.repeat(["a", "b"], 20), 2, seed=1)
    first = bench_regimes.draw_per_class(np.repeat(["a", "b"], 20), 2, seed=0)
    assert not np.array_equal(other[0], first[0])


def test_many_class_generator_shapes_and_classes():
    X, y = bench_regimes.make_many_class(52, 64, 3, template_seed=0)
    assert X.shape == (156, 1, 64) and X.dtype == np.float32
    assert len(np.unique(y)) == 52 and y[0] == "c00" and y[-1] == "c51"
    X_again, _ = bench_regimes.make_many_class(52, 64, 3, template_seed=0)
    assert np.array_equal(X, X_again)
    X_other, _ = bench_regimes.make_many_class(52, 64, 3, template_seed=1)
    assert not np.allclose(X, X_other)


def test_quick_run_writes_rows_report_and_metadata_and_resumes(tmp_path):
    argv = ["--quick", "--datasets", "ItalyPowerDemand", "--methods", "rf-stats"]
    bench_regimes.main([*argv, "--out", str(tmp_path)])
    rows = (tmp_path / "regimes.csv").read_text().splitlines()
    assert rows[0].startswith("dataset,k,seed,method,cv_accuracy,fit_seconds")
    assert rows[1].startswith("ItalyPowerDemand,1,0,rf-stats,")
    assert "| 1 | ItalyPowerDemand | 1 |" in (tmp_path / "regimes.md").read_text()
    bench_regimes.main([*argv, "--out", str(tmp_path)])  # nothing left to run
    assert len((tmp_path / "regimes.csv").read_text().splitlines()) == 2
    runs = json.loads((tmp_path / "metadata.json").read_text())["runs"]
    assert len(runs) == 2 and runs[0]["extra"]["set_aside"] == [
        "PLAID",
        "synthetic-check",
        "synthetic-check2",
    ]


def _row(dataset, k, seed, method, accuracy):
    return {
        "dataset": dataset,
        "k": str(k),
        "seed": str(seed),
        "method": method,
        "cv_accuracy": str(accuracy),
    }


def _rows(seeds, cells):
    """The same (dataset, k, method, accuracy) cells on every draw seed."""
    return [
        _row(dataset, k, seed, method, accuracy)
        for seed in seeds
        for dataset, k, method, accuracy in cells
    ]


@pytest.mark.parametrize(
    ("candidate_scores", "passes"),
    [
        ((0.55, 0.75), True),  # +5 and +5 points
        ((0.60, 0.66), False),  # k=2 cell 4 points below the default
        ((0.51, 0.71), False),  # +1 point on average: below +2
    ],
)
def test_rule_judges_gain_worst_cell_and_k2(candidate_scores, passes):
    rows = _rows(
        (0, 1),
        [
            ("A", 1, "convlstm-default", 0.50),
            ("A", 2, "convlstm-default", 0.70),
            ("A", 1, "cand-x", candidate_scores[0]),
            ("A", 2, "cand-x", candidate_scores[1]),
        ],
    )
    rows.append(_row("A", 1, 2, "cand-x", 0.0))  # another draw: ignored
    means = summarise_regime_selection.cell_means(rows, [0, 1], [1, 2])
    verdict = summarise_regime_selection.judge(means, "cand-x", min_gain=2.0)
    assert verdict["cells"] == 2
    assert verdict["passes"] is passes


@pytest.mark.parametrize(("minirocket", "passes"), [(0.79, True), (0.81, False)])
def test_round3_criterion_is_the_k2_gap_to_minirocket(minirocket, passes):
    """Round 3: k = 2 mean at most 5 points below MiniRocket's, not above default."""
    rows = _rows(
        (4, 5),
        [
            ("A", 1, "convlstm-default", 0.50),
            ("A", 2, "convlstm-default", 0.70),
            ("A", 1, "cand-rk", 0.60),
            ("A", 2, "cand-rk", 0.75),
            ("A", 2, "minirocket", minirocket),
        ],
    )
    means = summarise_regime_selection.cell_means(rows, [4, 5], [1, 2])
    verdict = summarise_regime_selection.judge(
        means, "cand-rk", min_gain=2.0, k2_within_minirocket=5.0
    )
    assert verdict["k2_gap_to_minirocket_points"] == pytest.approx(
        100 * (minirocket - 0.75)
    )
    assert verdict["passes"] is passes


def test_round4_criterion_two_pools_each_dataset_cells():
    """One cell at -4 points fails per cell but passes per dataset (-1.5)."""
    rows = _rows(
        (6, 7),
        [
            ("A", 1, "convlstm-default", 0.54),
            ("A", 2, "convlstm-default", 0.70),
            ("A", 1, "cand-rk", 0.50),
            ("A", 2, "cand-rk", 0.71),
            ("B", 1, "convlstm-default", 0.30),
            ("B", 2, "convlstm-default", 0.50),
            ("B", 1, "cand-rk", 0.50),
            ("B", 2, "cand-rk", 0.70),
        ],
    )
    means = summarise_regime_selection.cell_means(rows, [6, 7], [1, 2])
    per_cell = summarise_regime_selection.judge(means, "cand-rk", min_gain=2.0)
    pooled = summarise_regime_selection.judge(
        means, "cand-rk", min_gain=2.0, per_dataset=True
    )
    assert per_cell["worst_cell_points"] == pytest.approx(-4.0)
    assert pooled["worst_dataset_points"] == pytest.approx(-1.5)
    assert per_cell["passes"] is False and pooled["passes"] is True


def test_without_k2_cells_criterion_three_is_left_out_only_when_asked():
    """Cells at k = 3 and 5: no k = 2 gain to judge, so the k = 2 test fails."""
    rows = _rows(
        (12, 13),
        [
            ("A", 3, "convlstm-default", 0.70),
            ("A", 5, "convlstm-default", 0.80),
            ("A", 3, "cand-rk3", 0.74),
            ("A", 5, "cand-rk3", 0.78),
        ],
    )
    means = summarise_regime_selection.cell_means(rows, [12, 13], [3, 5])
    with_k2 = summarise_regime_selection.judge(means, "cand-rk3", min_gain=1.0)
    without = summarise_regime_selection.judge(
        means, "cand-rk3", min_gain=1.0, k2_criterion=False
    )
    assert with_k2["passes"] is False
    assert without["mean_gain_points"] == pytest.approx(1.0)
    assert without["worst_cell_points"] == pytest.approx(-2.0)
    assert without["passes"] is True
    # criteria 1 and 2 still apply
    worse = summarise_regime_selection.judge(
        means, "cand-rk3", min_gain=1.5, k2_criterion=False
    )
    assert worse["passes"] is False


def test_score_on_test_scores_the_draws_on_the_test_split(tmp_path):
    argv = ["--quick", "--datasets", "ItalyPowerDemand", "--methods", "rf-stats"]
    bench_regimes.main([*argv, "--score-on-test", "--out", str(tmp_path)])
    rows = list(csv.DictReader((tmp_path / "regimes.csv").open()))
    assert [(r["n_train"], r["n_eval"], r["scored_on"]) for r in rows] == [
        ("2", "1029", "test")  # ItalyPowerDemand's TEST split
    ]
    assert "official TEST split" in (tmp_path / "regimes.md").read_text()
    # a folder scored on the rest of TRAIN is not mixed with test rows
    with pytest.raises(SystemExit) as exit_info:
        bench_regimes.main([*argv, "--out", str(tmp_path)])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit):
        bench_regimes.main(
            ["--datasets", "synthetic-many", "--score-on-test", "--out", str(tmp_path)]
        )


def test_candidates_can_be_judged_against_another_baseline():
    """The weight 10 (cand-rk) against the weight 3 (cand-rk3), not the network."""
    rows = _rows(
        (16, 17),
        [
            ("A", 3, "convlstm-default", 0.50),
            ("A", 3, "cand-rk3", 0.70),
            ("A", 3, "cand-rk", 0.72),
        ],
    )
    means = summarise_regime_selection.cell_means(rows, [16, 17], [3])
    verdict = summarise_regime_selection.judge(
        means, "cand-rk", min_gain=1.0, k2_criterion=False, baseline="cand-rk3"
    )
    assert verdict["mean_gain_points"] == pytest.approx(2.0)
    assert verdict["passes"] is True
    against_network = summarise_regime_selection.judge(
        means, "cand-rk", min_gain=1.0, k2_criterion=False
    )
    assert against_network["mean_gain_points"] == pytest.approx(22.0)
