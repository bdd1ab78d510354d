r"""Exploratory CV of training ideas that are not (yet) ConvLSTMClassifier options.

Stratified 5-fold cross-validation on TRAIN splits only (the folds and network
seeds of ``bench_default_selection``), for candidate ideas implemented here,
outside the package as skorch callbacks, so they can be tried before being
built in:

* weight averaging (``swa*``: the mean of the weights at the end of each epoch
  from a fraction of training on, BatchNorm statistics recomputed afterwards;
  ``ema*``: an exponential moving average updated every batch),
* noise (``jitter``: Gaussian noise on the scaled input; ``featnoise``:
  multiplicative Gaussian noise on the last conv block's output),
* mixup (:class:`Mixup`: pairs of series and their losses mixed in training),
* plain parameter changes (kernels, width, epochs, GRU).

One row per fold is appended to ``<out>/candidates.csv`` (and the run to
``<out>/metadata.json``); a per-seed table is printed.

Usage::

    python -m benchmarks.selection.explore_training_candidates \\
        --configs default,swa75 --datasets ArrowHead --seeds 0,1,2 --out /tmp/explore
"""

from __future__ import annotations

import argparse
import collections
import time
from typing import Any

import numpy as np
import torch
from skorch.callbacks import Callback
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from benchmarks.harness import (
    add_data_arguments,
    add_out_argument,
    append_csv,
    comma_ints,
    comma_list,
    command_line,
    run_in_parallel,
    take,
    train_split_folds,
    write_metadata,
)
from sklearn_convlstm import ConvLSTMClassifier


class WeightAveraging(Callback):
    """Replace the trained weights by an average over the end of training.

    Parameters
    ----------
    mode : {"swa", "ema"}
        ``"swa"``: equal-weight mean of the weights after each epoch from
        ``start * max_epochs`` on; ``"ema"``: exponential moving average with
        ``decay``, updated after every training batch from then on.
    start : float
        Fraction of the epochs after which averaging starts.
    decay : float
        EMA decay per batch (``mode="ema"`` only).
    batch_norm : {"recompute", "average"}
        ``"recompute"``: BatchNorm running statistics recomputed with one pass
        over the training data; ``"average"``: averaged like the weights.
    """

    def __init__(self, mode="swa", start=0.75, decay=0.99, batch_norm="recompute"):
        self.mode = mode
        self.start = start
        self.decay = decay
        self.batch_norm = batch_norm

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        """Start an empty average of the module."""
        average = get_ema_multi_avg_fn(self.decay) if self.mode == "ema" else None
        self.average_ = AveragedModel(
            net.module_,
            multi_avg_fn=average,
            use_buffers=self.batch_norm == "average",
        )
        self.start_epoch_ = int(self.start * net.max_epochs)

    def on_batch_end(self, net, training=True, **kwargs):
        """EMA: add the weights after a training batch."""
        if self.mode == "ema" and training and len(net.history) > self.start_epoch_:
            self.average_.update_parameters(net.module_)

    def on_epoch_end(self, net, **kwargs):
        """SWA: add the weights after an epoch."""
        if self.mode == "swa" and len(net.history) > self.start_epoch_:
            self.average_.update_parameters(net.module_)

    def on_train_end(self, net, X=None, y=None, **kwargs):
        """Copy the average into the module; settle BatchNorm statistics."""
        module = net.module_
        averaged = self.average_.module
        with torch.no_grad():
            for mine, mean in zip(
                module.parameters(), averaged.parameters(), strict=True
            ):
                mine.copy_(mean)
            if self.batch_norm == "average":
                for mine, mean in zip(
                    module.buffers(), averaged.buffers(), strict=True
                ):
                    mine.copy_(mean)
        if self.batch_norm == "recompute":
            norms = [
                m
                for m in module.modules()
                if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
            ]
            momenta = [norm.momentum for norm in norms]
            for norm in norms:
                norm.reset_running_stats()
                norm.momentum = None  # a cumulative mean over the pass
            module.train()
            with torch.no_grad():
                for batch_X, _ in net.get_iterator(
                    net.get_dataset(X, y), training=True
                ):
                    net.infer(batch_X)
            for norm, momentum in zip(norms, momenta, strict=True):
                norm.momentum = momentum
        del self.average_


class GaussianNoise(Callback):
    """Gaussian noise in training: additive on the input, or multiplicative.

    Parameters
    ----------
    where : {"input", "features"}
        ``"input"``: ``x + sigma * N(0, 1)`` on the scaled input of the first
        conv block; ``"features"``: ``h * (1 + sigma * N(0, 1))`` on the last
        conv block's output.
    sigma : float
        Noise scale.
    """

    def __init__(self, where="input", sigma=0.1):
        self.where = where
        self.sigma = sigma

    def on_train_begin(self, net, **kwargs):
        """Register the noise as a hook on the conv stack."""
        blocks = net.module_.conv_blocks
        sigma = self.sigma

        def add_to_input(module, args):
            if module.training:
                return (args[0] + sigma * torch.randn_like(args[0]), *args[1:])
            return None

        def scale_output(module, args, output):
            if module.training:
                return output * (1 + sigma * torch.randn_like(output))
            return None

        if self.where == "input":
            self.handle_ = blocks[0].register_forward_pre_hook(add_to_input)
        else:
            self.handle_ = blocks[-1].register_forward_hook(scale_output)

    def on_train_end(self, net, **kwargs):
        """Remove the hook."""
        self.handle_.remove()
        del self.handle_


class _MixedLoss(torch.nn.Module):
    """The loss of a mixed batch: ``lam * loss(y) + (1 - lam) * loss(y[perm])``.

    ``state["mix"]``, set by :class:`Mixup`'s hook when it mixed the batch, is
    consumed by the next call; without it (validation) the plain loss.
    """

    def __init__(self, loss: torch.nn.Module, state: dict[str, Any]) -> None:
        super().__init__()
        self.loss = loss
        self.state = state

    def forward(self, y_pred: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
        mix = self.state.pop("mix", None)
        if mix is None:
            return self.loss(y_pred, y_true)
        lam, partner = mix
        return lam * self.loss(y_pred, y_true) + (1 - lam) * self.loss(
            y_pred, y_true[partner]
        )


class Mixup(Callback):
    """Mixup in training: each batch mixed with a shuffled copy of itself.

    A forward pre-hook on the network replaces a training batch ``x`` by
    ``lam * x + (1 - lam) * x[perm]`` with ``lam ~ Beta(alpha, alpha)`` and a
    random permutation ``perm``; the criterion, wrapped while training, scores
    that batch ``lam * loss(y) + (1 - lam) * loss(y[perm])``. Both draws come
    from torch's generator, which the network seed fixes. Networks in eval
    mode (validation, prediction) see the series unmixed.

    Parameters
    ----------
    alpha : float
        Parameter of the Beta distribution of the mixing weight.
    """

    def __init__(self, alpha: float = 0.2) -> None:
        self.alpha = alpha

    def on_train_begin(self, net, **kwargs):
        """Register the mixing hook and wrap the criterion."""
        state: dict[str, Any] = {}
        alpha = self.alpha

        def mix(module, args):
            if not module.training:
                return None
            x = args[0]
            seed = int(torch.randint(0, 2**31, ()).item())
            lam = float(np.random.default_rng(seed).beta(alpha, alpha))
            partner = torch.randperm(len(x))
            state["mix"] = (lam, partner)
            return (lam * x + (1 - lam) * x[partner], *args[1:])

        self.handle_ = net.module_.register_forward_pre_hook(mix)
        net.criterion_ = _MixedLoss(net.criterion_, state)

    def on_train_end(self, net, **kwargs):
        """Remove the hook and unwrap the criterion."""
        self.handle_.remove()
        del self.handle_
        net.criterion_ = net.criterion_.loss


CANDIDATES: dict[str, dict] = {
    "default": {},
    "swa75": {"callbacks": (WeightAveraging("swa", 0.75),)},
    "swa50": {"callbacks": (WeightAveraging("swa", 0.5),)},
    "ema99": {"callbacks": (WeightAveraging("ema", 0.25, 0.99),)},
    "ema99_bn_average": {
        "callbacks": (WeightAveraging("ema", 0.25, 0.99, batch_norm="average"),)
    },
    "swa50_cosine": {
        "callbacks": (WeightAveraging("swa", 0.5),),
        "lr_schedule": "cosine",
    },
    "jitter0.1": {"callbacks": (GaussianNoise("input", 0.1),)},
    "featnoise0.1": {"callbacks": (GaussianNoise("features", 0.1),)},
    "mixup0.2": {"callbacks": (Mixup(0.2),)},
    "mixup0.4": {"callbacks": (Mixup(0.4),)},
    "kernels975": {"kernel_sizes": (9, 7, 5)},
    "fcn_width": {"conv_channels": (128, 256, 128), "kernel_sizes": (8, 5, 3)},
    "epochs200": {"max_epochs": 200},
    "gru": {"rnn": "gru"},
}


def run_fold(dataset, config, fold, X, y, train_index, test_index, seed):
    """Fit one candidate on one fold; return its row."""
    torch.set_num_threads(1)
    clf = ConvLSTMClassifier(**CANDIDATES[config], random_state=seed)
    start = time.perf_counter()
    clf.fit(take(X, train_index), y[train_index])
    fit_seconds = time.perf_counter() - start
    accuracy = clf.score(take(X, test_index), y[test_index])
    return {
        "dataset": dataset,
        "config": config,
        "fold": fold,
        "seed": seed,
        "cv_accuracy": float(accuracy),
        "fit_seconds": fit_seconds,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--configs", type=comma_list, default=["default", "swa75"])
    add_data_arguments(parser, datasets=("ArrowHead",))
    parser.add_argument("--seeds", type=comma_ints, default=[0, 1, 2, 3, 4])
    parser.add_argument("--jobs", type=int, default=2)
    add_out_argument(parser)
    args = parser.parse_args(argv)
    configs, datasets, seeds = args.configs, args.datasets, args.seeds
    unknown = sorted(set(configs) - set(CANDIDATES))
    if unknown:
        parser.error(f"unknown configs {unknown}; choose from {sorted(CANDIDATES)}")
    tasks = [
        (dataset, config, fold, X, y, train_index, test_index, seed)
        for seed in seeds
        for dataset, fold, X, y, train_index, test_index in train_split_folds(
            datasets, 5, seed, args.data_home
        )
        for config in configs
    ]
    rows, wall = run_in_parallel(run_fold, tasks, args.jobs)
    append_csv(rows, args.out / "candidates.csv")
    command = command_line(__spec__.name if __spec__ else __name__, argv)
    write_metadata(args.out, command=command, wall_seconds=wall, append=True)
    per_seed = collections.defaultdict(list)
    for row in rows:
        per_seed[row["dataset"], row["config"], row["seed"]].append(row["cv_accuracy"])
    for dataset in datasets:
        for config in configs:
            means = [np.mean(per_seed[dataset, config, seed]) for seed in seeds]
            print(
                f"{dataset} {config}: "
                + " ".join(f"{m:.3f}" for m in means)
                + f"  mean {np.mean(means):.3f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
