"""Batches of validated series for prediction, as CPU tensors."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

from sklearn_convlstm._lazy import LazySeries
from sklearn_convlstm._validation import pad_series

__all__ = ["PREDICT_BATCH_SIZE", "prediction_batches", "read_only_ok"]

#: Series per forward pass in predict/predict_proba (inference needs no small
#: batches; BatchNorm uses its running statistics in eval mode).
PREDICT_BATCH_SIZE = 1024


def prediction_batches(
    X: Any, lengths: np.ndarray
) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
    """Yield validated series as CPU tensors of :data:`PREDICT_BATCH_SIZE`.

    Each batch comes with the true lengths of its series when they differ
    (series of unequal length, padded at the end), else ``None``.
    """
    for start in range(0, len(X), PREDICT_BATCH_SIZE):
        stop = start + PREDICT_BATCH_SIZE
        batch_lengths: torch.Tensor | None = None
        if isinstance(X, (np.ndarray, LazySeries)):
            batch = X[start:stop]
        else:
            batch = pad_series(X[start:stop])
            if not (lengths[start:stop] == batch.shape[-1]).all():
                batch_lengths = torch.from_numpy(lengths[start:stop])
        yield torch.from_numpy(np.asarray(batch)), batch_lengths


@contextlib.contextmanager
def read_only_ok(X: Any) -> Iterator[None]:
    """Silence torch's warning about wrapping read-only arrays (they are only read).

    A memory-mapped or otherwise read-only X is streamed without a copy; the
    warnings machinery is only entered for such arrays, as it costs time on
    the single-series path.
    """
    if isinstance(X, np.ndarray) and not X.flags.writeable:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The given NumPy array is not")
            yield
    else:
        yield
