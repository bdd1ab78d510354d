"""The analytic FLOP count of benchmarks/bench_speed.py against hand counts."""

from __future__ import annotations

import pytest
import torch
from benchmark_loader import benchmark_module

from sklearn_convlstm.networks import ConvLSTMNetwork, make_network


@pytest.fixture(scope="module")
def bench_speed():
    with benchmark_module("bench_speed") as module:
        yield module


@pytest.mark.parametrize(
    ("rnn", "n_gates"),
    [("lstm", 4), ("gru", 3)],
)
def test_network_flops_matches_hand_count(bench_speed, rnn, n_gates):
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
    layers = bench_speed.network_flops(network, 20)
    assert [layer["layer"] for layer in layers] == [
        "conv1",
        "conv2",
        f"{rnn}1",
        f"{rnn}2",
        "head",
    ]
    assert [layer["flops"] for layer in layers] == expected
    assert bench_speed.forward_flops(network, 20) == sum(expected)


def test_conv_and_head_flops_match_torch_flop_counter(bench_speed):
    flop_counter = pytest.importorskip("torch.utils.flop_counter")
    network = make_network("default", n_channels=3, n_classes=4, n_timesteps=150)
    network.eval()
    with flop_counter.FlopCounterMode(display=False) as counter:
        with torch.inference_mode():
            network(torch.zeros(1, 3, 150))
    layers = bench_speed.network_flops(network, 150)
    conv_and_head = sum(
        layer["flops"] for layer in layers if not layer["layer"].startswith("lstm")
    )
    # FlopCounterMode counts convolutions and matmuls but not aten::lstm.
    assert counter.get_total_flops() == conv_and_head


def test_throughput_section_runs_with_mixed_precision_rows(bench_speed):
    settings = bench_speed.Settings(
        n_train=64, n_timesteps=40, batch_size=32, max_epochs=1, repeats=1, n_predict=64
    )
    section = bench_speed.compare_throughput(settings, "cpu", mixed_precision_rows=True)
    cases = [row["case"] for row in section.rows]
    assert cases[-2:] == [
        "train: fit, mixed_precision=True",
        "predict: predict_proba, mixed_precision=True",
    ]
    assert all(row["samples_per_s"] > 0 for row in section.rows)
    assert section.rows[-1]["ratio_vs_pytorch"] is not None


def test_latency_section_times_each_part_of_the_default_network(bench_speed):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the section adds a 1-thread row otherwise
    try:
        section = bench_speed.bench_latency(bench_speed.Settings(latency_calls=2), {})
    finally:
        torch.set_num_threads(threads)
    calls = [row["call"].strip() for row in section.rows]
    assert "readout + head" in calls
    assert "module(x) under inference_mode" in calls
    assert all(row["median_ms"] > 0 for row in section.rows if "-" not in row["call"])
