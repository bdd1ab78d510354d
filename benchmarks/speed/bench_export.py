"""Single-series latency of the exported ONNX model against ``predict_proba``.

Issue 20, item 3 ("Export for serving"). The default classifier is fitted on
GunPoint-size random series (1 channel, 150 steps; one epoch: the weights do
not change the time a forward pass takes), exported with
:func:`sklearn_convlstm.export_onnx`, and one series at a time is predicted by

* ``predict_proba``: the estimator (1 torch thread), validation included;
* ``module(x)``: the fitted network under ``torch.inference_mode()``, no
  validation (what ``predict_proba`` costs beyond validation);
* ``onnxruntime session.run``: the exported graph in an
  ``onnxruntime.InferenceSession`` with 1 intra-op and 1 inter-op thread, no
  validation (what a server that checks its own input runs);
* ``load_onnx(...).predict_proba``: the same session behind this package's
  serving helper, which validates X like the estimator.

The cases are timed in interleaved rounds (``--rounds`` rounds of
``--calls`` calls each, after warm-up calls), so that a change of load on the
machine touches every case alike; the report gives the median and 90th
percentile over all calls and the range of the per-round medians. It also
checks that the exported probabilities equal ``predict_proba``'s on 256
series. Run from the repository root::

    python benchmarks/speed/bench_export.py --out benchmarks/results/export_latency

Writes ``export_latency.csv`` (one row per case), ``export_latency.md`` (the
report) and ``metadata.json`` (command, commit, date, machine, versions,
load average) to ``--out``. Needs the package, numpy, torch and onnxruntime
(``pip install 'sklearn-convlstm[export]'``); nothing else.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import torch

import sklearn_convlstm
from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm.export import export_onnx, load_onnx

N_TIMESTEPS = 150  # GunPoint's length


def time_rounds(
    cases: dict[str, Callable[[], Any]], calls: int, rounds: int, warmup: int
) -> dict[str, list[list[float]]]:
    """Seconds per call of each case: ``rounds`` interleaved rounds of ``calls``."""
    for function in cases.values():
        for _ in range(warmup):
            function()
    timings: dict[str, list[list[float]]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, function in cases.items():
            round_timings = []
            for _ in range(calls):
                start = time.perf_counter()
                function()
                round_timings.append(time.perf_counter() - start)
            timings[name].append(round_timings)
    return timings


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def load_average() -> list[float] | None:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "cpus_usable": usable,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "onnxruntime": ort.__version__,
        "numpy": np.__version__,
        "sklearn_convlstm": sklearn_convlstm.__version__,
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "(unset)"),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=Path("benchmarks/results/export_latency")
    )
    parser.add_argument("--calls", type=int, default=300, help="calls per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 20 calls, 2 rounds"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.calls, args.rounds, args.warmup = 20, 2, 5
    command = "python " + shlex.join(sys.argv if argv is None else [__file__, *argv])
    args.out.mkdir(parents=True, exist_ok=True)
    load_before = load_average()
    torch.set_num_threads(1)

    rng = np.random.RandomState(0)
    X = rng.normal(size=(256, 1, N_TIMESTEPS)).astype(np.float32)
    y = np.arange(256) % 2
    classifier = ConvLSTMClassifier(max_epochs=1, random_state=0).fit(X, y)
    x_one = X[:1]
    module = classifier.net_.module_.eval()

    with tempfile.TemporaryDirectory() as folder:
        path = export_onnx(classifier, Path(folder) / "model.onnx")
        size_kib = path.stat().st_size / 1024
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        served = load_onnx(path, intra_op_num_threads=1, inter_op_num_threads=1)
    difference = float(
        np.abs(session.run(None, {"series": X})[0] - classifier.predict_proba(X)).max()
    )

    def forward() -> Any:
        with torch.inference_mode():
            return module(torch.from_numpy(x_one))

    cases: dict[str, Callable[[], Any]] = {
        "predict_proba (torch, 1 thread)": lambda: classifier.predict_proba(x_one),
        "module(x) under inference_mode (no validation)": forward,
        "onnxruntime session.run (1 thread, no validation)": lambda: session.run(
            None, {"series": x_one}
        ),
        "load_onnx(...).predict_proba (validates X)": lambda: served.predict_proba(
            x_one
        ),
    }
    timings = time_rounds(cases, args.calls, args.rounds, args.warmup)
    load_after = load_average()

    rows = []
    for name, per_round in timings.items():
        everything = np.concatenate(per_round) * 1e3
        round_medians = [statistics.median(r) * 1e3 for r in per_round]
        rows.append(
            {
                "case": name,
                "calls": everything.size,
                "median_ms": round(float(np.median(everything)), 4),
                "p90_ms": round(float(np.percentile(everything, 90)), 4),
                "round_median_min_ms": round(min(round_medians), 4),
                "round_median_max_ms": round(max(round_medians), 4),
            }
        )
    reference = rows[0]["median_ms"]
    for row in rows:
        row["vs_predict_proba"] = round(reference / row["median_ms"], 2)

    csv_path = args.out / "export_latency.csv"
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    date = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    metadata = {
        "command": command,
        "commit": git_commit(),
        "date_utc": date,
        "machine": machine(),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "network": {
            "variant": "default",
            "pool_sizes": list(classifier.network_params_["pool_sizes"]),
            "scaling": classifier.scaling_,
            "n_timesteps": N_TIMESTEPS,
        },
        "onnx_file_kib": round(size_kib, 1),
        "max_abs_difference_onnx_vs_predict_proba_256_series": difference,
        "calls_per_round": args.calls,
        "rounds": args.rounds,
        "warmup_calls": args.warmup,
    }
    (args.out / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")

    pool_sizes = classifier.network_params_["pool_sizes"]
    host = metadata["machine"]
    header = ["case", "median ms", "p90 ms", "round medians ms", "speed-up"]
    lines = [
        "# Single-series latency: exported ONNX model vs predict_proba",
        "",
        f"Default ConvLSTMClassifier (pool_sizes {pool_sizes}, scaling "
        f"{classifier.scaling_!r}), one series of 1 x {N_TIMESTEPS} float32 per "
        f"call; {args.rounds} interleaved rounds of {args.calls} calls after "
        f"{args.warmup} warm-up calls per case. torch and onnxruntime use 1 thread.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for row in rows:
        lines.append(
            f"| {row['case']} | {row['median_ms']:.3f} | {row['p90_ms']:.3f} | "
            f"{row['round_median_min_ms']:.3f}-{row['round_median_max_ms']:.3f} | "
            f"{row['vs_predict_proba']:.2f}x |"
        )
    lines += [
        "",
        f"- ONNX probabilities vs predict_proba on 256 series: max abs difference "
        f"{difference:.2e}. ONNX file: {size_kib:.0f} KiB.",
        "- speed-up: predict_proba's median over the case's median.",
        f"- Machine: {host['cpu']}, {host['cpus_usable']} usable CPUs; torch "
        f"{torch.__version__}, onnxruntime {ort.__version__}. Load "
        f"average (1, 5, 15 min) {load_before} before, {load_after} after: on a "
        "shared machine the absolute times move with the load; the interleaved "
        "rounds keep the comparison fair.",
        f"- Command: `{command}`; commit {metadata['commit']}; {date}.",
    ]
    md_path = args.out / "export_latency.md"
    md_path.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
