"""The network module: article presets reproduced exactly, shapes, lengths, masking."""

from __future__ import annotations

import pickle

import pytest
import torch
from torch import nn

from sklearn_convlstm.nn import (
    ARCHITECTURE_VARIANTS,
    ConvLSTMNetwork,
    TrainingAugmentation,
    make_network,
)
from sklearn_convlstm.nn._inference import _recurrent_kernel_weights, _run_recurrent
from sklearn_convlstm.nn._networks import auto_pool_sizes

# --- The reference article's three classes, copied as written -------------------


class Conv1DLSTMModel(nn.Module):
    def __init__(
        self, input_size, conv_channels, kernel_size, lstm_hidden_size, num_classes
    ):
        super(Conv1DLSTMModel, self).__init__()  # noqa: UP008
        self.conv1d = nn.Conv1d(input_size, conv_channels, kernel_size)
        self.relu = nn.ReLU()
        self.lstm = nn.LSTM(conv_channels, lstm_hidden_size, batch_first=True)
        self.fc = nn.Linear(lstm_hidden_size, num_classes)

    def forward(self, x):
        x = self.conv1d(x)
        x = self.relu(x)
        x = x.permute(0, 2, 1)
        out, _ = self.lstm(x)
        out = self.fc(out[:, -1, :])
        return out


class Conv1DStackedLSTMModel(nn.Module):
    def __init__(
        self,
        input_size,
        conv_channels_list,
        kernel_sizes_list,
        lstm_hidden_size,
        num_classes,
    ):
        super(Conv1DStackedLSTMModel, self).__init__()  # noqa: UP008
        self.conv_layers = nn.ModuleList()
        in_channels = input_size
        for out_channels, kernel_size in zip(  # noqa: B905
            conv_channels_list, kernel_sizes_list
        ):
            self.conv_layers.append(
                nn.Sequential(
                    nn.Conv1d(in_channels, out_channels, kernel_size), nn.ReLU()
                )
            )
            in_channels = out_channels
        self.lstm = nn.LSTM(in_channels, lstm_hidden_size, batch_first=True)
        self.fc = nn.Linear(lstm_hidden_size, num_classes)

    def forward(self, x):
        for conv_layer in self.conv_layers:
            x = conv_layer(x)
        x = x.permute(0, 2, 1)
        out, _ = self.lstm(x)
        out = self.fc(out[:, -1, :])
        return out


class Conv1DLSTMWithDropoutModel(nn.Module):
    def __init__(
        self,
        input_size,
        conv_channels,
        kernel_size,
        lstm_hidden_size,
        num_classes,
        dropout_rate=0.5,
    ):
        super(Conv1DLSTMWithDropoutModel, self).__init__()  # noqa: UP008
        self.conv1d = nn.Conv1d(input_size, conv_channels, kernel_size)
        self.relu = nn.ReLU()
        self.dropout_conv = nn.Dropout(dropout_rate)
        self.lstm = nn.LSTM(conv_channels, lstm_hidden_size, batch_first=True)
        self.dropout_lstm = nn.Dropout(dropout_rate)
        self.fc = nn.Linear(lstm_hidden_size, num_classes)

    def forward(self, x):
        x = self.conv1d(x)
        x = self.relu(x)
        x = self.dropout_conv(x)
        x = x.permute(0, 2, 1)
        out, _ = self.lstm(x)
        out = self.dropout_lstm(out)
        out = self.fc(out[:, -1, :])
        return out


# The article's example usage: 1 input channel, 3 classes, length 100, batch 16.
ARTICLE_REFERENCES = {
    "basic": lambda: Conv1DLSTMModel(1, 32, 3, 64, 3),
    "stacked": lambda: Conv1DStackedLSTMModel(1, [32, 64], [3, 3], 64, 3),
    "dropout": lambda: Conv1DLSTMWithDropoutModel(1, 32, 3, 64, 3, 0.3),
}


def _copy_state(source: nn.Module, target: nn.Module) -> None:
    """Copy parameters in registration order (names differ, order and shapes match)."""
    source_state = list(source.state_dict().values())
    target_keys = list(target.state_dict().keys())
    assert len(source_state) == len(target_keys)
    target.load_state_dict(dict(zip(target_keys, source_state, strict=True)))


@pytest.mark.parametrize("variant", sorted(ARTICLE_REFERENCES))
def test_article_networks_are_reproduced_exactly(variant):
    torch.manual_seed(0)
    reference = ARTICLE_REFERENCES[variant]()
    ours = make_network(variant, n_channels=1, n_classes=3)
    _copy_state(reference, ours)
    x = torch.randn(16, 1, 100)

    reference.eval()
    ours.eval()
    with torch.no_grad():
        expected = reference(x)
        assert expected.shape == (16, 3)
        torch.testing.assert_close(ours(x), expected, rtol=0, atol=0)

    # Training mode too: dropout draws the same masks in the same order.
    reference.train()
    ours.train()
    torch.manual_seed(1)
    expected = reference(x)
    torch.manual_seed(1)
    torch.testing.assert_close(ours(x), expected, rtol=0, atol=0)


def test_article_parameter_counts_match():
    for variant, build in ARTICLE_REFERENCES.items():
        reference_count = sum(p.numel() for p in build().parameters())
        ours = make_network(variant, n_channels=1, n_classes=3)
        assert sum(p.numel() for p in ours.parameters()) == reference_count


@pytest.mark.parametrize("variant", sorted(ARCHITECTURE_VARIANTS))
@pytest.mark.parametrize("n_channels", [1, 6])
def test_output_shape_for_each_variant(variant, n_channels):
    net = make_network(variant, n_channels=n_channels, n_classes=4, n_timesteps=150)
    assert net(torch.randn(5, n_channels, 150)).shape == (5, 4)


@pytest.mark.parametrize("readout", ["last", "mean", "max", "meanmax"])
@pytest.mark.parametrize("rnn", ["lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_readouts_and_recurrent_types(readout, rnn, bidirectional):
    net = ConvLSTMNetwork(
        2,
        3,
        conv_channels=(4, 8),
        rnn=rnn,
        bidirectional=bidirectional,
        readout=readout,
        lstm_hidden_size=5,
        lstm_layers=2,
    )
    expected_type = nn.LSTM if rnn == "lstm" else nn.GRU
    assert type(net.recurrent) is expected_type
    directions = 2 if bidirectional else 1
    width = 5 * directions * (2 if readout == "meanmax" else 1)
    assert net.head.in_features == width
    assert net(torch.randn(3, 2, 20)).shape == (3, 3)


def test_readout_values_on_known_recurrent_output():
    net = ConvLSTMNetwork(1, 2, readout="meanmax", lstm_hidden_size=2)
    out = torch.tensor([[[1.0, -1.0], [3.0, 5.0], [2.0, 0.0]]])
    torch.testing.assert_close(
        net._readout(out), torch.tensor([[2.0, 4.0 / 3.0, 3.0, 5.0]])
    )
    # With a true length of 2, the third step must be ignored.
    torch.testing.assert_close(
        net._readout(out, torch.tensor([2])), torch.tensor([[2.0, 2.0, 3.0, 5.0]])
    )
    net.readout = "last"
    torch.testing.assert_close(net._readout(out, torch.tensor([2])), out[:, 1])


@pytest.mark.parametrize(
    ("config", "expected_min", "expected_out_150"),
    [
        ({"conv_channels": (32,), "kernel_sizes": 3}, 3, 148),
        ({"conv_channels": (32, 64), "kernel_sizes": (3, 5)}, 7, 144),
        (
            {"conv_channels": (8, 8), "kernel_sizes": 3, "pool_sizes": (2, 3)},
            # 1 step <- 3 (pool) <- 5 (conv) <- 10 (pool) <- 12 (conv)
            12,
            (148 // 2 - 2) // 3,
        ),
        (
            {
                "conv_channels": (8, 8, 8),
                "kernel_sizes": (7, 5, 3),
                "conv_padding": "same",
                "pool_sizes": (2, 2, 1),
            },
            4,
            37,
        ),
    ],
)
def test_min_length_and_output_length_are_computed(
    config, expected_min, expected_out_150
):
    net = ConvLSTMNetwork(1, 2, **config)
    assert net.min_length == expected_min
    assert net.output_length(150) == expected_out_150
    assert net.output_length(expected_min) == 1
    assert net.output_length(expected_min - 1) < 1
    net(torch.randn(2, 1, expected_min))  # the minimum itself is accepted
    with pytest.raises(ValueError, match=f"needs at least {expected_min}"):
        net(torch.randn(2, 1, expected_min - 1))


@pytest.mark.parametrize("variant", ["default", "stacked"])
@pytest.mark.parametrize("readout", ["last", "mean", "max", "meanmax"])
@pytest.mark.parametrize("conv_skip", [False, True])
def test_padding_with_lengths_does_not_change_outputs(variant, readout, conv_skip):
    torch.manual_seed(0)
    net = make_network(
        variant, 3, 4, n_timesteps=150, readout=readout, conv_skip=conv_skip
    ).eval()
    lengths = [150, 97, 40, 12]
    x = torch.randn(len(lengths), 3, 150)
    with torch.no_grad():
        padded = net(x, torch.tensor(lengths))
        for row, length in enumerate(lengths):
            alone = net(x[row : row + 1, :, :length])
            torch.testing.assert_close(padded[row : row + 1], alone, atol=1e-5, rtol=0)


@pytest.mark.parametrize("readout", ["last", "mean", "max", "meanmax"])
def test_conv_skip_feeds_the_conv_readout_to_the_head(readout):
    torch.manual_seed(0)
    net = ConvLSTMNetwork(
        2,
        3,
        conv_channels=(4, 6),
        lstm_hidden_size=5,
        bidirectional=True,
        readout=readout,
        conv_skip=True,
    )
    per_step = 2 * 5 + 6  # both LSTM directions, then the last block's channels
    assert net.head.in_features == per_step * (2 if readout == "meanmax" else 1)
    captured = {}
    net.conv_dropout.register_forward_hook(
        lambda module, args, output: captured.update(conv=output)
    )
    net.recurrent.register_forward_hook(
        lambda module, args, output: captured.update(recurrent=output[0])
    )
    logits = net(torch.randn(3, 2, 20))
    steps = torch.cat([captured["recurrent"], captured["conv"].transpose(1, 2)], 2)
    expected_features = {
        "last": steps[:, -1],
        "mean": steps.mean(dim=1),
        "max": steps.amax(dim=1),
        "meanmax": torch.cat([steps.mean(dim=1), steps.amax(dim=1)], dim=1),
    }[readout]
    torch.testing.assert_close(logits, net.head(expected_features))


def test_auto_pool_sizes_bound_the_recurrent_length():
    assert auto_pool_sizes(64, 3) == (1, 1, 1)
    assert auto_pool_sizes(150, 3) == (2, 2, 1)
    assert auto_pool_sizes(10_000, 3) == (13, 13, 1)
    assert auto_pool_sizes(200, 1) == (4,)
    for length in [65, 150, 251, 500, 2_000, 10_000]:
        net = make_network("default", 1, 2, n_timesteps=length)
        assert 1 <= net.output_length(length) <= 64


def test_configuration_errors_are_clear():
    with pytest.raises(ValueError, match="one entry per conv block"):
        ConvLSTMNetwork(1, 2, conv_channels=(4, 4), kernel_sizes=(3,))
    with pytest.raises(ValueError, match="readout must be one of"):
        ConvLSTMNetwork(1, 2, readout="first")
    with pytest.raises(ValueError, match="rnn must be one of"):
        ConvLSTMNetwork(1, 2, rnn="transformer")
    with pytest.raises(ValueError, match="Unknown variant 'wide'"):
        make_network("wide", 1, 2)
    with pytest.raises(ValueError, match="needs n_timesteps"):
        make_network("default", 1, 2)


def test_batch_norm_blocks_have_no_conv_bias():
    net = make_network("default", 1, 2, n_timesteps=100)
    assert all(block.conv.bias is None for block in net.conv_blocks)
    assert all(isinstance(block.norm, nn.BatchNorm1d) for block in net.conv_blocks)


# --- Inference path: batch norm folded into the convolutions ---------------------


def _trained_like_network(**overrides):
    """A default-like network whose batch-norm statistics are not the identity."""
    torch.manual_seed(0)
    net = make_network("default", 3, 4, n_timesteps=60, **overrides)
    net.train()
    with torch.no_grad():
        for _ in range(3):  # move the running statistics away from (0, 1)
            net(torch.randn(16, 3, 60) * 2 + 1)
    return net.eval()


@pytest.mark.parametrize(
    ("batch_norm", "conv_skip", "readout"),
    [
        (True, False, "meanmax"),
        (False, False, "meanmax"),
        (True, True, "meanmax"),
        (False, True, "max"),
        (False, True, "last"),
    ],
)
def test_inference_path_matches_the_layer_by_layer_path(batch_norm, conv_skip, readout):
    net = _trained_like_network(
        batch_norm=batch_norm, conv_skip=conv_skip, readout=readout
    )
    x = torch.randn(5, 3, 60)
    with torch.enable_grad():  # autograd on: the layer-by-layer path
        expected = net(x).detach()
    with torch.inference_mode():
        fast = net(x)
    with torch.no_grad():
        fast_no_grad = net(x)
    if batch_norm:
        torch.testing.assert_close(fast, expected, rtol=1e-5, atol=1e-5)
    else:  # the same operations: bit-identical
        assert torch.equal(fast, expected)
    assert torch.equal(fast_no_grad, fast)


def test_inference_path_follows_weight_changes():
    net = _trained_like_network()
    x = torch.randn(4, 3, 60)
    with torch.no_grad():
        before = net(x)
        net.conv_blocks[1].norm.running_mean.add_(0.5)  # in place
        after = net(x)
        with torch.enable_grad():
            expected = net(x).detach()
    assert not torch.allclose(before, after)
    torch.testing.assert_close(after, expected, rtol=1e-5, atol=1e-5)

    other = _trained_like_network()
    with torch.no_grad():
        other.conv_blocks[0].conv.weight.mul_(2)
    net.load_state_dict(other.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(net(x), other(x), rtol=1e-5, atol=1e-5)


def test_eval_mode_with_autograd_keeps_gradients_and_pickles_without_cache():
    net = _trained_like_network()
    x = torch.randn(2, 3, 60)
    with torch.no_grad():
        net(x)  # builds the cache of fused convolutions
    assert "_fused_cache" in net.__dict__
    net(x).sum().backward()  # eval mode, autograd on: real graph to the weights
    assert net.conv_blocks[0].conv.weight.grad.abs().sum() > 0
    restored = pickle.loads(pickle.dumps(net))
    assert "_fused_cache" not in restored.__dict__
    with torch.no_grad():
        assert torch.equal(restored(x), net(x))


def test_networks_pickled_before_conv_skip_existed_still_load():
    torch.manual_seed(0)
    net = make_network("stacked", 1, 2).eval()
    state = net.__getstate__()
    del state["conv_skip"]  # what an older version pickled
    old = ConvLSTMNetwork.__new__(ConvLSTMNetwork)
    old.__setstate__(state)
    assert old.conv_skip is False
    x = torch.randn(3, 1, 30)
    with torch.no_grad():
        assert torch.equal(old(x), net(x))


def test_hooks_on_bypassed_layers_still_run_in_inference():
    net = _trained_like_network()
    x = torch.randn(3, 3, 60)
    with torch.no_grad():
        fast = net(x)
    seen = []
    handle = net.conv_blocks[1].norm.register_forward_hook(
        lambda module, inputs, output: seen.append(output.shape)
    )
    with torch.no_grad():
        hooked = net(x)  # the layer-by-layer path, so the hook runs
    handle.remove()
    assert seen == [torch.Size([3, 128, 60])]  # block 1 norms before pooling
    torch.testing.assert_close(hooked, fast, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("rnn", "lstm_layers", "bidirectional"),
    [("lstm", 1, True), ("lstm", 2, False), ("gru", 2, True), ("gru", 1, False)],
)
def test_inference_path_calls_the_recurrent_kernel_bit_identically(
    rnn, lstm_layers, bidirectional
):
    net = _trained_like_network(
        batch_norm=False, rnn=rnn, lstm_layers=lstm_layers, bidirectional=bidirectional
    )
    x = torch.randn(4, 3, 60)
    sequence = torch.randn(4, 15, 128)
    with torch.enable_grad():
        expected = net(x).detach()
    with torch.inference_mode():
        fast = net(x)
        _, (_, weights) = net.__dict__["_fused_cache"]
        assert weights is not None and len(weights) == len(net.recurrent._flat_weights)
        kernel_out = _run_recurrent(net.recurrent, sequence, weights)
        module_out, _ = net.recurrent(sequence)
    assert torch.equal(kernel_out, module_out)
    # With autograd on, torch may pick another LSTM kernel: equal up to rounding.
    torch.testing.assert_close(fast, expected, rtol=1e-5, atol=1e-5)


def test_recurrent_layers_the_kernel_cannot_run_go_through_the_module():
    class MyLSTM(nn.LSTM):
        pass

    assert _recurrent_kernel_weights(MyLSTM(4, 3, batch_first=True)) is None
    assert (
        _recurrent_kernel_weights(nn.LSTM(4, 3, batch_first=True, proj_size=2)) is None
    )
    assert _recurrent_kernel_weights(nn.GRU(4, 3)) is None  # not batch-first
    net = _trained_like_network()
    net.recurrent = MyLSTM(128, 64, batch_first=True, bidirectional=True).eval()
    x = torch.randn(2, 3, 60)
    with torch.no_grad():
        fast = net(x)
    with torch.enable_grad():
        expected = net(x).detach()
    torch.testing.assert_close(fast, expected, rtol=1e-5, atol=1e-5)


def test_inference_path_follows_recurrent_weight_changes_and_hooks():
    net = _trained_like_network()
    x = torch.randn(2, 3, 60)
    with torch.no_grad():
        before = net(x)
        net.recurrent.weight_hh_l0.mul_(0.5)  # in place, as an optimizer step
        after = net(x)
    with torch.enable_grad():
        expected = net(x).detach()
    assert not torch.allclose(before, after)
    torch.testing.assert_close(after, expected, rtol=1e-5, atol=1e-5)
    seen = []
    handle = net.recurrent.register_forward_hook(
        lambda module, inputs, output: seen.append(output[0].shape)
    )
    with torch.no_grad():
        hooked = net(x)
    handle.remove()
    assert seen == [torch.Size([2, 60, 128])]  # 60 steps: not pooled
    torch.testing.assert_close(hooked, after, rtol=1e-5, atol=1e-5)


# --- Training augmentation ------------------------------------------------------


def test_augmentation_is_the_identity_in_eval_mode():
    augment = TrainingAugmentation().eval()
    x = torch.randn(3, 2, 50)
    assert augment(x) is x


def test_window_slicing_stretches_a_random_window_back_to_full_length():
    torch.manual_seed(0)
    augment = TrainingAugmentation(window=0.5, scale=0.0).train()
    ramp = torch.arange(10.0).repeat(64, 2, 1)  # (64, 2, 10): 0, 1, ..., 9
    out = augment(ramp)
    assert out.shape == (64, 2, 10)
    starts = out[:, 0, 0]
    # Each series becomes 0.5 * 10 = 5 consecutive steps stretched to 10.
    torch.testing.assert_close(out[:, :, -1], (starts + 4).unsqueeze(1).expand(64, 2))
    torch.testing.assert_close(out[:, 0], out[:, 1])  # one window for all channels
    assert set(starts.tolist()) == {0.0, 1.0, 2.0, 3.0, 4.0, 5.0}
    torch.testing.assert_close(out.diff(dim=-1), torch.full((64, 2, 9), 4 / 9))


def test_amplitude_scaling_only_with_lengths_or_without_slicing():
    torch.manual_seed(0)
    x = torch.randn(32, 3, 20)
    for augment, lengths in [
        (TrainingAugmentation(window=0.5, scale=0.1), torch.full((32,), 20)),
        (TrainingAugmentation(window=1.0, scale=0.1), None),
    ]:
        out = augment.train()(x, lengths)
        factors = out / x  # one factor per series, over channels and steps
        torch.testing.assert_close(factors, factors[:, :1, :1].expand_as(x))
        assert 0.05 < factors[:, 0, 0].std() < 0.2  # scale=0.1
    torch.testing.assert_close(
        TrainingAugmentation(window=1.0, scale=0.0).train()(x), x
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"window": 0.0}, "window must be in"), ({"scale": -1.0}, "scale must be")],
)
def test_augmentation_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainingAugmentation(**kwargs)


def test_network_augments_only_in_training_mode():
    torch.manual_seed(0)
    net = make_network("default", 1, 2, n_timesteps=40, augmentation=(0.8, 0.2))
    assert (net.augmentation.window, net.augmentation.scale) == (0.8, 0.2)
    unchanged = []  # per call: did the augmentation return its input as it was?
    net.augmentation.register_forward_hook(
        lambda module, inputs, output: unchanged.append(torch.equal(output, inputs[0]))
    )
    x = torch.randn(4, 1, 40)
    net.train()
    net(x)
    net.eval()
    with torch.no_grad():  # the hook sends eval mode down the layer-by-layer path
        net(x)
    assert unchanged == [False, True]
    assert make_network("default", 1, 2, n_timesteps=40).augmentation is None


# ------------------------------------------- per-series scaling with amplitude
def _amplitude_network():
    torch.manual_seed(0)
    net = make_network(
        "default", 2, 3, n_timesteps=60, input_scaling="per_series_amplitude"
    )
    net.input_scaling.set_log_amplitude_statistics([1.0, -2.0], [2.0, 0.5])
    return net.eval()


def test_per_series_amplitude_channels_of_padded_batches_use_true_lengths():
    net = _amplitude_network()
    scaling = net.input_scaling
    assert scaling.n_output_channels == 4
    lengths = [60, 23]
    x = torch.randn(2, 2, 60) * torch.tensor([[[5.0], [0.1]]])
    x[1, :, 23:] = 0.0  # padding
    with torch.no_grad():
        padded = scaling(x, torch.tensor(lengths))
        for row, length in enumerate(lengths):
            alone = scaling(x[row : row + 1, :, :length])
            torch.testing.assert_close(padded[row : row + 1, :, :length], alone)
            std = x[row, :, :length].std(dim=-1, correction=0)
            expected = (torch.log(std) - torch.tensor([1.0, -2.0])) / torch.tensor(
                [2.0, 0.5]
            )
            torch.testing.assert_close(alone[0, 2:, 0], expected)


def test_per_series_amplitude_of_a_constant_series_is_zero():
    scaling = _amplitude_network().input_scaling
    x = torch.randn(2, 2, 30)
    x[0, 1] = 7.0  # constant in channel 1
    with torch.no_grad():
        out = scaling(x)
    assert torch.isfinite(out).all()
    assert torch.equal(out[0, 1], torch.zeros(30))  # z-normalised: zeros
    assert torch.equal(out[0, 3], torch.zeros(30))  # its log-amplitude: 0


def test_per_series_amplitude_network_paths_agree():
    net = _amplitude_network()
    x = torch.randn(3, 2, 60) * torch.tensor([1.0, 1e3, 1e-2]).view(3, 1, 1)
    with torch.enable_grad():  # autograd on: the layer-by-layer path
        expected = net(x).detach()
    with torch.inference_mode():
        fast = net(x)
    torch.testing.assert_close(fast, expected, rtol=1e-5, atol=1e-5)
    lengths = [60, 41, 20]
    with torch.no_grad():
        padded = net(x, torch.tensor(lengths))
        for row, length in enumerate(lengths):
            alone = net(x[row : row + 1, :, :length])
            torch.testing.assert_close(padded[row : row + 1], alone, atol=1e-5, rtol=0)
    torch.testing.assert_close(padded[:1], expected[:1], rtol=1e-5, atol=1e-5)


def test_input_scaling_rejects_unknown_methods():
    with pytest.raises(ValueError, match="per_series_amplitude"):
        ConvLSTMNetwork(1, 2, input_scaling="per_sample")


# --- The causal network ------------------------------------------------------


def _causal_network(**overrides) -> ConvLSTMNetwork:
    """A small causal network in eval mode with non-trivial batch-norm statistics."""
    config = {
        "conv_channels": (4, 6),
        "kernel_sizes": (5, 3),
        "lstm_hidden_size": 5,
        "input_scaling": "affine",
        **overrides,
    }
    net = make_network("causal", 2, 3, n_timesteps=40, **config).eval()
    net.input_scaling.set_affine([2.0, 0.5], [0.1, -0.3])
    for block in net.conv_blocks:
        block.norm.running_mean.uniform_(-1, 1)
        block.norm.running_var.uniform_(0.5, 2)
    return net


def test_causal_variant_is_the_default_made_causal():
    causal, default = ARCHITECTURE_VARIANTS["causal"], ARCHITECTURE_VARIANTS["default"]
    assert causal["conv_padding"] == "causal" and causal["bidirectional"] is False
    different = {k for k in default if default[k] != causal[k]}
    assert different == {"conv_padding", "bidirectional"}
    assert make_network("causal", 1, 2, n_timesteps=150).is_causal
    assert not make_network("default", 1, 2, n_timesteps=150).is_causal
    assert not make_network("basic", 1, 2).is_causal


def test_causal_padding_keeps_the_length_and_pads_on_the_left_only():
    net = ConvLSTMNetwork(
        1, 2, conv_channels=(3,), kernel_sizes=4, conv_padding="causal"
    )
    block = net.conv_blocks[0]
    assert block.left_padding == 3 and net.min_length == 1
    assert net.output_length(10) == 10
    x = torch.randn(1, 1, 10)
    with torch.no_grad():
        full = block(x)
        changed = x.clone()
        changed[..., 6:] += 5.0  # later steps change no earlier output
        assert torch.equal(block(changed)[..., :6], full[..., :6])
        assert not torch.equal(block(changed)[..., 6:], full[..., 6:])


@pytest.mark.parametrize("pool_sizes", [1, (2, 3)])
@pytest.mark.parametrize("readout", ["last", "mean", "max", "meanmax"])
@pytest.mark.parametrize("conv_skip", [False, True])
def test_prefix_outputs_equal_the_network_on_every_prefix(
    pool_sizes, readout, conv_skip
):
    torch.manual_seed(0)
    net = _causal_network(pool_sizes=pool_sizes, readout=readout, conv_skip=conv_skip)
    x = torch.randn(3, 2, 30)
    with torch.no_grad():
        steps = net.prefix_outputs(x)
        assert steps.shape == (3, 30, 3)
        for t in range(30):
            if t + 1 < net.min_length:
                assert torch.isnan(steps[:, t]).all()
                continue
            expected = net(x[..., : t + 1])  # the inference path
            torch.testing.assert_close(steps[:, t], expected, atol=1e-5, rtol=0)
            padded = net(x, torch.tensor([t + 1] * 3))  # the padded path
            torch.testing.assert_close(steps[:, t], padded, atol=1e-5, rtol=0)


def test_prefix_outputs_with_lengths_are_nan_after_each_series_end():
    torch.manual_seed(0)
    net = _causal_network(pool_sizes=(2, 1))
    x = torch.randn(3, 2, 20)
    lengths = torch.tensor([20, 11, 4])
    with torch.no_grad():
        alone = net.prefix_outputs(x)
        padded = net.prefix_outputs(x, lengths)
    for row, length in enumerate(lengths.tolist()):
        assert torch.isnan(padded[row, length:]).all()
        torch.testing.assert_close(
            padded[row, 1:length], alone[row, 1:length], atol=1e-6, rtol=0
        )


def test_prefix_outputs_refuse_a_network_that_looks_ahead():
    net = make_network("default", 1, 2, n_timesteps=40).eval()
    with pytest.raises(ValueError, match="needs a causal network"):
        net.prefix_outputs(torch.randn(1, 1, 40))
    per_series = make_network(
        "causal", 1, 2, n_timesteps=40, input_scaling="per_series"
    )
    assert not per_series.is_causal


@pytest.mark.parametrize("rnn", ["lstm", "gru"])
@pytest.mark.parametrize("pool_sizes", [1, (2, 3)])
@pytest.mark.parametrize("readout", ["last", "meanmax"])
def test_network_stream_equals_prefix_outputs_over_random_chunks(
    rnn, pool_sizes, readout
):
    from sklearn_convlstm.nn._streaming import NetworkStream

    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    net = _causal_network(
        rnn=rnn, pool_sizes=pool_sizes, readout=readout, lstm_layers=2, conv_skip=True
    )
    n_series, n_steps = 4, 31
    x = torch.randn(n_series, 2, n_steps)
    with torch.inference_mode():
        expected = net.prefix_outputs(x)
        stream = NetworkStream(net, n_series)
        seen = [0] * n_series
        while min(seen) < n_steps:
            chunks = []
            for row in range(n_series):
                k = int(torch.randint(0, 5, (1,), generator=generator))
                k = min(k, n_steps - seen[row])
                chunks.append(x[row, :, seen[row] : seen[row] + k])
                seen[row] += k
            stream.advance(chunks)
            outputs = stream.outputs()
            for row, count in enumerate(seen):
                if count < net.min_length:
                    assert torch.isnan(outputs[row]).all()
                else:
                    torch.testing.assert_close(
                        outputs[row], expected[row, count - 1], atol=1e-5, rtol=0
                    )
        assert stream.steps_seen.tolist() == [n_steps] * n_series
