"""GPU speed of ConvLSTMClassifier against plain PyTorch (issue 16, items 1, 2, 6).

Run from the repository root (about 3 minutes on an H200)::

    python -m benchmarks.speed.bench_gpu --out benchmarks/results/gpu_speed
    python -m benchmarks.speed.bench_gpu --quick --device cpu --out /tmp/gpu_quick

``--quick`` runs tiny sizes (a smoke test of every row; the figures mean
nothing); ``--device`` defaults to CUDA when available.

Sections (every row in ``bench_gpu.csv``, tables in ``bench_gpu.md``, the
command, commit, date and machine in ``metadata.json``):

throughput
    ``fit`` against a hand-written PyTorch loop (the loop of
    ``benchmarks/bench_speed.py``: a random permutation per epoch, batches
    sliced from CPU tensors and moved to the device, AdamW, ``loss.item()``
    every batch) at 4,000 x 1 x 150 (batch 32, 3 epochs) and 40,000 x 1 x 500
    (batch 512, 2 epochs); ``fit`` with ``cuda_graphs="auto"`` (the default)
    and ``False``; ``predict_proba`` against ``softmax(module(x))`` under
    ``torch.inference_mode()``.
mixed_precision
    ``fit`` and ``predict_proba`` with ``mixed_precision="bfloat16"`` and
    ``"float16"`` (CUDA only) against float32 at 40,000 x 1 x 500, batch 512,
    with and without CUDA graphs; and where the time goes: forward+backward
    of the conv stack and of the LSTM alone under each dtype.
cpu_mixed_precision
    The same for bfloat16 on the CPU (4,000 x 1 x 150, batch 32, one epoch,
    all cores), whatever ``--device`` is.
large_data
    200,000 x 3 x 1,000 float32 (2.4 GB), batch 512, one epoch: ``fit``
    against the hand-written loop on the same data, with the peak GPU memory
    of each.
gunpoint
    The default classifier on GunPoint with ``device=<device>``: fit time and
    test accuracy for three seeds, with CUDA graphs (the default) and without.

Timed runs alternate (loop, fit, loop, fit, ...) after a warm-up; medians are
reported; ratios are reference time over our time (> 1: ours is faster).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

import sklearn_convlstm
from benchmarks.speed.measure import (
    bare_predict_proba,
    classifier_seed,
    hand_written_fit,
    median,
    sync,
)
from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm._engine.batching import PREDICT_BATCH_SIZE
from sklearn_convlstm.datasets import load_dataset

TARGET_PARITY = 0.95
TARGET_GRAPHED = 1.3  # fit with CUDA graphs vs the plain loop, batch 512


@dataclass(frozen=True)
class Size:
    """One problem size of the throughput rows."""

    name: str
    n_train: int
    n_channels: int
    n_timesteps: int
    batch_size: int
    max_epochs: int
    n_predict: int
    repeats: int


FULL_SIZES = (
    Size("4000x1x150", 4_000, 1, 150, 32, 3, 20_000, 3),
    Size("40000x1x500", 40_000, 1, 500, 512, 2, 40_000, 3),
)
QUICK_SIZES = (
    Size("64x1x40", 64, 1, 40, 32, 1, 64, 1),
    Size("64x1x60", 64, 1, 60, 32, 1, 64, 1),
)
FULL_LARGE = Size("200000x3x1000", 200_000, 3, 1_000, 512, 1, 0, 1)
#: bfloat16 against float32 on the CPU of the machine (all its cores).
CPU_MIXED_PRECISION = Size("4000x1x150", 4_000, 1, 150, 32, 1, 4_000, 2)
QUICK_LARGE = Size("128x3x50", 128, 3, 50, 64, 1, 0, 1)


# ---------------------------------------------------------------- helpers


def random_data(
    n: int, channels: int, steps: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian float32 series and 2 random classes, made in float32 directly."""
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn((n, channels, steps), generator=generator).numpy()
    y = torch.randint(0, 2, (n,), generator=generator).numpy()
    return X, y


def timed(function: Callable[[], Any], device: str) -> tuple[float, Any]:
    sync(device)
    start = time.perf_counter()
    result = function()
    sync(device)
    return time.perf_counter() - start, result


def bench_classifier(size: Size, device: str, **params: Any) -> ConvLSTMClassifier:
    """Return the classifier as ``bench_speed.compare_throughput`` sets it."""
    return ConvLSTMClassifier(
        scaling=None,
        lr_schedule="constant",
        batch_size=size.batch_size,
        max_epochs=size.max_epochs,
        device=device,
        random_state=0,
        **params,
    )


def row(
    section: str,
    case: str,
    n: int,
    times: list[float],
    reference: list[float] | None = None,
    target: float | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One result row: median seconds, samples/s, ratio to ``reference``."""
    ratio = None if reference is None else median(reference) / median(times)
    return {
        "section": section,
        "case": case,
        "samples": n,
        "median_s": round(median(times), 4),
        "runs": len(times),
        "samples_per_s": round(n / median(times), 1),
        "ratio": None if ratio is None else round(ratio, 3),
        "target": None if target is None else f">= {target}",
        "met": None if target is None or ratio is None else bool(ratio >= target),
        **extra,
    }


# ------------------------------------------------------------- sections


def bench_throughput(size: Size, device: str) -> list[dict]:
    """Time fit vs the loop (graphs auto and off), predict_proba vs the module."""
    X, y = random_data(size.n_train, size.n_channels, size.n_timesteps)
    X_tensor, y_tensor = torch.from_numpy(X), torch.from_numpy(y)
    graphed = bench_classifier(size, device)
    eager = bench_classifier(size, device, cuda_graphs=False)
    loop_kwargs = {
        "batch_size": size.batch_size,
        "lr": graphed.lr,
        "weight_decay": graphed.weight_decay,
        "seed": classifier_seed(0),
        "device": device,
        "n_classes": 2,
    }
    warm = slice(0, min(4 * size.batch_size, len(X)))
    hand_written_fit(X_tensor[warm], y_tensor[warm], max_epochs=1, **loop_kwargs)
    for clf in (graphed, eager):
        clf.set_params(max_epochs=1).fit(X[warm], y[warm])
        clf.set_params(max_epochs=size.max_epochs)
    loop_times, graphed_times, eager_times = [], [], []
    for _ in range(size.repeats):
        seconds, _ = timed(
            lambda: hand_written_fit(
                X_tensor, y_tensor, max_epochs=size.max_epochs, **loop_kwargs
            ),
            device,
        )
        loop_times.append(seconds)
        graphed_times.append(timed(lambda: graphed.fit(X, y), device)[0])
        eager_times.append(timed(lambda: eager.fit(X, y), device)[0])
    n_seen = size.n_train * size.max_epochs
    target_graphed = TARGET_GRAPHED if size.batch_size >= 512 else TARGET_PARITY
    section = f"throughput {size.name}"
    losses = (
        f"last-epoch loss: graphs {graphed.history_[-1, 'train_loss']:.4f}, "
        f"eager {eager.history_[-1, 'train_loss']:.4f}"
    )
    rows = [
        row(section, "train: hand-written PyTorch loop", n_seen, loop_times),
        row(
            section,
            "train: fit (cuda_graphs='auto', the default)",
            n_seen,
            graphed_times,
            loop_times,
            target_graphed if device.startswith("cuda") else TARGET_PARITY,
            note=losses,
        ),
        row(
            section,
            "train: fit (cuda_graphs=False)",
            n_seen,
            eager_times,
            loop_times,
            TARGET_PARITY,
        ),
    ]
    X_predict, _ = random_data(size.n_predict, size.n_channels, size.n_timesteps, 1)
    X_predict_tensor = torch.from_numpy(X_predict)
    module = graphed.net_.module_
    bare_predict_proba(module, X_predict_tensor[:PREDICT_BATCH_SIZE], 256, device)
    graphed.predict_proba(X_predict[:PREDICT_BATCH_SIZE])
    bare_times, proba_times = [], []
    for _ in range(size.repeats):
        seconds, bare = timed(
            lambda: bare_predict_proba(
                module, X_predict_tensor, PREDICT_BATCH_SIZE, device
            ),
            device,
        )
        bare_times.append(seconds)
        seconds, proba = timed(lambda: graphed.predict_proba(X_predict), device)
        proba_times.append(seconds)
    difference = float(np.abs(proba - bare.double().numpy()).max())
    rows += [
        row(section, "predict: softmax(module(x))", len(X_predict), bare_times),
        row(
            section,
            "predict: predict_proba",
            len(X_predict),
            proba_times,
            bare_times,
            TARGET_PARITY,
            note=f"max abs difference {difference:.1e}",
        ),
    ]
    return rows


def _fwd_bwd_ms(
    function: Callable[[], torch.Tensor],
    device: str,
    precision: str | None,
    repeats: int = 10,
) -> float:
    """Median ms of forward + backward of ``function`` under autocast."""
    from sklearn_convlstm._engine.precision import autocast

    def step() -> None:
        with autocast(device, precision):
            out = function()
        out.float().sum().backward()

    for _ in range(min(3, repeats)):
        step()
    times = []
    for _ in range(repeats):
        times.append(timed(step, device)[0])
    return 1000 * median(times)


def bench_mixed_precision(size: Size, device: str, part_repeats: int) -> list[dict]:
    """bfloat16/float16 autocast against float32: fit, predict, per part."""
    cuda = device.startswith("cuda")
    precisions = ["bfloat16", "float16"] if cuda else ["bfloat16"]
    graph_options = [True, False] if cuda else [False]
    X, y = random_data(size.n_train, size.n_channels, size.n_timesteps)
    X_predict, _ = random_data(size.n_predict, size.n_channels, size.n_timesteps, 1)
    n_seen = size.n_train * size.max_epochs
    section = f"mixed precision {size.name} on {device}"
    rows = []
    warm = slice(0, min(4 * size.batch_size, len(X)))
    for graphs in graph_options:
        models = {
            precision: bench_classifier(
                size, device, mixed_precision=precision or False, cuda_graphs=graphs
            )
            for precision in [None, *precisions]
        }
        for clf in models.values():
            clf.set_params(max_epochs=1).fit(X[warm], y[warm])
            clf.set_params(max_epochs=size.max_epochs)
        fit_times: dict[Any, list[float]] = {p: [] for p in models}
        for _ in range(size.repeats):
            for precision, clf in models.items():
                fit_times[precision].append(timed(partial(clf.fit, X, y), device)[0])
        label = "cuda_graphs='auto'" if graphs else "cuda_graphs=False"
        rows.append(row(section, f"train: float32, {label}", n_seen, fit_times[None]))
        for precision in precisions:
            rows.append(
                row(
                    section,
                    f"train: {precision}, {label}",
                    n_seen,
                    fit_times[precision],
                    fit_times[None],
                    TARGET_GRAPHED,
                    note="ratio vs float32 fit with the same cuda_graphs",
                )
            )
        if graphs == graph_options[-1]:
            predict_times: dict[Any, list[float]] = {p: [] for p in models}
            for clf in models.values():
                clf.predict_proba(X_predict[:PREDICT_BATCH_SIZE])
            for _ in range(size.repeats):
                for precision, clf in models.items():
                    predict_times[precision].append(
                        timed(partial(clf.predict_proba, X_predict), device)[0]
                    )
            rows.append(
                row(section, "predict: float32", len(X_predict), predict_times[None])
            )
            for precision in precisions:
                rows.append(
                    row(
                        section,
                        f"predict: {precision}",
                        len(X_predict),
                        predict_times[precision],
                        predict_times[None],
                        1.0,
                    )
                )
    # Where the time goes: one batch through the conv stack and the LSTM.
    clf = models[None]
    module = clf.net_.module_.train()
    x = torch.from_numpy(X[: size.batch_size]).to(device)
    with torch.no_grad():
        features = x
        for block in module.conv_blocks:
            features = block(features)
        lstm_input = features.permute(0, 2, 1).contiguous()
    parts = {
        "conv stack": lambda: _conv(module, x),
        "LSTM": lambda: module.recurrent(lstm_input.requires_grad_(True))[0],
        "whole network": lambda: module(x),
    }
    for part, function in parts.items():
        reference = _fwd_bwd_ms(function, device, None, part_repeats)
        for precision in [None, *precisions]:
            try:
                ms = (
                    reference
                    if precision is None
                    else _fwd_bwd_ms(function, device, precision, part_repeats)
                )
            except RuntimeError as error:
                # oneDNN has no bfloat16 LSTM kernel for a bare module call on
                # CPUs without bfloat16 units (AVX2): say so, keep the others.
                rows.append(
                    {
                        "section": section,
                        "case": f"forward+backward ms, {part}, {precision}",
                        "note": f"not supported on this machine: {error}"[:200],
                    }
                )
                continue
            rows.append(
                {
                    "section": section,
                    "case": f"forward+backward ms, {part}, {precision or 'float32'}",
                    "samples": size.batch_size,
                    "median_s": round(ms / 1000, 6),
                    "runs": part_repeats,
                    "samples_per_s": round(size.batch_size / (ms / 1000), 1),
                    "ratio": round(reference / ms, 3),
                    "target": None,
                    "met": None,
                    "note": f"{ms:.3f} ms per batch of {size.batch_size}, "
                    f"LSTM input {tuple(lstm_input.shape)}",
                }
            )
    return rows


def _conv(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    for block in module.conv_blocks:
        x = block(x)
    return x


def bench_large(size: Size, device: str) -> list[dict]:
    """One epoch on a large array: fit vs the hand loop, with peak GPU memory."""
    cuda = device.startswith("cuda")
    X, y = random_data(size.n_train, size.n_channels, size.n_timesteps)
    X_tensor, y_tensor = torch.from_numpy(X), torch.from_numpy(y)
    clf = bench_classifier(size, device)
    warm = slice(0, 4 * size.batch_size)
    clf.set_params(max_epochs=1).fit(X[warm], y[warm])
    loop_kwargs = {
        "batch_size": size.batch_size,
        "lr": clf.lr,
        "weight_decay": clf.weight_decay,
        "seed": classifier_seed(0),
        "device": device,
        "n_classes": 2,
    }
    hand_written_fit(X_tensor[warm], y_tensor[warm], max_epochs=1, **loop_kwargs)

    def peak_gib() -> float | None:
        if not cuda:
            return None
        return round(torch.cuda.max_memory_allocated() / 2**30, 3)

    def reset() -> None:
        if cuda:
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()

    reset()
    loop_s, _ = timed(
        lambda: hand_written_fit(X_tensor, y_tensor, max_epochs=1, **loop_kwargs),
        device,
    )
    loop_peak = peak_gib()
    reset()
    fit_s, _ = timed(lambda: clf.fit(X, y), device)
    fit_peak = peak_gib()
    section = f"large data {size.name}"
    gib = X.nbytes / 2**30
    return [
        row(
            section,
            "train: hand-written PyTorch loop",
            len(X),
            [loop_s],
            peak_gpu_gib=loop_peak,
            note=f"data {gib:.2f} GiB float32 on the host",
        ),
        row(
            section,
            "train: fit",
            len(X),
            [fit_s],
            [loop_s],
            0.9,
            peak_gpu_gib=fit_peak,
            note="includes validating X and moving it to the GPU once",
        ),
    ]


def bench_gunpoint(device: str, quick: bool) -> list[dict]:
    """Default classifier on GunPoint: fit time and test accuracy per seed."""
    X_train, y_train, X_test, y_test = load_dataset("GunPoint")
    rows = []
    seeds = [0] if quick else [0, 1, 2]
    options = {"cuda_graphs='auto'": "auto"}
    if device.startswith("cuda"):
        options["cuda_graphs=False"] = False
    extra = {"max_epochs": 1} if quick else {}
    if not quick:  # warm-up
        ConvLSTMClassifier(device=device, max_epochs=1, random_state=0).fit(
            X_train, y_train
        )
    for label, graphs in options.items():
        for seed in seeds:
            clf = ConvLSTMClassifier(
                device=device, cuda_graphs=graphs, random_state=seed, **extra
            )
            seconds, _ = timed(partial(clf.fit, X_train, y_train), device)
            accuracy = float(clf.score(X_test, y_test))
            rows.append(
                {
                    "section": "GunPoint default fit",
                    "case": f"{label}, seed {seed}",
                    "samples": len(X_train),
                    "median_s": round(seconds, 3),
                    "runs": 1,
                    "samples_per_s": None,
                    "ratio": None,
                    "target": None,
                    "met": None,
                    "accuracy": round(accuracy, 4),
                    "note": f"{len(clf.history_)} epochs, batch {clf.net_.batch_size}",
                }
            )
    return rows


# ---------------------------------------------------------------- output


def _run(command: list[str]) -> str:
    try:
        return subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=20
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine(device: str) -> dict[str, Any]:
    import scipy
    import sklearn
    import skorch

    cpu = "unknown"
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    info: dict[str, Any] = {
        "device": device,
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "skorch": skorch.__version__,
        "sklearn_convlstm_file": sklearn_convlstm.__file__,
    }
    if device.startswith("cuda"):
        properties = torch.cuda.get_device_properties(torch.device(device))
        info.update(
            {
                "gpu": torch.cuda.get_device_name(torch.device(device)),
                "gpu_memory_gib": round(properties.total_memory / 2**30, 1),
                "cuda": torch.version.cuda,
                "cudnn": torch.backends.cudnn.version(),
                "driver": _run(
                    [
                        "nvidia-smi",
                        "--query-gpu=driver_version",
                        "--format=csv,noheader",
                    ]
                ),
            }
        )
    return info


def markdown_table(rows: list[dict]) -> list[str]:
    columns = [
        c for c in rows[0] if c != "section" and any(r.get(c) is not None for r in rows)
    ]
    for r in rows:
        for c in r:
            if c not in columns and c != "section" and r[c] is not None:
                columns.append(c)
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for r in rows:
        cells = ["" if r.get(c) is None else str(r.get(c)) for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def write_outputs(
    rows: list[dict], out: Path, metadata: dict[str, Any]
) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    columns: list[str] = []
    for r in rows:
        columns += [c for c in r if c not in columns]
    csv_path = out / "bench_gpu.csv"
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    lines = [
        "# ConvLSTMClassifier on "
        + metadata["machine"].get("gpu", metadata["machine"]["cpu"]),
        "",
        f"Command: `{metadata['command']}`  ",
        f"Commit: {metadata['commit']}  ",
        f"Date: {metadata['date']}  ",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in metadata["machine"].items()),
        "",
        "Ratios are reference time / our time (> 1: ours is faster); medians of "
        "alternating runs.",
    ]
    if metadata.get("quick"):
        lines += [
            "",
            "**--quick: tiny sizes, a smoke test; the figures mean nothing.**",
        ]
    sections: dict[str, list[dict]] = {}
    for r in rows:
        sections.setdefault(r["section"], []).append(r)
    for name, section_rows in sections.items():
        lines += ["", f"## {name}", "", *markdown_table(section_rows)]
    md_path = out / "bench_gpu.md"
    md_path.write_text("\n".join(lines) + "\n")
    (out / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    return csv_path, md_path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true", help="tiny sizes")
    parser.add_argument(
        "--device", default="cuda" if torch.cuda.is_available() else "cpu"
    )
    parser.add_argument(
        "--sections",
        default="throughput,mixed_precision,cpu_mixed_precision,large_data,gunpoint",
        help="comma-separated subset of the default",
    )
    parser.add_argument(
        "--commit",
        default=os.environ.get("BENCH_COMMIT"),
        help="commit of the code measured (default: $BENCH_COMMIT or git)",
    )
    args = parser.parse_args(argv)
    command = shlex.join(
        [
            "python",
            "-m",
            "benchmarks.speed.bench_gpu",
            *(sys.argv[1:] if argv is None else argv),
        ]
    )
    commit = args.commit or _run(["git", "rev-parse", "HEAD"])
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    large = QUICK_LARGE if args.quick else FULL_LARGE
    metadata = {
        "command": command,
        "commit": commit,
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "quick": args.quick,
        "machine": machine(args.device),
    }
    print(f"$ {command}\n{json.dumps(metadata['machine'])}", flush=True)
    rows: list[dict] = []
    sections = args.sections.split(",")
    jobs: list[tuple[str, Callable[[], list[dict]]]] = []
    if "throughput" in sections:
        jobs += [
            (f"throughput {s.name}", lambda s=s: bench_throughput(s, args.device))
            for s in sizes
        ]
    if "mixed_precision" in sections:
        jobs.append(
            (
                "mixed precision",
                lambda: bench_mixed_precision(
                    sizes[-1], args.device, 2 if args.quick else 20
                ),
            )
        )
    if "cpu_mixed_precision" in sections:
        cpu_size = QUICK_SIZES[0] if args.quick else CPU_MIXED_PRECISION
        jobs.append(
            (
                "mixed precision on cpu",
                lambda: bench_mixed_precision(cpu_size, "cpu", 2 if args.quick else 5),
            )
        )
    if "large_data" in sections:
        jobs.append(("large data", lambda: bench_large(large, args.device)))
    if "gunpoint" in sections:
        jobs.append(("gunpoint", lambda: bench_gunpoint(args.device, args.quick)))
    for name, job in jobs:
        start = time.perf_counter()
        try:
            new_rows = job()
        except Exception as error:  # a failed section must not lose the others
            new_rows = [{"section": name, "case": f"FAILED: {error!r}"}]
        rows += new_rows
        for r in new_rows:
            print(json.dumps(r), flush=True)
        print(f"[{name}: {time.perf_counter() - start:.1f} s]", flush=True)
        write_outputs(rows, args.out, metadata)  # keep what is done
    csv_path, md_path = write_outputs(rows, args.out, metadata)
    print(f"written {csv_path} and {md_path}")


if __name__ == "__main__":
    main()
