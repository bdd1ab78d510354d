"""Speed of streaming prediction: one step of one series, and batches of streams.

Measures, on CPU with one torch thread (and on CUDA when ``--device cuda``):

* ``latency``: the time of ``stream.update`` with one new step of one series
  (wall and process CPU time per update; mean, median and 99th percentile
  of the wall times), over a whole series, for the causal variant with its
  ``pool_sizes="auto"`` and with ``pool_sizes=1`` (every step runs the whole
  network), against re-running ``predict_proba`` on the prefix;
* ``throughput``: steps x streams per second for batches of ``--streams``
  streams (default 1,000), one step and ten steps per update.

The networks have the causal variant's sizes and weights from one epoch on
GunPoint (speed does not depend on the weights). Rows go to
``streaming_speed.csv``, the report to ``streaming_speed.md``.

    python -m benchmarks.streaming.bench_streaming --out benchmarks/results/streaming
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from benchmarks.harness import (
    add_out_argument,
    command_line,
    load_average,
    machine_description,
    markdown_table,
    write_csv,
    write_metadata,
)

CONFIGS = {"causal pool auto": {}, "causal pool 1": {"pool_sizes": 1}}


def fit_model(params: dict[str, Any], device: str) -> Any:
    from sklearn_convlstm import ConvLSTMClassifier
    from sklearn_convlstm.datasets import load_dataset

    X, y = load_dataset("GunPoint", split="train")
    clf = ConvLSTMClassifier(
        variant="causal", max_epochs=1, random_state=0, device=device, **params
    )
    return clf.fit(X, y)


def latency(clf: Any, n_steps: int, repeats: int) -> dict[str, float]:
    """Per-update times of one step of one series over ``n_steps`` steps."""
    rng = np.random.default_rng(0)
    series = rng.normal(size=(1, 1, n_steps)).astype(np.float32)
    steps = [np.ascontiguousarray(series[:, :, t : t + 1]) for t in range(n_steps)]
    walls: list[float] = []
    cpu_means: list[float] = []
    for _ in range(repeats):
        stream = clf.stream(1)
        stream.update(steps[0])  # warm-up of the first call
        stream.reset()
        times = np.empty(n_steps)
        cpu = time.process_time()
        for t, step in enumerate(steps):
            start = time.perf_counter()
            stream.update(step)
            times[t] = time.perf_counter() - start
        cpu_means.append((time.process_time() - cpu) / n_steps)
        walls.extend(times)
    wall = np.asarray(walls) * 1e6
    return {
        "wall_mean_us": float(wall.mean()),
        "wall_median_us": float(np.median(wall)),
        "wall_p99_us": float(np.percentile(wall, 99)),
        "cpu_mean_us": float(min(cpu_means) * 1e6),
    }


def prefix_rerun(clf: Any, n_steps: int) -> float:
    """Microseconds of ``predict_proba`` on the whole prefix at the last step."""
    rng = np.random.default_rng(0)
    series = rng.normal(size=(1, 1, n_steps)).astype(np.float32)
    clf.predict_proba(series)
    start = time.perf_counter()
    for _ in range(20):
        clf.predict_proba(series)
    return (time.perf_counter() - start) / 20 * 1e6


def throughput(clf: Any, n_streams: int, chunk: int, n_updates: int) -> float:
    """Return steps x streams per second of ``n_streams`` streams, ``chunk`` steps."""
    rng = np.random.default_rng(0)
    data = rng.normal(size=(n_streams, 1, chunk)).astype(np.float32)
    stream = clf.stream(n_streams)
    for _ in range(3):
        stream.update(data)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(n_updates):
            stream.update(data)
        best = min(best, time.perf_counter() - start)
    return n_streams * chunk * n_updates / best


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_out_argument(parser)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    for name, params in CONFIGS.items():
        clf = fit_model(params, args.device)
        row: dict[str, Any] = {
            "config": name,
            "device": args.device,
            "pool_sizes": str(clf.network_params_["pool_sizes"]),
            "load_average_before": load_average(),
        }
        row.update(latency(clf, args.steps, args.repeats))
        row["predict_proba_prefix_us"] = prefix_rerun(clf, args.steps)
        for chunk in (1, 10):
            row[f"throughput_{args.streams}x{chunk}_steps_per_s"] = throughput(
                clf, args.streams, chunk, 20 if chunk == 1 else 5
            )
        row["load_average_after"] = load_average()
        rows.append(row)
        print(row, flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(rows, args.out / "streaming_speed.csv")
    header = [
        "config",
        "pool_sizes",
        "wall mean / median / p99 (us)",
        "CPU mean (us)",
        f"predict_proba on {args.steps} steps (us)",
        f"{args.streams} streams x 1 step (steps/s)",
        f"{args.streams} streams x 10 steps (steps/s)",
    ]
    table = [
        [
            r["config"],
            r["pool_sizes"],
            f"{r['wall_mean_us']:.0f} / {r['wall_median_us']:.0f} / "
            f"{r['wall_p99_us']:.0f}",
            f"{r['cpu_mean_us']:.0f}",
            f"{r['predict_proba_prefix_us']:.0f}",
            f"{r[f'throughput_{args.streams}x1_steps_per_s']:,.0f}",
            f"{r[f'throughput_{args.streams}x10_steps_per_s']:,.0f}",
        ]
        for r in rows
    ]
    text = [
        "# Streaming speed",
        "",
        f"Machine: {machine_description()}; device {args.device}; load average "
        f"before/after each config in the CSV.",
        "",
        markdown_table(header, table),
        "",
    ]
    (args.out / "streaming_speed.md").write_text("\n".join(text), encoding="utf-8")
    write_metadata(
        args.out,
        command=command_line(__spec__.name if __spec__ else __name__, argv),
        wall_seconds=time.perf_counter() - started,
        extra={"part": "streaming_speed", "device": args.device},
        append=True,
    )


if __name__ == "__main__":
    main()
