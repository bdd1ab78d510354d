"""Batches of validated series: prediction batches and one-series training batches.

:func:`prediction_batches` yields validated series as CPU tensors;
:func:`drops_one_series_batch` decides whether training must leave out a last
batch of one series that batch normalisation cannot train on.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

from sklearn_convlstm._lazy import LazySeries
from sklearn_convlstm._validation import pad_series

__all__ = [
    "PREDICT_BATCH_SIZE",
    "drops_one_series_batch",
    "prediction_batches",
    "read_only_ok",
]

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


def drops_one_series_batch(
    module: torch.nn.Module, lengths: np.ndarray, batch_size: int
) -> bool:
    """Whether training leaves out a last batch of one series (``drop_last``).

    In training mode batch normalisation needs more than one value per
    channel (batch size times steps): a training batch of a single series
    fails where that series has 1 step left at a batch-norm layer. When the
    shortest training series would, a last batch of one series
    (``n_train % batch_size == 1``) is left out of each epoch.

    Parameters
    ----------
    module : torch.nn.Module
        A network with ``conv_blocks`` (each with ``norm``, ``kernel_size``,
        ``padding`` and ``pool_size``), as ``ConvLSTMNetwork``.
    lengths : ndarray of shape (n_train,)
        Lengths of the training series.
    batch_size : int
        Training batch size.

    Returns
    -------
    drop_last : bool

    Raises
    ------
    ValueError
        If every batch would be one series that fails (``batch_size=1``, or
        a single training series).
    """
    length = shortest = int(lengths.min())
    failing_block = None
    for index, block in enumerate(getattr(module, "conv_blocks", ())):
        if block.padding == "valid":
            length -= block.kernel_size - 1
        if block.norm is not None and length <= 1:
            failing_block = index
            break
        length //= block.pool_size
    n_train = len(lengths)
    if failing_block is None or (batch_size > 1 and n_train % batch_size != 1):
        return False
    if batch_size > 1 and n_train > 1:
        return True
    cause = f"batch_size={batch_size}" if batch_size == 1 else "1 training series"
    raise ValueError(
        f"batch_norm=True needs more than one value per channel in each training "
        f"batch, but {cause} makes batches of one series, and a series of "
        f"{shortest} timesteps has 1 step left at the batch norm of conv block "
        f"{failing_block}. Use batch_size >= 2 and at least 2 training series, "
        "longer series, fewer or smaller pool_sizes, or batch_norm=False."
    )
