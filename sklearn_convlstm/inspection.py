"""Which timesteps and channels made a prediction: integrated gradients.

:func:`explain` returns one attribution per input timestep and channel for
each prediction of a fitted estimator, shaped like ``X``;
:func:`plot_attribution` draws a series with its attribution as a heat band.

Method: integrated gradients (Sundararajan et al., 2017), not Grad-CAM.

* Integrated gradients attribute to every input channel *and* timestep;
  Grad-CAM weights the last conv block's feature maps, so it gives one value
  per (pooled) feature step, the same for every channel, and has to be
  stretched back to input time through the pooling.
* They satisfy *completeness*: the attributions of a series sum to the
  model's output for it minus its output for the baseline, so they are in
  the units of the explained output (a probability, or a regression value)
  and can be compared between series. Grad-CAM's ReLU of weighted feature
  maps has no such scale and drops evidence against the target.
* They need nothing but gradients of the fitted module, so they work for
  every network configuration and for a regressor alike.

The path runs in the network's own input space, the output of its
:class:`~sklearn_convlstm.nn.InputScaling`, from the baseline 0 (a
series at the scaling's centre) to the scaled series; each scaled step is
one raw step, so attributions map one-to-one onto ``X``. For
``scaling="per_channel"`` and ``"minmax"`` the scaling is affine, and these
are exactly the integrated gradients of the raw input through the scaling
from the baseline "every step at the training mean of its channel"
(``"minmax"``: at the training minimum). For ``"per_series"`` the raw-input
path would be degenerate: z-normalisation ignores a series' scale, so every
point of the straight path from a flat series is the same scaled series and
the path integral diverges at its start; in the scaled space the baseline is
"the series flattened to its own mean". With ``"per_series_amplitude"`` the
log-amplitude channels (one constant per series and channel) stay at the
series' own value along the path, so they get no attribution: the
attributions explain the series' shape given its amplitude, and still sum to
the output difference. Without scaling the baseline is the all-zero series.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from typing import Any, cast

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from torch import nn

from sklearn_convlstm._lazy import LazySeries, RaggedSeries
from sklearn_convlstm._optional import import_optional
from sklearn_convlstm._regressor import refuse_cross_fitted
from sklearn_convlstm._validation import (
    _is_sequence_of_series,
    pad_series,
    series_lengths,
    validate_series_input,
)
from sklearn_convlstm.nn import InputScaling, RandomKernelRidge
from sklearn_convlstm.nn._random_kernels import (
    KERNEL_LENGTH,
    N_KERNELS,
    kernel_outputs,
)

__all__ = ["explain", "plot_attribution"]

#: Path points per forward pass: rows of (series x integration points).
_ROWS_PER_FORWARD = 512


def explain(
    estimator: Any,
    X: Any,
    target: Any = None,
    *,
    n_steps: int = 32,
) -> np.ndarray | list[np.ndarray]:
    """Attribute each prediction to the input timesteps and channels.

    Integrated gradients of the explained output with respect to the
    network's (scaled) input, integrated with ``n_steps``-point
    Gauss-Legendre quadrature along the straight path from the baseline; see
    the module docstring for the choice of method and baseline. Padding of
    series of unequal length gets exactly zero attribution.

    A classifier with the random-kernel head (``head_ ==
    "random-kernels"``) is explained through its fused probability, whose
    ridge part has no gradient (its features count kernel outputs above
    biases). The attributions then add two parts, in this order along the
    path: the network part, integrated gradients of the fused probability
    with the ridge scores held at the series' own; and the ridge part, with
    the network's logits held at the baseline's, computed exactly: along
    the straight path every kernel output is affine in the path position, so
    each count switches once, where the fused probability jumps; each jump
    is shared among the inputs in proportion to their terms in that kernel
    output. Per series they sum to the fused probability minus that at the
    baseline (the network part up to the quadrature error). ``target=None``
    explains the fused prediction.

    The explained output is, for a classifier (an estimator with
    ``classes_``), the softmax probability of the target class; for an
    estimator without ``classes_`` (a regressor), the value of the target
    output of ``net_.module_``. It is computed in float32 without autocast
    and with the module in eval mode (batch norm uses its running
    statistics, dropout and training augmentation are off).

    The fitted network is only read: ``explain`` may run in several threads,
    and beside ``predict``/``predict_proba`` on the same fitted estimator in
    other threads, with the results of one call at a time.

    Parameters
    ----------
    estimator : fitted estimator
        A fitted estimator of this package (``net_.module_`` is its
        network, with its input scaling inside), e.g.
        :class:`~sklearn_convlstm.ConvLSTMClassifier`.
    X : array-like of shape (n_samples, n_channels, n_timesteps) or \
            (n_samples, n_timesteps), list of arrays, LazySeries or RaggedSeries
        Series to explain, as accepted by the estimator's ``predict``.
    target : label, array-like of shape (n_samples,) or None, default=None
        What to explain. Classifier: a class label (one of ``classes_``) for
        every series, or one label per series; ``None`` explains each
        series' predicted class. Regressor: the index of the output column
        (or one per series); ``None`` is output 0 of a single-output model.
    n_steps : int, default=32
        Quadrature points on the path. Attributions sum to the output
        difference up to the quadrature error, which falls as ``n_steps``
        grows; the cost is ``n_steps`` forward and backward passes per
        series.

    Returns
    -------
    attributions : ndarray or list of ndarray
        float32, shaped like ``X``: ``(n_samples, n_channels, n_timesteps)``
        for 3D input (and a ``LazySeries``), ``(n_samples, n_timesteps)`` for
        2D input, a list of arrays of each series' shape for a list of series
        (``(n_channels, length)`` for a ``RaggedSeries``). Positive values
        push the explained output up, negative ones down; per series they
        sum to the output minus the output at the baseline.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.
    ValueError
        For a regressor with a random-kernel head, X the estimator would
        reject, a target that is not a class (or not an output column),
        ``n_steps < 1``, or a network without a conv block.

    See Also
    --------
    plot_attribution : Draw a series with its attribution.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_convlstm import ConvLSTMClassifier
    >>> from sklearn_convlstm.inspection import explain
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(20, 1, 30))
    >>> y = np.array(["a", "b"] * 10)
    >>> clf = ConvLSTMClassifier(max_epochs=1, random_state=0).fit(X, y)
    >>> explain(clf, X[:3]).shape
    (3, 1, 30)
    >>> explain(clf, X[:2, 0], target="b").shape
    (2, 30)
    """
    check_is_fitted(estimator)
    refuse_cross_fitted(estimator, "explain")
    head = getattr(estimator, "random_kernel_head_", None)
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)):
        raise TypeError(f"n_steps must be an int; got {type(n_steps).__name__}.")
    if n_steps < 1:
        raise ValueError(f"n_steps must be at least 1; got {n_steps}.")
    module = _explainable_module(estimator)
    X_checked = validate_series_input(
        estimator, X, reset=False, require_fitted_length=True, allow_lazy=True
    )
    lengths = series_lengths(X_checked)
    _check_min_length(module, lengths)
    # Data read on demand (LazySeries, RaggedSeries) is read a chunk at a time.
    series_list = cast(
        "list[np.ndarray]",
        list(X_checked) if isinstance(X_checked, np.ndarray) else X_checked,
    )
    n_samples = len(series_list)
    device = next(module.parameters()).device
    # Before any forward pass: skorch leaves the module in training mode after
    # fit, where a forward would update BatchNorm's running statistics.
    module.eval()
    if head is not None and target is None:
        # the fused prediction, which may differ from the network's own
        targets = estimator._class_scores(X_checked).argmax(dim=1).numpy()
    else:
        targets = _resolve_targets(estimator, module, series_list, target, device)

    alphas, weights = np.polynomial.legendre.leggauss(n_steps)
    alpha = torch.as_tensor((alphas + 1) / 2, dtype=torch.float32, device=device)
    weight = torch.as_tensor(weights / 2, dtype=torch.float32, device=device)
    per_forward = max(1, _ROWS_PER_FORWARD // n_steps)
    attributions: list[np.ndarray] = []
    with _gradients_through_recurrent_layers(device):
        for start in range(0, n_samples, per_forward):
            stop = min(start + per_forward, n_samples)
            attributions += _integrated_gradients(
                module,
                series_list[start:stop],
                targets[start:stop],
                alpha,
                weight,
                is_classifier=hasattr(estimator, "classes_"),
                device=device,
                head=head,
                fusion=0.0 if head is None else estimator._fusion_weight(),
            )
    return _like_input(X, X_checked, attributions)


def _explainable_module(estimator: Any) -> nn.Module:
    """Return ``estimator.net_.module_``, checking that it has a conv block."""
    net = getattr(estimator, "net_", None)
    module = getattr(net, "module_", None)
    if not isinstance(module, nn.Module):
        raise TypeError(
            f"explain needs an estimator of this package whose net_.module_ is "
            f"its fitted torch network; {type(estimator).__name__} has "
            f"{'no net_.module_' if module is None else type(module).__name__}."
        )
    if not any(isinstance(layer, nn.Conv1d) for layer in module.modules()):
        raise ValueError(
            f"explain works on Conv1D->recurrent networks, but the fitted "
            f"network ({type(module).__name__}) has no conv block (no Conv1d "
            "layer): it is not a network this package builds. Fit the "
            "estimator with at least one conv block (conv_channels)."
        )
    return module


def _check_min_length(module: nn.Module, lengths: np.ndarray) -> None:
    min_length = int(getattr(module, "min_length", 1))
    shortest = int(lengths.min())
    if shortest < min_length:
        raise ValueError(
            f"X contains series of {shortest} timesteps, but this network needs "
            f"at least {min_length} timesteps."
        )


def _forward(module: nn.Module, series: list[np.ndarray], device: torch.device):
    """Pad ``series`` into a batch; return it and its lengths (None if equal)."""
    lengths = series_lengths(series)
    batch = torch.from_numpy(pad_series(series)).to(device)
    if (lengths == batch.shape[-1]).all():
        return batch, None
    return batch, torch.from_numpy(lengths).to(device)


def _resolve_targets(
    estimator: Any,
    module: nn.Module,
    series_list: list[np.ndarray],
    target: Any,
    device: torch.device,
) -> np.ndarray:
    """Return the output column to explain for each series."""
    n_samples = len(series_list)
    classes = getattr(estimator, "classes_", None)
    if classes is not None:
        if target is None:
            predicted = []
            with torch.no_grad():
                for start in range(0, n_samples, _ROWS_PER_FORWARD):
                    batch, lengths = _forward(
                        module, series_list[start : start + _ROWS_PER_FORWARD], device
                    )
                    predicted.append(module(batch, lengths).argmax(dim=1).cpu())
            return torch.cat(predicted).numpy()
        labels = np.asarray(target)
        labels = np.full(n_samples, labels) if labels.ndim == 0 else labels
        _check_target_length(labels, n_samples)
        index = {label: i for i, label in enumerate(classes.tolist())}
        unknown = [label for label in labels.tolist() if label not in index]
        if unknown:
            raise ValueError(
                f"target must be one of the classes {classes.tolist()} (or one "
                f"per series); got {unknown[0]!r}."
            )
        return np.array([index[label] for label in labels.tolist()], dtype=np.int64)
    with torch.no_grad():
        batch, lengths = _forward(module, series_list[:1], device)
        n_outputs = int(module(batch, lengths).shape[1])
    if target is None:
        if n_outputs != 1:
            raise ValueError(
                f"The model has {n_outputs} outputs; pass target=<output index> "
                f"(0 to {n_outputs - 1}) to say which one to explain."
            )
        return np.zeros(n_samples, dtype=np.int64)
    columns = np.asarray(target)
    columns = np.full(n_samples, columns) if columns.ndim == 0 else columns
    _check_target_length(columns, n_samples)
    if (
        columns.dtype.kind not in "iu"
        or columns.min() < 0
        or columns.max() >= n_outputs
    ):
        raise ValueError(
            f"target must be an output index in [0, {n_outputs - 1}] (or one per "
            f"series); got {target!r}."
        )
    return columns.astype(np.int64)


def _check_target_length(target: np.ndarray, n_samples: int) -> None:
    if target.ndim != 1 or len(target) != n_samples:
        raise ValueError(
            f"target must be one value or one per series ({n_samples}); got an "
            f"array of shape {target.shape}."
        )


@contextlib.contextmanager
def _gradients_through_recurrent_layers(device: torch.device) -> Iterator[None]:
    """Let an eval-mode LSTM/GRU run backward on CUDA.

    cuDNN's RNN backward only runs in training mode, which would also switch
    on dropout; turning cuDNN off for the explanation makes PyTorch use its
    native recurrent kernels, which differentiate in eval mode.
    """
    if device.type == "cuda":
        with torch.backends.cudnn.flags(enabled=False):
            yield
    else:
        yield


def _input_scaling(module: nn.Module) -> InputScaling | None:
    scalings = [m for m in module.modules() if isinstance(m, InputScaling)]
    if len(scalings) > 1:
        raise ValueError(
            f"explain expects at most one InputScaling in the network; "
            f"{type(module).__name__} has {len(scalings)}."
        )
    return scalings[0] if scalings else None


class _PathPoints(nn.Module):
    """Stands in for the network's input scaling: outputs the path points."""

    def __init__(self, points: torch.Tensor) -> None:
        super().__init__()
        self.points = points

    def forward(self, x: torch.Tensor, lengths: Any = None) -> torch.Tensor:
        """Return the path points, whatever the input."""
        return self.points


def _replacing(module: nn.Module, old: nn.Module, new: nn.Module) -> nn.Module:
    """Return a shallow copy of ``module`` in which submodule ``old`` is ``new``.

    Only the modules on the way down to ``old`` are copied (their
    ``__dict__`` and submodule table); parameters, buffers and every other
    submodule are shared, and ``module`` itself is not changed.
    """
    if module is old:
        return new
    replica = module.__new__(type(module))
    replica.__dict__ = module.__dict__.copy()
    replica._modules = dict(module._modules)
    for name, child in module._modules.items():
        if child is not None and any(sub is old for sub in child.modules()):
            replica._modules[name] = _replacing(child, old, new)
    return replica


def _integrated_gradients(
    module: nn.Module,
    series: list[np.ndarray],
    targets: np.ndarray,
    alpha: torch.Tensor,
    weight: torch.Tensor,
    *,
    is_classifier: bool,
    device: torch.device,
    head: RandomKernelRidge | None = None,
    fusion: float = 0.0,
) -> list[np.ndarray]:
    """Integrated gradients of a few series, all path points in one batch.

    With a random-kernel ``head``, the explained output is the fused
    probability (the ridge scores weighted by ``fusion``); the network part
    is integrated with the ridge scores held at the series' own, and
    :func:`_random_kernel_attributions` adds the ridge part exactly (see
    :func:`explain`).
    """
    series = list(series)
    x, lengths = _forward(module, series, device)
    n_series, n_channels, n_timesteps = x.shape
    n_points = len(alpha)
    scaling = _input_scaling(module)
    with torch.no_grad():
        scaled = x if scaling is None else scaling(x, lengths)
    # Path points (point-major): the first n_channels channels go from 0 to
    # the scaled series; extra channels (log-amplitudes) stay as they are.
    varied = alpha.view(-1, 1, 1, 1) * scaled[:, :n_channels].unsqueeze(0)
    held = scaled[:, n_channels:].unsqueeze(0).expand(n_points, -1, -1, -1)
    path = torch.cat([varied, held], dim=2).reshape(
        n_points * n_series, scaled.shape[1], n_timesteps
    )
    path.requires_grad_(True)
    path_lengths = None if lengths is None else lengths.repeat(n_points)
    ridge = None
    if head is not None:
        head = _head_on(head, device)
        with torch.no_grad():
            # one series per call, as the ridge part below computes them
            ridge = torch.cat(
                [
                    head(scaled[index : index + 1, :, : item.shape[1]].float())
                    for index, item in enumerate(series)
                ]
            ).float()
    with torch.enable_grad():
        if scaling is None:
            outputs = module(path, path_lengths)
        else:
            # The scaling's output is replaced by the path points; the rest of
            # the network runs as in predict. A shallow copy of the network
            # does it: a hook on the shared scaling layer would also replace
            # the input of a predict_proba running in another thread.
            with_path = _replacing(module, scaling, _PathPoints(path))
            outputs = with_path(x.repeat(n_points, 1, 1), path_lengths)
        outputs = outputs.float()
        if ridge is not None:
            outputs = _fuse(outputs, ridge.repeat(n_points, 1), fusion)
        elif is_classifier:
            outputs = torch.softmax(outputs, dim=1)
        columns = torch.as_tensor(targets, device=device).repeat(n_points)
        explained = outputs[torch.arange(len(columns), device=device), columns]
        (gradients,) = torch.autograd.grad(explained.sum(), path)
    gradients = gradients[:, :n_channels].reshape(
        n_points, n_series, n_channels, n_timesteps
    )
    average = (weight.view(-1, 1, 1, 1) * gradients).sum(dim=0)
    attributions = (scaled[:, :n_channels] * average).detach()
    if head is not None:
        baseline = torch.cat(
            [torch.zeros_like(scaled[:, :n_channels]), scaled[:, n_channels:]], dim=1
        )
        with torch.no_grad():
            if scaling is None:
                baseline_logits = module(baseline, lengths)
            else:
                baseline_logits = _replacing(module, scaling, _PathPoints(baseline))(
                    x, lengths
                )
        for index, item in enumerate(series):
            length = item.shape[1]
            attributions[index, :, :length] += _random_kernel_attributions(
                head,
                scaled[index, :, :length],
                n_channels,
                int(targets[index]),
                baseline_logits[index].float(),
                fusion,
            )
    attributions = attributions.cpu().numpy()
    result = []
    for index, item in enumerate(series):
        length = item.shape[1]
        # Padding is cut off here, so it gets exactly zero attribution.
        result.append(np.ascontiguousarray(attributions[index, :, :length]))
    return result


def _head_on(head: RandomKernelRidge, device: torch.device) -> RandomKernelRidge:
    """Return the head on ``device`` (a copy when elsewhere; it is only read)."""
    if next(head.buffers()).device == device:
        return head
    return copy.deepcopy(head).to(device)


def _fuse(logits: torch.Tensor, ridge: torch.Tensor, fusion: float) -> torch.Tensor:
    """Return the fused probabilities from the logits and the ridge scores."""
    return torch.softmax(torch.log_softmax(logits, dim=1) + fusion * ridge, dim=1)


def _random_kernel_attributions(
    head: RandomKernelRidge,
    scaled: torch.Tensor,
    n_channels: int,
    target: int,
    baseline_logits: torch.Tensor,
    fusion: float,
) -> torch.Tensor:
    """Return the ridge part of a fused explanation of one series, exactly.

    Along the path (the first ``n_channels`` channels of ``scaled`` scaled
    by alpha from 0 to 1, the others held), each kernel output is affine in
    alpha, so each count switches at one alpha, where the ridge scores jump.
    In alpha order, each switch changes the fused probability (with the
    network's logits held at the baseline's) by a jump; the jump goes to the
    inputs in proportion to their terms in the kernel output, which a
    transposed convolution gathers. The result sums to the probability with
    the series' ridge scores minus that with the baseline's.
    """
    features = head.features
    varied = scaled.clone()
    varied[n_channels:] = 0.0
    held = scaled - varied
    n_timesteps = scaled.shape[-1]
    positions = torch.arange(n_timesteps, device=scaled.device)
    kernels = torch.arange(N_KERNELS, device=scaled.device)
    # the jumps and the fused probabilities in float64 (MPS has none):
    # thousands of switches each change the probability by a difference of
    # nearly equal numbers, whose float32 rounding adds up (two classes'
    # attributions then differed by about 1e-5 where they are exact opposites)
    precise = torch.float32 if scaled.device.type == "mps" else torch.float64
    weight = head.linear.weight.to(precise)
    switches = []  # per dilation: alpha, ridge jump, kernel, position
    column = 0
    for index, dilation in enumerate(features.dilations):
        kernel_weight = getattr(features, f"weight_{index}")
        bias = getattr(features, f"bias_{index}")
        n_biases = bias.shape[1]
        padding = (KERNEL_LENGTH - 1) // 2 * dilation
        # one series per convolution, as the head computes them
        full, start = (
            kernel_outputs(item[None].float(), kernel_weight, padding, dilation)[0]
            for item in (scaled, held)
        )
        first = ((index + kernels) % 2 == 1)[:, None] * padding
        valid = (positions >= first) & (positions < n_timesteps - first)
        valid = valid | ((n_timesteps <= 2 * first) & (positions >= 0))
        counted = valid.sum(-1).float()  # (kernels,)
        before = start[..., None] > bias[:, None, :]
        after = full[..., None] > bias[:, None, :]
        kernel, position, which = torch.nonzero(
            (before != after) & valid[..., None], as_tuple=True
        )
        slope = full[kernel, position] - start[kernel, position]
        alpha = (bias[kernel, which] - start[kernel, position]) / slope
        step = after[kernel, position, which].to(precise) - before[
            kernel, position, which
        ].to(precise)
        jump = weight[:, column + kernel * n_biases + which] * (step / counted[kernel])
        switches.append((alpha.clamp(0, 1), jump.T, kernel, position, slope, index))
        column += N_KERNELS * n_biases
    alphas = torch.cat([item[0] for item in switches])
    jumps = torch.cat([item[1] for item in switches])  # (switches, classes)
    order = torch.argsort(alphas, stable=True)
    with torch.no_grad():
        start_scores = head(held[None].float())[0].to(precise)
    scores = start_scores + torch.cumsum(jumps[order], dim=0)
    scores = torch.cat([start_scores[None], scores])
    logits = baseline_logits.to(precise)[None].expand(len(scores), -1)
    fused = _fuse(logits, scores, fusion)[:, target]
    changes = torch.empty_like(alphas)
    changes[order] = (fused[1:] - fused[:-1]).to(changes.dtype)
    attribution = torch.zeros_like(scaled[:n_channels])
    offset = 0
    for _, _, kernel, position, slope, index in switches:
        share = changes[offset : offset + len(kernel)] / slope
        share = torch.where(slope == 0, torch.zeros_like(share), share)
        offset += len(kernel)
        spread = torch.zeros(N_KERNELS, n_timesteps, device=scaled.device)
        spread.index_put_((kernel, position), share, accumulate=True)
        dilation = features.dilations[index]
        gathered = torch.nn.functional.conv_transpose1d(
            spread[None],
            getattr(features, f"weight_{index}"),
            padding=(KERNEL_LENGTH - 1) // 2 * dilation,
            dilation=dilation,
        )[0]
        attribution += varied[:n_channels] * gathered[:n_channels]
    return attribution


def _like_input(
    X: Any, X_checked: Any, attributions: list[np.ndarray]
) -> np.ndarray | list[np.ndarray]:
    """Shape the attributions like the user's X: 3D, 2D, or a list of series.

    A ``RaggedSeries`` gets a list of ``(n_channels, length)`` arrays, a
    ``LazySeries`` a 3D array.
    """
    if isinstance(X_checked, RaggedSeries):
        return attributions
    if isinstance(X, (list, tuple)) and _is_sequence_of_series(X):
        return [
            attribution[0] if np.ndim(item) == 1 else attribution
            for item, attribution in zip(X, attributions, strict=True)
        ]
    stacked = np.stack(attributions).astype(np.float32, copy=False)
    if isinstance(X_checked, LazySeries):
        return stacked
    return stacked[:, 0, :] if np.ndim(X) == 2 else stacked


def plot_attribution(
    series: Any,
    attribution: Any,
    ax: Any = None,
    *,
    cmap: str = "RdBu_r",
    colorbar: bool = True,
) -> Any:
    """Draw a series with its attribution as a heat band behind it.

    Red steps pushed the explained output up, blue ones down (with the
    default colour map, centred on 0). For several channels the band has one
    row per channel, channel 0 at the top.

    Parameters
    ----------
    series : array-like of shape (n_timesteps,) or (n_channels, n_timesteps)
        One series.
    attribution : array-like of the same shape
        Its attribution, e.g. one item of :func:`explain`'s result.
    ax : matplotlib Axes, default=None
        Where to draw; ``None`` creates a new figure.
    cmap : str, default="RdBu_r"
        A diverging matplotlib colour map.
    colorbar : bool, default=True
        Add a colour bar labelled "attribution".

    Returns
    -------
    ax : matplotlib Axes

    Raises
    ------
    ImportError
        If matplotlib is not installed (extra ``plot``).
    ValueError
        If the two arrays differ in shape or are not 1D/2D.
    """
    plt = import_optional("matplotlib.pyplot", extra="plot", purpose="plot_attribution")

    values = np.asarray(series, dtype=float)
    heat = np.asarray(attribution, dtype=float)
    if values.ndim not in (1, 2) or values.shape != heat.shape:
        raise ValueError(
            "series and attribution must have the same shape, (n_timesteps,) or "
            f"(n_channels, n_timesteps); got {values.shape} and {heat.shape}."
        )
    values, heat = np.atleast_2d(values), np.atleast_2d(heat)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3))
    n_timesteps = values.shape[1]
    low, high = float(values.min()), float(values.max())
    margin = 0.05 * (high - low) or 1.0
    low, high = low - margin, high + margin
    limit = float(np.abs(heat).max()) or 1.0
    image = ax.imshow(
        heat,
        aspect="auto",
        cmap=cmap,
        vmin=-limit,
        vmax=limit,
        extent=(-0.5, n_timesteps - 0.5, low, high),
        interpolation="nearest",
        alpha=0.6,
    )
    for channel, line in enumerate(values):
        ax.plot(
            np.arange(n_timesteps),
            line,
            color="black",
            lw=1.2,
            label=f"channel {channel}" if len(values) > 1 else None,
        )
    ax.set_xlim(-0.5, n_timesteps - 0.5)
    ax.set_ylim(low, high)
    ax.set_xlabel("timestep")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="attribution")
    return ax
