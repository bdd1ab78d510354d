"""The eval-mode forward pass of :class:`ConvLSTMNetwork` used for predictions.

The same function as the network's layer-by-layer forward, evaluated with
less overhead: batch normalisation in eval mode is an affine map folded into
the convolution before it, the dropout layers (identities in eval mode) are
skipped, and on CPU the recurrent layer's kernel is called with its cached
weights. :meth:`ConvLSTMNetwork.forward` takes this path for unpadded input
without autograd in eval mode, unless a hook is registered on a layer it
bypasses. This module imports no scikit-learn.
"""

from __future__ import annotations

from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_weights

#: (weight, bias) of each conv block with its batch norm folded in.
_FusedConvolutions = list[tuple[torch.Tensor, torch.Tensor | None]]
#: A plain LSTM/GRU's weights in the order of its kernel, or None.
_KernelWeights = list[torch.Tensor] | None

__all__ = ["bypassed_modules_have_hooks", "conv_layers_of", "inference_forward"]


def inference_forward(
    net: Any, x: torch.Tensor, conv_layers: list[nn.Module]
) -> torch.Tensor:
    """Eval-mode forward without autograd, for predictions.

    The same function as the layer-by-layer path, evaluated with less
    overhead: batch normalisation in eval mode is an affine map, folded
    into the convolution before it (equal up to float rounding; exactly
    the same operations for blocks without batch norm), the dropout
    layers, identities in eval mode, are skipped, and on CPU the recurrent
    layer's kernel is called with its cached weights (what ``nn.LSTM`` and
    ``nn.GRU`` call after their Python-side checks; bit-identical). On one
    series of the default network the folding and skipping cut the forward
    time by about a quarter, the direct kernel call a further ~30 us of the
    LSTM's work (see the evidence page of the documentation).
    """
    if net.input_scaling is not None:
        x = net.input_scaling(x)
    fused, recurrent_weights = inference_weights(net, conv_layers)
    for block, (weight, bias) in zip(net._typed_blocks(), fused, strict=True):
        conv = block.conv
        if block.left_padding:  # conv_padding="causal"
            x = F.pad(x, (block.left_padding, 0))
        x = torch.relu(
            F.conv1d(
                x,
                weight,
                bias,
                conv.stride,
                conv.padding,
                conv.dilation,
                conv.groups,
            )
        )
        if block.pool is not None:
            x = F.max_pool1d(x, block.pool_size)
    x = x.transpose(1, 2)
    if recurrent_weights is not None and x.device.type == "cpu":
        out = _run_recurrent(net.recurrent, x, recurrent_weights)
    else:
        out, _ = net.recurrent(x)
    return net._output(
        F.linear(inference_head_input(net, out, x), net.head.weight, net.head.bias)
    )


def bypassed_modules_have_hooks(net: Any, conv_layers: list[nn.Module]) -> bool:
    """Whether a hook is registered on a layer the inference path does not call.

    The inference path calls the convolutions, batch norms, dropouts, the
    recurrent layer and the head as functions, so hooks on them would not
    run: with any such hook (or a global module hook) the layer-by-layer
    path is taken. ``conv_layers`` is :meth:`_conv_layers`'s list.
    """
    if _global_module_hooks():
        return True
    modules = net._modules
    bypassed = [
        modules.get("augmentation"),
        *conv_layers,
        modules["conv_dropout"],
        modules["recurrent"],
        modules["recurrent_dropout"],
        modules["head"],
    ]
    return any(
        module is not None and (module._forward_hooks or module._forward_pre_hooks)
        for module in bypassed
    )


def conv_layers_of(net: Any) -> list[nn.Module]:
    """Each conv block and its layers.

    Read from ``_modules`` directly: this runs on every inference forward,
    where ``Module.modules()`` and attribute lookups cost tens of
    microseconds.
    """
    layers: list[nn.Module] = []
    for block in net.conv_blocks._modules.values():
        if block is not None:
            layers.append(block)
            layers += [m for m in block._modules.values() if m is not None]
    return layers


def inference_weights(
    net: Any, conv_layers: list[nn.Module]
) -> tuple[_FusedConvolutions, _KernelWeights]:
    """Weights of the inference path, cached until one of them changes.

    Returns each conv block's ``(weight, bias)`` with its batch norm folded
    in, and the recurrent layer's weights in the order its kernel takes
    them (``None`` for a recurrent layer that must be called as a module:
    a subclass, a projection or a parametrization). The cache key holds
    each tensor's identity, storage and in-place version counter, which
    training, ``load_state_dict`` and ``.to()`` all change. ``conv_layers``
    is :meth:`_conv_layers`'s list.
    """
    recurrent = cast("nn.Module", net._modules["recurrent"])
    key = tuple(
        (id(t), t.data_ptr(), t._version)
        for layer in (*conv_layers, recurrent)
        for t in (*layer._parameters.values(), *layer._buffers.values())
        if t is not None
    )
    cached = net.__dict__.get("_fused_cache")
    if cached is not None and cached[0] == key:
        return cached[1]
    fused: _FusedConvolutions = []
    with torch.no_grad():
        for block in net._typed_blocks():
            conv, norm = block.conv, block.norm
            if norm is None:
                fused.append((conv.weight, conv.bias))
                continue
            # BatchNorm1d here always tracks running statistics.
            assert norm.running_mean is not None and norm.running_var is not None
            weight, bias = fuse_conv_bn_weights(
                conv.weight,
                conv.bias,
                norm.running_mean,
                norm.running_var,
                norm.eps,
                norm.weight,
                norm.bias,
            )
            fused.append((weight.detach(), bias.detach()))
    weights = _recurrent_kernel_weights(recurrent)
    net.__dict__["_fused_cache"] = (key, (fused, weights))
    return fused, weights


def inference_head_input(
    net: Any, out: torch.Tensor, conv_out: torch.Tensor
) -> torch.Tensor:
    """Return :meth:`_head_input` (no lengths) from a readout of each part.

    The same features in the same order, equal up to float rounding,
    without copying both sequences into one tensor first: the default
    network predicts 1,024 ArrowHead-length series about 17 % faster.
    """
    if not net.conv_skip:
        return net._readout(out)
    recurrent, conv = net._readout(out), net._readout(conv_out)
    if net.readout != "meanmax":
        return torch.cat([recurrent, conv], dim=1)
    # [mean | max] of each part -> [mean_rnn, mean_conv, max_rnn, max_conv]
    r, c = recurrent.shape[1] // 2, conv.shape[1] // 2
    return torch.cat(
        [recurrent[:, :r], conv[:, :c], recurrent[:, r:], conv[:, c:]], dim=1
    )


def _recurrent_kernel_weights(recurrent: nn.Module) -> _KernelWeights:
    """Return a plain LSTM/GRU's weights in the order of its kernel, or None."""
    if type(recurrent) not in (nn.LSTM, nn.GRU):
        return None
    rnn = cast("nn.RNNBase", recurrent)
    if rnn.proj_size or not rnn.batch_first or "parametrizations" in rnn._modules:
        return None
    # Not detached: torch picks the GRU kernel by whether weights require grad.
    return [weight for layer in rnn.all_weights for weight in layer]


def _run_recurrent(
    recurrent: nn.Module, x: torch.Tensor, weights: list[torch.Tensor]
) -> torch.Tensor:
    """Run a plain LSTM/GRU in eval mode from zero states through its kernel.

    The call ``nn.LSTM.forward``/``nn.GRU.forward`` make for batch-first input
    without initial states in eval mode, without their per-call checks.
    """
    rnn = cast("nn.RNNBase", recurrent)
    n_states = rnn.num_layers * (2 if rnn.bidirectional else 1)
    zeros = x.new_zeros(n_states, x.shape[0], rnn.hidden_size)
    args = (rnn.bias, rnn.num_layers, 0.0, False, rnn.bidirectional, True)
    if type(rnn) is nn.LSTM:
        return torch.lstm(x, (zeros, zeros), weights, *args)[0]
    return torch.gru(x, zeros, weights, *args)[0]


def _global_module_hooks() -> bool:
    """Whether forward hooks are registered for all modules (``nn.modules.module``)."""
    from torch.nn.modules import module as module_module

    return bool(
        module_module._global_forward_hooks or module_module._global_forward_pre_hooks
    )
