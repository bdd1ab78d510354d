"""Step a causal :class:`ConvLSTMNetwork` through series that arrive in pieces.

:class:`NetworkStream` holds, for each of a batch of series, what a causal
network needs to go on from where the series stopped: the last
``kernel_size - 1`` inputs of every conv block (its left context), the conv
outputs of a pooling window not yet complete, the recurrent state and the
running readout (sum, max and last value of the features so far). Feeding
it a series in chunks of any sizes gives the output the network computes on
the whole prefix seen so far. The state is kept time-major, (series, steps,
channels), so that one new step is a matrix product per layer. This module
imports no scikit-learn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from sklearn_convlstm.nn._inference import conv_layers_of, inference_weights
from sklearn_convlstm.nn._networks import ConvLSTMNetwork

__all__ = ["NetworkStream"]


class NetworkStream:
    """Incremental eval-mode forward pass of a causal network over many series.

    Parameters
    ----------
    network : ConvLSTMNetwork
        A causal network (:attr:`ConvLSTMNetwork.is_causal`), in eval mode.
        Its weights are read once: batch normalisation is folded into the
        convolutions, as in prediction.
    n_series : int
        Number of series followed side by side.

    Attributes
    ----------
    n_series : int
    period : int
        Input steps per recurrent step (the product of the pooling factors);
        a series has an output once it has seen ``period`` steps.
    """

    def __init__(self, network: ConvLSTMNetwork, n_series: int) -> None:
        if not network.is_causal:
            raise ValueError(
                "NetworkStream needs a causal network (ConvLSTMNetwork.is_causal)."
            )
        rnn = cast("nn.RNNBase", network.recurrent)
        if type(rnn) not in (nn.LSTM, nn.GRU) or rnn.proj_size:
            raise ValueError("NetworkStream needs a plain nn.LSTM or nn.GRU layer.")
        fused, _ = inference_weights(network, conv_layers_of(network))
        blocks = network._typed_blocks()
        self._kernels = [block.kernel_size for block in blocks]
        self._pools = [block.pool_size for block in blocks]
        self._convs = []
        for (weight, bias), kernel in zip(fused, self._kernels, strict=True):
            weight = weight.detach()
            # (out, in, k) -> (out, k * in): one time-major window per product
            flat = weight.permute(0, 2, 1).reshape(weight.shape[0], -1).contiguous()
            self._convs.append(
                (weight, flat, None if bias is None else bias.detach(), kernel - 1)
            )
        self.period = int(np.prod(self._pools))
        scaling = network.input_scaling
        self._scaling = (
            None
            if scaling is None
            else (
                scaling.weight.detach().reshape(1, 1, -1),
                scaling.bias.detach().reshape(1, 1, -1),
            )
        )
        self._is_lstm = type(rnn) is nn.LSTM
        self._layers = [
            tuple(w.detach() for w in layer) + ((None, None) if not rnn.bias else ())
            for layer in rnn.all_weights
        ]
        self._flat_rnn = [w.detach() for layer in rnn.all_weights for w in layer]
        self._rnn_args = (rnn.bias, rnn.num_layers, 0.0, False, False, True)
        self._readout = network.readout
        self._conv_skip = network.conv_skip
        self._head = (network.head.weight.detach(), network.head.bias.detach())
        self._output_scaling = network._modules.get("output_scaling")
        self.n_series = int(n_series)
        weight = self._convs[0][0]
        self._device, self._dtype = weight.device, weight.dtype
        in_channels = [w.shape[1] for w, *_ in self._convs]
        out_channels = [w.shape[0] for w, *_ in self._convs]
        n_features = rnn.hidden_size + (out_channels[-1] if self._conv_skip else 0)
        shapes: dict[str, tuple[int, ...]] = {}
        for layer in range(rnn.num_layers):
            shapes[f"hidden_{layer}"] = (rnn.hidden_size,)
            if self._is_lstm:
                shapes[f"cell_{layer}"] = (rnn.hidden_size,)
        for name in ("feature_sum", "feature_max", "feature_last"):
            shapes[name] = (n_features,)
        for index, (channels, kernel) in enumerate(
            zip(in_channels, self._kernels, strict=True)
        ):
            if kernel > 1:
                shapes[f"conv_buffer_{index}"] = (kernel - 1, channels)
        for index, (channels, pool) in enumerate(
            zip(out_channels, self._pools, strict=True)
        ):
            if pool > 1:
                shapes[f"pool_buffer_{index}"] = (pool - 1, channels)
        self._shapes = shapes
        self._state: dict[str, torch.Tensor] = {}
        self._steps = np.zeros(self.n_series, dtype=np.int64)
        self._in_phase = True  # all series at the same phase of the pooling
        self._outputs: torch.Tensor | None = None  # cached until a new output
        self.reset()

    # ------------------------------------------------------------ state

    def state_names(self) -> list[str]:
        """Names of the tensors of :attr:`state`, ``steps_seen`` first."""
        return ["steps_seen", *self._shapes]

    @property
    def steps_seen(self) -> np.ndarray:
        """Steps each series has received (a copy), shape (n_series,)."""
        return self._steps.copy()

    @property
    def state(self) -> dict[str, torch.Tensor]:
        """What the stream carries: one tensor per name, each (n_series, ...)."""
        state = {"steps_seen": torch.from_numpy(self._steps.copy())}
        state.update(self._state)
        return state

    def _empty(self, name: str, n: int) -> torch.Tensor:
        fill = float("-inf") if name == "feature_max" else 0.0
        shape = (n, *self._shapes[name])
        return torch.full(shape, fill, dtype=self._dtype, device=self._device)

    def reset(self, series: Sequence[int] | None = None) -> None:
        """Forget what the given series saw (all with ``None``): they start anew."""
        self._outputs = None
        if series is None:
            self._state = {
                name: self._empty(name, self.n_series) for name in self._shapes
            }
            self._steps[:] = 0
            self._in_phase = True
            return
        rows = list(series)
        index = torch.as_tensor(rows, dtype=torch.long, device=self._device)
        for name in self._shapes:
            tensor = self._state[name].clone()
            tensor[index] = self._empty(name, len(rows))
            self._state[name] = tensor
        self._steps[rows] = 0
        self._update_phase()

    def _update_phase(self) -> None:
        phases = self._steps % self.period
        self._in_phase = bool((phases == phases[0]).all())

    def load_state(self, state: dict[str, Any]) -> None:
        """Replace the state with arrays of the shapes :attr:`state` has."""
        loaded = {}
        for name, tensor in self.state.items():
            value = torch.as_tensor(np.asarray(state[name])).to(
                device=tensor.device, dtype=tensor.dtype
            )
            if value.shape != tensor.shape:
                raise ValueError(
                    f"State array {name!r} has shape {tuple(value.shape)}; this "
                    f"stream expects {tuple(tensor.shape)}."
                )
            loaded[name] = value.clone()
        steps = loaded.pop("steps_seen").cpu().numpy()
        if (steps < 0).any():
            raise ValueError("State array 'steps_seen' holds negative counts.")
        self._steps = steps.astype(np.int64)
        self._state = loaded
        self._outputs = None
        self._update_phase()

    # ------------------------------------------------------------ update

    def advance(self, chunks: Sequence[torch.Tensor | None]) -> None:
        """Feed the next steps of each series.

        Parameters
        ----------
        chunks : sequence of Tensor of shape (channels, k_i), or None
            One entry per series (``None`` or ``k_i = 0``: no new step).
            Series at the same phase of the pooling that get the same number
            of steps are computed together.
        """
        groups: dict[tuple[int, int], list[int]] = {}
        for row, chunk in enumerate(chunks):
            if chunk is not None and chunk.shape[-1] > 0:
                key = (chunk.shape[-1], int(self._steps[row]) % self.period)
                groups.setdefault(key, []).append(row)
        for rows in groups.values():
            x = torch.stack([cast("torch.Tensor", chunks[r]) for r in rows])
            index = (
                None
                if len(rows) == self.n_series
                else torch.as_tensor(rows, dtype=torch.long, device=self._device)
            )
            self._advance(x, index, int(self._steps[rows[0]]))
            self._steps[rows] += x.shape[-1]
        if self.period > 1:
            self._update_phase()

    def advance_all(self, x: torch.Tensor) -> None:
        """Feed ``x`` of shape (n_series, channels, k): k steps of every series."""
        if x.shape[-1] == 0:
            return
        if not self._in_phase:
            self.advance(list(x.unbind(0)))  # series at different pooling phases
            return
        self._advance(x, None, int(self._steps[0]))
        self._steps += x.shape[-1]

    def _take(self, name: str, index: torch.Tensor | None) -> torch.Tensor:
        tensor = self._state[name]
        return tensor if index is None else tensor[index]

    def _put(self, name: str, index: torch.Tensor | None, value: torch.Tensor) -> None:
        if index is None:
            self._state[name] = value
        else:  # a copy: the whole-batch path may share tensors between names
            tensor = self._state[name].clone()
            tensor[index] = value
            self._state[name] = tensor

    def _advance(
        self, x: torch.Tensor, index: torch.Tensor | None, steps_before: int
    ) -> None:
        """Advance the series ``index`` (all: None), all ``steps_before`` steps in."""
        if x.device != self._device or x.dtype != self._dtype:
            x = x.to(self._device, self._dtype)
        x = x.transpose(1, 2)  # (g, m, channels)
        if self._scaling is not None:
            x = torch.addcmul(self._scaling[1], x, self._scaling[0])
        count = steps_before  # inputs the current block saw before this chunk
        for block, (weight, flat, bias, context) in enumerate(self._convs):
            m = x.shape[1]
            if context:
                name = f"conv_buffer_{block}"
                x = torch.cat([self._take(name, index), x], dim=1)
                self._put(name, index, x[:, m:])
            if m == 1:
                x = torch.relu(F.linear(x.reshape(x.shape[0], 1, -1), flat, bias))
            else:
                x = torch.relu(F.conv1d(x.transpose(1, 2), weight, bias)).transpose(
                    1, 2
                )
            pool = self._pools[block]
            if pool > 1:
                x = self._pool(x, block, pool, count % pool, index)
                count //= pool
                if x.shape[1] == 0:
                    return
        self._recurrent(x, index)

    def _pool(
        self,
        x: torch.Tensor,
        block: int,
        pool: int,
        pending: int,
        index: torch.Tensor | None,
    ) -> torch.Tensor:
        """Max-pool the complete windows; keep the rest for the next chunk."""
        name = f"pool_buffer_{block}"
        if pending:
            x = torch.cat([self._take(name, index)[:, :pending], x], dim=1)
        complete = x.shape[1] // pool * pool
        left = x.shape[1] - complete
        if left:
            if index is None:
                self._state[name][:, :left] = x[:, complete:]
            else:
                self._state[name][index, :left] = x[:, complete:]
        if not complete:
            return x[:, :0]
        return x[:, :complete].reshape(x.shape[0], -1, pool, x.shape[2]).amax(dim=2)

    def _recurrent(self, x: torch.Tensor, index: torch.Tensor | None) -> None:
        """Run the recurrent layer over x (g, steps, channels); update the readout."""
        self._outputs = None
        n_layers = len(self._layers)
        if x.shape[1] == 1:
            out = x[:, 0]
            for layer, weights in enumerate(self._layers):
                hidden = self._take(f"hidden_{layer}", index)
                if self._is_lstm:
                    cell = self._take(f"cell_{layer}", index)
                    hidden, cell = torch.lstm_cell(
                        out, (hidden, cell), *cast("tuple[torch.Tensor, ...]", weights)
                    )
                    self._put(f"cell_{layer}", index, cell)
                else:
                    hidden = torch.gru_cell(
                        out, hidden, *cast("tuple[torch.Tensor, ...]", weights)
                    )
                self._put(f"hidden_{layer}", index, hidden)
                out = hidden
            features = torch.cat([out, x[:, 0]], dim=1) if self._conv_skip else out
            total, largest = features, features
        else:
            hidden = torch.stack(
                [self._take(f"hidden_{layer}", index) for layer in range(n_layers)]
            )
            if self._is_lstm:
                cell = torch.stack(
                    [self._take(f"cell_{layer}", index) for layer in range(n_layers)]
                )
                out, hidden, cell = torch.lstm(
                    x, (hidden, cell), self._flat_rnn, *self._rnn_args
                )
                for layer in range(n_layers):
                    self._put(f"cell_{layer}", index, cell[layer])
            else:
                out, hidden = torch.gru(x, hidden, self._flat_rnn, *self._rnn_args)
            for layer in range(n_layers):
                self._put(f"hidden_{layer}", index, hidden[layer])
            sequence = torch.cat([out, x], dim=2) if self._conv_skip else out
            features = sequence[:, -1]
            total, largest = sequence.sum(dim=1), sequence.amax(dim=1)
        self._put("feature_last", index, features)
        if self._readout != "last":
            self._put("feature_sum", index, self._take("feature_sum", index) + total)
            self._put(
                "feature_max",
                index,
                torch.maximum(self._take("feature_max", index), largest),
            )

    # ------------------------------------------------------------ outputs

    def outputs(self) -> torch.Tensor:
        """Return the output on each series' prefix so far, (n_series, n_outputs).

        NaN for series that have not yet completed a pooling window
        (fewer than :attr:`period` steps). Computed once per new recurrent
        step; do not modify the returned tensor.
        """
        if self._outputs is None:
            self._outputs = self._compute_outputs()
        return self._outputs

    def _compute_outputs(self) -> torch.Tensor:
        state = self._state
        if self._readout == "last":
            features = state["feature_last"]
        else:
            n_outputs = np.maximum(self._steps // self.period, 1)
            counts = torch.from_numpy(n_outputs.astype(np.float32)).unsqueeze(1)
            if counts.device != self._device or counts.dtype != self._dtype:
                counts = counts.to(self._device, self._dtype)
            mean = state["feature_sum"] / counts
            if self._readout == "mean":
                features = mean
            elif self._readout == "max":
                features = state["feature_max"]
            else:
                features = torch.cat([mean, state["feature_max"]], dim=1)
        output = F.linear(features, *self._head)
        if self._output_scaling is not None:
            output = self._output_scaling(output)
        waiting = self._steps < self.period
        if waiting.any():
            mask = torch.from_numpy(waiting).to(self._device).unsqueeze(1)
            output = output.masked_fill(mask, float("nan"))
        return output
