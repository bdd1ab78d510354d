"""Tasks of the regression regime tests: synthetic generators and real TRAIN splits.

Every task is ``(X, y)`` with ``X`` of shape ``(n_series, n_channels,
n_timesteps)`` (float32) and numeric ``y`` (float64), built from a seed, so a
task is the same on every machine. Kinds:

- ``window``: a weighted sum of window statistics (mean, standard deviation,
  maximum) at fixed positions in two channels of smooth random series, plus
  target noise;
- ``frequency``: the frequency of a noisy sinusoid of random phase;
- ``phase``: the sine of the phase of a noisy sinusoid of random frequency;
- ``amplitude``: the height of a Gaussian bump at a random position in noise;
- ``trend``: the slope of a linear trend under autocorrelated noise;
- ``interaction``: three channels; the product of two channels' means plus
  the correlation of two channels;
- ``noisy``: a window mean that explains about 10 % of the target's variance
  (the rest is noise);
- ``pure-noise``: a target independent of the series.

Real data: the TRAIN splits of Tecator and Covid3Month that sktime ships
(their TEST splits are never read), and copies whose targets are partly
shuffled (a fraction of the series get another series' target), which leaves
little to predict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

#: Where sktime ships its datasets.
SKTIME_DATA = Path(__import__("sktime.datasets").datasets.__file__).parent / "data"


@dataclass(frozen=True)
class Task:
    """One regression task: a kind, its size and its seed.

    Parameters
    ----------
    name : str
        Name in the result tables.
    kind : str
        A key of :data:`GENERATORS`, or ``"real"``.
    n_series, n_timesteps, n_channels : int
        Size of a synthetic task (ignored for real data).
    seed : int
        Seed of the generator (or of the partial shuffle of a real target).
    dataset : str
        The sktime dataset of a real task.
    shuffled : float
        Fraction of a real task's targets given to other series.
    """

    name: str
    kind: str
    n_series: int = 0
    n_timesteps: int = 0
    n_channels: int = 1
    seed: int = 0
    dataset: str = ""
    shuffled: float = 0.0

    def load(self) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(X, y)``: generated, or read from sktime's TRAIN split."""
        if self.kind == "real":
            X, y = load_real_train(self.dataset)
            return X, shuffle_partly(y, self.shuffled, self.seed)
        generator = GENERATORS[self.kind]
        return generator(self.n_series, self.n_timesteps, self.n_channels, self.seed)


def smooth_series(
    rng: np.random.RandomState, shape: tuple[int, ...], phi: float = 0.8
) -> np.ndarray:
    """AR(1) series with coefficient ``phi`` and unit stationary variance."""
    noise = rng.normal(size=shape) * np.sqrt(1 - phi**2)
    out = np.empty(shape)
    out[..., 0] = rng.normal(size=shape[:-1])
    for step in range(1, shape[-1]):
        out[..., step] = phi * out[..., step - 1] + noise[..., step]
    return out


def standardise(values: np.ndarray) -> np.ndarray:
    """Return ``values`` with mean 0 and standard deviation 1."""
    return (values - values.mean()) / values.std()


def make_window(
    n_series: int, n_timesteps: int, n_channels: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted sum of window statistics at fixed positions in two channels.

    The positions and weights are drawn from ``seed``: the mean of a window
    of channel 0, the standard deviation of a window of channel 1 and the
    maximum of another window of channel 0; target noise leaves about 80 %
    of the variance explainable.
    """
    rng = np.random.RandomState(seed)
    n_channels = max(n_channels, 2)
    X = smooth_series(rng, (n_series, n_channels, n_timesteps))
    width = max(n_timesteps // 8, 3)
    starts = rng.randint(0, n_timesteps - width, 3)
    weights = rng.uniform(0.5, 1.5, 3) * rng.choice([-1, 1], 3)
    parts = [
        X[:, 0, starts[0] : starts[0] + width].mean(axis=1),
        X[:, 1, starts[1] : starts[1] + width].std(axis=1),
        X[:, 0, starts[2] : starts[2] + width].max(axis=1),
    ]
    signal = sum(w * standardise(p) for w, p in zip(weights, parts, strict=True))
    signal = standardise(signal)
    y = signal + rng.normal(0, 0.5, n_series)
    return X.astype(np.float32), y


def make_frequency(
    n_series: int, n_timesteps: int, n_channels: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Frequency (cycles per series) of a sinusoid of random phase, in noise."""
    rng = np.random.RandomState(seed)
    frequency = rng.uniform(2, 8, n_series)
    phase = rng.uniform(0, 2 * np.pi, n_series)
    grid = np.linspace(0, 1, n_timesteps)
    wave = np.sin(2 * np.pi * frequency[:, None] * grid + phase[:, None])
    X = wave[:, None, :] + rng.normal(0, 0.7, (n_series, n_channels, n_timesteps))
    return X.astype(np.float32), frequency


def make_phase(
    n_series: int, n_timesteps: int, n_channels: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sine of the phase of a sinusoid of random frequency, in noise."""
    rng = np.random.RandomState(seed)
    frequency = rng.uniform(1, 4, n_series)
    phase = rng.uniform(0, 2 * np.pi, n_series)
    grid = np.linspace(0, 1, n_timesteps)
    wave = np.sin(2 * np.pi * frequency[:, None] * grid + phase[:, None])
    X = wave[:, None, :] + rng.normal(0, 0.5, (n_series, n_channels, n_timesteps))
    return X.astype(np.float32), np.sin(phase)


def make_amplitude(
    n_series: int, n_timesteps: int, n_channels: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Height of a Gaussian bump at a random position, in autocorrelated noise."""
    rng = np.random.RandomState(seed)
    height = rng.uniform(0.5, 3, n_series)
    centre = rng.uniform(0.1, 0.9, n_series)
    grid = np.linspace(0, 1, n_timesteps)
    bump = height[:, None] * np.exp(-0.5 * ((grid - centre[:, None]) / 0.04) ** 2)
    X = bump[:, None, :] + 0.7 * smooth_series(
        rng, (n_series, n_channels, n_timesteps), phi=0.5
    )
    return X.astype(np.float32), height


def make_trend(
    n_series: int, n_timesteps: int, n_channels: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Slope of a linear trend (per series length) under AR(1) noise and an offset."""
    rng = np.random.RandomState(seed)
    slope = rng.normal(0, 1, n_series)
    grid = np.linspace(0, 1, n_timesteps)
    offset = rng.normal(0, 2, n_series)
    X = (slope[:, None] * grid + offset[:, None])[:, None, :] + 0.5 * smooth_series(
        rng, (n_series, n_channels, n_timesteps), phi=0.9
    )
    return X.astype(np.float32), slope


def make_interaction(
    n_series: int, n_timesteps: int, n_channels: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Three channels: product of two channels' means plus a cross-correlation.

    Channel 0 and 1 get random offsets (whose product is the first term);
    channel 2 is channel 1's fluctuation mixed with its own noise in a
    random proportion (the correlation of channels 1 and 2 is the second
    term).
    """
    rng = np.random.RandomState(seed)
    n_channels = max(n_channels, 3)
    X = smooth_series(rng, (n_series, n_channels, n_timesteps), phi=0.6)
    offsets = rng.normal(0, 1, (n_series, 2))
    X[:, 0] += offsets[:, [0]]
    X[:, 1] += offsets[:, [1]]
    mix = rng.uniform(-1, 1, n_series)
    fluctuation = X[:, 1] - X[:, 1].mean(axis=1, keepdims=True)
    X[:, 2] = mix[:, None] * fluctuation + np.sqrt(1 - mix[:, None] ** 2) * X[:, 2]
    y = standardise(offsets[:, 0] * offsets[:, 1]) + standardise(mix)
    y = y + rng.normal(0, 0.3, n_series)
    return X.astype(np.float32), y


def make_noisy(
    n_series: int, n_timesteps: int, n_channels: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Make a target of which a window mean explains about 10 % of the variance."""
    rng = np.random.RandomState(seed)
    X = smooth_series(rng, (n_series, n_channels, n_timesteps))
    start = rng.randint(0, n_timesteps // 2)
    signal = standardise(X[:, 0, start : start + n_timesteps // 4].mean(axis=1))
    y = np.sqrt(0.1) * signal + np.sqrt(0.9) * rng.normal(size=n_series)
    return X.astype(np.float32), y


def make_pure_noise(
    n_series: int, n_timesteps: int, n_channels: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Make a target independent of the series (nothing is predictable)."""
    rng = np.random.RandomState(seed)
    X = smooth_series(rng, (n_series, n_channels, n_timesteps))
    return X.astype(np.float32), rng.normal(size=n_series)


GENERATORS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "window": make_window,
    "frequency": make_frequency,
    "phase": make_phase,
    "amplitude": make_amplitude,
    "trend": make_trend,
    "interaction": make_interaction,
    "noisy": make_noisy,
    "pure-noise": make_pure_noise,
}


def load_real_train(name: str) -> tuple[Any, np.ndarray]:
    """Return the TRAIN split of a regression dataset shipped with sktime."""
    from sklearn_convlstm.datasets import load_dataset

    X, y = load_dataset(SKTIME_DATA / name, split="train")
    return X, np.asarray(y, dtype=np.float64)


def shuffle_partly(y: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Give a ``fraction`` of the series another (permuted) series' target."""
    y = np.array(y, dtype=np.float64)
    if fraction <= 0:
        return y
    rng = np.random.RandomState(seed)
    chosen = rng.choice(len(y), round(fraction * len(y)), replace=False)
    y[chosen] = y[rng.permutation(chosen)]
    return y


#: Tasks the candidates are chosen on (CV on them only).
SELECTION_TASKS = (
    Task("window-300", "window", 300, 60, 2, seed=0),
    Task("frequency-150", "frequency", 150, 80, 1, seed=0),
    Task("amplitude-150", "amplitude", 150, 80, 1, seed=0),
    Task("interaction-200", "interaction", 200, 50, 3, seed=0),
    Task("noisy-150", "noisy", 150, 60, 1, seed=0),
    Task("Tecator", "real", dataset="Tecator"),
    Task("Covid3Month", "real", dataset="Covid3Month"),
    Task("Tecator-shuffled60", "real", dataset="Tecator", shuffled=0.6, seed=0),
)
#: Set aside before any run: other seeds, kinds and sizes; never used to choose.
CHECK_TASKS = (
    Task("window-check-400", "window", 400, 60, 2, seed=11),
    Task("phase-200", "phase", 200, 100, 1, seed=12),
    Task("trend-1000", "trend", 1000, 30, 1, seed=13),
    Task("pure-noise-100", "pure-noise", 100, 60, 1, seed=14),
    Task(
        "Covid3Month-shuffled50", "real", dataset="Covid3Month", shuffled=0.5, seed=15
    ),
)
#: Tiny tasks of ``--quick`` (a smoke test of the script).
QUICK_TASKS = (
    Task("window-quick", "window", 24, 20, 2, seed=0),
    Task("noisy-quick", "noisy", 24, 20, 1, seed=0),
)
TASKS = {task.name: task for task in (*SELECTION_TASKS, *CHECK_TASKS, *QUICK_TASKS)}
