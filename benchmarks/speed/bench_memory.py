"""Fit and predict on a memory-mapped file larger than the memory it may use.

Issue 16, item 3 ("data larger than memory"). The script writes a ``.npy``
file of random series (in chunks, so writing it needs little memory), opens it
with ``np.load(..., mmap_mode="r")``, fits one epoch of a small
``ConvLSTMClassifier`` on it and predicts it, and records the peak *anonymous*
memory of the process (``RssAnon`` in ``/proc/self/status``: heap, stacks,
tensors; pages of the memory-mapped file are file-backed and do not count,
the kernel can drop them at any time) above the process's baseline taken
just before ``fit``. Target: under 1 GiB above the baseline for an 8 GiB file,
so the same run works on a file larger than RAM.

Run from the repository root::

    python -m benchmarks.speed.bench_memory --out benchmarks/results/memory_8gib
    python -m benchmarks.speed.bench_memory --quick --out /tmp/memory_quick
    python -m benchmarks.speed.bench_memory --dtype float64 --n-series 65536 \
        --out /tmp/memory_float64

The first is the 8 GiB float32 study (``benchmarks/results/memory_8gib``).
Writes ``<out>/memory.csv`` (one row per phase), ``<out>/memory.md`` (report)
and ``<out>/metadata.json`` (:func:`benchmarks.harness.write_metadata`:
command, commit, date, machine, defaults; the parameters, the network and the
CPU and memory under ``extra``). The data file goes to ``--data-dir``
(default: a temporary folder) and is deleted at the end unless ``--keep``.

Peak ``RssAnon`` is sampled by a background thread every ``--poll-interval``
seconds (the kernel keeps no high-water mark for anonymous memory alone), so a
spike shorter than the interval can be missed; ``VmHWM`` (peak of all resident
memory, file pages included) is reported beside it for reference.

``--predict-repeats N`` predicts N times on the same fitted model (one row
each, with glibc's heap statistics after the pass: ``mallinfo2``'s arena,
free and mmapped bytes), to see how much the predict peak varies between
passes. ``--memray FILE`` adds one more pass under ``memray.Tracker`` (native
stacks; ``pip install memray``), whose capture ``memray stats FILE`` reads.

Imports the package, numpy, torch, the standard library and
``benchmarks.harness``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmarks.harness import (
    add_out_argument,
    command_line,
    load_average,
    machine_description,
    read_metadata,
    write_csv,
    write_metadata,
)
from benchmarks.speed.measure import proc_status_kib
from sklearn_convlstm import ConvLSTMClassifier

#: Bytes written per chunk when creating the file (bounds the writer's memory).
WRITE_CHUNK_BYTES = 64 * 2**20

#: The small network of the run: one conv block, a unidirectional LSTM.
NETWORK = {
    "conv_channels": (4,),
    "kernel_sizes": 3,
    "batch_norm": False,
    "lstm_hidden_size": 8,
    "bidirectional": False,
    "readout": "last",
    "conv_skip": False,
    "recurrent_dropout": 0.0,
}


def rss_anon_mib() -> float:
    """Anonymous resident memory of this process now, in MiB."""
    kib = proc_status_kib("RssAnon")
    if kib is None:
        raise RuntimeError(
            "/proc/self/status has no RssAnon field: this benchmark needs Linux."
        )
    return kib / 1024


def release_free_heap() -> None:
    """Give freed heap back to the OS (glibc ``malloc_trim``) before a baseline."""
    import ctypes
    import ctypes.util

    gc.collect()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


class PeakAnonymousMemory:
    """Context manager sampling ``RssAnon`` in a thread; peak and baseline in MiB."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.baseline_mib = 0.0
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mib = max(self.peak_mib, rss_anon_mib())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakAnonymousMemory:
        release_free_heap()
        self.baseline_mib = rss_anon_mib()
        self.peak_mib = self.baseline_mib
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join()
        self.peak_mib = max(self.peak_mib, rss_anon_mib())


def heap_statistics_mib() -> dict[str, float]:
    """Return glibc's heap now (``mallinfo2``), in MiB: arena, free, mmapped.

    ``heap_arena_mib`` is memory glibc got with ``brk``/arenas (in use or free),
    ``heap_free_mib`` the free part of it that RssAnon still counts where its
    pages were touched, ``heap_mmapped_mib`` the large blocks glibc mapped on
    their own (returned to the OS when freed). Empty where glibc lacks it.
    """
    import ctypes
    import ctypes.util

    class MallInfo2(ctypes.Structure):
        _fields_ = [
            (name, ctypes.c_size_t)
            for name in (
                "arena",
                "ordblks",
                "smblks",
                "hblks",
                "hblkhd",
                "usmblks",
                "fsmblks",
                "uordblks",
                "fordblks",
                "keepcost",
            )
        ]

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallinfo2 = libc.mallinfo2
    except (OSError, AttributeError):
        return {}
    mallinfo2.restype = MallInfo2
    info = mallinfo2()
    return {
        "heap_arena_mib": round(info.arena / 2**20, 1),
        "heap_free_mib": round(info.fordblks / 2**20, 1),
        "heap_mmapped_mib": round(info.hblkhd / 2**20, 1),
    }


def summarize_memray(capture: Path, out: Path, n_top: int = 12) -> dict[str, Any]:
    """Write the allocations alive at a memray capture's peak; return its figures.

    ``<out>/memray_peak.csv`` has one row per allocation site alive at the
    high-water mark of the heap (size, count, allocator, the innermost
    package or Python frames and the innermost native frame), largest first.
    Returns the heap's peak and the capture's span of resident memory (RSS,
    file pages included), in MiB.
    """
    import memray

    reader = memray.FileReader(capture)
    snapshots = list(reader.get_memory_snapshots())
    records = sorted(
        reader.get_high_watermark_allocation_records(merge_threads=True),
        key=lambda record: record.size,
        reverse=True,
    )
    rows = []
    for record in records[:n_top]:
        frames = record.hybrid_stack_trace(max_stacks=60)
        python = [f"{name} ({Path(file).name}:{line})" for name, file, line in frames]
        rows.append(
            {
                "size_mib": round(record.size / 2**20, 2),
                "n_allocations": record.n_allocations,
                "allocator": memray.AllocatorType(record.allocator).name,
                "python_frames": " <- ".join(
                    frame for frame in python if ".py:" in frame
                )[:300],
                "native_frame": next(
                    (frame.split(" (")[0] for frame in python if ".py:" not in frame),
                    "",
                )[:160],
            }
        )
    write_csv(rows, out / "memray_peak.csv")
    return {
        "heap_peak_mib": round(reader.metadata.peak_memory / 2**20, 1),
        "rss_min_mib": round(min(s.rss for s in snapshots) / 2**20, 1),
        "rss_max_mib": round(max(s.rss for s in snapshots) / 2**20, 1),
        "allocations": reader.metadata.total_allocations,
    }


def write_series_file(
    path: Path, n_series: int, n_channels: int, n_timesteps: int, dtype: str, seed: int
) -> np.ndarray:
    """Write random two-class series to ``path`` in chunks; return the labels.

    Class 1 series have their mean shifted by one standard deviation, so one
    epoch can learn something (the predictions' agreement with the labels is
    a sanity check, not an accuracy claim).
    """
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n_series)
    data = np.lib.format.open_memmap(
        path, mode="w+", dtype=dtype, shape=(n_series, n_channels, n_timesteps)
    )
    row_bytes = n_channels * n_timesteps * np.dtype(dtype).itemsize
    chunk = max(1, WRITE_CHUNK_BYTES // row_bytes)
    for start in range(0, n_series, chunk):
        stop = min(start + chunk, n_series)
        values = rng.standard_normal(
            (stop - start, n_channels, n_timesteps), dtype=np.float32
        )
        values += labels[start:stop, np.newaxis, np.newaxis]
        data[start:stop] = values
    data.flush()
    del data
    return labels


def cpu_and_memory() -> dict[str, Any]:
    """Return the CPU model, its core count and the memory (GiB), from /proc."""
    memory_kib = None
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    memory_kib = int(line.split()[1])
    except OSError:
        pass
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "memory_gib": None if memory_kib is None else round(memory_kib / 2**20, 1),
        "torch_threads": torch.get_num_threads(),
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_out_argument(parser)
    parser.add_argument("--n-series", type=int, default=2_097_152)
    parser.add_argument("--n-channels", type=int, default=1)
    parser.add_argument("--n-timesteps", type=int, default=1_024)
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--batch-size", type=int, default=4_096)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="where the data file goes"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the data file at the end"
    )
    parser.add_argument("--poll-interval", type=float, default=0.02)
    parser.add_argument(
        "--predict-repeats",
        type=int,
        default=1,
        help="predict_proba passes on the fitted model, one row each",
    )
    parser.add_argument(
        "--memray",
        type=Path,
        default=None,
        metavar="FILE",
        help="one more predict_proba pass under memray, its capture to FILE",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 2,048 series x 1 x 256 (2 MiB), batch 256",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.n_series, args.n_channels, args.n_timesteps = 2_048, 1, 256
        args.batch_size = 256
    return args


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Create the file, fit, predict; return one result row per phase."""
    torch.set_num_threads(args.threads)
    shape = (args.n_series, args.n_channels, args.n_timesteps)
    data_bytes = int(np.prod(shape)) * np.dtype(args.dtype).itemsize
    data_mib = data_bytes / 2**20
    data_dir = Path(tempfile.mkdtemp(prefix="bench_memory_", dir=args.data_dir))
    path = data_dir / "series.npy"
    rows: list[dict[str, Any]] = []

    def record(
        phase: str,
        seconds: float,
        memory: PeakAnonymousMemory | None,
        repeat: int = 0,
    ) -> None:
        row: dict[str, Any] = {
            "phase": phase,
            "repeat": repeat,
            "n_series": args.n_series,
            "n_channels": args.n_channels,
            "n_timesteps": args.n_timesteps,
            "dtype": args.dtype,
            "data_mib": round(data_mib, 1),
            "seconds": round(seconds, 2),
            "series_per_second": round(args.n_series / seconds, 1),
        }
        if memory is not None:
            above = memory.peak_mib - memory.baseline_mib
            row |= {
                "baseline_rss_anon_mib": round(memory.baseline_mib, 1),
                "peak_rss_anon_mib": round(memory.peak_mib, 1),
                "peak_above_baseline_mib": round(above, 1),
                "peak_above_baseline_per_data_mib": round(above / data_mib, 4),
            }
        row["vm_hwm_mib"] = round((proc_status_kib("VmHWM") or 0) / 1024, 1)
        row |= heap_statistics_mib()
        rows.append(row)
        print(json.dumps(row), flush=True)

    try:
        start = time.perf_counter()
        labels = write_series_file(path, *shape, args.dtype, args.seed)
        record("write_file", time.perf_counter() - start, None)
        X = np.load(path, mmap_mode="r")
        classifier = ConvLSTMClassifier(
            **NETWORK,
            batch_size=args.batch_size,
            max_epochs=1,
            random_state=args.seed,
        )
        with PeakAnonymousMemory(args.poll_interval) as fit_memory:
            start = time.perf_counter()
            classifier.fit(X, labels)
            fit_seconds = time.perf_counter() - start
        record("fit_1_epoch", fit_seconds, fit_memory)
        for repeat in range(args.predict_repeats):
            proba = None  # the previous pass's result is freed first
            with PeakAnonymousMemory(args.poll_interval) as predict_memory:
                start = time.perf_counter()
                proba = classifier.predict_proba(X)
                predict_seconds = time.perf_counter() - start
            record("predict_proba", predict_seconds, predict_memory, repeat)
        assert proba is not None
        agreement = float(np.mean(proba.argmax(axis=1) == labels))
        for row in rows[1:]:
            row["training_accuracy"] = round(agreement, 4)
        if args.memray is not None:
            import memray

            proba = None
            release_free_heap()
            with memray.Tracker(args.memray, native_traces=True):
                start = time.perf_counter()
                classifier.predict_proba(X)
                seconds = time.perf_counter() - start
            record("predict_proba_under_memray", seconds, None)
            rows[-1] |= summarize_memray(args.memray, args.out)
        del X
    finally:
        if not args.keep:
            path.unlink(missing_ok=True)
            data_dir.rmdir()
    return rows


def write_outputs(
    args: argparse.Namespace,
    rows: list[dict[str, Any]],
    command: str,
    wall_seconds: float,
) -> None:
    """Write memory.csv, metadata.json and memory.md to ``args.out``."""
    write_csv(rows, args.out / "memory.csv")
    hardware = cpu_and_memory()
    write_metadata(
        args.out,
        command=command,
        wall_seconds=wall_seconds,
        extra={
            "parameters": {
                key: str(value) if isinstance(value, Path) else value
                for key, value in vars(args).items()
            },
            "network": NETWORK,
            **hardware,
        },
    )
    (run_metadata,) = read_metadata(args.out)["runs"]
    fit = rows[1]
    predicts = [row for row in rows if row["phase"] == "predict_proba"]
    target = 1024.0
    lines = [
        "# Fit and predict on a memory-mapped file: anonymous memory",
        "",
        f"Command (from the repository root): `{command}`  ",
        f"Commit: `{run_metadata['commit']}`, date {run_metadata['date']}  ",
        f"Machine: {hardware['cpu']}, {hardware['cpu_count']} cores, "
        f"{hardware['memory_gib']} GiB RAM; {machine_description()}; load "
        f"average at the end {load_average()}",
        "",
        f"Data: {args.n_series:,} series x {args.n_channels} channel(s) x "
        f"{args.n_timesteps:,} steps, {args.dtype}, "
        f"{fit['data_mib'] / 1024:.2f} GiB in one `.npy` file opened with "
        "`np.load(path, mmap_mode='r')`. Network: "
        + ", ".join(f"{key}={value!r}" for key, value in NETWORK.items())
        + f", batch_size={args.batch_size}, max_epochs=1.",
        "",
        "| phase | time (s) | series/s | RssAnon baseline (MiB) | peak (MiB) "
        "| peak above baseline (MiB) | per MiB of data |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in (fit, *predicts):
        name = row["phase"] + (f" #{row['repeat'] + 1}" if len(predicts) > 1 else "")
        lines.append(
            f"| {name} | {row['seconds']:,.1f} | "
            f"{row['series_per_second']:,.0f} | {row['baseline_rss_anon_mib']:,.1f} "
            f"| {row['peak_rss_anon_mib']:,.1f} | "
            f"{row['peak_above_baseline_mib']:,.1f} | "
            f"{row['peak_above_baseline_per_data_mib']:.4f} |"
        )
    worst = max(row["peak_above_baseline_mib"] for row in (fit, *predicts))
    verdict = "met" if worst < target else "NOT met"
    lines += [
        "",
        f"Target (peak RssAnon under 1 GiB above the baseline taken just before "
        f"`fit`): **{verdict}** (worst phase {worst:,.1f} MiB above the baseline, "
        f"for {fit['data_mib']:,.0f} MiB of data). Writing the file took "
        f"{rows[0]['seconds']:,.1f} s. Predictions agree with the labels on "
        f"{fit['training_accuracy']:.1%} of the training series after one epoch "
        "(a sanity check that the network saw the data, not an accuracy claim).",
        "",
        "The times include the passes `fit` makes over the file before training "
        "(finiteness check, per-channel statistics, amplitude spread for "
        "`scaling='auto'`) and the finiteness pass of `predict_proba`. The file "
        "was written just before, so much of it was likely still in the page "
        "cache: times are not those of reading a cold disk. RssAnon is sampled "
        f"every {args.poll_interval} s by a background thread; VmHWM (peak of all "
        "resident memory, file-backed pages included) was "
        f"{predicts[-1]['vm_hwm_mib']:,.0f} MiB at the end, which is why it is not the "
        "measure here.",
        "",
    ]
    traced = [row for row in rows if row["phase"] == "predict_proba_under_memray"]
    if traced:
        lines += [
            f"Under memray (one more `predict_proba` pass, native stacks), the "
            f"heap the pass allocated peaked at {traced[0]['heap_peak_mib']:,.1f} "
            "MiB; the allocations alive at that peak are in `memray_peak.csv`.",
            "",
        ]
    (args.out / "memory.md").write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    """Run the benchmark with command-line arguments ``argv``."""
    args = parse_args(argv)
    command = command_line(__spec__.name if __spec__ else __name__, argv)
    print(f"$ {command}", flush=True)
    start = time.perf_counter()
    rows = run(args)
    write_outputs(args, rows, command, time.perf_counter() - start)
    return rows


if __name__ == "__main__":
    main()
