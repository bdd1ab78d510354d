"""Mixed precision of the ConvLSTM estimators: which 16-bit type pays, per device.

``mixed_precision`` accepts ``False``, ``True``/``"auto"``, ``"bfloat16"`` and
``"float16"``; :func:`resolve_precision` turns it into the autocast dtype that
training or prediction uses on a device, from the speed factors measured per
device (reported on the evidence page of the documentation).
:func:`autocast` enters it, :func:`fused_optimizer_kwargs` picks the fused
optimizer kernels on CUDA.
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch

__all__ = [
    "AMP_DTYPES",
    "AUTO_INFERENCE_PRECISION",
    "AUTO_TRAINING_PRECISION",
    "autocast",
    "cpu_has_bfloat16",
    "fused_optimizer_kwargs",
    "resolve_precision",
]


#: Names accepted for ``mixed_precision`` and the autocast dtype of each.
AMP_DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16}

#: What ``mixed_precision=True`` (or ``"auto"``) trains with on each device
#: type: the autocast dtype measured faster than float32 there, or ``None``
#: (float32) where none was. On CUDA cuDNN's LSTM is slower in 16 bits, so
#: float32; on CPUs with bfloat16 units bfloat16 (CPUs without them keep
#: float32, see ``cpu_has_bfloat16``).
AUTO_TRAINING_PRECISION: dict[str, str | None] = {"cuda": None, "cpu": "bfloat16"}

#: The same for ``predict``/``predict_proba``: bfloat16 on CPUs with bfloat16
#: units, float32 on CUDA.
AUTO_INFERENCE_PRECISION: dict[str, str | None] = {"cuda": None, "cpu": "bfloat16"}


def cpu_has_bfloat16() -> bool:
    """Whether oneDNN runs bfloat16 natively on this CPU (AVX512-BF16, AMX)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # pragma: no cover - old/odd builds
        return False


def resolve_precision(
    mixed_precision: bool | str | None, device: str, inference: bool = False
) -> str | None:
    """Return the autocast dtype name of ``mixed_precision`` on ``device``.

    ``False``/``None``: ``None`` (float32). ``"bfloat16"``/``"float16"``: as
    given (float16 needs CUDA). ``True``/``"auto"``: the dtype measured faster
    than float32 on the device type (``AUTO_TRAINING_PRECISION``, or
    ``AUTO_INFERENCE_PRECISION`` with ``inference=True``), possibly ``None``.

    Examples
    --------
    >>> resolve_precision(False, "cpu"), resolve_precision("bfloat16", "cpu")
    (None, 'bfloat16')
    """
    if mixed_precision is None or mixed_precision is False:
        return None
    device_type = torch.device(device).type
    if mixed_precision is True or mixed_precision == "auto":
        table = AUTO_INFERENCE_PRECISION if inference else AUTO_TRAINING_PRECISION
        choice = table.get(device_type)
        if choice == "bfloat16" and device_type == "cpu" and not cpu_has_bfloat16():
            return None
        return choice
    if mixed_precision not in AMP_DTYPES:
        raise ValueError(
            f"mixed_precision must be a bool, 'auto', 'bfloat16' or 'float16'; got "
            f"{mixed_precision!r}."
        )
    if mixed_precision == "float16" and device_type != "cuda":
        raise ValueError(
            f"mixed_precision='float16' needs a CUDA device (loss scaling with "
            f"torch's GradScaler); got device={device!r}. Use 'bfloat16' or 'auto' "
            "on this device."
        )
    return str(mixed_precision)


def autocast(
    device: str | torch.device, precision: str | None, cache_enabled: bool = True
) -> contextlib.AbstractContextManager:
    """``torch.autocast`` in ``precision`` on ``device``'s type; no-op for None."""
    if precision is None:
        return contextlib.nullcontext()
    return torch.autocast(
        torch.device(device).type,
        dtype=AMP_DTYPES[precision],
        cache_enabled=cache_enabled,
    )


def fused_optimizer_kwargs(optimizer: Any, device: str) -> dict[str, Any]:
    """``{"fused": True}`` for torch's Adam and AdamW on CUDA, else ``{}``.

    The fused kernels update every parameter in a few launches instead of a
    Python loop over tensor groups (AdamW's step took longer than the
    forward and backward pass on an H200 otherwise). CPU keeps the default
    implementation, so CPU results are unchanged.
    """
    if torch.device(device).type != "cuda":
        return {}
    if optimizer in (torch.optim.Adam, torch.optim.AdamW):
        return {"fused": True}
    return {}
