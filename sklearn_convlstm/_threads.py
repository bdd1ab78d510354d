"""The one guard that sets torch's thread count for a block and restores it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def torch_threads(n_threads: int | None = None) -> Iterator[None]:
    """Run a block with ``n_threads`` torch threads; restore the count after.

    On exit torch's thread count is set back to what it was on entry if
    anything in the block changed it: this guard, or a library that resets
    OpenMP's count (numba's threading layer does, inside sktime's MiniRocket).

    Parameters
    ----------
    n_threads : int or None, default=None
        ``torch.set_num_threads`` for the block; ``None`` or 0 leaves the
        count as it is (the block is then only guarded).

    Yields
    ------
    None

    Examples
    --------
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
    """
    import torch

    previous = torch.get_num_threads()
    if n_threads:
        torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)
