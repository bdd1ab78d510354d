"""The PostgreSQL connection benchmark: a quick run, and its usage error."""

from __future__ import annotations

import csv
import os

import pytest

from benchmarks.tuning import bench_postgres_connections

URL_VARIABLE = "SKLEARN_CONVLSTM_TEST_POSTGRES_URL"


def test_without_a_postgresql_url_it_exits_2(monkeypatch, tmp_path, capsys):
    for name in bench_postgres_connections.URL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit) as exit_info:
        bench_postgres_connections.main(["--quick", "--out", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "needs a PostgreSQL URL" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # a journal path is not a server
        bench_postgres_connections.main(
            ["--quick", "--url", "sqlite:///x.db", "--out", str(tmp_path)]
        )


@pytest.mark.postgres
def test_quick_run_counts_the_worker_s_connections(tmp_path):
    url = os.environ.get(URL_VARIABLE)
    if not url:
        pytest.skip(f"no PostgreSQL server: set {URL_VARIABLE}")
    bench_postgres_connections.main(["--quick", "--out", str(tmp_path)])
    (row,) = list(csv.DictReader((tmp_path / "postgres_connections.csv").open()))
    assert row["workers"] == "1" and row["trials_complete"] == "2"
    # the worker's storage holds at least one connection while it runs
    assert 1 <= int(row["peak_connections"]) <= 10
    report = (tmp_path / "postgres_connections.md").read_text()
    assert "max_connections = " in report
    assert url not in report  # the URL (and its password) stays out
