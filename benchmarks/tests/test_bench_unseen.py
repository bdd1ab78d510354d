"""benchmarks/accuracy/bench_unseen: the unseen-datasets check runs and reports."""

from __future__ import annotations

import csv
import json

from benchmarks.accuracy import bench_unseen


def test_markdown_tables_put_methods_in_columns():
    rows = [
        {"dataset": "A", "method": "m", "seed": 0, "accuracy": 0.5},
        {"dataset": "A", "method": "m", "seed": 1, "accuracy": 1.0},
        {"dataset": "B", "method": "n", "seed": 0, "accuracy": 0.25},
    ]
    for row in rows:
        row.update(fit_seconds=2.0, predict_seconds=0.1)
    text = bench_unseen.markdown(rows, {"A": "a", "B": "b"}, "python x")
    lines = text.splitlines()
    header = lines.index("| dataset | m | n |")
    assert lines[header + 2 : header + 4] == [
        "| A | 0.750 ± 0.354 | - |",
        "| B | - | 0.250 |",
    ]
    assert "* A: a" in lines


def test_main_runs_the_no_skip_default_beside_the_methods(tmp_path):
    bench_unseen.main(
        [
            "--datasets",
            "ItalyPowerDemand",
            "--seeds",
            "0",
            "--methods",
            "rf-stats",
            "--convlstm-params",
            '{"max_epochs": 1}',
            "--out",
            str(tmp_path),
        ]
    )
    with (tmp_path / "unseen.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["method"] for row in rows] == ["rf-stats", bench_unseen.NO_SKIP]
    assert all(0.0 <= float(row["accuracy"]) <= 1.0 for row in rows)
    report = (tmp_path / "unseen.md").read_text()
    assert f"| dataset | rf-stats | {bench_unseen.NO_SKIP} |" in report
    command = "python -m benchmarks.accuracy.bench_unseen --datasets ItalyPowerDemand"
    assert command in report
    assert "--convlstm-params '{\"max_epochs\": 1}'" in report
    (run,) = json.loads((tmp_path / "metadata.json").read_text())["runs"]
    assert run["command"].startswith(command)
    assert set(run["extra"]["datasets"]) == {"ItalyPowerDemand"}


def test_reports_say_when_a_dataset_shaped_a_default():
    rows = [
        {"dataset": name, "method": "m", "seed": 0, "accuracy": 0.5}
        for name in ("OSULeaf", "PLAID")
    ]
    for row in rows:
        row.update(fit_seconds=1.0, predict_seconds=0.1)
    plaid = bench_unseen.markdown(rows, {"OSULeaf": "o", "PLAID": "p"}, "x")
    assert "Except: PLAID prompted the scaling='auto' rule" in plaid
    alone = bench_unseen.markdown(rows[:1], {"OSULeaf": "o"}, "x")
    assert "Except" not in alone
