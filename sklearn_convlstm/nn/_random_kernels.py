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
is saved with ``torch.save``. Each kernel output is the weighted sum made in
float64 in one fixed order (exact for float32 taps of ordinary range) and
rounded once to float32, so a series' features do not depend on its batch,
its device or an exported graph (:func:`kernel_outputs`). On the CPU a
compiled loop (:mod:`sklearn_convlstm.nn._random_kernels_numba`, numba)
computes and counts them; elsewhere tensor operations make the same sums.

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

import functools
from itertools import combinations
from typing import Any

import numpy as np
import torch
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
#: Kernel outputs (series x kernels x timesteps) computed at once in forward:
#: blocks of a few series keep the comparison buffer small.
_BLOCK_ELEMENTS = 4 * 84 * 1000


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
            # kernel j applied to example j only, summed as in forward
            outputs = _paired_kernel_outputs(x[examples], weight, dilation).numpy()
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
        x = x.float()
        if torch.onnx.is_in_onnx_export() or torch.jit.is_tracing():
            return self._traceable_features(x, lengths)
        batch, _, n_timesteps = x.shape
        if lengths is not None:
            lengths = lengths.to(x.device)
            if bool((lengths >= n_timesteps).all()):
                lengths = None  # every series fills the batch: nothing to mask
            else:
                # what lies after a series' end is zero padding, whatever the
                # caller put there (scaling may have shifted it)
                positions = torch.arange(n_timesteps, device=x.device)
                x = x.masked_fill(positions >= lengths[:, None, None], 0.0)
        # numba is imported (on first use) only where the loop runs
        compiled = _compiled_ppv_features() if x.device.type in ("cpu", "mps") else None
        if compiled is not None:
            # (MPS has no float64: its series are counted on the CPU)
            features = torch.empty(batch, self.n_features)
            self._fill_features_compiled(compiled, features, x.cpu(), lengths)
            return features.to(x.device)
        features = x.new_empty(batch, self.n_features)
        step = max(
            1, _BLOCK_ELEMENTS // (N_KERNELS * self.n_channels * max(n_timesteps, 1))
        )
        for first in range(0, batch, step):
            self._fill_features(
                features[first : first + step],
                x[first : first + step],
                None if lengths is None else lengths[first : first + step],
            )
        return features

    def _fill_features_compiled(
        self,
        compiled: Any,
        out: torch.Tensor,
        x: torch.Tensor,
        lengths: torch.Tensor | None,
    ) -> None:
        """Write the features into ``out`` with the compiled CPU loop.

        :func:`~sklearn_convlstm.nn._random_kernels_numba.ppv_features` counts
        while it sums, one series at a time; the same features as
        :meth:`_fill_features`, bit for bit.
        """
        batch, _, n_timesteps = x.shape
        ends = (
            np.full(batch, n_timesteps, dtype=np.int64)
            if lengths is None
            else lengths.cpu().numpy().astype(np.int64)
        )
        weights = [getattr(self, f"weight_{i}") for i in range(len(self.dilations))]
        compiled(
            x.detach().contiguous().numpy(),
            ends,
            np.asarray(self.dilations, dtype=np.int64),
            np.asarray(self.features_per_dilation, dtype=np.int64),
            torch.stack([weight[:, :, 0] != 0 for weight in weights]).cpu().numpy(),
            _KERNEL_POSITIONS.astype(np.int64),
            torch.cat(
                [
                    getattr(self, f"bias_{i}").reshape(-1)
                    for i in range(len(self.dilations))
                ]
            )
            .cpu()
            .numpy(),
            out.numpy(),
        )

    def _fill_features(
        self, out: torch.Tensor, x: torch.Tensor, lengths: torch.Tensor | None
    ) -> None:
        """Write the features of a block of series into ``out`` (tensor operations).

        Per dilation, :func:`kernel_outputs` gives the 84 kernels' outputs
        of every series in the block. The
        kernels with zero padding (every other one) count over all the
        series' positions, the others over the positions they cover fully:
        a slice of the time axis for series of one length, a mask (``-inf``,
        above no bias) for series of unequal length. Each half is compared
        with all its biases at once, the counts summed straight into
        ``out`` and divided there by the number of positions counted.
        """
        batch, _, n_timesteps = x.shape
        most_biases = max(self.features_per_dilation)
        buffer = x.new_empty(batch * (N_KERNELS // 2) * most_biases * n_timesteps)
        positions = torch.arange(n_timesteps, device=x.device)
        counted = x.new_empty(1 if lengths is None else batch, N_KERNELS, 1)
        column = 0
        for index, dilation in enumerate(self.dilations):
            padding = (KERNEL_LENGTH - 1) // 2 * dilation
            outputs = kernel_outputs(
                x, getattr(self, f"weight_{index}"), padding, dilation
            )
            bias = getattr(self, f"bias_{index}")
            n_biases = bias.shape[1]
            block = out[:, column : column + N_KERNELS * n_biases]
            block = block.view(batch, N_KERNELS, n_biases)
            for first_kernel in (0, 1):
                # MiniRocket alternates zero padding and the fully covered
                # positions over (dilation, kernel): kernel k is padded when
                # (dilation index + k) is even.
                unpadded = (index + first_kernel) % 2 == 1
                values = outputs[:, first_kernel::2]
                first, last = (padding, n_timesteps - padding) if unpadded else (0, 0)
                if lengths is None:
                    if not first < last:
                        # padded, or shorter than the span: all its own steps
                        first, last = 0, n_timesteps
                    values = values[..., first:last]
                    counted[:, first_kernel::2] = last - first
                else:
                    ends = lengths[:, None, None]
                    valid = (positions >= first) & (positions < ends - first)
                    if unpadded:
                        # series shorter than the span count their own steps
                        valid = torch.where(ends <= 2 * first, positions < ends, valid)
                    values = values.masked_fill(~valid, float("-inf"))
                    counted[:, first_kernel::2] = valid.sum(-1, keepdim=True)
                _count_above(
                    values, bias[first_kernel::2], buffer, out=block[:, first_kernel::2]
                )
            block.div_(counted)
            column += N_KERNELS * n_biases

    def _traceable_features(
        self, x: torch.Tensor, lengths: torch.Tensor | None
    ) -> torch.Tensor:
        """Compute the features with tensor operations only (for ONNX export).

        No branch depends on the data or on the batch's length, so a traced
        graph is right for every batch: the time axis is masked rather than
        sliced, and the counts are comparisons summed over time.
        """
        batch, _, n_timesteps = x.shape
        positions = torch.arange(n_timesteps, device=x.device)
        if lengths is None:
            # from the positions, so that a traced graph keeps a dynamic length
            ends = (positions[-1:] + 1).view(1, 1, 1)
        else:
            ends = lengths.to(x.device).long()[:, None, None]
            x = x.masked_fill(positions >= ends, 0.0)
        blocks = []
        for index, dilation in enumerate(self.dilations):
            padding = (KERNEL_LENGTH - 1) // 2 * dilation
            outputs = kernel_outputs(
                x, getattr(self, f"weight_{index}"), padding, dilation
            )
            kernels = torch.arange(N_KERNELS, device=x.device)
            unpadded = ((index + kernels) % 2 == 1)[None, :, None]
            first = unpadded.long() * padding
            valid = (positions >= first) & (positions < ends - first)
            # an unpadded kernel on a series shorter than its span counts the
            # series' own steps (a padded one always has them)
            empty = unpadded & (ends - 2 * padding <= 0)
            # (logical operations: onnxruntime has no Where on booleans)
            valid = (empty & (positions < ends)) | (~empty & valid)
            masked = outputs.masked_fill(~valid, float("-inf"))
            bias = getattr(self, f"bias_{index}")
            above = masked[:, :, None, :] > bias[None, :, :, None]
            counts = above.float().sum(-1)
            counted = valid.float().sum(-1, keepdim=True)
            blocks.append((counts / counted).reshape(batch, -1))
        return torch.cat(blocks, dim=1)


@functools.cache
def _compiled_ppv_features() -> Any:
    """Return the compiled CPU loop, or ``None`` where numba cannot be imported.

    Imported on first use: numba is not loaded with the package.
    """
    try:
        from sklearn_convlstm.nn._random_kernels_numba import ppv_features
    except ImportError:  # pragma: no cover - numba is a requirement
        return None
    return ppv_features


def kernel_outputs(
    x: torch.Tensor,
    weight: torch.Tensor,
    padding: int,
    dilation: int,
) -> torch.Tensor:
    """Return the kernels' outputs at every step, summed in one fixed order.

    The values of ``conv1d(x, weight, padding=padding, dilation=dilation)``
    summed in float64 as MiniRocket's reference code sums them (per channel,
    ``-x`` over the nine taps, the centre tap first, then taps 0-3 and 5-8;
    plus ``3x`` at the kernel's three positions weighted 2; then the
    kernel's channels in ascending order) and rounded once to float32.
    float32 taps times -1 or 3 sum exactly in float64 unless their
    magnitudes span more than about 2**20 (then the fixed order still makes
    the rounding the same everywhere), so the result is the exact sum
    rounded once: the same whatever the batch, the device or the caller,
    as in the compiled CPU loop
    (:mod:`sklearn_convlstm.nn._random_kernels_numba`) and in an exported
    graph, and exactly 0 where a constant channel is fully covered. A float32
    convolution picks its summation order by the shape of its input: a
    series' outputs next to a bias fell on either side of it with the other
    series of its batch (issue 28).

    Parameters
    ----------
    x : Tensor of shape (batch, n_channels, timesteps)
        Zero beyond each series' end.
    weight : Tensor of shape (N_KERNELS, n_channels, KERNEL_LENGTH)
        The kernels: -1, and 2 at :data:`_KERNEL_POSITIONS`, on the channels
        each sums; 0 on the others.
    padding : int
        ``(KERNEL_LENGTH - 1) // 2 * dilation`` (zero padding).
    dilation : int

    Returns
    -------
    outputs : Tensor of shape (batch, N_KERNELS, timesteps)
    """
    if padding != (KERNEL_LENGTH - 1) // 2 * dilation:
        raise ValueError(
            f"padding must be {(KERNEL_LENGTH - 1) // 2} * dilation = "
            f"{(KERNEL_LENGTH - 1) // 2 * dilation}; got {padding}."
        )
    if x.device.type == "mps":  # no float64 there
        outputs = kernel_outputs(x.cpu(), weight.cpu(), padding, dilation)
        return outputs.to(x.device)
    alpha, gamma = _tap_sums(x, dilation)
    first, second, third = _position_columns(x.device)
    per_channel = ((alpha[:, None] + gamma[:, first]) + gamma[:, second]) + gamma[
        :, third
    ]
    return _sum_members(per_channel, weight).float()


def _paired_kernel_outputs(
    x: torch.Tensor, weight: torch.Tensor, dilation: int
) -> torch.Tensor:
    """Return kernel ``j``'s outputs on series ``j`` (one series per kernel).

    The sums of :func:`kernel_outputs`, for the series each bias is read
    from at fit time; ``x`` has shape (N_KERNELS, n_channels, timesteps).
    """
    alpha, gamma = _tap_sums(x, dilation)
    kernels = torch.arange(N_KERNELS, device=x.device)
    first, second, third = _position_columns(x.device)
    per_channel = ((alpha + gamma[kernels, first]) + gamma[kernels, second]) + gamma[
        kernels, third
    ]
    return _sum_members(per_channel, weight).float()


def _position_columns(device: torch.device) -> list[torch.Tensor]:
    """Return the first, second and third position weighted 2 of each kernel."""
    return [
        torch.tensor(_KERNEL_POSITIONS[:, column].tolist(), device=device)
        for column in range(3)
    ]


def _tap_sums(x: torch.Tensor, dilation: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``-x`` summed over the nine taps, and ``3x`` at each tap.

    ``alpha`` has the shape of ``x``; ``gamma`` (batch, 9, channels,
    timesteps) holds ``3x`` shifted to each tap, zero beyond the series.
    The slices end at negative offsets, so a traced graph keeps a dynamic
    length.
    """
    centre = (KERNEL_LENGTH - 1) // 2
    span = centre * dilation
    # zeros concatenated rather than F.pad, whose ONNX form reverses the
    # pads with a Slice the exporter warns it cannot fold
    x = x.double()
    zeros = torch.zeros_like(x[..., :1]).expand(-1, -1, span)
    minus = torch.cat([zeros, -x, zeros], dim=-1)
    triple = torch.cat([zeros, 3.0 * x, zeros], dim=-1)

    def tap(padded: torch.Tensor, index: int) -> torch.Tensor:
        stop = (KERNEL_LENGTH - 1 - index) * dilation
        return padded[..., index * dilation : (-stop if stop else None)]

    alpha = tap(minus, centre)
    for index in range(KERNEL_LENGTH):
        if index != centre:
            alpha = alpha + tap(minus, index)
    gamma = torch.stack([tap(triple, index) for index in range(KERNEL_LENGTH)], 1)
    return alpha, gamma


def _sum_members(per_channel: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Sum each kernel's channels in ascending order, the others times zero.

    ``per_channel`` has shape (..., N_KERNELS, n_channels, timesteps); a
    kernel's channels are those where ``weight`` is not zero.
    """
    # select, not slices: the ONNX exporter folds these on the constant weight
    members = (weight.select(2, 0) != 0).to(per_channel.dtype).unsqueeze(-1)
    total = per_channel.select(-2, 0) * members.select(1, 0)
    for channel in range(1, per_channel.shape[-2]):
        total = total + per_channel.select(-2, channel) * members.select(1, channel)
    return total


def _count_above(
    values: torch.Tensor,
    bias: torch.Tensor,
    buffer: torch.Tensor | None = None,
    out: torch.Tensor | None = None,
) -> torch.Tensor:
    """Count, per (series, kernel), the values above each of the kernel's biases.

    ``values`` (batch, kernels, timesteps), ``bias`` (kernels, n_biases);
    returns (batch, kernels, n_biases) counts as float32 (exact below 2**24
    steps), written into ``out`` if given. All biases are compared at once,
    the comparisons written as 0.0 and 1.0 into ``buffer`` (a flat float32
    tensor of at least batch * kernels * n_biases * timesteps elements,
    reused between calls to spare an allocation; ``None``: a new one) and
    summed over time. A value equal to a bias is not above it; ``-inf`` (a
    masked position) is above none.
    """
    batch, kernels, n_timesteps = values.shape
    n_biases = bias.shape[1]
    size = batch * kernels * n_biases * n_timesteps
    if buffer is None or buffer.numel() < size:
        buffer = values.new_empty(size, dtype=torch.float32)
    compared = buffer[:size].view(batch, kernels, n_biases, n_timesteps)
    torch.gt(values[:, :, None, :], bias[None, :, :, None], out=compared)
    if out is None:
        return compared.sum(-1)
    return torch.sum(compared, -1, out=out)


class RandomKernelRidge(nn.Module):
    """Random-kernel features and a fixed linear (ridge) classifier on them.

    Made by :func:`fit_random_kernel_ridge`; the constructor makes the shapes
    only (for loading a saved state dict), with zero weights.

    Parameters
    ----------
    features : RandomKernelFeatures
    n_classes : int
    """

    def __init__(self, features: RandomKernelFeatures, n_classes: int) -> None:
        super().__init__()
        self.features = features
        # zeros, not nn.Linear's random initialisation: the weights are always
        # set by the fit or a saved state, and drawing them would move torch's
        # global random generator, which fit leaves alone
        self.linear = nn.utils.skip_init(nn.Linear, features.n_features, int(n_classes))
        with torch.no_grad():
            self.linear.weight.zero_()
            self.linear.bias.zero_()
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

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, tuple[Any, ...]]:
        """Pickle the shapes and the tensors, the tensors on the CPU.

        A head fitted on a GPU then unpickles on a machine without one; it
        runs where it is (the CPU) until moved with ``.to(device)``.
        """
        state = {key: value.detach().cpu() for key, value in self.state_dict().items()}
        return (
            _rebuild_random_kernel_ridge,
            (self.config(), state, self.alpha_, self.training),
        )

    def __deepcopy__(self, memo: dict[int, Any]) -> RandomKernelRidge:
        """Copy the head onto the device it is on."""
        state = {
            key: value.detach().clone() for key, value in self.state_dict().items()
        }
        copied = _rebuild_random_kernel_ridge(
            self.config(), state, self.alpha_, self.training
        )
        return copied.to(next(self.buffers()).device)


def _rebuild_random_kernel_ridge(
    config: dict[str, Any],
    state: dict[str, torch.Tensor],
    alpha: float,
    training: bool,
) -> RandomKernelRidge:
    """Rebuild a pickled :class:`RandomKernelRidge` (on the tensors' device)."""
    head = RandomKernelRidge.from_config(config)
    head.load_state_dict(state)
    head.alpha_ = alpha
    return head.train(training)
