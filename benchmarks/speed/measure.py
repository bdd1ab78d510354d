"""Measuring tools of the speed benchmarks: sizes, timing, memory, FLOPs, references.

Shared by the scripts of ``benchmarks/speed/`` (a script never imports
another script): problem sizes (:class:`Settings`), a section's result
(:class:`Section`), timers, peak-RSS measurement, the analytic FLOP count, the
hand-written PyTorch training loop and inference the classifier is compared
with, and :func:`compare_throughput` (on any device).
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm._engine.batching import PREDICT_BATCH_SIZE
from sklearn_convlstm.nn import ConvLSTMNetwork, make_network

TARGET_RATIO = 0.95
TARGET_LATENCY_MS = 1.0


@dataclass(frozen=True)
class Settings:
    """Problem sizes of every section (``FULL`` or ``QUICK``)."""

    n_train: int = 4_000
    n_timesteps: int = 150
    batch_size: int = 32
    max_epochs: int = 3
    repeats: int = 3
    n_predict: int = 20_000
    latency_calls: int = 300
    scaling_lengths: tuple[int, ...] = (100, 500, 2_000, 10_000)
    scaling_batches: tuple[int, ...] = (16, 64, 256)
    scaling_channels: tuple[int, ...] = (1, 12)
    scaling_steps: int = 3
    scaling_budget_s: float = 30.0
    memory_series: int = 100_000
    memory_timesteps: int = 500
    matmul_size: int = 2_048
    matmul_repeats: int = 10
    pooling_lengths: tuple[int, ...] = (500, 2_000)
    pooling_steps: int = 3
    pooling_predict: int = 256
    threads_series: int = 400
    threads_epochs: int = 2


FULL = Settings()
QUICK = Settings(
    n_train=256,
    max_epochs=1,
    repeats=2,
    n_predict=1_024,
    latency_calls=30,
    scaling_lengths=(100, 500),
    scaling_batches=(16, 64),
    scaling_steps=1,
    scaling_budget_s=10.0,
    memory_series=10_000,
    matmul_size=512,
    matmul_repeats=3,
    pooling_lengths=(500,),
    pooling_steps=1,
    pooling_predict=128,
    threads_series=64,
    threads_epochs=1,
)


@dataclass
class Section:
    """Result of one section: a table, notes, and figures other sections reuse."""

    name: str
    title: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    shared: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------- helpers


def random_data(
    n_samples: int,
    n_channels: int,
    n_timesteps: int,
    *,
    n_classes: int = 2,
    seed: int = 0,
    dtype: Any = np.float32,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian series and random integer labels, created without temporaries."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_channels, n_timesteps), dtype=dtype)
    y = rng.integers(0, n_classes, size=n_samples)
    return X, y


def classifier_seed(random_state: int) -> int:
    """Return the torch seed ``ConvLSTMClassifier.fit`` derives from a seed."""
    from sklearn.utils import check_random_state

    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def time_calls(function: Callable[[], Any], n_calls: int, warmup: int = 5) -> list:
    """Wall seconds of ``n_calls`` calls of ``function`` after ``warmup`` calls."""
    for _ in range(warmup):
        function()
    timings = []
    for _ in range(n_calls):
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return timings


def proc_status_kib(key: str) -> int | None:
    """Return one ``/proc/self/status`` field in KiB (None without /proc)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def current_rss_mb() -> float:
    """Resident set size of this process now (MiB)."""
    kb = proc_status_kib("VmRSS")
    if kb is None:  # no /proc (macOS): fall back to the peak
        return peak_rss_mb()
    return kb / 1024


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (Linux >= 4.0); False if unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def peak_rss_mb() -> float:
    """Peak RSS (MiB) since the last :func:`reset_peak_rss`, else since start."""
    kb = proc_status_kib("VmHWM")
    if kb is not None:
        return kb / 1024
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / 2**20 if sys.platform == "darwin" else maxrss / 1024


def release_free_heap() -> None:
    """Return freed heap memory to the OS (glibc ``malloc_trim``), if available.

    Otherwise memory freed earlier stays resident and is reused unseen, and a
    new allocation may not raise the RSS at all.
    """
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass


class PeakMemory:
    """Context manager: peak RSS above the RSS at entry (MiB), in ``self.mb``.

    Where the peak mark cannot be reset, the process-lifetime ``ru_maxrss`` is
    used, which is right only in a fresh process whose set-up created no
    temporaries (see ``self.exact``).
    """

    def __enter__(self) -> PeakMemory:
        release_free_heap()
        self.exact = reset_peak_rss()
        self.baseline_mb = current_rss_mb()
        return self

    def __exit__(self, *exc: object) -> None:
        self.mb = max(0.0, peak_rss_mb() - self.baseline_mb)


def format_table(rows: list[dict[str, Any]], markdown: bool = False) -> str:
    """Render rows (dicts with the same keys, in order) as text or markdown."""
    if not rows:
        return ""
    columns = list(dict.fromkeys(key for row in rows for key in row))

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            if value == 0 or 0.01 <= abs(value) < 1e6:
                return f"{value:.4g}" if abs(value) < 100 else f"{value:.1f}"
            return f"{value:.3g}"
        return str(value)

    cells = [[cell(row.get(column)) for column in columns] for row in rows]
    if markdown:
        # Keep the indentation of breakdown rows (markdown strips spaces).
        cells = [
            ["&nbsp;" * (len(v) - len(v.lstrip(" "))) + v.lstrip(" ") for v in values]
            for values in cells
        ]
        lines = ["| " + " | ".join(columns) + " |"]
        lines.append("|" + "|".join("---" for _ in columns) + "|")
        lines += ["| " + " | ".join(values) + " |" for values in cells]
        return "\n".join(lines)
    widths = [
        max(len(column), *(len(values[i]) for values in cells))
        for i, column in enumerate(columns)
    ]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for values in cells:
        lines.append("  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)))
    return "\n".join(lines)


# ------------------------------------------------------------- FLOP count


def network_flops(network: ConvLSTMNetwork, n_timesteps: int) -> list[dict]:
    """Forward FLOPs per sample of each weight layer, counted analytically.

    One multiply-add is 2 FLOPs. Counted (per sample, ``L`` = steps the layer
    outputs, ``k`` = kernel size, ``H`` = hidden size, ``I`` = input size):

    * ``Conv1d``: ``2 * C_in * C_out * k * L_out``;
    * LSTM: per step, direction and layer the gates ``W_ih x + W_hh h`` cost
      ``2 * 4H * (I + H)`` (GRU: ``2 * 3H * (I + H)``); layers after the first
      read ``I = H * directions``;
    * ``Linear`` head: ``2 * in_features * out_features``.

    Not counted: biases, batch norm, ReLU, max-pooling, the gates' sigmoid and
    tanh and the cell update, dropout and the mean/max readout. They are
    element-wise (a few FLOPs per activation, well under 5% of the total for
    the default network) and memory-bound. This is the convention of
    ``torch.utils.flop_counter`` (which does not count ``aten::lstm``).

    Parameters
    ----------
    network : ConvLSTMNetwork
        The network.
    n_timesteps : int
        Length of the input series.

    Returns
    -------
    layers : list of dict
        One dict per layer with ``layer``, ``output`` (a shape description)
        and ``flops``.
    """
    layers = []
    length = n_timesteps
    for index, block in enumerate(network.conv_blocks, start=1):
        conv = block.conv
        kernel = conv.kernel_size[0]
        out_length = length if block.padding == "same" else length - (kernel - 1)
        layers.append(
            {
                "layer": f"conv{index}",
                "output": f"{conv.out_channels}x{out_length}",
                "flops": 2 * conv.in_channels * conv.out_channels * kernel * out_length,
            }
        )
        length = out_length // block.pool_size
    recurrent = network.recurrent
    n_gates = 4 if isinstance(recurrent, nn.LSTM) else 3
    directions = 2 if recurrent.bidirectional else 1
    hidden = recurrent.hidden_size
    input_size = recurrent.input_size
    for layer in range(recurrent.num_layers):
        per_step = 2 * n_gates * hidden * (input_size + hidden)
        layers.append(
            {
                "layer": f"{type(recurrent).__name__.lower()}{layer + 1}",
                "output": f"{length} steps x {directions} dir x {hidden}",
                "flops": per_step * length * directions,
            }
        )
        input_size = hidden * directions
    head = network.head
    layers.append(
        {
            "layer": "head",
            "output": str(head.out_features),
            "flops": 2 * head.in_features * head.out_features,
        }
    )
    return layers


def forward_flops(network: ConvLSTMNetwork, n_timesteps: int) -> int:
    """Total analytic forward FLOPs per sample (see :func:`network_flops`)."""
    return sum(layer["flops"] for layer in network_flops(network, n_timesteps))


def matmul_flops_per_s(size: int, repeats: int) -> float:
    """float32 FLOP/s of ``torch.mm`` on two ``size x size`` matrices (median)."""
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, generator=generator)
    b = torch.randn(size, size, generator=generator)
    out = torch.empty(size, size)
    timings = time_calls(lambda: torch.mm(a, b, out=out), repeats, warmup=2)
    return 2 * size**3 / median(timings)


# ------------------------------------------------ training and inference


def default_network(
    n_channels: int, n_classes: int, n_timesteps: int, seed: int, **overrides: Any
) -> ConvLSTMNetwork:
    """Build the classifier's default network, seeded, without input scaling."""
    torch.manual_seed(seed)
    return make_network(
        "default",
        n_channels=n_channels,
        n_classes=n_classes,
        n_timesteps=n_timesteps,
        input_scaling=None,
        **overrides,
    )


def hand_written_fit(
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    n_classes: int,
    batch_size: int,
    max_epochs: int,
    lr: float,
    weight_decay: float,
    seed: int,
    device: str = "cpu",
) -> tuple[nn.Module, float]:
    """Train the default network with a plain PyTorch loop.

    Builds the network and AdamW, then per epoch draws a random permutation,
    slices batches out of the CPU tensors, moves them to ``device`` and runs
    zero_grad / forward / cross-entropy / backward / step. The loss is read
    with ``.item()`` every batch, as any loop that logs it does.

    Returns
    -------
    module : nn.Module
    last_epoch_loss : float
    """
    module = default_network(X.shape[1], n_classes, X.shape[2], seed).to(device)
    optimizer = torch.optim.AdamW(module.parameters(), lr=lr, weight_decay=weight_decay)
    criterion = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    module.train()
    n_samples = len(X)
    epoch_loss = float("nan")
    for _ in range(max_epochs):
        permutation = torch.randperm(n_samples, generator=generator)
        total = 0.0
        for start in range(0, n_samples, batch_size):
            index = permutation[start : start + batch_size]
            batch_x, batch_y = X[index].to(device), y[index].to(device)
            optimizer.zero_grad()
            loss = criterion(module(batch_x), batch_y)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
        epoch_loss = total / n_samples
    return module, epoch_loss


def bare_predict_proba(
    module: nn.Module, X: torch.Tensor, batch_size: int, device: str = "cpu"
) -> torch.Tensor:
    """``softmax(module(x))`` over batches under ``torch.inference_mode()``."""
    module.eval()
    outputs = []
    with torch.inference_mode():
        for start in range(0, len(X), batch_size):
            logits = module(X[start : start + batch_size].to(device))
            outputs.append(torch.softmax(logits, dim=1).cpu())
    return torch.cat(outputs)


def training_step_function(
    module: nn.Module, x: torch.Tensor, y: torch.Tensor
) -> Callable[[], float]:
    """One AdamW step of ``module`` on the batch ``(x, y)``, as a closure."""
    optimizer = torch.optim.AdamW(module.parameters(), lr=3e-3, weight_decay=1e-2)
    criterion = nn.CrossEntropyLoss()

    def step() -> float:
        module.train()
        optimizer.zero_grad()
        loss = criterion(module(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def inference_function(module: nn.Module, x: torch.Tensor) -> Callable[[], Any]:
    """One forward pass of ``module`` on ``x`` in eval and inference mode."""

    def infer() -> Any:
        module.eval()
        with torch.inference_mode():
            return module(x)

    return infer


def compare_throughput(
    settings: Settings, device: str, mixed_precision_rows: bool | None = None
) -> Section:
    """Compare fit with a PyTorch loop and predict_proba with the module.

    ``mixed_precision_rows`` (default: on CUDA only) adds the classifier with
    ``mixed_precision=True``.
    """
    section = Section(
        "throughput" if device == "cpu" else "cuda",
        f"Throughput on {device}: ConvLSTMClassifier vs plain PyTorch",
    )
    n_channels, n_timesteps = 1, settings.n_timesteps
    X, y = random_data(settings.n_train, n_channels, n_timesteps)
    X_tensor, y_tensor = torch.from_numpy(X), torch.from_numpy(y)
    classifier = ConvLSTMClassifier(
        scaling=None,
        lr_schedule="constant",
        early_stopping=False,
        batch_size=settings.batch_size,
        max_epochs=settings.max_epochs,
        device=device,
        random_state=0,
    )
    loop_kwargs = {
        "n_classes": 2,
        "batch_size": settings.batch_size,
        "lr": classifier.lr,
        "weight_decay": classifier.weight_decay,
        "seed": classifier_seed(0),
        "device": device,
    }
    # Warm-up: kernels, thread pool and allocator, on a small subset.
    warm = slice(0, min(256, len(X)))
    hand_written_fit(X_tensor[warm], y_tensor[warm], max_epochs=1, **loop_kwargs)
    ConvLSTMClassifier(**{**classifier.get_params(), "max_epochs": 1}).fit(
        X[warm], y[warm]
    )

    n_seen = settings.n_train * settings.max_epochs
    loop_times, fit_times = [], []
    for _ in range(settings.repeats):
        start = time.perf_counter()
        _, loop_loss = hand_written_fit(
            X_tensor, y_tensor, max_epochs=settings.max_epochs, **loop_kwargs
        )
        sync(device)
        loop_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        classifier.fit(X, y)
        sync(device)
        fit_times.append(time.perf_counter() - start)
    fit_loss = float(classifier.history_[-1, "train_loss"])

    X_predict, _ = random_data(settings.n_predict, n_channels, n_timesteps, seed=1)
    X_predict_tensor = torch.from_numpy(X_predict)
    bare_module = classifier.net_.module_
    bare_times, proba_times = [], []
    bare_predict_proba(bare_module, X_predict_tensor[:PREDICT_BATCH_SIZE], 64, device)
    classifier.predict_proba(X_predict[:PREDICT_BATCH_SIZE])
    for _ in range(settings.repeats):
        start = time.perf_counter()
        bare = bare_predict_proba(
            bare_module, X_predict_tensor, PREDICT_BATCH_SIZE, device
        )
        bare_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        proba = classifier.predict_proba(X_predict)
        proba_times.append(time.perf_counter() - start)
    difference = float(np.abs(proba - bare.double().numpy()).max())
    n_predict = len(X_predict)

    def row(case: str, n: int, timings: list, reference: list | None) -> dict:
        rate = n / median(timings)
        ratio = None if reference is None else median(reference) / median(timings)
        return {
            "case": case,
            "samples": n,
            "median_s": median(timings),
            "min_s": min(timings),
            "max_s": max(timings),
            "samples_per_s": rate,
            "ratio_vs_pytorch": ratio,
            "target": None if ratio is None else f">= {TARGET_RATIO}",
            "met": None if ratio is None else bool(ratio >= TARGET_RATIO),
        }

    section.rows = [
        row("train: hand-written PyTorch loop", n_seen, loop_times, None),
        row("train: ConvLSTMClassifier.fit", n_seen, fit_times, loop_times),
        row("predict: softmax(module(x)), inference_mode", n_predict, bare_times, None),
        row(
            "predict: ConvLSTMClassifier.predict_proba",
            n_predict,
            proba_times,
            bare_times,
        ),
    ]
    section.shared = {
        "loop_samples_per_s": section.rows[0]["samples_per_s"],
        "fit_samples_per_s": section.rows[1]["samples_per_s"],
        "bare_predict_samples_per_s": section.rows[2]["samples_per_s"],
        "predict_proba_samples_per_s": section.rows[3]["samples_per_s"],
    }
    section.notes = [
        f"Data: {settings.n_train} x {n_channels} x {n_timesteps} float32, 2 classes;"
        f" batch_size={settings.batch_size}, max_epochs={settings.max_epochs}, "
        f"AdamW(lr={classifier.lr}, weight_decay={classifier.weight_decay}); "
        f"network pool_sizes={classifier.network_params_['pool_sizes']}. "
        f"Runs alternate loop/fit, {settings.repeats} each; ratio = median loop "
        "time / median fit time (>1: the classifier is faster).",
        f"Last-epoch training loss: loop {loop_loss:.4f}, fit {fit_loss:.4f} "
        "(same initial weights; different shuffles).",
        f"predict: {len(X_predict)} series in batches of {PREDICT_BATCH_SIZE}; max "
        f"|predict_proba - bare softmax| = {difference:.2e}.",
    ]
    if mixed_precision_rows is None:
        mixed_precision_rows = device.startswith("cuda")
    if mixed_precision_rows:
        amp = ConvLSTMClassifier(**{**classifier.get_params(), "mixed_precision": True})
        amp.fit(X[warm], y[warm])  # warm-up
        amp_fit, amp_predict = [], []
        for _ in range(settings.repeats):
            start = time.perf_counter()
            amp.fit(X, y)
            sync(device)
            amp_fit.append(time.perf_counter() - start)
            start = time.perf_counter()
            amp.predict_proba(X_predict)
            amp_predict.append(time.perf_counter() - start)
        section.rows += [
            row("train: fit, mixed_precision=True", n_seen, amp_fit, loop_times),
            row(
                "predict: predict_proba, mixed_precision=True",
                n_predict,
                amp_predict,
                bare_times,
            ),
        ]
        kernels = (
            "cuDNN's LSTM is used by all rows (torch default)."
            if device.startswith("cuda")
            else "On CPU its speed depends on bfloat16 units (AVX512-BF16, AMX)."
        )
        section.notes.append(
            "mixed_precision=True: bfloat16 autocast (ratios against the float32 "
            f"loop and module). {kernels}"
        )
    return section
