r"""Exploratory CV of training ideas that are not (yet) ConvLSTMClassifier options.

Stratified 5-fold cross-validation on TRAIN splits only (the folds and network
seeds of ``bench_default_selection.py``), for candidate ideas implemented here,
outside the package, so they can be tried before being built in:

* weight averaging (``swa*``: the mean of the weights at the end of each epoch
  from a fraction of training on, BatchNorm statistics recomputed afterwards;
  ``ema*``: an exponential moving average updated every batch),
* noise (``jitter``: Gaussian noise on the scaled input; ``featnoise``:
  multiplicative Gaussian noise on the last conv block's output),
* mixup (a patched training step mixing pairs of series and their losses),
* plain parameter changes (kernels, width, epochs, GRU).

One JSON line per fold is appended to ``--out``; a per-seed table is printed.

Usage::

    python benchmarks/explore_training_candidates.py --configs default,swa75 \\
        --datasets ArrowHead --seeds 0,1,2 --out /tmp/explore.jsonl
"""

from __future__ import annotations

import argparse
import collections
import json
import time

import numpy as np
import torch
import torch.nn.functional as F
from bench_accuracy import DEFAULT_DATA_HOME
from bench_default_selection import _take, train_split_folds
from joblib import Parallel, delayed
from skorch.callbacks import Callback
from skorch.dataset import unpack_data
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm import classifier as classifier_module


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


_PLAIN_TRAIN_STEP = classifier_module._AutocastNeuralNetClassifier.train_step_single
_MIXUP = {"alpha": None}


def _mixup_train_step(self, batch, **fit_params):
    """Run the training step, with mixup when ``_MIXUP["alpha"]`` is set."""
    alpha = _MIXUP["alpha"]
    if alpha is None:
        return _PLAIN_TRAIN_STEP(self, batch, **fit_params)
    self._set_training(True)
    X, y = unpack_data(batch)
    # Seeded from torch's generator, so the network seed fixes it.
    seed = int(torch.randint(0, 2**31, ()).item())
    lam = float(np.random.default_rng(seed).beta(alpha, alpha))
    partner = torch.randperm(len(y))
    y_pred = self.infer(lam * X + (1 - lam) * X[partner], **fit_params)
    loss = lam * F.cross_entropy(y_pred, y) + (1 - lam) * F.cross_entropy(
        y_pred, y[partner]
    )
    loss.backward()
    return {"loss": loss, "y_pred": y_pred}


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
    "mixup0.2": {"_mixup": 0.2},
    "mixup0.4": {"_mixup": 0.4},
    "kernels975": {"kernel_sizes": (9, 7, 5)},
    "fcn_width": {"conv_channels": (128, 256, 128), "kernel_sizes": (8, 5, 3)},
    "epochs200": {"max_epochs": 200},
    "gru": {"rnn": "gru"},
}


def run_fold(dataset, config, fold, X, y, train_index, test_index, seed):
    """Fit one candidate on one fold; return its row."""
    torch.set_num_threads(1)
    # Patched here, in the worker process: joblib workers do not run this
    # module's top level.
    classifier_module._AutocastNeuralNetClassifier.train_step_single = _mixup_train_step
    params = dict(CANDIDATES[config])
    _MIXUP["alpha"] = params.pop("_mixup", None)
    clf = ConvLSTMClassifier(**params, random_state=seed)
    start = time.perf_counter()
    clf.fit(_take(X, train_index), y[train_index])
    fit_seconds = time.perf_counter() - start
    accuracy = clf.score(_take(X, test_index), y[test_index])
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
    parser.add_argument("--configs", default="default,swa75")
    parser.add_argument("--datasets", default="ArrowHead")
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--data-home", default=str(DEFAULT_DATA_HOME))
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    configs = args.configs.split(",")
    unknown = sorted(set(configs) - set(CANDIDATES))
    if unknown:
        parser.error(f"unknown configs {unknown}; choose from {sorted(CANDIDATES)}")
    datasets = args.datasets.split(",")
    seeds = [int(seed) for seed in args.seeds.split(",")]
    tasks = [
        (dataset, config, fold, X, y, train_index, test_index, seed)
        for seed in seeds
        for dataset, fold, X, y, train_index, test_index in train_split_folds(
            datasets, 5, seed, args.data_home
        )
        for config in configs
    ]
    rows = Parallel(n_jobs=args.jobs)(delayed(run_fold)(*task) for task in tasks)
    with open(args.out, "a", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
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
