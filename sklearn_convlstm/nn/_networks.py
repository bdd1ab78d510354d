"""Conv1D -> LSTM networks in pure PyTorch.

:class:`ConvLSTMNetwork` takes input of shape ``(batch, channels, timesteps)``
and returns class logits. A stack of 1D convolution blocks extracts local
patterns, a recurrent layer (LSTM or GRU) models how they evolve, a readout
summarises the recurrent outputs over time and a linear head classifies.

The three networks of the reference article "How effective is a Conv1D-LSTM
model for time series classification?" are available by name through
:data:`ARCHITECTURE_VARIANTS` and :func:`make_network`: ``"basic"`` (one conv
layer), ``"stacked"`` (two conv layers) and ``"dropout"`` (dropout after the
conv layer and after the LSTM). With their configuration the module computes
exactly what the article's classes compute (same parameters in the same
order, so their state dicts can be copied across).

``"causal"`` is a network whose output after step ``t`` depends only on
steps ``<= t`` (:attr:`ConvLSTMNetwork.is_causal`): left-padded convolutions,
pooling that emits a step only once its window is complete, a
unidirectional LSTM and a readout of the steps so far.
:meth:`ConvLSTMNetwork.prefix_outputs` gives its output after every step in
one pass.

This module imports no scikit-learn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from sklearn_convlstm.nn._inference import (
    bypassed_modules_have_hooks,
    conv_layers_of,
    inference_forward,
)
from sklearn_convlstm.nn._input_layers import (
    InputScaling,
    TrainingAugmentation,
    _time_mask,
)

__all__ = [
    "ARCHITECTURE_VARIANTS",
    "ConvBlock",
    "ConvLSTMNetwork",
    "OutputScaling",
    "auto_pool_sizes",
    "is_causal_configuration",
    "make_network",
]


READOUTS = ("last", "mean", "max", "meanmax")
RNN_TYPES = ("lstm", "gru")
CONV_PADDINGS = ("valid", "same", "causal")

_ARTICLE_COMMON: dict[str, Any] = {
    "conv_padding": "valid",
    "batch_norm": False,
    "pool_sizes": 1,
    "conv_dropout": 0.0,
    "rnn": "lstm",
    "lstm_hidden_size": 64,
    "lstm_layers": 1,
    "bidirectional": False,
    "readout": "last",
    "recurrent_dropout": 0.0,
    "conv_skip": False,
}

#: Network configurations by name. ``"basic"``, ``"stacked"`` and ``"dropout"``
#: are the article's three networks as written in its examples (the dropout
#: example instantiates ``dropout_rate=0.3``). ``"default"`` is this package's
#: default: FCN-style wide-kernel blocks with batch normalisation, max-pooling
#: that shortens the sequence the LSTM sees (``pool_sizes="auto"``, resolved
#: from the series length by :func:`auto_pool_sizes`), a bidirectional LSTM,
#: a mean+max readout over time, and the same readout of the conv features
#: beside it (``conv_skip``). ``"causal"`` is the default made causal (its
#: output after step ``t`` depends only on steps ``<= t``, so it can classify
#: a series as it arrives): convolutions padded on the left only
#: (``conv_padding="causal"``), a unidirectional LSTM, and the mean+max
#: readout of the steps so far; its pooling emits a step once its window is
#: complete.
ARCHITECTURE_VARIANTS: dict[str, dict[str, Any]] = {
    "basic": {**_ARTICLE_COMMON, "conv_channels": (32,), "kernel_sizes": (3,)},
    "stacked": {**_ARTICLE_COMMON, "conv_channels": (32, 64), "kernel_sizes": (3, 3)},
    "dropout": {
        **_ARTICLE_COMMON,
        "conv_channels": (32,),
        "kernel_sizes": (3,),
        "conv_dropout": 0.3,
        "recurrent_dropout": 0.3,
    },
    "default": {
        "conv_channels": (64, 128, 128),
        "kernel_sizes": (7, 5, 3),
        "conv_padding": "same",
        "batch_norm": True,
        "pool_sizes": "auto",
        "conv_dropout": 0.0,
        "rnn": "lstm",
        "lstm_hidden_size": 64,
        "lstm_layers": 1,
        "bidirectional": True,
        "readout": "meanmax",
        "recurrent_dropout": 0.2,
        "conv_skip": True,
    },
    "causal": {
        "conv_channels": (64, 128, 128),
        "kernel_sizes": (7, 5, 3),
        "conv_padding": "causal",
        "batch_norm": True,
        "pool_sizes": "auto",
        "conv_dropout": 0.0,
        "rnn": "lstm",
        "lstm_hidden_size": 64,
        "lstm_layers": 1,
        "bidirectional": False,
        "readout": "meanmax",
        "recurrent_dropout": 0.2,
        "conv_skip": True,
    },
}


def is_causal_configuration(config: Any) -> bool:
    """Whether network parameters make a causal network.

    A network is causal when its output after step ``t`` depends only on
    steps ``<= t``: its convolutions are padded on the left only
    (``conv_padding="causal"``) and its recurrent layer reads forwards only
    (``bidirectional=False``). Pooling and every readout are causal then
    (:meth:`ConvLSTMNetwork.prefix_outputs`).

    Parameters
    ----------
    config : mapping
        Constructor arguments of :class:`ConvLSTMNetwork` (as in
        :data:`ARCHITECTURE_VARIANTS`).

    Returns
    -------
    causal : bool

    Examples
    --------
    >>> is_causal_configuration(ARCHITECTURE_VARIANTS["causal"])
    True
    >>> is_causal_configuration(ARCHITECTURE_VARIANTS["default"])
    False
    """
    return config.get("conv_padding") == "causal" and not config.get(
        "bidirectional", False
    )


def _per_block(value: int | Sequence[int], n_blocks: int, name: str) -> tuple[int, ...]:
    """Broadcast an int to one value per conv block, or check a sequence's length."""
    if isinstance(value, int):
        return (value,) * n_blocks
    values = tuple(int(v) for v in value)
    if len(values) != n_blocks:
        raise ValueError(
            f"{name} must be an int or have one entry per conv block "
            f"({n_blocks} blocks); got {len(values)} entries: {values}."
        )
    return values


def auto_pool_sizes(
    n_timesteps: int, n_blocks: int, target_length: int = 64
) -> tuple[int, ...]:
    """Max-pooling factors that shorten a series to at most ``target_length`` steps.

    The total factor ``ceil(n_timesteps / target_length)`` is split between the
    first two conv blocks (the first gets the larger share); later blocks do not
    pool. Series of at most ``target_length`` steps are not pooled.

    Parameters
    ----------
    n_timesteps : int
        Length of the (longest) input series.
    n_blocks : int
        Number of conv blocks.
    target_length : int, default=64
        Longest sequence the recurrent layer should see.

    Returns
    -------
    pool_sizes : tuple of int
        One factor per conv block (1 means no pooling).

    Examples
    --------
    >>> auto_pool_sizes(150, 3)
    (2, 2, 1)
    >>> auto_pool_sizes(24, 3)
    (1, 1, 1)
    """
    total = max(1, math.ceil(n_timesteps / target_length))
    if n_blocks == 1 or total == 1:
        return (total,) + (1,) * (n_blocks - 1)
    first = math.ceil(math.sqrt(total))
    second = math.ceil(total / first)
    return (first, second) + (1,) * (n_blocks - 2)


class ConvBlock(nn.Module):
    """Conv1d -> optional BatchNorm1d -> ReLU -> optional MaxPool1d."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        *,
        padding: str,
        batch_norm: bool,
        pool_size: int,
    ) -> None:
        super().__init__()
        # A bias before batch normalisation is redundant (BatchNorm re-centres).
        # "causal": no padding in the convolution; forward pads on the left.
        self.conv = nn.Conv1d(
            in_channels,
            out_channels,
            kernel_size,
            padding=0 if padding == "causal" else padding,
            bias=not batch_norm,
        )
        self.norm = nn.BatchNorm1d(out_channels) if batch_norm else None
        self.relu = nn.ReLU()
        self.pool = nn.MaxPool1d(pool_size) if pool_size > 1 else None
        self.kernel_size = kernel_size
        self.padding = padding
        self.pool_size = pool_size

    @property
    def left_padding(self) -> int:
        """Zeros padded before the series (``kernel_size - 1`` when causal)."""
        return self.kernel_size - 1 if self.padding == "causal" else 0

    def output_length(self, length: Any) -> Any:
        """Return how many timesteps this block outputs for ``length`` input steps.

        ``length`` may be an int or an integer tensor of lengths.
        """
        if self.padding == "valid":
            length = length - (self.kernel_size - 1)
        return length // self.pool_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block to ``x`` of shape (batch, channels, timesteps)."""
        if self.left_padding:
            x = F.pad(x, (self.left_padding, 0))
        x = self.conv(x)
        if self.norm is not None:
            x = self.norm(x)
        x = self.relu(x)
        if self.pool is not None:
            x = self.pool(x)
        return x


class OutputScaling(nn.Module):
    """Affine map ``output * scale + offset`` per output, computed in float32.

    Parameters
    ----------
    offset : array-like of shape (n_outputs,)
    scale : array-like of shape (n_outputs,)

    Examples
    --------
    >>> import torch
    >>> OutputScaling([10.0], [2.0])(torch.tensor([[1.0], [-1.0]])).tolist()
    [[12.0], [8.0]]
    """

    offset: torch.Tensor
    scale: torch.Tensor

    def __init__(self, offset: Any, scale: Any) -> None:
        super().__init__()
        self.register_buffer("offset", torch.as_tensor(offset, dtype=torch.float32))
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))

    def forward(self, output: torch.Tensor) -> torch.Tensor:
        """Return ``output * scale + offset`` as float32 (even under autocast)."""
        return output.float() * self.scale + self.offset


class ConvLSTMNetwork(nn.Module):
    """Conv1D blocks, then an LSTM (or GRU) over time, a readout and a Linear head.

    Parameters
    ----------
    n_channels : int
        Channels of the input series.
    n_classes : int
        Number of output logits.
    conv_channels : sequence of int, default=(32,)
        Output channels of each conv block; its length is the number of blocks.
    kernel_sizes : int or sequence of int, default=3
        Kernel size of each conv block (an int applies to every block).
    conv_padding : {"valid", "same", "causal"}, default="valid"
        ``"valid"`` shortens the series by ``kernel_size - 1`` per block (as in
        the article); ``"same"`` keeps its length; ``"causal"`` keeps it too,
        padding ``kernel_size - 1`` zeros before the series only, so the
        output at a step depends on no later step.
    batch_norm : bool, default=False
        BatchNorm1d after each convolution (the convolution then has no bias).
    pool_sizes : int or sequence of int, default=1
        Max-pooling factor after each block (1: no pooling).
    conv_dropout : float, default=0.0
        Dropout after the conv stack.
    rnn : {"lstm", "gru"}, default="lstm"
        Recurrent layer.
    lstm_hidden_size : int, default=64
        Hidden size of the recurrent layer (per direction).
    lstm_layers : int, default=1
        Number of stacked recurrent layers.
    bidirectional : bool, default=False
        Whether the recurrent layer reads the sequence in both directions.
    readout : {"last", "mean", "max", "meanmax"}, default="last"
        How the recurrent outputs over time become one vector: the output at
        the last valid step (as in the article), their mean, their max, or the
        concatenation of mean and max.
    recurrent_dropout : float, default=0.0
        Dropout on the recurrent outputs, before the readout.
    conv_skip : bool, default=False
        Also give the head the same readout of the conv stack's output (the
        sequence the recurrent layer reads), concatenated to the recurrent
        readout: a skip connection around the recurrent layer, so the head
        sees the local patterns the convolutions found as well as how the
        recurrent layer summarised their order (as LSTM-FCN's convolutional
        branch does).
    input_scaling : {"affine", "per_series", "per_series_amplitude"} or None, \
            default=None
        Scale each input batch first with an :class:`InputScaling` of this
        method; ``None`` feeds the input as it is, as the article's networks
        do. Its statistics start at the identity: set them with
        :meth:`InputScaling.set_affine` or
        :meth:`InputScaling.set_log_amplitude_statistics` (the estimators
        set those computed on the training series).
    augmentation : (float, float) or None, default=None
        ``(window, scale)`` of a :class:`TrainingAugmentation` that augments
        training batches after scaling (window slicing and amplitude
        scaling); the identity in eval mode. ``None``: no augmentation.
    output_scaling : (array-like, array-like) or None, default=None
        ``(offset, scale)``, one entry per output: an :class:`OutputScaling`
        maps the head's outputs to ``output * scale + offset`` in float32 (a
        regressor trained on standardised targets then outputs values in the
        targets' units, in every forward pass, explanations and exports
        included). ``None``: the head's outputs (class logits).

    Attributes
    ----------
    conv_blocks : nn.ModuleList of ConvBlock
    recurrent : nn.LSTM or nn.GRU
    head : nn.Linear
    min_length : int
        Shortest input series (timesteps) that leaves at least one step for the
        recurrent layer.

    Examples
    --------
    >>> import torch
    >>> net = ConvLSTMNetwork(n_channels=1, n_classes=3)
    >>> net(torch.randn(16, 1, 100)).shape
    torch.Size([16, 3])
    """

    def __init__(
        self,
        n_channels: int,
        n_classes: int,
        *,
        conv_channels: Sequence[int] = (32,),
        kernel_sizes: int | Sequence[int] = 3,
        conv_padding: str = "valid",
        batch_norm: bool = False,
        pool_sizes: int | Sequence[int] = 1,
        conv_dropout: float = 0.0,
        rnn: str = "lstm",
        lstm_hidden_size: int = 64,
        lstm_layers: int = 1,
        bidirectional: bool = False,
        readout: str = "last",
        recurrent_dropout: float = 0.0,
        conv_skip: bool = False,
        input_scaling: str | None = None,
        augmentation: tuple[float, float] | None = None,
        output_scaling: tuple[Any, Any] | None = None,
    ) -> None:
        super().__init__()
        conv_channels = tuple(int(c) for c in conv_channels)
        if not conv_channels:
            raise ValueError("conv_channels must name at least one conv block.")
        n_blocks = len(conv_channels)
        kernels = _per_block(kernel_sizes, n_blocks, "kernel_sizes")
        pools = _per_block(pool_sizes, n_blocks, "pool_sizes")
        if conv_padding not in CONV_PADDINGS:
            raise ValueError(
                f"conv_padding must be one of {CONV_PADDINGS}; got {conv_padding!r}."
            )
        if rnn not in RNN_TYPES:
            raise ValueError(f"rnn must be one of {RNN_TYPES}; got {rnn!r}.")
        if readout not in READOUTS:
            raise ValueError(f"readout must be one of {READOUTS}; got {readout!r}.")

        self.input_scaling = (
            None if input_scaling is None else InputScaling(n_channels, input_scaling)
        )
        # Registered even when off (as None): hooks and old pickles look it up.
        self.register_module(
            "augmentation",
            None if augmentation is None else TrainingAugmentation(*augmentation),
        )
        self.conv_blocks = nn.ModuleList()
        in_channels = (
            n_channels
            if self.input_scaling is None
            else self.input_scaling.n_output_channels
        )
        for out_channels, kernel_size, pool_size in zip(
            conv_channels, kernels, pools, strict=True
        ):
            self.conv_blocks.append(
                ConvBlock(
                    in_channels,
                    out_channels,
                    kernel_size,
                    padding=conv_padding,
                    batch_norm=batch_norm,
                    pool_size=pool_size,
                )
            )
            in_channels = out_channels
        self.conv_dropout = nn.Dropout(conv_dropout)
        recurrent_class = nn.LSTM if rnn == "lstm" else nn.GRU
        self.recurrent = recurrent_class(
            in_channels,
            lstm_hidden_size,
            num_layers=lstm_layers,
            batch_first=True,
            bidirectional=bidirectional,
        )
        self.recurrent_dropout = nn.Dropout(recurrent_dropout)
        recurrent_size = lstm_hidden_size * (2 if bidirectional else 1)
        features_per_step = recurrent_size + (in_channels if conv_skip else 0)
        readout_size = features_per_step * (2 if readout == "meanmax" else 1)
        self.head = nn.Linear(readout_size, n_classes)
        # Registered even when off (as None), like augmentation.
        self.register_module(
            "output_scaling",
            None if output_scaling is None else OutputScaling(*output_scaling),
        )
        self.readout = readout
        self.conv_skip = bool(conv_skip)
        self.min_length = self._compute_min_length()

    def output_length(self, length: Any) -> Any:
        """Return how many steps the recurrent layer sees for ``length`` input steps.

        Parameters
        ----------
        length : int or Tensor of int
            Timesteps of an input series (or of each series).

        Returns
        -------
        n_steps : int or Tensor of int
        """
        for block in self._typed_blocks():
            length = block.output_length(length)
        return length

    @property
    def is_causal(self) -> bool:
        """Whether the output after step ``t`` depends only on steps ``<= t``.

        True when every conv block pads on the left only
        (``conv_padding="causal"``), the recurrent layer reads forwards only
        and the input scaling, if any, is per-channel (``"affine"``): the
        per-series methods use statistics of the whole series.
        """
        scaling = self.input_scaling
        return (
            all(block.padding == "causal" for block in self._typed_blocks())
            and not cast("nn.RNNBase", self.recurrent).bidirectional
            and (scaling is None or scaling.method == "affine")
        )

    def prefix_outputs(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Output after every step of a causal network, in one pass.

        Row ``t`` of a series is the output of ``self(x[..., : t + 1])``
        (equal up to float rounding): the network's output when the first
        ``t + 1`` steps are all it has seen. A running mean and max over the
        recurrent outputs so far replace the readout over the whole series.
        Call it in eval mode (dropout and batch-norm statistics as in
        prediction); augmentation is not applied.

        Parameters
        ----------
        x : Tensor of shape (batch, channels, timesteps)
            Input series; with ``lengths``, series padded at the end.
        lengths : Tensor of shape (batch,), default=None
            True length of each series.

        Returns
        -------
        outputs : Tensor of shape (batch, timesteps, n_outputs)
            NaN for prefixes shorter than :attr:`min_length` (the pooling
            has not completed a step yet) and for steps after a series' end.

        Raises
        ------
        ValueError
            If the network is not causal (:attr:`is_causal`).
        """
        if not self.is_causal:
            raise ValueError(
                "prefix_outputs needs a causal network (conv_padding='causal', "
                "bidirectional=False, no per-series input scaling); this one "
                "looks ahead. Build it with make_network('causal', ...)."
            )
        n_steps = x.shape[-1]
        if self.input_scaling is not None:
            x = self.input_scaling(x, lengths)
        if lengths is not None:
            lengths = lengths.to(device=x.device, dtype=torch.long)
            x = x * _time_mask(lengths, n_steps).unsqueeze(1)
        for block in self._typed_blocks():
            x = block(x)
        conv_out = self.conv_dropout(x).permute(0, 2, 1)
        # Unidirectional: outputs before a series' end ignore the padding after it.
        out, _ = self.recurrent(conv_out)
        out = self.recurrent_dropout(out)
        features = torch.cat([out, conv_out], dim=2) if self.conv_skip else out
        logits = self._output(self.head(_running_readout(features, self.readout)))
        produced = self.output_length(torch.arange(1, n_steps + 1, device=x.device))
        result = logits[:, (produced - 1).clamp(min=0)]
        invalid = (produced < 1).unsqueeze(0).expand(result.shape[0], -1)
        if lengths is not None:
            invalid = invalid | ~_time_mask(lengths, n_steps)
        return result.masked_fill(invalid.unsqueeze(-1), float("nan"))

    def _compute_min_length(self) -> int:
        # Walk backwards from one output step through each block's inverse.
        length = 1
        for block in reversed(self._typed_blocks()):
            length *= block.pool_size
            if block.padding == "valid":
                length += block.kernel_size - 1
        return length

    def forward(
        self, x: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Compute class logits.

        Parameters
        ----------
        x : Tensor of shape (batch, channels, timesteps)
            Input series; with ``lengths``, series padded at the end.
        lengths : Tensor of shape (batch,), default=None
            True length of each series. Padding then does not change the
            output: positions after each series' end are masked after every
            conv block, the recurrent layer runs on packed sequences and the
            readout only looks at valid steps.

        Returns
        -------
        logits : Tensor of shape (batch, n_classes)
        """
        if x.shape[-1] < self.min_length:
            raise ValueError(
                f"Input series have {x.shape[-1]} timesteps, but this network "
                f"needs at least {self.min_length} (its conv blocks and pooling "
                "shorten the series)."
            )
        if lengths is None and not self.training and not torch.is_grad_enabled():
            conv_layers = conv_layers_of(self)  # read once for both checks below
            if not bypassed_modules_have_hooks(self, conv_layers):
                return inference_forward(self, x, conv_layers)
        if self.input_scaling is not None:
            x = self.input_scaling(x, lengths)
        augment = self._modules.get("augmentation")
        if augment is not None:
            x = augment(x, lengths)
        if lengths is None:
            for block in self.conv_blocks:
                x = block(x)
            x = self.conv_dropout(x).permute(0, 2, 1)
            out, _ = self.recurrent(x)
            out = self.recurrent_dropout(out)
            return self._output(self.head(self._head_input(out, x)))
        return self._output(self._forward_padded(x, lengths))

    def _output(self, head_output: torch.Tensor) -> torch.Tensor:
        """Apply ``output_scaling`` (absent in networks pickled before it)."""
        scaling = self._modules.get("output_scaling")
        return head_output if scaling is None else scaling(head_output)

    def _typed_blocks(self) -> list[ConvBlock]:
        """Return the conv blocks typed as ConvBlock (a ModuleList yields Module)."""
        return cast("list[ConvBlock]", list(self.conv_blocks))

    def __getstate__(self) -> dict[str, Any]:
        """Pickle without the cache of fused convolutions (rebuilt on demand)."""
        state = self.__dict__.copy()
        state.pop("_fused_cache", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickle; networks pickled before ``conv_skip`` existed had none."""
        state.setdefault("conv_skip", False)
        super().__setstate__(state)

    def _forward_padded(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        lengths = lengths.to(device=x.device, dtype=torch.long)
        x = x * _time_mask(lengths, x.shape[-1]).unsqueeze(1)
        for block in self._typed_blocks():
            x = block(x)
            lengths = block.output_length(lengths)
            x = x * _time_mask(lengths, x.shape[-1]).unsqueeze(1)
        x = self.conv_dropout(x).permute(0, 2, 1)
        packed = pack_padded_sequence(
            x, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        out, _ = self.recurrent(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        out = self.recurrent_dropout(out)
        return self.head(self._head_input(out, x, lengths))

    def _head_input(
        self,
        out: torch.Tensor,
        conv_out: torch.Tensor,
        lengths: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Return the head's input: the readout of the recurrent outputs.

        Both ``out`` and ``conv_out`` are (batch, steps, features); with
        ``conv_skip`` the conv output is concatenated to ``out`` before the
        readout.
        """
        if not self.conv_skip:
            return self._readout(out, lengths)
        return self._readout(torch.cat([out, conv_out], dim=2), lengths)

    def _readout(
        self, out: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Reduce recurrent outputs (batch, steps, features) to (batch, features)."""
        if self.readout == "last":
            if lengths is None:
                return out[:, -1, :]
            return out[torch.arange(out.shape[0], device=out.device), lengths - 1]
        if lengths is None:
            if self.readout == "mean":
                return out.mean(dim=1)
            if self.readout == "max":
                return out.amax(dim=1)
            return torch.cat([out.mean(dim=1), out.amax(dim=1)], dim=1)
        mask = _time_mask(lengths, out.shape[1]).unsqueeze(-1)
        mean = (out * mask).sum(dim=1) / lengths.unsqueeze(-1).to(out.dtype)
        maximum = out.masked_fill(~mask, float("-inf")).amax(dim=1)
        if self.readout == "mean":
            return mean
        if self.readout == "max":
            return maximum
        return torch.cat([mean, maximum], dim=1)


def _running_readout(features: torch.Tensor, readout: str) -> torch.Tensor:
    """Return the readout of steps ``0..t`` at every step ``t`` (batch, steps, F)."""
    if readout == "last":
        return features
    counts = torch.arange(
        1, features.shape[1] + 1, device=features.device, dtype=features.dtype
    )
    mean = features.cumsum(dim=1) / counts.view(1, -1, 1)
    if readout == "mean":
        return mean
    maximum = features.cummax(dim=1).values
    if readout == "max":
        return maximum
    return torch.cat([mean, maximum], dim=2)


def make_network(
    variant: str, n_channels: int, n_classes: int, **overrides: Any
) -> ConvLSTMNetwork:
    """Build a :class:`ConvLSTMNetwork` from a named configuration.

    Parameters
    ----------
    variant : {"basic", "stacked", "dropout", "default", "causal"}
        Name in :data:`ARCHITECTURE_VARIANTS`.
    n_channels : int
        Channels of the input series.
    n_classes : int
        Number of classes.
    **overrides
        Constructor arguments that replace the variant's values. For
        ``variant="default"`` and ``"causal"``, ``pool_sizes="auto"`` needs
        ``n_timesteps``.

    Returns
    -------
    network : ConvLSTMNetwork

    Examples
    --------
    >>> net = make_network("stacked", n_channels=1, n_classes=3)
    >>> [block.conv.out_channels for block in net.conv_blocks]
    [32, 64]
    """
    if variant not in ARCHITECTURE_VARIANTS:
        raise ValueError(
            f"Unknown variant {variant!r}; choose one of "
            f"{sorted(ARCHITECTURE_VARIANTS)}."
        )
    config = {**ARCHITECTURE_VARIANTS[variant], **overrides}
    n_timesteps = config.pop("n_timesteps", None)
    if config["pool_sizes"] == "auto":
        if n_timesteps is None:
            raise ValueError('pool_sizes="auto" needs n_timesteps to size the pooling.')
        config["pool_sizes"] = auto_pool_sizes(
            n_timesteps, len(tuple(config["conv_channels"]))
        )
    return ConvLSTMNetwork(n_channels, n_classes, **config)
