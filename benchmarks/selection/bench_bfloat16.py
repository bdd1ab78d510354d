"""Measure whether bfloat16 changes accuracy in training or in prediction.

Cross-validation on TRAIN splits only (the folds of bench_default_selection).
For each fold, two ConvLSTMClassifiers with default parameters are trained,
one in float32 and one with ``mixed_precision=True`` (bfloat16 autocast), and
each is scored predicting in float32 and in bfloat16 (``mixed_precision`` is
switched with ``set_params`` after ``fit``; it only decides the autocast of
the forward passes). A third network trains in float32 with the activations
around every Conv1d, LSTM and Linear rounded to bfloat16 precision
(:class:`RoundActivationsToBfloat16`), and a fourth also with their weights
rounded, a fifth also with the gradients rounded
(:class:`RoundGradientsToBfloat16`), to see whether that rounding explains
the difference; two more
train only the conv blocks or only the LSTM under autocast
(:class:`AutocastPart`). Writes ``bfloat16_split.csv``, ``bfloat16_split.md``
and ``metadata.json`` to the study folder ``--out``.

Usage::

    python -m benchmarks.selection.bench_bfloat16 --datasets ArrowHead \
        --seeds 0,1,2,3,4 --out /tmp/bfloat16
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from skorch.callbacks import Callback
from torch.nn.utils import parametrize

from benchmarks.harness import (
    add_data_arguments,
    add_out_argument,
    comma_ints,
    command_line,
    run_in_parallel,
    take,
    train_split_folds,
    write_csv,
    write_metadata,
)
from sklearn_convlstm import ConvLSTMClassifier

ROUNDED_ACTIVATIONS = "float32, activations rounded to bfloat16"
ROUNDED_BOTH = "float32, activations and weights rounded to bfloat16"
ROUNDED_ALL = "float32, activations, weights and gradients rounded to bfloat16"
CONV_ONLY = "bfloat16 conv blocks, float32 LSTM and head"
RECURRENT_ONLY = "bfloat16 LSTM, float32 conv blocks and head"


def _round_to_bfloat16(x: torch.Tensor) -> torch.Tensor:
    """Round to bfloat16 and back, with a straight-through gradient."""
    return x + (x.to(torch.bfloat16).to(x.dtype) - x).detach()


def _round_output(module, inputs, output):
    if not module.training:
        return output
    if isinstance(output, tuple):  # LSTM: (outputs, (h, c))
        if not isinstance(output[0], torch.Tensor):
            return output  # a PackedSequence
        return (_round_to_bfloat16(output[0]), *output[1:])
    return _round_to_bfloat16(output)


def _round_inputs(module, inputs):
    if not module.training or not isinstance(inputs[0], torch.Tensor):
        return inputs  # eval mode, or a PackedSequence
    return (_round_to_bfloat16(inputs[0]), *inputs[1:])


class _RoundedToBfloat16(torch.nn.Module):
    """Parametrization: a weight rounded to bfloat16 (straight-through)."""

    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        return _round_to_bfloat16(weight)


def _round_gradient(gradient: torch.Tensor) -> torch.Tensor:
    return gradient.to(torch.bfloat16).to(gradient.dtype)


def _round_grad_inputs(module, grad_input, grad_output):
    return tuple(None if grad is None else _round_gradient(grad) for grad in grad_input)


class RoundGradientsToBfloat16(Callback):
    """Emulate bfloat16 gradients in float32 training.

    On top of :class:`RoundActivationsToBfloat16` with ``weights=True``, rounds
    the gradient each Conv1d, LSTM/GRU and Linear layer passes back to its
    input, and the gradient of each of their weights, to bfloat16 precision.
    """

    def on_train_begin(self, net, **kwargs):
        """Register forward rounding, then the gradient rounding hooks."""
        RoundActivationsToBfloat16(weights=True).on_train_begin(net)
        for module in net.module_.modules():
            if isinstance(module, (torch.nn.Conv1d, torch.nn.RNNBase, torch.nn.Linear)):
                module.register_full_backward_hook(_round_grad_inputs)
                for parameter in module.parameters():
                    parameter.register_hook(_round_gradient)


class RoundActivationsToBfloat16(Callback):
    """Emulate bfloat16 in float32 training.

    Rounds the input and the output of every Conv1d, LSTM/GRU and Linear layer
    to bfloat16 precision in training mode (straight-through gradients);
    gradients and arithmetic stay float32, and predictions see unrounded
    activations. With ``weights=True`` those layers' weights are rounded too
    (a parametrization, so they stay rounded when predicting).
    """

    def __init__(self, weights: bool = False) -> None:
        self.weights = weights

    def on_train_begin(self, net, **kwargs):
        """Register the rounding hooks on the network about to be trained."""
        for module in net.module_.modules():
            if isinstance(module, (torch.nn.Conv1d, torch.nn.RNNBase, torch.nn.Linear)):
                module.register_forward_pre_hook(_round_inputs)
                module.register_forward_hook(_round_output)
                if self.weights:
                    for name, _ in list(module.named_parameters(recurse=False)):
                        if "weight" in name:
                            parametrize.register_parametrization(
                                module, name, _RoundedToBfloat16()
                            )


class AutocastPart(Callback):
    """Train one part of the network under bfloat16 autocast, the rest in float32.

    ``part`` is ``"conv"`` (every conv block) or ``"recurrent"`` (the LSTM).
    The part's forward (and so its backward) runs under autocast in training
    mode; its outputs are cast back to float32 for the next layers.
    """

    def __init__(self, part: str) -> None:
        self.part = part

    def on_train_begin(self, net, **kwargs):
        """Wrap the forward of the chosen layers of the network."""
        network = net.module_
        parts = (
            list(network.conv_blocks) if self.part == "conv" else [network.recurrent]
        )
        for module in parts:
            module.forward = _autocast_in_training(module, module.forward)


def _autocast_in_training(module, forward):
    def wrapped(*args, **kwargs):
        if not module.training:
            return forward(*args, **kwargs)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            output = forward(*args, **kwargs)
        if isinstance(output, tuple):  # LSTM: (outputs, (h, c))
            return (output[0].float(), output[1])
        return output.float()

    return wrapped


def run_fold(dataset, fold, X, y, train_index, test_index, seed):
    """Score float32- and bfloat16-trained networks, predicting in both."""
    torch.set_num_threads(1)
    rows = []
    X_valid, y_valid = take(X, test_index), y[test_index]
    for train_bf16 in (False, True):
        model = ConvLSTMClassifier(mixed_precision=train_bf16, random_state=seed)
        model.fit(take(X, train_index), y[train_index])
        for predict_bf16 in (False, True):
            model.set_params(mixed_precision=predict_bf16)
            rows.append(
                {
                    "dataset": dataset,
                    "fold": fold,
                    "seed": seed,
                    "train": "bfloat16" if train_bf16 else "float32",
                    "predict": "bfloat16" if predict_bf16 else "float32",
                    "cv_accuracy": round(float(model.score(X_valid, y_valid)), 6),
                }
            )
    variants = [
        (RoundActivationsToBfloat16(weights=False), ROUNDED_ACTIVATIONS),
        (RoundActivationsToBfloat16(weights=True), ROUNDED_BOTH),
        (RoundGradientsToBfloat16(), ROUNDED_ALL),
        (AutocastPart("conv"), CONV_ONLY),
        (AutocastPart("recurrent"), RECURRENT_ONLY),
    ]
    for callback, label in variants:
        weights = label in (ROUNDED_BOTH, ROUNDED_ALL)
        model = ConvLSTMClassifier(callbacks=(callback,), random_state=seed)
        model.fit(take(X, train_index), y[train_index])
        rows.append(
            {
                "dataset": dataset,
                "fold": fold,
                "seed": seed,
                "train": label,
                "predict": "float32 (weights stay rounded)" if weights else "float32",
                "cv_accuracy": round(float(model.score(X_valid, y_valid)), 6),
            }
        )
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_data_arguments(parser, datasets=("ArrowHead",))
    parser.add_argument("--seeds", type=comma_ints, default=[0, 1, 2, 3, 4])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    add_out_argument(parser)
    args = parser.parse_args(argv)
    tasks = [
        (dataset, fold, X, y, train_index, test_index, seed)
        for seed in args.seeds
        for dataset, fold, X, y, train_index, test_index in train_split_folds(
            args.datasets, args.folds, seed, args.data_home
        )
    ]
    results, wall = run_in_parallel(run_fold, tasks, args.jobs)
    rows = [row for fold_rows in results for row in fold_rows]
    path = write_csv(rows, args.out / "bfloat16_split.csv")
    command = command_line(__spec__.name if __spec__ else __name__, argv)
    write_metadata(args.out, command=command, wall_seconds=wall)
    lines = [
        "# bfloat16 in training vs in prediction: CV on TRAIN splits only",
        "",
        f"Command: `{command}` ({args.jobs} workers x 1 torch thread; {wall:.0f} s)."
        f" Mean {args.folds}-fold CV accuracy over CV seeds "
        f"{','.join(map(str, args.seeds))}; "
        "default ConvLSTMClassifier parameters otherwise.",
        "",
        "| dataset | trained in | predicting in | mean CV accuracy | per CV seed |",
        "|---|---|---|---|---|",
    ]
    combinations = [
        (train, predict)
        for train in ("float32", "bfloat16")
        for predict in ("float32", "bfloat16")
    ] + [
        (ROUNDED_ACTIVATIONS, "float32"),
        (ROUNDED_BOTH, "float32 (weights stay rounded)"),
        (ROUNDED_ALL, "float32 (weights stay rounded)"),
        (CONV_ONLY, "float32"),
        (RECURRENT_ONLY, "float32"),
    ]
    for dataset in args.datasets:
        for train, predict in combinations:
            group = [
                r
                for r in rows
                if (r["dataset"], r["train"], r["predict"]) == (dataset, train, predict)
            ]
            seeds = sorted({r["seed"] for r in group})
            per_seed = [
                np.mean([r["cv_accuracy"] for r in group if r["seed"] == s])
                for s in seeds
            ]
            mean = np.mean([r["cv_accuracy"] for r in group])
            lines.append(
                f"| {dataset} | {train} | {predict} | {mean:.3f} | "
                + ", ".join(f"{v:.3f}" for v in per_seed)
                + " |"
            )
    path.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
