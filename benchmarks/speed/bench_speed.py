"""Speed and memory of ConvLSTMClassifier, measured against plain PyTorch.

Issue "Speed and memory: close to what PyTorch itself can do". Run from the
repository root::

    python -m benchmarks.speed.bench_speed --out /tmp/speed   # every section
    python -m benchmarks.speed.bench_speed --quick --out /tmp/speed  # smoke run
    python -m benchmarks.speed.bench_speed --sections throughput,latency \
        --threads 2 --out /tmp/speed

The measuring tools (timers, peak RSS, FLOP count, the plain-PyTorch
reference, :func:`~benchmarks.speed.measure.compare_throughput`) live in
:mod:`benchmarks.speed.measure`, for the other scripts of this folder too.

Sections (``--sections``, comma-separated; default: all of them):

throughput
    Training samples/s of ``ConvLSTMClassifier.fit`` against a hand-written
    PyTorch loop (same network, seed, data, batch size, epochs, AdamW
    settings), and ``predict_proba`` against ``softmax(module(x))`` under
    ``torch.inference_mode()`` in batches of the same size. Runs alternate
    (loop, fit, loop, fit, ...); medians and ratios are reported. Target: both
    ratios >= 0.95.
latency
    One series of length 150 through ``predict_proba`` of the default
    classifier (median of many calls; target < 1 ms), with where the time goes:
    the overhead around the forward pass, the forward pass by part (conv
    stack, recurrent layer, head).
scaling
    Training-step and inference-batch time and peak RSS of the default network
    for series lengths 100-10,000, batch sizes 16-256 and 1 or 12 channels.
    Each configuration runs in a fresh subprocess (peak RSS is per process).
    Writes ``speed_scaling.png``.
memory
    Peak RSS of ``fit`` and ``predict_proba`` on a large input (100,000 series
    x 500 steps, float64 and float32) above the RSS with the data loaded, in
    units of the data's float32 size, each in a fresh subprocess. Each call
    also runs on a quarter of the series: the growth between the two sizes
    counts the copies of the data a call makes (1 for the float64 cast; a
    call that streams adds nothing more), the rest is a fixed cost.
flops
    Forward FLOPs per sample of the network, counted analytically (see
    :func:`network_flops`), the machine's float32 matmul FLOP/s on the same
    threads, and the fraction of it that training and inference reach.
pooling
    Default network with ``pool_sizes="auto"`` against no pooling at lengths
    500 and 2,000: training-step time, inference throughput, speedup.
threads
    ``GridSearchCV(n_jobs=1)`` against ``n_jobs=2`` (loky) wall time, the torch
    threads inside the workers (read by a scorer in the worker processes), and
    whether a user's ``torch.set_num_threads(1)`` holds during and after
    ``fit``.
cuda
    The throughput comparison on ``device="cuda"`` when a GPU is available;
    otherwise skipped.

Every section prints a table and writes ``<out>/speed_<section>.csv``; a
markdown summary with the machine description and the exact command goes to
``<out>/speed.md``, the run to ``<out>/metadata.json``. Timings taken while
other processes load the machine are not trustworthy: the summary records the
load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from benchmarks.harness import (
    REPOSITORY,
    add_out_argument,
    command_line,
    load_average,
    machine_details,
    write_csv,
    write_metadata,
)
from benchmarks.speed.measure import (
    FULL,
    QUICK,
    TARGET_LATENCY_MS,
    PeakMemory,
    Section,
    Settings,
    bare_predict_proba,
    compare_throughput,
    default_network,
    format_table,
    forward_flops,
    inference_function,
    matmul_flops_per_s,
    median,
    network_flops,
    random_data,
    time_calls,
    training_step_function,
)
from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm._engine.batching import PREDICT_BATCH_SIZE

SECTIONS = (
    "throughput",
    "latency",
    "scaling",
    "memory",
    "flops",
    "pooling",
    "threads",
    "cuda",
)

#: A small network for the memory runs: data copies do not depend on the
#: network, and a light one lets fit get through 100,000 series in seconds.
LIGHT_NETWORK = {"conv_channels": (16,), "kernel_sizes": 7, "lstm_hidden_size": 16}


def run_worker(spec: dict[str, Any], threads: int | None, timeout: float) -> dict:
    """Run one measurement in a fresh interpreter (``--worker``); return its dict."""
    command = [sys.executable, "-m", __spec__.name if __spec__ else __name__]
    command += ["--worker", json.dumps(spec)]
    if threads is not None:
        command += ["--threads", str(threads)]
    try:
        process = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd=REPOSITORY,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    for line in reversed(process.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    lines = process.stderr.strip().splitlines() or ["no output"]
    return {"error": f"exit {process.returncode}: {lines[-1]}"}


# ------------------------------------------------------------- sections


def bench_throughput(settings: Settings, context: dict) -> Section:
    return compare_throughput(
        settings, "cpu", mixed_precision_rows=context.get("cpu_mixed_precision")
    )


def _head_input(module: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Return what the network's head reads for ``x`` (captured by a hook).

    A hook on the head makes the network take its layer-by-layer path, which
    calls the head as a module; the hook is removed before returning.
    """
    captured: list[torch.Tensor] = []
    handle = module.head.register_forward_pre_hook(
        lambda _module, args: captured.append(args[0])
    )
    try:
        with torch.inference_mode():
            module(x)
    finally:
        handle.remove()
    return captured[0]


def bench_latency(settings: Settings, context: dict) -> Section:
    from sklearn.utils.validation import check_is_fitted

    section = Section(
        "latency",
        "Latency of predict_proba on one series (default classifier, length 150)",
    )
    n_timesteps = 150
    X, y = random_data(256, 1, n_timesteps)
    classifier = ConvLSTMClassifier(max_epochs=1, random_state=0).fit(X, y)
    module = classifier.net_.module_.eval()
    x32 = X[:1]
    x64 = x32.astype(np.float64)
    x_tensor = torch.from_numpy(x32)

    def forward() -> Any:
        with torch.inference_mode():
            return module(torch.from_numpy(x32))

    def conv_stack() -> Any:
        with torch.inference_mode():
            h = module.input_scaling(x_tensor)
            for block in module.conv_blocks:
                h = block(h)
            return h

    with torch.inference_mode():
        conv_out = conv_stack().permute(0, 2, 1).contiguous()
    head_input = _head_input(module, x_tensor)

    def recurrent() -> Any:
        with torch.inference_mode():
            return module.recurrent(conv_out)

    def head() -> Any:
        with torch.inference_mode():
            return module.head(head_input)

    cases: list[tuple[str, Callable[[], Any]]] = [
        ("predict_proba(float32 series)", lambda: classifier.predict_proba(x32)),
        ("predict_proba(float64 series)", lambda: classifier.predict_proba(x64)),
        ("  check_is_fitted", lambda: check_is_fitted(classifier)),
        (
            "  module.eval() (predict calls it only on a module in training mode)",
            module.eval,
        ),
        ("  module(x) under inference_mode", forward),
        ("    scaling + conv blocks", conv_stack),
        (
            f"    {type(module.recurrent).__name__} "
            f"({conv_out.shape[1]} steps, bidirectional)",
            recurrent,
        ),
        ("    head", head),
    ]
    for name, function in cases:
        timings = np.array(time_calls(function, settings.latency_calls, warmup=10))
        section.rows.append(
            {
                "call": name,
                "threads": torch.get_num_threads(),
                "median_ms": float(np.median(timings) * 1e3),
                "p90_ms": float(np.percentile(timings, 90) * 1e3),
            }
        )
    by_call = {row["call"]: row["median_ms"] for row in section.rows}
    section.rows.insert(
        2,
        {
            "call": "  predict_proba - module(x) (difference of medians)",
            "threads": torch.get_num_threads(),
            "median_ms": by_call["predict_proba(float32 series)"]
            - by_call["  module(x) under inference_mode"],
        },
    )
    parts = [name for name in by_call if name.startswith("    ")]
    section.rows.insert(
        len(section.rows),
        {
            "call": "    readout etc. - module(x) minus the parts above "
            "(difference of medians)",
            "threads": torch.get_num_threads(),
            "median_ms": by_call["  module(x) under inference_mode"]
            - sum(by_call[name] for name in parts),
        },
    )
    threads = torch.get_num_threads()
    if threads != 1:
        torch.set_num_threads(1)
        try:
            timings = np.array(
                time_calls(
                    lambda: classifier.predict_proba(x32),
                    settings.latency_calls,
                    warmup=10,
                )
            )
        finally:
            torch.set_num_threads(threads)
        section.rows.append(
            {
                "call": "predict_proba(float32 series)",
                "threads": 1,
                "median_ms": float(np.median(timings) * 1e3),
                "p90_ms": float(np.percentile(timings, 90) * 1e3),
            }
        )
    for row in section.rows:
        is_total = row["call"].startswith("predict_proba")
        row["target"] = f"< {TARGET_LATENCY_MS} ms" if is_total else None
        row["met"] = bool(row["median_ms"] < TARGET_LATENCY_MS) if is_total else None
    section.notes = [
        f"Median and 90th percentile of {settings.latency_calls} calls after 10 "
        "warm-up calls. Indented rows break the first row down (each timed on its "
        "own); the differences of medians show what is left: input validation "
        "and the rest of predict_proba around the forward pass, and the readout "
        "between the recurrent layer and the head. Network: default variant, "
        "pool_sizes="
        f"{classifier.network_params_['pool_sizes']}, scaling='per_channel'.",
    ]
    return section


def worker_scaling(spec: dict) -> dict:
    """Subprocess: time and peak RSS of one (length, batch, channels) config."""
    length, batch, channels = spec["length"], spec["batch"], spec["channels"]
    steps, budget = spec["steps"], spec["budget_s"]
    module = default_network(channels, 2, length, seed=0)
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(batch, channels, length, generator=generator)
    y = torch.randint(0, 2, (batch,), generator=generator)
    result: dict[str, Any] = {"lstm_steps": module.output_length(length)}
    # Page in code and set up kernels on a 2-series batch, outside the
    # measurement, so that the peaks below are about this batch size.
    inference_function(module, x[:2])()
    training_step_function(module, x[:2], y[:2])()
    for phase, function in (
        ("infer", inference_function(module, x)),
        ("train", training_step_function(module, x, y)),
    ):
        with PeakMemory() as memory:
            start = time.perf_counter()
            function()  # warm-up
            warm = time.perf_counter() - start
            n_steps = max(1, min(steps, int(budget / 2 / max(warm, 1e-9))))
            timings = time_calls(function, n_steps, warmup=0)
        result[f"{phase}_ms"] = median(timings) * 1e3
        result[f"{phase}_steps"] = n_steps
        result[f"{phase}_peak_mb"] = memory.mb
    result["exact_peak"] = memory.exact
    return result


def bench_scaling(settings: Settings, context: dict) -> Section:
    section = Section(
        "scaling",
        "Scaling of the default network with length, batch size and channels",
    )
    skipped = []
    for channels in settings.scaling_channels:
        for length in settings.scaling_lengths:
            previous: tuple[int, float] | None = None
            for batch in settings.scaling_batches:
                config = {"channels": channels, "length": length, "batch": batch}
                if previous is not None:
                    # Time grows about linearly with the batch: predict the cost
                    # of warm-up + one measured step of each phase.
                    estimate = 2 * previous[1] * batch / previous[0]
                    if estimate > settings.scaling_budget_s:
                        skipped.append(f"{config} (estimated {estimate:.0f} s)")
                        section.rows.append({**config, "skipped": "over budget"})
                        continue
                spec = {
                    "kind": "scaling",
                    **config,
                    "steps": settings.scaling_steps,
                    "budget_s": settings.scaling_budget_s,
                }
                result = run_worker(
                    spec, context["threads"], timeout=4 * settings.scaling_budget_s + 60
                )
                row = {**config, **result}
                if "error" not in result:
                    row["train_samples_per_s"] = batch / (result["train_ms"] / 1e3)
                    row["infer_samples_per_s"] = batch / (result["infer_ms"] / 1e3)
                    previous = (batch, (result["train_ms"] + result["infer_ms"]) / 1e3)
                section.rows.append(row)
                print(f"  scaling {config}: {result}", flush=True)
    section.notes = [
        "Default network (pool_sizes='auto' for each length; lstm_steps = steps "
        "the LSTM sees), bare module: one AdamW training step on a random batch "
        "(train_ms) and one forward pass in eval + inference_mode (infer_ms); "
        f"median of up to {settings.scaling_steps} calls after one warm-up, fewer "
        f"when the warm-up says a phase would exceed {settings.scaling_budget_s / 2:g}"
        " s. Peak RSS above the RSS before each phase (after a warm-up on 2 "
        "series), in a fresh process per configuration.",
    ]
    if skipped:
        section.notes.append("Skipped (over budget): " + "; ".join(skipped))
    plot_scaling(section.rows, context["out"] / "speed_scaling.png")
    section.notes.append("Plot: speed_scaling.png")
    return section


def plot_scaling(rows: list[dict], path: Path) -> None:
    """Time and peak memory against length, a line per batch size and phase."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [row for row in rows if "train_ms" in row]
    if not rows:
        return
    channels = sorted({row["channels"] for row in rows})
    batches = sorted({row["batch"] for row in rows})
    figure, axes = plt.subplots(
        2, len(channels), figsize=(5.5 * len(channels), 8), squeeze=False
    )
    colors = dict(
        zip(batches, plt.cm.viridis(np.linspace(0, 0.85, len(batches))), strict=True)
    )
    for column, n_channels in enumerate(channels):
        for batch in batches:
            selected = sorted(
                (
                    r
                    for r in rows
                    if r["channels"] == n_channels and r["batch"] == batch
                ),
                key=lambda r: r["length"],
            )
            lengths = [r["length"] for r in selected]
            for phase, style in (("train", "-"), ("infer", "--")):
                axes[0, column].plot(
                    lengths,
                    [r[f"{phase}_ms"] for r in selected],
                    style,
                    marker="o",
                    color=colors[batch],
                    label=f"{phase}, batch {batch}",
                )
                axes[1, column].plot(
                    lengths,
                    [r[f"{phase}_peak_mb"] for r in selected],
                    style,
                    marker="o",
                    color=colors[batch],
                    label=f"{phase}, batch {batch}",
                )
        axes[0, column].set_title(f"{n_channels} channel(s): time per batch")
        axes[0, column].set_ylabel("ms per training step / forward pass")
        axes[1, column].set_title(f"{n_channels} channel(s): peak RSS increase")
        axes[1, column].set_ylabel("MiB")
        for row_axes in axes[:, column]:
            row_axes.set_xscale("log")
            row_axes.set_yscale("log")
            row_axes.set_xlabel("series length (timesteps)")
            row_axes.grid(True, which="both", alpha=0.3)
            row_axes.legend(fontsize=7)
    figure.suptitle("Default ConvLSTM network (pool_sizes='auto'), bare module")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def worker_memory(spec: dict) -> dict:
    """Subprocess: peak RSS of fit or predict_proba on a large array.

    The same call first runs once on a small slice, so that one-time costs
    (library code paged in, thread pools, kernel caches) are in the baseline
    and the measured increase is what the call needs for this input.
    """
    n_series, n_timesteps = spec["n_series"], spec["n_timesteps"]
    dtype = np.dtype(spec["dtype"])
    network = LIGHT_NETWORK if spec["network"] == "light" else {}
    X, y = random_data(n_series, 1, n_timesteps, dtype=dtype)
    classifier = ConvLSTMClassifier(
        **network, batch_size=256, max_epochs=1, random_state=0
    )
    classifier.fit(X[:512], y[:512])  # warm-up, and the model predict uses
    if spec["kind"] == "memory_fit":
        call = lambda: classifier.fit(X, y)  # noqa: E731
    else:
        classifier.predict_proba(X[: 2 * PREDICT_BATCH_SIZE])  # warm-up
        call = lambda: classifier.predict_proba(X)  # noqa: E731
    with PeakMemory() as memory:
        start = time.perf_counter()
        call()
        seconds = time.perf_counter() - start
    return {
        "data_mb": X.nbytes / 2**20,
        "baseline_rss_mb": memory.baseline_mb,
        "peak_increase_mb": memory.mb,
        "seconds": seconds,
        "exact_peak": memory.exact,
    }


def bench_memory(settings: Settings, context: dict) -> Section:
    section = Section("memory", "Peak memory of fit and predict_proba on a large input")
    n_full, n_timesteps = settings.memory_series, settings.memory_timesteps
    n_quarter = n_full // 4
    cases = [
        ("fit", "float64", n_full, "light"),
        ("fit", "float32", n_full, "light"),
        ("fit", "float64", n_quarter, "light"),
        ("fit", "float32", n_quarter, "light"),
        ("predict_proba", "float64", n_full, "light"),
        ("predict_proba", "float64", n_quarter, "light"),
        ("predict_proba", "float32", n_full, "light"),
        ("predict_proba", "float32", n_quarter, "light"),
        ("predict_proba", "float32", n_quarter, "default"),
    ]
    for call, dtype, n_series, network in cases:
        spec = {
            "kind": "memory_fit" if call == "fit" else "memory_predict",
            "n_series": n_series,
            "n_timesteps": n_timesteps,
            "dtype": dtype,
            "network": network,
        }
        result = run_worker(spec, context["threads"], timeout=900)
        row: dict[str, Any] = {
            "call": call,
            "input": f"{n_series} x 1 x {n_timesteps} {dtype}",
            "network": network,
        }
        if "error" in result:
            row["error"] = result["error"]
        else:
            float32_mb = n_series * n_timesteps * 4 / 2**20
            row.update(
                {
                    "input_mb": result["data_mb"],
                    "float32_size_mb": float32_mb,
                    "peak_increase_mb": result["peak_increase_mb"],
                    "float32_copies": result["peak_increase_mb"] / float32_mb,
                    "seconds": result["seconds"],
                    "exact_peak": result["exact_peak"],
                }
            )
        section.rows.append(row)
        print(f"  memory {row}", flush=True)
    _memory_slopes(section.rows)
    section.notes = [
        "Each row is a fresh process: data created (no temporaries), the same call "
        "run once on a small slice (so one-time costs are in the baseline), RSS "
        "recorded, peak-RSS mark reset, then the call; peak_increase = peak RSS - "
        "RSS before the call; float32_copies = peak_increase / (n x 500 x 4 bytes)."
        " On the larger row of each pair: copies_growing_with_n = (increase at n - "
        "increase at n/4) / (float32 size at n - at n/4), the copies of the data "
        "the call makes, and fixed_mb, the rest (activations, buffers).",
        f"'light' network: {LIGHT_NETWORK} (copies of the data do not depend on "
        "the network; it keeps fit on the full input short); 'default': the "
        "default network, whose batch activations at "
        f"PREDICT_BATCH_SIZE={PREDICT_BATCH_SIZE} dominate its figure. fit: "
        "batch_size=256, max_epochs=1, scaling='per_channel'.",
        "Expected copies_growing_with_n: float64 input 1 (the cast to float32, "
        "once per call), float32 input 0, for fit and predict_proba alike; more "
        "means a call copies the data again instead of streaming it. (The "
        "finiteness check's full-size boolean temporary, n x 500 bytes, shows up "
        "as 0.25.)",
    ]
    return section


def _memory_slopes(rows: list[dict]) -> None:
    """Split each call's increase into copies growing with n and a fixed part."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        if "peak_increase_mb" in row:
            key = (row["call"], row["input"].split()[-1], row["network"])
            groups.setdefault(key, []).append(row)
    for pair in groups.values():
        if len(pair) != 2:
            continue
        small, large = sorted(pair, key=lambda row: row["float32_size_mb"])
        growth = large["float32_size_mb"] - small["float32_size_mb"]
        slope = (large["peak_increase_mb"] - small["peak_increase_mb"]) / growth
        large["copies_growing_with_n"] = slope
        large["fixed_mb"] = large["peak_increase_mb"] - slope * large["float32_size_mb"]


def bench_flops(settings: Settings, context: dict) -> Section:
    section = Section("flops", "FLOPs per sample and fraction of matmul FLOP/s")
    n_channels, n_timesteps = 1, settings.n_timesteps
    module = default_network(n_channels, 2, n_timesteps, seed=0)
    layers = network_flops(module, n_timesteps)
    forward = forward_flops(module, n_timesteps)
    for layer in layers:
        section.rows.append(
            {
                "item": f"forward {layer['layer']} ({layer['output']})",
                "value": layer["flops"] / 1e6,
                "unit": "MFLOP/sample",
            }
        )
    section.rows.append(
        {"item": "forward total", "value": forward / 1e6, "unit": "MFLOP/sample"}
    )
    section.rows.append(
        {
            "item": "training (3 x forward)",
            "value": 3 * forward / 1e6,
            "unit": "MFLOP/sample",
        }
    )
    cross_check = _flop_counter_check(module, n_timesteps, layers)
    if cross_check:
        section.notes.append(cross_check)

    peak = matmul_flops_per_s(settings.matmul_size, settings.matmul_repeats)
    section.rows.append(
        {
            "item": f"torch.mm {settings.matmul_size}x{settings.matmul_size} float32",
            "value": peak / 1e9,
            "unit": f"GFLOP/s ({torch.get_num_threads()} threads)",
        }
    )
    rates = dict(context.get("throughput_rates", {}))
    if not rates:
        # No throughput section in this run: time bare training steps here.
        X, y = random_data(settings.batch_size, n_channels, n_timesteps)
        step = training_step_function(module, torch.from_numpy(X), torch.from_numpy(y))
        timings = time_calls(step, max(5, settings.repeats * 5), warmup=3)
        rates["loop_samples_per_s"] = settings.batch_size / median(timings)
        infer = inference_function(module, torch.from_numpy(X))
        timings = time_calls(infer, max(5, settings.repeats * 5), warmup=3)
        rates["bare_predict_samples_per_s"] = settings.batch_size / median(timings)
        section.notes.append(
            "Run without the throughput section: rates from bare training steps "
            f"and forward passes on batches of {settings.batch_size} timed here."
        )
    labels = {
        "loop_samples_per_s": ("hand-written loop training", 3 * forward),
        "fit_samples_per_s": ("ConvLSTMClassifier.fit", 3 * forward),
        "bare_predict_samples_per_s": ("module(x) inference", forward),
        "predict_proba_samples_per_s": ("predict_proba", forward),
    }
    for key, (label, flops) in labels.items():
        if key not in rates:
            continue
        achieved = rates[key] * flops
        section.rows.append(
            {
                "item": f"{label}: {rates[key]:.0f} samples/s",
                "value": achieved / 1e9,
                "unit": "GFLOP/s",
                "fraction_of_matmul": achieved / peak,
            }
        )
    section.notes.append(
        "FLOPs count multiply-adds of conv, LSTM gates and head as 2 FLOPs "
        "(formulas in network_flops); element-wise work (batch norm, ReLU, pooling,"
        " gate nonlinearities) is left out. Training = 3 x forward (backward is "
        "about twice the forward). fraction = samples/s x FLOPs/sample / matmul "
        f"FLOP/s. Network: default, {n_channels} x {n_timesteps} input, pool_sizes "
        f"{tuple(b.pool_size for b in module.conv_blocks)}."
    )
    return section


def _flop_counter_check(
    module: nn.Module, n_timesteps: int, layers: list[dict]
) -> str | None:
    """Compare the conv + head count with torch.utils.flop_counter."""
    try:
        from torch.utils.flop_counter import FlopCounterMode
    except ImportError:
        return None
    module.eval()
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        module(torch.zeros(1, module.conv_blocks[0].conv.in_channels, n_timesteps))
    counted = counter.get_total_flops()
    ours = sum(
        layer["flops"]
        for layer in layers
        if layer["layer"].startswith("conv") or layer["layer"] == "head"
    )
    return (
        f"Cross-check: torch.utils.flop_counter counts {counted:,} FLOPs for conv "
        f"+ head (it skips aten::lstm); the analytic count gives {ours:,}."
    )


def bench_pooling(settings: Settings, context: dict) -> Section:
    section = Section(
        "pooling", "Shorter sequences for the LSTM: pool_sizes='auto' vs none"
    )
    batch = settings.batch_size
    for length in settings.pooling_lengths:
        results = {}
        for pool in ("auto", 1):
            module = default_network(1, 2, length, seed=0, pool_sizes=pool)
            X, y = random_data(
                max(batch, settings.pooling_predict), 1, length, seed=length
            )
            x_train = torch.from_numpy(X[:batch])
            y_train = torch.from_numpy(y[:batch])
            step = training_step_function(module, x_train, y_train)
            train = median(time_calls(step, settings.pooling_steps, warmup=1))
            x_predict = torch.from_numpy(X[: settings.pooling_predict])
            bare_predict_proba(module, x_predict[:batch], batch)  # warm-up
            timings = time_calls(
                lambda m=module, x=x_predict: bare_predict_proba(m, x, 256),
                settings.pooling_steps,
                warmup=0,
            )
            results[pool] = {
                "length": length,
                "pool_sizes": str(tuple(b.pool_size for b in module.conv_blocks)),
                "lstm_steps": module.output_length(length),
                "forward_mflop": forward_flops(module, length) / 1e6,
                "train_step_ms": train * 1e3,
                "train_samples_per_s": batch / train,
                "infer_samples_per_s": len(x_predict) / median(timings),
            }
        auto, none = results["auto"], results[1]
        auto["train_speedup"] = none["train_step_ms"] / auto["train_step_ms"]
        auto["infer_speedup"] = (
            auto["infer_samples_per_s"] / none["infer_samples_per_s"]
        )
        section.rows += [none, auto]
        print(f"  pooling length {length}: {results}", flush=True)
    section.notes = [
        f"Bare default network; training step: AdamW on a batch of {batch}, "
        f"median of {settings.pooling_steps} after one warm-up; inference: "
        f"{settings.pooling_predict} series in batches of 256 under inference_mode."
        " Speedups are auto over no pooling. The network offers max-pooling only "
        "(no strided convolutions), so that is what is measured.",
    ]
    return section


def _torch_threads_scorer(estimator: Any, X: Any, y: Any) -> float:
    """Score with torch.get_num_threads() of the process running the fit."""
    import torch

    return float(torch.get_num_threads())


def _worker_threads() -> tuple[int, int, str]:
    """Return pid, torch threads and OMP_NUM_THREADS of a joblib worker."""
    import os

    import torch

    import sklearn_convlstm  # noqa: F401 (warm the worker up)

    return os.getpid(), torch.get_num_threads(), os.environ.get("OMP_NUM_THREADS", "")


def bench_threads(settings: Settings, context: dict) -> Section:
    from joblib import Parallel, delayed
    from sklearn.model_selection import GridSearchCV
    from skorch.callbacks import Callback

    section = Section("threads", "Threads: GridSearchCV(n_jobs=2) and set_num_threads")
    X, y = random_data(settings.threads_series, 1, settings.n_timesteps)
    parent_threads = torch.get_num_threads()
    start = time.perf_counter()
    # Start the loky workers and import the package there before timing, as a
    # long-running session would have done; the start-up is reported apart.
    worker_info = Parallel(n_jobs=2, backend="loky")(
        delayed(_worker_threads)() for _ in range(4)
    )
    startup = time.perf_counter() - start
    worker_threads = sorted({threads for _, threads, _ in worker_info})
    omp = sorted({value for _, _, value in worker_info})
    section.notes.append(
        f"Parent: torch.get_num_threads() = {parent_threads}, os.cpu_count() = "
        f"{os.cpu_count()}. loky workers (n_jobs=2, started in {startup:.1f} s "
        f"before the timed runs): torch threads {worker_threads}, OMP_NUM_THREADS "
        f"{omp}."
    )
    estimator = ConvLSTMClassifier(
        batch_size=32,
        max_epochs=settings.threads_epochs,
        lr_schedule="constant",
        random_state=0,
    )
    timings = {}
    for n_jobs in (1, 2):
        search = GridSearchCV(
            estimator,
            {"lstm_hidden_size": [32, 64]},
            cv=2,
            n_jobs=n_jobs,
            scoring={"accuracy": "accuracy", "torch_threads": _torch_threads_scorer},
            refit=False,
        )
        # The first search pays one-time costs in each process (first training
        # step: kernel set-up, lazy imports); the second shows the steady state.
        first_and_second = []
        for _ in range(2):
            start = time.perf_counter()
            search.fit(X, y)
            first_and_second.append(time.perf_counter() - start)
        timings[n_jobs] = first_and_second[1]
        threads_in_fits = sorted(
            {int(t) for t in search.cv_results_["mean_test_torch_threads"]}
        )
        section.rows.append(
            {
                "case": f"GridSearchCV(n_jobs={n_jobs}), 2 params x cv=2",
                "wall_s": timings[n_jobs],
                "first_call_s": first_and_second[0],
                "speedup_vs_n_jobs_1": timings[1] / timings[n_jobs],
                "torch_threads_in_fits": str(threads_in_fits),
                "threads_x_jobs": max(threads_in_fits) * n_jobs,
                "cpu_count": os.cpu_count(),
                "oversubscribed": max(threads_in_fits) * n_jobs > (os.cpu_count() or 1),
            }
        )

    class ThreadRecorder(Callback):
        """Record torch.get_num_threads() at every training batch."""

        def initialize(self) -> ThreadRecorder:
            self.threads_: list[int] = []
            return self

        def on_batch_begin(self, net: Any, **kwargs: Any) -> None:
            self.threads_.append(torch.get_num_threads())

    for threads in dict.fromkeys((parent_threads, 1)):
        torch.set_num_threads(threads)
        try:
            classifier = estimator.set_params(callbacks=(ThreadRecorder(),))
            start = time.perf_counter()
            classifier.fit(X, y)
            seconds = time.perf_counter() - start
            recorder = dict(classifier.net_.callbacks_)["user_callback_0"]
            after = torch.get_num_threads()
        finally:
            torch.set_num_threads(parent_threads)
        during = sorted(set(recorder.threads_))
        section.rows.append(
            {
                "case": f"fit after torch.set_num_threads({threads})",
                "wall_s": seconds,
                "torch_threads_in_fits": str(during),
                "threads_after_fit": after,
                "respected": during == [threads] and after == threads,
            }
        )
    section.notes.append(
        f"Data: {settings.threads_series} x 1 x {settings.n_timesteps}; "
        f"ConvLSTMClassifier(batch_size=32, max_epochs={settings.threads_epochs}). "
        "Each search runs twice: wall_s is the second run, first_call_s the first "
        "(one-time set-up in each process). "
        "torch_threads_in_fits: torch.get_num_threads() read by a scorer in the "
        "process that ran each fit (GridSearchCV) or by a callback at every batch. "
        "oversubscribed: threads per fit x jobs > CPU count."
    )
    return section


def bench_cuda(settings: Settings, context: dict) -> Section:
    if not torch.cuda.is_available():
        section = Section("cuda", "CUDA")
        section.rows.append({"device": "cuda", "status": "no CUDA device: skipped"})
        return section
    section = compare_throughput(settings, "cuda")
    section.notes.insert(0, f"GPU: {torch.cuda.get_device_name()}.")
    return section


SECTION_FUNCTIONS: dict[str, Callable[[Settings, dict], Section]] = {
    "throughput": bench_throughput,
    "latency": bench_latency,
    "scaling": bench_scaling,
    "memory": bench_memory,
    "flops": bench_flops,
    "pooling": bench_pooling,
    "threads": bench_threads,
    "cuda": bench_cuda,
}
WORKERS: dict[str, Callable[[dict], dict]] = {
    "scaling": worker_scaling,
    "memory_fit": worker_memory,
    "memory_predict": worker_memory,
}


# ---------------------------------------------------------------- output


def write_section_csv(section: Section, out: Path) -> Path:
    """Write a section's rows to ``<out>/speed_<section>.csv``."""
    return write_csv(section.rows, out / f"speed_{section.name}.csv")


def write_summary(
    sections: list[Section], out: Path, command: str, loads: tuple[str, str]
) -> Path:
    lines = ["# Speed and memory benchmark", "", "Command:", "", "```"]
    lines += [command, "```", "", "Machine:", ""]
    lines += [f"- {line}" for line in machine_details()]
    lines += [f"- load average (1, 5, 15 min): {loads[0]} before, {loads[1]} after"]
    for section in sections:
        lines += ["", f"## {section.name}: {section.title}", ""]
        lines += [format_table(section.rows, markdown=True), ""]
        lines += [f"- {note}" for note in section.notes]
    path = out / "speed.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def parse_sections(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = sorted(set(names) - set(SECTIONS))
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown section(s) {unknown}; choose from {', '.join(SECTIONS)}."
        )
    return names


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sections",
        type=parse_sections,
        default=list(SECTIONS),
        help=f"comma-separated, from: {','.join(SECTIONS)} (default: all)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes: a smoke run, not figures"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch.set_num_threads(N) (default: torch's default)",
    )
    add_out_argument(parser, required=False)
    parser.add_argument(
        "--cpu-mixed-precision",
        action="store_true",
        help="add mixed_precision=True (bfloat16 autocast) rows to the CPU "
        "throughput section (CPUs with bfloat16 units, e.g. AMX or AVX512-BF16)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    if args.worker:
        spec = json.loads(args.worker)
        print("RESULT " + json.dumps(WORKERS[spec["kind"]](spec)), flush=True)
        return

    if args.out is None:
        parser.error("the following arguments are required: --out")
    settings = QUICK if args.quick else FULL
    args.out.mkdir(parents=True, exist_ok=True)
    command = command_line(__spec__.name if __spec__ else __name__, argv)
    print(f"$ {command}")
    start_all = time.perf_counter()
    for line in machine_details():
        print(f"  {line}")
    load_before = load_average()
    print(f"  load average: {load_before}")
    if args.quick:
        print("  --quick: tiny sizes, for a smoke test; the figures mean little")
    context: dict[str, Any] = {
        "threads": args.threads,
        "out": args.out,
        "cpu_mixed_precision": args.cpu_mixed_precision,
    }
    sections = []
    for name in args.sections:
        print(f"\n== {name} ==", flush=True)
        start = time.perf_counter()
        section = SECTION_FUNCTIONS[name](settings, context)
        if name == "throughput":
            context["throughput_rates"] = section.shared
        print(section.title)
        print(format_table(section.rows))
        for note in section.notes:
            print(f"  * {note}")
        path = write_section_csv(section, args.out)
        print(f"  [{time.perf_counter() - start:.1f} s; written {path}]", flush=True)
        sections.append(section)
    summary = write_summary(sections, args.out, command, (load_before, load_average()))
    write_metadata(
        args.out,
        command=command,
        wall_seconds=time.perf_counter() - start_all,
        extra={"sections": [section.name for section in sections], "quick": args.quick},
    )
    print(f"\nSummary: {summary}")


if __name__ == "__main__":
    main()
