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
