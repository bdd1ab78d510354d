"""benchmarks/speed: the analytic FLOP count against hand counts, sections run."""

from __future__ import annotations

import pytest
import torch

from benchmarks.speed import bench_speed, measure
from sklearn_convlstm.nn import ConvLSTMNetwork, make_network


@pytest.mark.parametrize(
    ("rnn", "n_gates"),
    [("lstm", 4), ("gru", 3)],
)
def test_network_flops_matches_hand_count(rnn, n_gates):
    network = ConvLSTMNetwork(
        n_channels=2,
        n_classes=3,
        conv_channels=(4, 6),
        kernel_sizes=(3, 5),
        conv_padding="valid",
        pool_sizes=(2, 1),
        rnn=rnn,
        lstm_hidden_size=5,
        lstm_layers=2,
        bidirectional=True,
        readout="last",
    )
    # 20 steps -> conv1 (k=3, valid) 18 -> pool 2 -> 9 -> conv2 (k=5) 5 steps.
    expected = [
        2 * 2 * 4 * 3 * 18,  # conv1: 2 * C_in * C_out * k * L_out
        2 * 4 * 6 * 5 * 5,  # conv2
        2 * n_gates * 5 * (6 + 5) * 5 * 2,  # layer 1: I=6, H=5, 5 steps, 2 dirs
        2 * n_gates * 5 * (10 + 5) * 5 * 2,  # layer 2 reads I = 2 * H = 10
        2 * 10 * 3,  # head: 2 directions x 5 -> 3 classes
    ]
    layers = measure.network_flops(network, 20)
    assert [layer["layer"] for layer in layers] == [
        "conv1",
        "conv2",
        f"{rnn}1",
        f"{rnn}2",
        "head",
    ]
    assert [layer["flops"] for layer in layers] == expected
    assert measure.forward_flops(network, 20) == sum(expected)


def test_conv_and_head_flops_match_torch_flop_counter():
    flop_counter = pytest.importorskip("torch.utils.flop_counter")
    network = make_network("default", n_channels=3, n_classes=4, n_timesteps=150)
    network.eval()
    with flop_counter.FlopCounterMode(display=False) as counter:
        with torch.inference_mode():
            network(torch.zeros(1, 3, 150))
    layers = measure.network_flops(network, 150)
    conv_and_head = sum(
        layer["flops"] for layer in layers if not layer["layer"].startswith("lstm")
    )
    # FlopCounterMode counts convolutions and matmuls but not aten::lstm.
    assert counter.get_total_flops() == conv_and_head


def test_throughput_section_runs_with_mixed_precision_rows():
    settings = measure.Settings(
        n_train=64, n_timesteps=40, batch_size=32, max_epochs=1, repeats=1, n_predict=64
    )
    section = measure.compare_throughput(settings, "cpu", mixed_precision_rows=True)
    cases = [row["case"] for row in section.rows]
    assert cases[-2:] == [
        "train: fit, mixed_precision=True",
        "predict: predict_proba, mixed_precision=True",
    ]
    assert all(row["samples_per_s"] > 0 for row in section.rows)
    assert section.rows[-1]["ratio_vs_pytorch"] is not None


def test_latency_section_times_each_part_of_the_default_network():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the section adds a 1-thread row otherwise
    try:
        section = bench_speed.bench_latency(measure.Settings(latency_calls=2), {})
    finally:
        torch.set_num_threads(threads)
    calls = [row["call"].strip() for row in section.rows]
    assert calls[:3] == [
        "predict_proba(float32 series)",
        "predict_proba(float64 series)",
        "predict_proba - module(x) (difference of medians)",
    ]
    for part in ("module(x) under inference_mode", "scaling + conv blocks", "head"):
        assert part in calls
    measured = [row for row in section.rows if "difference" not in row["call"]]
    assert all(row["median_ms"] > 0 for row in measured)
    by_call = {row["call"].strip(): row["median_ms"] for row in section.rows}
    parts = [row["call"] for row in section.rows if row["call"].startswith("    ")]
    readout = next(name for name in parts if "minus the parts above" in name)
    assert by_call[readout.strip()] == pytest.approx(
        by_call["module(x) under inference_mode"]
        - sum(by_call[name.strip()] for name in parts if name != readout)
    )


def test_head_input_is_what_the_head_reads():
    network = make_network("default", n_channels=1, n_classes=3, n_timesteps=40)
    network.eval()
    x = torch.randn(2, 1, 40)
    head_input = bench_speed._head_input(network, x)
    with torch.inference_mode():
        logits = network(x)
        torch.testing.assert_close(network.head(head_input), logits)
    assert not network.head._forward_pre_hooks  # the capturing hook is gone
