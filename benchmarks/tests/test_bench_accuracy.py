"""benchmarks/accuracy/bench_accuracy: a tiny run, and merges from raw files only."""

from __future__ import annotations

import csv
import json

from benchmarks.accuracy import bench_accuracy


def test_a_run_writes_rows_summary_report_and_metadata(tmp_path):
    bench_accuracy.main(
        [
            "--datasets",
            "ItalyPowerDemand",
            "--data-home",
            "",
            "--methods",
            "rf-stats",
            "--seeds",
            "0,1",
            "--no-progress",
            "--out",
            str(tmp_path),
        ]
    )
    with (tmp_path / "accuracy.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["method"], row["seed"]) for row in rows] == [
        ("rf-stats", "0"),
        ("rf-stats", "1"),
    ]
    (run,) = json.loads((tmp_path / "metadata.json").read_text())["runs"]
    assert run["command"].startswith(
        "python -m benchmarks.accuracy.bench_accuracy --datasets ItalyPowerDemand"
    )
    assert run["extra"]["datasets"]["ItalyPowerDemand"].startswith("67 train")
    assert "| ItalyPowerDemand | 0." in (tmp_path / "accuracy.md").read_text()


def _fake_run(directory, dataset, accuracies, wall_seconds):
    directory.mkdir()
    with (directory / "accuracy.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["dataset", "method", "seed", "accuracy", "fit_seconds", "predict_seconds"]
        )
        for seed, accuracy in enumerate(accuracies):
            writer.writerow([dataset, "rf-stats", seed, accuracy, 1.0, 0.1])
    run = {
        "command": f"python -m x --datasets {dataset}",
        "wall_seconds": wall_seconds,
        "extra": {"datasets": {dataset: f"{dataset} description"}},
    }
    (directory / "metadata.json").write_text(json.dumps({"runs": [run]}))


def test_merge_reads_csv_and_metadata_never_markdown(tmp_path):
    _fake_run(tmp_path / "a", "ArrowHead", [0.5, 1.0], 12.0)
    _fake_run(tmp_path / "b", "GunPoint", [0.25, 0.75], 34.0)
    merged = tmp_path / "merged"
    bench_accuracy.main(
        ["--merge", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(merged)]
    )
    report = (merged / "accuracy.md").read_text()
    # The five shared datasets' order, whatever the order of the runs.
    assert report.index("| GunPoint | 0.500 ± 0.354 |") < report.index(
        "| ArrowHead | 0.750 ± 0.354 |"
    )
    assert "`python -m x --datasets ArrowHead` took 12 s" in report
    assert "`python -m x --datasets GunPoint` took 34 s" in report
    assert "* ArrowHead: ArrowHead description" in report
    (run,) = json.loads((merged / "metadata.json").read_text())["runs"]
    assert [entry["dir"] for entry in run["extra"]["merged_runs"]] == [
        str(tmp_path / "a"),
        str(tmp_path / "b"),
    ]
