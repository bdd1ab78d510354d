"""Layers a network applies to its input batches, in pure PyTorch.

* :func:`z_normalize`: the package's one implementation of per-series
  z-normalisation (also behind ``TimeSeriesScaler(method="per_series")``).
* :class:`InputScaling`: scales each batch by one method (affine,
  per-series, per-series plus log-amplitude) with statistics set from
  outside (the estimators set those of their training series).
* :class:`TrainingAugmentation`: random window slicing and amplitude scaling
  of training batches.

:class:`~sklearn_convlstm.nn.ConvLSTMNetwork` puts them in front of its
conv blocks. This module imports no scikit-learn.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["InputScaling", "TrainingAugmentation", "z_normalize"]


def z_normalize(
    x: torch.Tensor, lengths: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Z-normalise every series and channel by its own mean and std.

    The package's one implementation of per-series z-normalisation: the
    network's :class:`InputScaling` calls it on each batch and
    :class:`~sklearn_convlstm.TimeSeriesScaler` on NumPy data.
    The std is the population std (``correction=0``) over the valid steps; a
    constant series (std 0) becomes zeros, never NaN. Each series is first
    divided by its peak absolute value, so that the sums behind the mean and
    std stay far from float32's limit (3.4e38) even for values near it: the
    z-scores do not change.

    Parameters
    ----------
    x : Tensor of shape (..., timesteps) or (batch, channels, timesteps)
        Series; computed in ``x``'s dtype.
    lengths : Tensor of shape (batch,) or None, default=None
        Valid steps of each series of a padded 3D batch; ``None``: all.

    Returns
    -------
    scaled : Tensor of the shape of ``x``
        ``(x - mean) / std``; padded steps hold garbage when ``lengths`` is
        given (the network masks them).
    log_std : Tensor of shape (..., 1)
        The log of each series' std, in the units of ``x`` (meaningless where
        ``constant``).
    constant : Tensor of bool, shape (..., 1)
        Whether the series is constant (over its valid steps).

    Examples
    --------
    >>> x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 4.0, 4.0]])
    >>> scaled, log_std, constant = z_normalize(x)
    >>> scaled
    tensor([[-1.2247,  0.0000,  1.2247],
            [ 0.0000,  0.0000,  0.0000]])
    >>> log_std[0].exp(), constant.flatten()
    (tensor([0.8165]), tensor([False,  True]))
    """
    if lengths is None:
        maximum = x.amax(dim=-1, keepdim=True)
        minimum = x.amin(dim=-1, keepdim=True)
    else:
        mask = _time_mask(lengths.to(x.device), x.shape[-1]).unsqueeze(1)
        maximum = x.masked_fill(~mask, float("-inf")).amax(dim=-1, keepdim=True)
        minimum = x.masked_fill(~mask, float("inf")).amin(dim=-1, keepdim=True)
    constant = maximum == minimum
    peak = torch.maximum(maximum.abs(), minimum.abs())
    peak = torch.where(peak == 0, torch.ones_like(peak), peak)
    x = x / peak
    if lengths is None:
        mean = x.mean(dim=-1, keepdim=True)
        std = x.std(dim=-1, keepdim=True, correction=0)
    else:
        counts = lengths.to(device=x.device, dtype=x.dtype).view(-1, 1, 1)
        mean = (x * mask).sum(dim=-1, keepdim=True) / counts
        deviations = (x - mean) * mask
        std = torch.sqrt((deviations**2).sum(dim=-1, keepdim=True) / counts)
    std = torch.where(constant, torch.ones_like(std), std)
    return (x - mean) / std, torch.log(std) + torch.log(peak), constant


class InputScaling(nn.Module):
    """Scale input series inside the network.

    Parameters
    ----------
    n_channels : int
        Channels of the input series.
    method : {"affine", "per_series", "per_series_amplitude"}
        ``"affine"``: ``x * weight + bias`` with per-channel buffers (set them
        with :meth:`set_affine`; standardisation and min-max scaling are both
        affine). ``"per_series"``: z-normalise every series and channel by its
        own mean and population std over its valid steps; a constant series
        becomes zeros. ``"per_series_amplitude"``: the same, plus one extra
        channel per input channel, constant over time, holding the series'
        log-amplitude ``log(std) * weight + bias`` (set the buffers with
        :meth:`set_log_amplitude_statistics`), so the amplitude that
        z-normalisation removes still reaches the network; 0 for a constant
        series. The output then has ``2 * n_channels`` channels: the
        z-normalised ones first.
    """

    weight: torch.Tensor
    bias: torch.Tensor

    METHODS = ("affine", "per_series", "per_series_amplitude")

    def __init__(self, n_channels: int, method: str) -> None:
        super().__init__()
        if method not in self.METHODS:
            raise ValueError(
                f"InputScaling method must be one of {self.METHODS}; got {method!r}."
            )
        self.method = method
        self.register_buffer("weight", torch.ones(1, n_channels, 1))
        self.register_buffer("bias", torch.zeros(1, n_channels, 1))

    @property
    def n_output_channels(self) -> int:
        """Channels of the scaled output (doubled by ``"per_series_amplitude"``)."""
        n_channels = self.weight.shape[1]
        return 2 * n_channels if self.method == "per_series_amplitude" else n_channels

    def set_affine(self, weight: Any, bias: Any) -> None:
        """Set the per-channel affine map ``x * weight + bias``.

        Parameters
        ----------
        weight : array-like of shape (n_channels,)
        bias : array-like of shape (n_channels,)
        """
        shape = self.weight.shape
        self.weight.copy_(torch.as_tensor(weight, dtype=self.weight.dtype).view(shape))
        self.bias.copy_(torch.as_tensor(bias, dtype=self.bias.dtype).view(shape))

    def set_log_amplitude_statistics(self, mean: Any, std: Any) -> None:
        """Standardise log-amplitudes with the training ``mean`` and ``std``.

        Parameters
        ----------
        mean : array-like of shape (n_channels,)
            Mean log-amplitude of the training series, per channel.
        std : array-like of shape (n_channels,)
            Their std, per channel (at least 1 as the estimators compute it).
        """
        std = torch.as_tensor(std, dtype=torch.float64)
        mean = torch.as_tensor(mean, dtype=torch.float64)
        self.set_affine(1.0 / std, -mean / std)

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Scale ``x`` of shape (batch, channels, timesteps).

        Parameters
        ----------
        x : Tensor of shape (batch, channels, timesteps)
            The batch; with ``lengths``, series padded at the end.
        lengths : Tensor of shape (batch,), default=None
            True length of each series; ``None`` when all have the full length.

        Returns
        -------
        scaled : Tensor
            Of shape (batch, channels, timesteps), or (batch, 2 * channels,
            timesteps) with ``"per_series_amplitude"`` (the log-amplitudes
            appended as channels).
        """
        if self.method == "affine":
            return x * self.weight + self.bias
        scaled, log_std, constant = z_normalize(x, lengths)
        if self.method == "per_series":
            return scaled
        log_amplitude = torch.where(
            constant, torch.zeros_like(log_std), log_std * self.weight + self.bias
        )
        return torch.cat([scaled, log_amplitude.expand_as(scaled)], dim=1)


class TrainingAugmentation(nn.Module):
    """Random window slicing and amplitude scaling of training batches.

    In training mode each series is scaled by a random factor ``1 + scale * e``
    (``e`` standard normal, one factor per series) and, for equal-length
    batches, a random window of ``window`` times its length is cut out and
    stretched back to the full length by linear interpolation ("window
    slicing", Le Guennec et al., 2016). In eval mode it is the identity, so
    predictions are deterministic. It draws from torch's global generator,
    which :class:`~sklearn_convlstm.ConvLSTMClassifier` seeds from
    ``random_state``.

    Parameters
    ----------
    window : float, default=0.9
        Share of the series each training window keeps, in (0, 1]; 1 turns
        slicing off.
    scale : float, default=0.1
        Standard deviation of the amplitude factor; 0 turns scaling off.
    """

    def __init__(self, window: float = 0.9, scale: float = 0.1) -> None:
        super().__init__()
        if not 0 < window <= 1:
            raise ValueError(f"window must be in (0, 1]; got {window!r}.")
        if scale < 0:
            raise ValueError(f"scale must be >= 0; got {scale!r}.")
        self.window = window
        self.scale = scale

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Augment ``x`` of shape (batch, channels, timesteps) in training mode.

        With ``lengths`` (padded series of different lengths) only the
        amplitude is scaled: a window would mix in padding.

        Parameters
        ----------
        x : Tensor of shape (batch, channels, timesteps)
            The batch; with ``lengths``, series padded at the end.
        lengths : Tensor of shape (batch,), default=None
            True length of each series; ``None`` when all have the full length.

        Returns
        -------
        augmented : Tensor of shape (batch, channels, timesteps)
        """
        if not self.training:
            return x
        batch, channels, n_steps = x.shape
        if self.scale > 0:
            factors = 1 + self.scale * torch.randn(
                batch, 1, 1, device=x.device, dtype=x.dtype
            )
            x = x * factors
        width = max(2, round(self.window * n_steps))
        if lengths is not None or width >= n_steps:
            return x
        starts = torch.randint(0, n_steps - width + 1, (batch, 1), device=x.device)
        index = (starts + torch.arange(width, device=x.device)).unsqueeze(1)
        windows = x.gather(2, index.expand(batch, channels, width))
        return F.interpolate(windows, size=n_steps, mode="linear", align_corners=True)


def _time_mask(lengths: torch.Tensor, n_steps: int) -> torch.Tensor:
    """Boolean mask (batch, n_steps): True where the step is within the series."""
    return torch.arange(n_steps, device=lengths.device) < lengths.unsqueeze(1)
