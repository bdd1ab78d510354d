"""Training and searching on several processes, GPUs and machines.

* :func:`fit_data_parallel`: data-parallel training through Hugging Face
  Accelerate (what ``ConvLSTMClassifier(accelerator=...)`` calls); launch one
  process per GPU with ``torchrun`` or ``accelerate launch``.
* :func:`tune_on_dask` and :class:`TorchThreads`: Optuna searches and
  scikit-learn's own parallelism on a dask cluster.

The names are imported on first use, so that this package imports without
the optional ``distributed`` extra.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["TorchThreads", "fit_data_parallel", "tune_on_dask"]

_HOMES = {
    "TorchThreads": "sklearn_convlstm.parallel._dask",
    "tune_on_dask": "sklearn_convlstm.parallel._dask",
    "fit_data_parallel": "sklearn_convlstm.parallel._data_parallel",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
