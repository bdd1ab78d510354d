"""A TPE sampler whose random draws depend on the trial, not on the worker.

``TPESampler(seed=s)`` seeds one random stream per sampler object, so a worker
restarted with the same seed, or two workers given the same seed, draw the
same startup configurations again: a study of 4 trials held 2 distinct
configurations. :class:`TrialSeededTPESampler` reseeds its streams before
every trial from ``(seed, trial number)``; trial numbers are unique within a
study, so restarts and concurrent workers never replay each other's draws,
and the same study grown in the same order draws the same configurations.

Import this module only after ``import_optional("optuna")``
(:func:`sklearn_convlstm._optional.import_optional`): it imports optuna at the
top.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import optuna

__all__ = ["TrialSeededTPESampler"]


class TrialSeededTPESampler(optuna.samplers.TPESampler):
    """``TPESampler`` whose random streams for trial ``n`` are seeded by ``(seed, n)``.

    Parameters
    ----------
    seed : int or None, default=None
        Base seed; ``None``: fresh entropy for every trial (as TPE unseeded).
    **kwargs
        Passed to :class:`optuna.samplers.TPESampler` (e.g. ``constant_liar``).
    """

    def __init__(self, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(seed=seed, **kwargs)
        self._base_seed = seed

    def before_trial(self, study: Any, trial: Any) -> None:
        """Reseed the random streams from ``(seed, trial.number)``."""
        if self._base_seed is not None:
            state = np.random.SeedSequence([self._base_seed, trial.number])
            seed = int(state.generate_state(1)[0])
            self._rng.rng.seed(seed)
            self._random_sampler._rng.rng.seed(seed)
        super().before_trial(study, trial)
