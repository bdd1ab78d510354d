"""benchmarks/selection/explore_training_candidates: candidates do what they claim."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from skorch.callbacks import Callback

from benchmarks.selection import explore_training_candidates as explore
from sklearn_convlstm import ConvLSTMClassifier


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


def test_swa_leaves_the_mean_of_the_epoch_weights():
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


def test_swa_recomputes_batch_norm_statistics_on_the_training_data():
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


def test_mixed_loss_weighs_both_labelings_once_then_is_plain():
    y_pred = torch.tensor([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    y = torch.tensor([0, 1, 1])
    partner = torch.tensor([2, 0, 1])
    state = {"mix": (0.25, partner)}
    loss = explore._MixedLoss(torch.nn.CrossEntropyLoss(), state)
    expected = 0.25 * F.cross_entropy(y_pred, y) + 0.75 * F.cross_entropy(
        y_pred, y[partner]
    )
    torch.testing.assert_close(loss(y_pred, y), expected)
    assert state == {}  # consumed: the next (validation) call is plain
    torch.testing.assert_close(loss(y_pred, y), F.cross_entropy(y_pred, y))


class _RecordInputs(Callback):
    """Record what the network receives, in training and in eval mode."""

    def on_train_begin(self, net, **kwargs):
        self.seen_ = []
        self.handle_ = net.module_.register_forward_pre_hook(
            lambda module, args: self.seen_.append((module.training, args[0].clone()))
        )

    def on_train_end(self, net, **kwargs):
        self.handle_.remove()


def _mixing_weights(x: torch.Tensor, m: torch.Tensor) -> list[float]:
    """Find, per row of ``m``, the ``lam`` of ``m[i] = lam x[i] + (1 - lam) x[j]``.

    Tries every partner ``j``; rows mixed with themselves are skipped. The
    weights are rounded, so one shared ``lam`` gives a one-element set.
    """
    weights = []
    for i in range(len(x)):
        if torch.allclose(m[i], x[i]):
            continue
        fits = []
        for j in range(len(x)):
            difference = x[i] - x[j]
            if j == i or not difference.any():
                continue
            lam = float((m[i] - x[j]) @ difference / (difference @ difference))
            residual = float((m[i] - lam * x[i] - (1 - lam) * x[j]).abs().max())
            fits.append((residual, lam))
        residual, lam = min(fits)
        assert residual < 1e-5
        assert 0.0 < lam < 1.0
        weights.append(round(lam, 4))
    return weights


def test_mixup_mixes_training_batches_and_leaves_no_trace():
    X, y = _data(2)
    before, after = _RecordInputs(), _RecordInputs()
    clf = ConvLSTMClassifier(
        max_epochs=2,
        batch_size=24,  # one batch per epoch: the raw batch is X in some order
        random_state=0,
        callbacks=(before, explore.Mixup(0.4), after),
    ).fit(X, y)
    by_type = [cb for _, cb in clf.net_.callbacks_ if isinstance(cb, _RecordInputs)]
    raw, mixed = by_type[0].seen_, by_type[1].seen_
    training = [i for i, (is_training, _) in enumerate(raw) if is_training]
    assert training  # the training batches went through the hooks
    for i in training:
        x, m = raw[i][1].flatten(1), mixed[i][1].flatten(1)
        assert not torch.equal(x, m)
        assert _mixing_weights(x, m) and len(set(_mixing_weights(x, m))) == 1
    assert type(clf.net_.criterion_) is torch.nn.CrossEntropyLoss
    assert not clf.net_.module_._forward_pre_hooks
