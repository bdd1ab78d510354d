"""benchmarks/accuracy/bench_deep_peers: the protocol, resumable rows and the report."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.accuracy import bench_deep_peers as study
from benchmarks.harness import read_csv


class _Majority:
    """Predicts the most frequent training label (a fast stand-in for a network)."""

    def fit(self, X, y):
        values, counts = np.unique(y, return_counts=True)
        self.label_ = values[counts.argmax()]
        return self

    def predict(self, X):
        return np.full(len(X), self.label_)


def test_splits_give_the_test_split_then_three_folds_of_train():
    runs = study.splits("GunPoint", None)
    assert [(split, fold) for split, fold, *_ in runs] == [
        ("test", 0),
        ("cv", 0),
        ("cv", 1),
        ("cv", 2),
    ]
    assert [len(r[3]) for r in runs] == [50, 33, 33, 34]  # GunPoint: 50 TRAIN series
    assert [len(r[5]) for r in runs] == [150, 17, 17, 16]
    scored = np.concatenate([r[4][:, 0, 0] for r in runs[1:]])
    assert len(np.unique(scored)) == 50  # every TRAIN series scored once


def test_run_method_writes_one_row_per_split_and_resumes(tmp_path, monkeypatch):
    monkeypatch.setitem(study.METHODS, "majority", _Majority)
    assert study.run_method("majority", ["GunPoint"], tmp_path, None) == 4
    assert study.run_method("majority", ["GunPoint"], tmp_path, None) == 0
    rows = read_csv([tmp_path / "rows_majority.csv"])
    assert [r["split"] for r in rows] == ["test", "cv", "cv", "cv"]
    summary = study.summary_rows(rows)
    assert len(summary) == 1
    cv = np.mean([float(r["accuracy"]) for r in rows[1:]])
    assert summary[0]["cv_accuracy"] == pytest.approx(cv)
    assert summary[0]["test_accuracy"] == float(rows[0]["accuracy"])


def test_report_marks_incomplete_cross_validation(tmp_path):
    (tmp_path / "rows_lstm-fcn.csv").write_text(
        "method,dataset,split,fold,accuracy,fit_seconds,predict_seconds\n"
        "lstm-fcn,GunPoint,test,0,1.0,312.0,0.2\n"
        "lstm-fcn,GunPoint,cv,0,0.9,200.0,0.1\n"
    )
    report = study.write_report(tmp_path).read_text()
    assert "| GunPoint | lstm-fcn | (1/3 folds) |  | 1.000 | 312.0 |" in report


def test_unknown_method_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as raised:
        study.main(["--methods", "resnet", "--out", str(tmp_path)])
    assert raised.value.code == 2
    assert "unknown methods ['resnet']" in capsys.readouterr().err
