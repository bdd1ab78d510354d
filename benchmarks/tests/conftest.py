"""Fixtures of the benchmark tests: a fixed seed and one torch thread.

The same two settings as ``tests/conftest.py``, kept here so that nothing is
imported across the two test folders. This folder is a package
(``benchmarks.tests``), so its ``conftest`` never shadows the ``conftest``
module that ``tests/`` imports ``FAST_PARAMS`` from.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

# One thread per test process, as in tests/: many tiny fits, and pytest-xdist
# workers must not oversubscribe the cores.
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seed() -> None:
    np.random.seed(0)  # noqa: NPY002 (scikit-learn helpers use the global state)
    torch.manual_seed(0)
