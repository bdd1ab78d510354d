"""Time the feature-extraction transformers.

Target (issue "feature-extraction baselines"): StatisticalFeatures on 10,000
series x 1 channel x 500 timesteps (float32) in under 1 s on 2 cores.
Catch22Features is timed on fewer series, with its cost per series.

Run from the repository root::

    python -m benchmarks.speed.bench_features --out /tmp/features \
        [--repeats 5] [--catch22-series 500]

Prints a table and writes ``features_speed.csv`` and ``metadata.json`` to the
study folder ``--out``. Each
figure is the best of ``--repeats`` runs after one warm-up run (the best run
is the least disturbed by other processes on a shared machine); the median is
reported too.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

from benchmarks.harness import (
    add_out_argument,
    command_line,
    write_csv,
    write_metadata,
)
from sklearn_convlstm import Catch22Features, StatisticalFeatures


def time_fit_transform(transformer, X, repeats: int) -> list[float]:
    transformer.fit_transform(X)  # warm-up
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        transformer.fit_transform(X)
        timings.append(time.perf_counter() - start)
    return timings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--n-series", type=int, default=10_000)
    parser.add_argument("--n-timesteps", type=int, default=500)
    parser.add_argument("--catch22-series", type=int, default=500)
    add_out_argument(parser)
    args = parser.parse_args(argv)
    start = time.perf_counter()

    rng = np.random.default_rng(0)
    shape = (args.n_series, 1, args.n_timesteps)
    X = rng.standard_normal(shape, dtype=np.float32).cumsum(axis=-1)
    cases = [
        ("StatisticalFeatures", StatisticalFeatures(), X),
        (
            "StatisticalFeatures (unequal-length list)",
            StatisticalFeatures(),
            [s[:, : rng.integers(250, 501)] for s in X],
        ),
    ]
    try:
        import pycatch22  # noqa: F401
    except ImportError:
        print("pycatch22 not installed: skipping Catch22Features")
    else:
        cases.append(("Catch22Features", Catch22Features(), X[: args.catch22_series]))

    rows = []
    for name, transformer, data in cases:
        timings = time_fit_transform(transformer, data, args.repeats)
        n_series = len(data)
        best = min(timings)
        rows.append(
            {
                "transformer": name,
                "n_series": n_series,
                "n_channels": 1,
                "n_timesteps": args.n_timesteps
                if isinstance(data, np.ndarray)
                else "250-500",
                "best_s": round(best, 4),
                "median_s": round(statistics.median(timings), 4),
                "us_per_series": round(best / n_series * 1e6, 2),
                "repeats": args.repeats,
                "cpu_count": os.cpu_count(),
                "omp_num_threads": os.environ.get("OMP_NUM_THREADS", ""),
                "numpy": np.__version__,
                "python": platform.python_version(),
            }
        )

    header = f"{'transformer':44s} {'series':>7s} {'best s':>8s} {'median s':>9s}"
    print(header + f" {'us/series':>10s}")
    for row in rows:
        print(
            f"{row['transformer']:44s} {row['n_series']:7d} {row['best_s']:8.3f} "
            f"{row['median_s']:9.3f} {row['us_per_series']:10.1f}"
        )
    path = write_csv(rows, args.out / "features_speed.csv")
    command = command_line(__spec__.name if __spec__ else __name__, argv)
    write_metadata(args.out, command=command, wall_seconds=time.perf_counter() - start)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
