"""Random-kernel features (MiniRocket's transform in PyTorch) and a ridge head on them.

:class:`RandomKernelFeatures` computes the features of MiniRocket (Dempster,
Schmidt and Webb, KDD 2021; the multivariate variant of its reference code):
84 fixed kernels of length 9 (three weights 2, six weights -1), dilated
exponentially up to the series length, each followed by biases drawn from
quantiles of its output on training series, and pooled as the proportion of
positive values (PPV). Half the (dilation, kernel) combinations use zero
padding, half only the positions the kernel covers fully; with several
channels each combination sums a random subset of them. It is a
``torch.nn.Module`` with fixed buffers, so it runs on the estimator's device,
batch by batch, with unequal lengths masked rather than padded, and its state
is saved with ``torch.save``.

:class:`RandomKernelRidge` is the head that ``ConvLSTMClassifier`` adds when
``head="random-kernels"`` (and ``head="auto"`` with at most
:data:`RANDOM_KERNEL_MAX_SERIES_PER_CLASS` training series in the smallest
class): the features, standardised, then a ridge classifier whose penalty is
chosen by leave-one-out cross-validation on the training series
(scikit-learn's ``RidgeClassifierCV``, as in the MiniRocket paper), folded into
one linear layer.

This module imports no scikit-learn: the ridge is fitted by
``sklearn_convlstm._random_kernel_head``.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "KERNEL_LENGTH",
    "N_KERNELS",
    "RandomKernelFeatures",
    "RandomKernelRidge",
    "fit_dilations",
]

#: Length of every kernel.
KERNEL_LENGTH = 9
#: Positions weighted 2 in each kernel (the other six are -1): all 84 choices
#: of 3 positions out of 9.
_KERNEL_POSITIONS = np.array(list(combinations(range(KERNEL_LENGTH), 3)))
#: Number of kernels.
N_KERNELS = len(_KERNEL_POSITIONS)
#: Penalties tried by the ridge head's leave-one-out search (the paper's grid).
RIDGE_ALPHAS = tuple(np.logspace(-3, 3, 10).tolist())
#: Elements of the (batch, kernels, timesteps) block compared at once in forward.
_BLOCK_ELEMENTS = 1 << 22


def fit_dilations(
    n_timesteps: int, n_features: int = 10_000, max_dilations_per_kernel: int = 32
) -> tuple[np.ndarray, np.ndarray]:
    """Return the dilations and the number of features (biases) per dilation.

    MiniRocket's rule: up to ``max_dilations_per_kernel`` dilations spaced
    exponentially from 1 to ``(n_timesteps - 1) / 8``, the features of each
    kernel shared out among them.

    Parameters
    ----------
    n_timesteps : int
        Series length (at least :data:`KERNEL_LENGTH`).
    n_features : int, default=10000
        Features wanted in all (rounded down to a multiple of 84).
    max_dilations_per_kernel : int, default=32

    Returns
    -------
    dilations, features_per_dilation : ndarray of int

    Examples
    --------
    >>> dilations, counts = fit_dilations(150)
    >>> dilations.tolist()[:6], int(counts.sum()) * 84
    ([1, 2, 3, 4, 5, 6], 9996)
    """
    if n_timesteps < KERNEL_LENGTH:
        raise ValueError(
            f"Random-kernel features need series of at least {KERNEL_LENGTH} "
            f"timesteps; got {n_timesteps}."
        )
    per_kernel = max(n_features, N_KERNELS) // N_KERNELS
    n_dilations = min(per_kernel, max_dilations_per_kernel)
    multiplier = per_kernel / n_dilations
    max_exponent = np.log2((n_timesteps - 1) / (KERNEL_LENGTH - 1))
    dilations, counts = np.unique(
        np.logspace(0, max_exponent, n_dilations, base=2).astype(np.int64),
        return_counts=True,
    )
    counts = (counts * multiplier).astype(np.int64)
    remainder = per_kernel - int(counts.sum())
    for index in range(remainder):
        counts[index % len(counts)] += 1
    return dilations, counts


def _quantiles(n: int) -> np.ndarray:
    """Low-discrepancy quantiles in (0, 1): the fractional parts of k * phi."""
    return ((np.arange(1, n + 1) * ((np.sqrt(5) + 1) / 2)) % 1).astype(np.float64)


class RandomKernelFeatures(nn.Module):
    """MiniRocket's random-kernel features as a fixed ``torch.nn.Module``.

    Build it fitted with :meth:`from_training_series`; the constructor makes
    the shapes only (for loading a saved state dict).

    Parameters
    ----------
    n_channels : int
        Channels of the input series.
    dilations : sequence of int
        Dilation of each group of kernels.
    features_per_dilation : sequence of int
        Biases per kernel at each dilation.

    Examples
    --------
    >>> import torch
    >>> x = torch.randn(6, 2, 50)
    >>> features = RandomKernelFeatures.from_training_series(x, n_features=840)
    >>> features(x).shape
    torch.Size([6, 840])
    """

    def __init__(
        self,
        n_channels: int,
        dilations: Any,
        features_per_dilation: Any,
    ) -> None:
        super().__init__()
        self.n_channels = int(n_channels)
        self.dilations = tuple(int(d) for d in dilations)
        self.features_per_dilation = tuple(int(f) for f in features_per_dilation)
        if len(self.dilations) != len(self.features_per_dilation):
            raise ValueError(
                "dilations and features_per_dilation must have the same length; "
                f"got {len(self.dilations)} and {len(self.features_per_dilation)}."
            )
        for index, count in enumerate(self.features_per_dilation):
            self.register_buffer(
                f"weight_{index}",
                torch.zeros(N_KERNELS, self.n_channels, KERNEL_LENGTH),
            )
            self.register_buffer(f"bias_{index}", torch.zeros(N_KERNELS, count))

    @property
    def n_features(self) -> int:
        """Number of features per series."""
        return N_KERNELS * sum(self.features_per_dilation)

    def config(self) -> dict[str, Any]:
        """Return the constructor arguments (JSON-serialisable)."""
        return {
            "n_channels": self.n_channels,
            "dilations": list(self.dilations),
            "features_per_dilation": list(self.features_per_dilation),
        }

    @classmethod
    def from_training_series(
        cls,
        x: torch.Tensor,
        lengths: torch.Tensor | None = None,
        *,
        n_features: int = 10_000,
        max_dilations_per_kernel: int = 32,
        random_state: int = 0,
    ) -> RandomKernelFeatures:
        """Fit the channel subsets and biases on training series.

        Parameters
        ----------
        x : Tensor of shape (n_series, n_channels, n_timesteps)
            Training series (padded at the end when ``lengths`` is given).
        lengths : Tensor of shape (n_series,), default=None
            True length of each series.
        n_features : int, default=10000
        max_dilations_per_kernel : int, default=32
        random_state : int, default=0
            Seed of the channel subsets and of the series each bias is read from.

        Returns
        -------
        features : RandomKernelFeatures
        """
        x = x.detach().float().cpu()
        n_series, n_channels, n_timesteps = x.shape
        lengths_np = (
            np.full(n_series, n_timesteps)
            if lengths is None
            else lengths.detach().cpu().numpy().astype(np.int64)
        )
        if lengths is not None:
            # zero padding after each series' end, as in forward
            beyond = (
                torch.arange(n_timesteps)[None, None, :]
                >= torch.from_numpy(lengths_np)[:, None, None]
            )
            x = x.masked_fill(beyond, 0.0)
        dilations, counts = fit_dilations(
            int(lengths_np.max()), n_features, max_dilations_per_kernel
        )
        module = cls(n_channels, dilations, counts)
        rng = np.random.RandomState(random_state)
        quantiles = _quantiles(N_KERNELS * int(counts.sum()))
        most_channels = min(n_channels, KERNEL_LENGTH)
        start = 0
        for index, (dilation, count) in enumerate(
            zip(module.dilations, module.features_per_dilation, strict=True)
        ):
            weight = torch.zeros(N_KERNELS, n_channels, KERNEL_LENGTH)
            subset_sizes = (
                2 ** rng.uniform(0, np.log2(most_channels + 1), N_KERNELS)
            ).astype(np.int64)
            for kernel, size in enumerate(subset_sizes):
                channels = rng.choice(n_channels, int(size), replace=False)
                pattern = torch.full((KERNEL_LENGTH,), -1.0)
                pattern[_KERNEL_POSITIONS[kernel]] = 2.0
                weight[kernel, channels] = pattern
            examples = rng.randint(n_series, size=N_KERNELS)
            # kernel j applied to example j only: a grouped convolution
            outputs = F.conv1d(
                x[examples].reshape(1, N_KERNELS * n_channels, n_timesteps),
                weight,
                padding=(KERNEL_LENGTH - 1) // 2 * dilation,
                dilation=dilation,
                groups=N_KERNELS,
            )[0].numpy()
            bias = np.empty((N_KERNELS, count), dtype=np.float64)
            for kernel in range(N_KERNELS):
                valid = outputs[kernel, : lengths_np[examples[kernel]]]
                offset = start + kernel * count
                bias[kernel] = np.quantile(valid, quantiles[offset : offset + count])
            start += N_KERNELS * count
            getattr(module, f"weight_{index}").copy_(weight)
            getattr(module, f"bias_{index}").copy_(torch.from_numpy(bias).float())
        return module

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Return the PPV features of each series.

        Parameters
        ----------
        x : Tensor of shape (batch, n_channels, timesteps)
        lengths : Tensor of shape (batch,), default=None
            True lengths; positions after them are not counted.

        Returns
        -------
        features : Tensor of shape (batch, n_features)
        """
        if x.shape[1] != self.n_channels:
            raise ValueError(
                f"Random-kernel features were fitted on {self.n_channels} "
                f"channel(s); got series with {x.shape[1]}."
            )
        batch, _, n_timesteps = x.shape
        step = max(1, _BLOCK_ELEMENTS // (N_KERNELS * max(n_timesteps, 1)))
        return torch.cat(
            [
                self._features(
                    x[first : first + step].float(),
                    None if lengths is None else lengths[first : first + step],
                )
                for first in range(0, batch, step)
            ]
        )

    def _features(self, x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        batch, _, n_timesteps = x.shape
        positions = torch.arange(n_timesteps, device=x.device)
        ends = (
            torch.full((batch,), n_timesteps, device=x.device)
            if lengths is None
            else lengths.to(x.device)
        )
        if lengths is not None:
            # what lies after a series' end is zero padding, whatever the caller
            # put there (scaling may have shifted it)
            x = x.masked_fill(positions >= ends[:, None, None], 0.0)
        blocks = []
        for index, dilation in enumerate(self.dilations):
            padding = (KERNEL_LENGTH - 1) // 2 * dilation
            outputs = F.conv1d(
                x, getattr(self, f"weight_{index}"), padding=padding, dilation=dilation
            )
            # MiniRocket alternates zero padding and the fully covered
            # positions over (dilation, kernel): kernel k is padded when
            # (dilation index + k) is even.
            kernels = torch.arange(N_KERNELS, device=x.device)
            unpadded = ((index + kernels) % 2 == 1)[None, :, None]
            first = torch.where(unpadded, padding, 0)
            last = ends[:, None, None] - torch.where(unpadded, padding, 0)
            valid = (positions >= first) & (positions < last)
            counted = valid.sum(-1)
            # a padded kernel always has the series' own positions; an
            # unpadded one on a series shorter than its span falls back to them
            empty = counted == 0
            if bool(empty.any()):
                valid = valid | (empty[..., None] & (positions < ends[:, None, None]))
                counted = valid.sum(-1)
            masked = outputs.masked_fill(~valid, float("-inf"))
            positive = _count_above(masked, getattr(self, f"bias_{index}"))
            blocks.append((positive / counted[..., None]).reshape(batch, -1))
        return torch.cat(blocks, dim=1)


def _count_above(values: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """Count, per (series, kernel), the values above each of the kernel's biases.

    ``values`` (batch, kernels, timesteps), ``bias`` (kernels, n_biases);
    returns (batch, kernels, n_biases) counts as float32 (exact below 2**24
    steps). Up to 8 biases, one comparison per bias; with more, each value is
    placed among the sorted biases once (``searchsorted``) and the counts are
    summed from the top. Measured on one CPU thread for 100 x 84 x 1,000
    values: 0.11 s (comparisons) vs 0.18 s (searchsorted) at 4 biases, 0.30 vs
    0.25 s at 12, 1.09 vs 0.32 s at 40. Both give the same integers.
    """
    n_biases = bias.shape[1]
    if n_biases <= 8:
        return torch.stack(
            [
                (values > bias[None, :, index, None]).sum(-1, dtype=torch.float32)
                for index in range(n_biases)
            ],
            dim=-1,
        )
    batch, kernels, _ = values.shape
    ordered, order = torch.sort(bias, dim=1)
    # rank = how many biases lie strictly below the value (-inf: none)
    rank = torch.searchsorted(
        ordered.expand(batch, kernels, n_biases).contiguous(),
        values.contiguous(),
        out_int32=True,
    )
    histogram = torch.zeros(
        batch, kernels, n_biases + 1, dtype=torch.int32, device=values.device
    ).scatter_add_(2, rank, torch.ones_like(rank))
    above_sorted = histogram[..., 1:].flip(-1).cumsum(-1, dtype=torch.float32)
    above_sorted = above_sorted.flip(-1)
    return torch.empty_like(above_sorted).scatter_(
        2, order.expand(batch, kernels, n_biases), above_sorted
    )


class RandomKernelRidge(nn.Module):
    """Random-kernel features and a fixed linear (ridge) classifier on them.

    Made by :func:`fit_random_kernel_ridge`; the constructor makes the shapes
    only (for loading a saved state dict).

    Parameters
    ----------
    features : RandomKernelFeatures
    n_classes : int
    """

    def __init__(self, features: RandomKernelFeatures, n_classes: int) -> None:
        super().__init__()
        self.features = features
        self.linear = nn.Linear(features.n_features, int(n_classes))
        self.linear.requires_grad_(False)
        #: Ridge penalty chosen by leave-one-out (NaN until fitted; not saved).
        self.alpha_: float = float("nan")

    def config(self) -> dict[str, Any]:
        """Return what rebuilds the module's shapes (JSON-serialisable)."""
        return {**self.features.config(), "n_classes": self.linear.out_features}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> RandomKernelRidge:
        """Rebuild an unfitted module with the shapes of ``config``."""
        features = RandomKernelFeatures(
            config["n_channels"], config["dilations"], config["features_per_dilation"]
        )
        return cls(features, config["n_classes"])

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Return the ridge decision value of each class.

        Parameters
        ----------
        x : Tensor of shape (batch, channels, timesteps)
            The batch; with ``lengths``, series padded at the end.
        lengths : Tensor of shape (batch,), default=None
            True length of each series; ``None`` when all have the full length.

        Returns
        -------
        scores : Tensor of shape (batch, n_classes)
        """
        return self.linear(self.features(x, lengths))
