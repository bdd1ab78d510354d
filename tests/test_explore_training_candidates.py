"""benchmarks/explore_training_candidates.py: its candidates do what they claim."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from benchmark_loader import benchmark_module
from skorch.callbacks import Callback

from sklearn_convlstm import ConvLSTMClassifier


@pytest.fixture(scope="module")
def explore():
    with benchmark_module("explore_training_candidates") as module:
        yield module


class _RecordHeadWeights(Callback):
    """Keep a copy of the head's weight after every epoch."""

    def on_train_begin(self, net, **kwargs):
        self.weights_ = []

    def on_epoch_end(self, net, **kwargs):
        self.weights_.append(net.module_.head.weight.detach().clone())


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(24, 1, 16)).astype(np.float32)
    y = np.repeat([0, 1], 12)
    X[y == 1, 0, 4:8] += 2.0
    return X, y


def test_swa_leaves_the_mean_of_the_epoch_weights(explore):
    X, y = _data()
    recorder = _RecordHeadWeights()
    averaging = explore.WeightAveraging("swa", start=0.5)
    clf = ConvLSTMClassifier(
        max_epochs=4, random_state=0, callbacks=(recorder, averaging)
    ).fit(X, y)
    # The callbacks are deep-copied into the net: read the copies back.
    by_type = {type(cb): cb for _, cb in clf.net_.callbacks_}
    epochs = by_type[_RecordHeadWeights].weights_
    assert len(epochs) == 4
    expected = torch.stack(epochs[2:]).mean(dim=0)  # epochs 3 and 4
    torch.testing.assert_close(clf.net_.module_.head.weight.detach(), expected)
    assert not torch.equal(expected, epochs[-1])


def test_swa_recomputes_batch_norm_statistics_on_the_training_data(explore):
    X, y = _data(1)
    clf = ConvLSTMClassifier(
        max_epochs=3,
        random_state=0,
        callbacks=(explore.WeightAveraging("swa", start=0.0),),
    ).fit(X, y)
    module = clf.net_.module_
    first = module.conv_blocks[0]
    with torch.no_grad():
        conv_out = first.conv(module.input_scaling(torch.as_tensor(X)))
    torch.testing.assert_close(
        first.norm.running_mean, conv_out.mean(dim=(0, 2)), rtol=1e-4, atol=1e-5
    )
    assert first.norm.momentum == 0.1  # restored after the pass
