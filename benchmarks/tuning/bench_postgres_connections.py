"""Connections that tuning workers hold on one PostgreSQL server.

Starts N workers (``python -m sklearn_convlstm tune``, the feature forest on
ItalyPowerDemand, 2-fold CV, heartbeats every second) on one new study and
samples the server's connections to the study's database every 0.05 s while
they run (``pg_stat_activity``, the sampler's own connection left out). Each
worker's storage is ``make_storage``'s: Optuna's RDBStorage with SQLAlchemy's
default connection pool and ``pool_pre_ping``. The figure that matters is the
peak per worker: PostgreSQL refuses connections past ``max_connections``
(100 by default, 3 of them reserved for superusers).

Usage::

    python -m benchmarks.tuning.bench_postgres_connections \
        --url postgresql://user:pw@host/db --out benchmarks/results/postgres_connections
    python -m benchmarks.tuning.bench_postgres_connections --quick --out /tmp/pg

``--url`` defaults to ``SKLEARN_CONVLSTM_TEST_POSTGRES_URL`` (what
``.ci/start_postgres.sh`` exports), then ``SKLEARN_CONVLSTM_STORAGE``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.harness import (
    add_out_argument,
    comma_ints,
    command_line,
    machine_description,
    markdown_table,
    report_preamble,
    write_csv,
    write_metadata,
)

#: Environment variables read for the server's URL, in order.
URL_VARIABLES = ("SKLEARN_CONVLSTM_TEST_POSTGRES_URL", "SKLEARN_CONVLSTM_STORAGE")
#: Seconds between two samples of the connection count.
SAMPLE_SECONDS = 0.05


def count_connections(engine: Any) -> int:
    """Count the connections to the current database, the caller's own left out."""
    import sqlalchemy

    with engine.connect() as connection:
        return int(
            connection.execute(
                sqlalchemy.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                    "current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        )


def server_max_connections(engine: Any) -> int:
    """Return the server's ``max_connections``."""
    import sqlalchemy

    with engine.connect() as connection:
        return int(connection.execute(sqlalchemy.text("SHOW max_connections")).scalar())


def run_workers(url: str, n_workers: int, trials_per_worker: int) -> dict[str, Any]:
    """Run ``n_workers`` tune workers on one new study; return the sampled counts."""
    import optuna
    import sqlalchemy

    # one connection per sample, closed at once: the sampler holds none
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    before = count_connections(engine)
    study_name = f"bench-connections-{uuid.uuid4().hex[:8]}"
    command = [
        sys.executable,
        "-m",
        "sklearn_convlstm",
        "tune",
        "--study-name",
        study_name,
        "--heartbeat-interval",
        "1",
        "--threads",
        "1",
        "--dataset",
        "ItalyPowerDemand",
        "--estimator",
        "stats-forest",
        "--cv",
        "2",
        "--n-trials",
        str(n_workers * trials_per_worker),
    ]
    # the URL through the environment: its password stays out of the process list
    environment = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "SKLEARN_CONVLSTM_STORAGE": url,
    }
    start = time.perf_counter()
    # each worker's output into a file: a pipe nobody reads could fill and stall it
    logs = [tempfile.TemporaryFile(mode="w+") for _ in range(n_workers)]
    workers = [
        subprocess.Popen(
            [*command, "--sampler-seed", str(seed)],
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env=environment,
        )
        for seed, log in enumerate(logs)
    ]
    samples = []
    while any(worker.poll() is None for worker in workers):
        samples.append(count_connections(engine) - before)
        time.sleep(SAMPLE_SECONDS)
    wall = time.perf_counter() - start
    failed = []
    for worker, log in zip(workers, logs, strict=True):
        log.seek(0)
        if worker.returncode:
            failed.append(log.read()[-500:])
        log.close()
    if failed:
        raise RuntimeError(f"a worker failed: {failed[0]}")
    study = optuna.load_study(study_name=study_name, storage=url)
    complete = sum(trial.state.name == "COMPLETE" for trial in study.trials)
    optuna.delete_study(study_name=study_name, storage=url)
    engine.dispose()
    peak = max(samples, default=0)
    return {
        "workers": n_workers,
        "trials_complete": complete,
        "samples": len(samples),
        "peak_connections": peak,
        "mean_connections": round(sum(samples) / max(len(samples), 1), 2),
        "peak_per_worker": round(peak / n_workers, 2),
        "wall_seconds": round(wall, 1),
    }


def write_report(
    out: Path, command: str, rows: list[dict], max_connections: int
) -> Path:
    """Write the report: the table and the workers one server holds."""
    worst = max(row["peak_per_worker"] for row in rows)
    usable = max_connections - 3  # superuser_reserved_connections' default
    lines = report_preamble(
        "Connections that tuning workers hold on one PostgreSQL server",
        (__doc__ or "").split("Usage::")[0].strip(),
        command,
        machine_description(),
    )
    lines += [
        markdown_table(
            [
                "workers",
                "trials complete",
                "peak connections",
                "mean connections",
                "peak per worker",
                "wall s",
            ],
            [
                [
                    str(row["workers"]),
                    str(row["trials_complete"]),
                    str(row["peak_connections"]),
                    f"{row['mean_connections']:.2f}",
                    f"{row['peak_per_worker']:.2f}",
                    f"{row['wall_seconds']:.1f}",
                ]
                for row in rows
            ],
        ),
        "",
        f"This server: max_connections = {max_connections}. At the largest peak "
        f"per worker seen here ({worst:.2f}), about {int(usable // worst)} workers "
        "fit on it at once; more need a larger max_connections or a connection "
        "pooler (PgBouncer) in front of the server.",
        "",
    ]
    path = out / "postgres_connections.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_out_argument(parser)
    parser.add_argument("--url", help="SQLAlchemy URL of the PostgreSQL database")
    parser.add_argument("--workers", type=comma_ints, default=[1, 2, 4, 8])
    parser.add_argument("--trials-per-worker", type=int, default=3)
    parser.add_argument(
        "--quick", action="store_true", help="one worker, two trials (a smoke test)"
    )
    args = parser.parse_args(argv)
    url = args.url or next(
        (os.environ[name] for name in URL_VARIABLES if os.environ.get(name)), None
    )
    if not url or not url.startswith("postgresql"):
        parser.error(
            "needs a PostgreSQL URL: --url or one of " + ", ".join(URL_VARIABLES)
        )
    if args.quick:
        args.workers, args.trials_per_worker = [1], 2
    import sqlalchemy

    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    max_connections = server_max_connections(engine)
    engine.dispose()
    command = command_line(__spec__.name if __spec__ else __name__, argv)
    # the URL's password stays out of the files
    command = command.replace(url, "URL") if args.url else command
    start = time.perf_counter()
    rows = []
    for n_workers in args.workers:
        row = run_workers(url, n_workers, args.trials_per_worker)
        print(row, flush=True)
        rows.append(row)
    write_csv(rows, args.out / "postgres_connections.csv")
    write_metadata(
        args.out,
        command=command,
        wall_seconds=time.perf_counter() - start,
        extra={"max_connections": max_connections},
    )
    write_report(args.out, command, rows, max_connections)


if __name__ == "__main__":
    main()
