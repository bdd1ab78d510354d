"""benchmarks/effectiveness/bench_fusion_weight: fusion, the inner choice, the run."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmarks.effectiveness import bench_fusion_weight as study
from benchmarks.harness import read_csv


def test_fused_predictions_span_network_alone_to_ridge_alone():
    log_p = np.log(np.array([[0.9, 0.1], [0.6, 0.4]]))
    ridge = np.array([[-0.5, 0.5], [-0.05, 0.05]])
    assert study.fused_predictions(log_p, ridge, 0.0).tolist() == [0, 0]
    # 10 * 0.1 = 1.0 beats log(0.6 / 0.4) = 0.41 but not log(9) = 2.2
    assert study.fused_predictions(log_p, ridge, 1.0).tolist() == [0, 0]
    assert study.fused_predictions(log_p, ridge, 10.0).tolist() == [1, 1]
    assert study.fused_predictions(log_p, ridge, math.inf).tolist() == [1, 1]


@pytest.mark.parametrize(
    ("correct", "expected"),
    [
        ([5, 6, 7, 7, 7, 2], 10.0),  # three tied: the middle one
        ([9, 9, 1, 1, 1, 9], 1.0),  # 0, 1, inf tied: the middle (not an extreme)
        ([9, 9, 9, 9, 1, 1], 1.0),  # four tied: the lower middle
        ([1, 2, 3, 4, 5, 6], math.inf),
        ([6, 2, 3, 4, 5, 1], 0.0),
    ],
)
def test_pick_weight_takes_the_most_hits_and_the_middle_of_ties(correct, expected):
    assert study.pick_weight(correct) == expected


@pytest.mark.slow  # nine one-epoch fits and MiniRocket on three folds
def test_run_writes_every_candidate_per_fold_and_resumes(tmp_path, monkeypatch):
    monkeypatch.setattr(study, "NETWORK_PARAMS", {"max_epochs": 1})
    study.run(["ItalyPowerDemand"], 0, tmp_path, None)
    rows = read_csv([tmp_path / "fusion.csv"])
    candidates = [study.weight_label(w) for w in study.WEIGHTS]
    assert [r["candidate"] for r in rows[: len(candidates) + 2]] == [
        *candidates,
        "inner-cv",
        "minirocket",
    ]
    assert len(rows) == study.OUTER_FOLDS * (len(candidates) + 2)
    assert all(0.0 <= float(r["cv_accuracy"]) <= 1.0 for r in rows)
    # the inner choice is one of the fixed weights, and inner-cv scores as that weight
    choices = read_csv([tmp_path / "inner_weights.csv"])
    for choice in choices:
        fold = [r for r in rows if r["fold"] == choice["fold"]]
        score = {r["candidate"]: r["cv_accuracy"] for r in fold}
        assert score["inner-cv"] == score[choice["chosen_weight"]]
    study.run(["ItalyPowerDemand"], 0, tmp_path, None)  # nothing left to do
    assert len(read_csv([tmp_path / "fusion.csv"])) == len(rows)
    report = study.write_report(tmp_path).read_text()
    assert "## CV seed 0" in report
    assert "| inner-cv |" in report


@pytest.mark.slow  # three one-epoch fits and MiniRocket on three folds
def test_run_without_inner_scores_the_fixed_weights_only(tmp_path, monkeypatch):
    monkeypatch.setattr(study, "NETWORK_PARAMS", {"max_epochs": 1})
    study.run(["ItalyPowerDemand"], 4, tmp_path, None, [0.0, 3.0, 100.0], inner=False)
    rows = read_csv([tmp_path / "fusion.csv"])
    assert [r["candidate"] for r in rows[:4]] == ["w=0", "w=3", "w=100", "minirocket"]
    assert len(rows) == study.OUTER_FOLDS * 4
    assert not (tmp_path / "inner_weights.csv").exists()
    report = study.write_report(tmp_path).read_text()
    assert "| w=3 |" in report
    assert "inner CV" not in report and "inner-cv" not in report


def test_cv_folds_make_the_synthetic_sets_stratified():
    folds = list(study.cv_folds(["synthetic-check3"], 4, None))
    assert [fold[:2] for fold in folds] == [("synthetic-check3", k) for k in range(3)]
    X, y = folds[0][2], folds[0][3]
    assert X.shape == (300, 1, 500) and len(np.unique(y)) == 20
    evaluated = np.sort(np.concatenate([fold[5] for fold in folds]))
    np.testing.assert_array_equal(evaluated, np.arange(300))
    # 15 series per class: 5 of each class in every evaluation part
    for fold in folds:
        assert set(np.unique(y[fold[5]], return_counts=True)[1]) == {5}


def test_weights_option_reads_comma_separated_numbers():
    from benchmarks.harness import comma_floats

    assert comma_floats("0, 1,3,inf") == [0.0, 1.0, 3.0, math.inf]
    with pytest.raises(Exception, match="comma-separated numbers"):
        comma_floats("0,three")
