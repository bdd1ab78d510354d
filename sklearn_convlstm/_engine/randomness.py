"""The random numbers of one fit: its own generator, reproducible in threads.

torch has one global generator per process (per CUDA device); a fit that
seeds it (``torch.manual_seed``) and draws from it while another thread's
fit does the same gets some of the other fit's numbers, so two fits with one
``random_state`` in two threads trained different networks. A
:class:`FitRandomness` holds a fit's own ``torch.Generator``, seeded with the
fit's seed, and every random draw of the fit comes from it, in the order the
global generator would have given it (so a seed trains the same network,
bit for bit on CPU, as when the fit seeded the global generator):

* the training batches' permutation and the iterator's base seed draw from
  the generator directly (:class:`~sklearn_convlstm._engine.training.TensorBatches`);
* what can only draw from the global generator (the weight initialisation
  in the network's constructor, dropout and training augmentation in each
  training forward pass, skorch's ``DataLoader``) runs inside
  :meth:`FitRandomness.global_generators`: a process-wide lock is taken, the
  fit's state is swapped into the global generator, and swapped back out
  (and the global state restored) when the block ends.

Only the forward passes hold the lock on CPU; backward passes and optimizer
steps of fits in different threads run at the same time. On CUDA (and with
an accelerator) the whole training loop runs in one such block, as a CUDA
graph must keep the device generator it was captured with.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import torch

__all__ = ["FitRandomness"]

#: Held while a fit's state is in torch's global generator(s).
_GLOBAL_GENERATOR_LOCK = threading.RLock()
#: Per thread: the FitRandomness whose state the global generators hold now.
_CURRENT = threading.local()


class FitRandomness:
    """A fit's own random state, lent to torch's global generators on demand.

    Parameters
    ----------
    seed : int
        The fit's seed: its generator, and the training device's generator
        the first time it is lent, start from ``manual_seed(seed)``.
    device : str or torch.device, default="cpu"
        The device the fit trains on. A CUDA device's generator is lent
        like the CPU's (its state kept between blocks, the global state
        restored after each); an MPS device's is seeded when first lent, as
        ``torch.manual_seed`` seeds it.

    Attributes
    ----------
    generator : torch.Generator
        The fit's CPU generator; pass it to code that takes a generator.

    Examples
    --------
    >>> import torch
    >>> randomness = FitRandomness(0)
    >>> with randomness.global_generators():
    ...     first = torch.rand(2)
    >>> seeded = torch.Generator().manual_seed(0)  # as torch.manual_seed(0)
    >>> bool((first == torch.rand(2, generator=seeded)).all())
    True
    """

    def __init__(self, seed: int, device: str | torch.device = "cpu") -> None:
        self.seed = int(seed)
        self.generator = torch.Generator()
        self.generator.manual_seed(self.seed)
        device = torch.device(device)
        self.cuda_devices = [device.index or 0] if device.type == "cuda" else []
        self._seed_mps = device.type == "mps"
        self._cuda_states: list[torch.Tensor] | None = None

    @contextlib.contextmanager
    def global_generators(self) -> Iterator[None]:
        """Run a block that draws from torch's global generators with this state.

        Takes the process-wide lock, puts this fit's state into the global
        CPU generator (and the CUDA devices'), and on exit keeps what the
        block drew (the state moves back into :attr:`generator`) and restores
        the global generators as they were. Nested blocks of the same fit in
        one thread are free (the state is already in place).

        Yields
        ------
        None
        """
        if getattr(_CURRENT, "randomness", None) is self:
            yield
            return
        with _GLOBAL_GENERATOR_LOCK:
            saved = torch.get_rng_state()
            saved_cuda = [torch.cuda.get_rng_state(d) for d in self.cuda_devices]
            previous = getattr(_CURRENT, "randomness", None)
            try:
                torch.set_rng_state(self.generator.get_state())
                self._lend_device_states()
                _CURRENT.randomness = self
                yield
            finally:
                _CURRENT.randomness = previous
                self.generator.set_state(torch.get_rng_state())
                torch.set_rng_state(saved)
                if self.cuda_devices:
                    self._cuda_states = [
                        torch.cuda.get_rng_state(d) for d in self.cuda_devices
                    ]
                    for device, state in zip(
                        self.cuda_devices, saved_cuda, strict=True
                    ):
                        torch.cuda.set_rng_state(state, device)

    def _lend_device_states(self) -> None:
        if self._seed_mps:
            torch.mps.manual_seed(self.seed)  # as torch.manual_seed(seed) does
            self._seed_mps = False
        if self._cuda_states is None:
            # What torch.manual_seed(seed) does to the device's generator.
            for device in self.cuda_devices:
                with torch.cuda.device(device):
                    torch.cuda.manual_seed(self.seed)
            return
        for device, state in zip(self.cuda_devices, self._cuda_states, strict=True):
            torch.cuda.set_rng_state(state, device)
