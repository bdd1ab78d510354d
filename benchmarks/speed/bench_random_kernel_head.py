"""Prediction time of the random-kernel head against sktime's numba MiniRocket.

The classifier's random-kernel head (``ConvLSTMClassifier(head=
"random-kernels")``) is MiniRocket's transform in PyTorch followed by a ridge
classifier. This script times, on one CPU thread and the same random series:

* ``head``: the fitted :class:`~sklearn_convlstm.nn.RandomKernelRidge`
  (features, then the ridge folded into one linear layer), batch by batch as
  ``predict`` runs it (``torch.inference_mode()``, ``torch.set_num_threads(1)``);
* ``head features``: its features alone;
* ``sktime MiniRocket + RidgeClassifierCV``: sktime's numba MiniRocket
  transform (the univariate kernel for one channel, the multivariate one
  otherwise; ``numba.set_num_threads(1)``) run with the head's own fitted
  parameters (dilations, channel subsets, biases), then ``predict`` of a
  scikit-learn ``RidgeClassifierCV`` fitted on the same standardised training
  features as the head;
* ``sktime MiniRocket transform``: the transform alone.

numba compiles (or loads from its cache) on the first call, sktime's
transform and the head's counting loop alike: every case runs once before it
is timed. numba resets torch's thread count, so it is set
again right before each timed torch case. It also checks that both
transforms give the same features: the proportion of entries that differ
(sktime sums the nine values in float32 with fast-math, the head exactly in
float64 rounded once, so a value within a rounding error of a bias may count
on one side and not the other)
and the largest difference, and that both ridges predict the same labels.

Run from the repository root::

    python -m benchmarks.speed.bench_random_kernel_head \
        --out benchmarks/results/random_kernel_head_speed [--quick]

Defaults: 500 series of 1,000 steps, 1 channel, 10,000 features, best of 3
repeats. ``--quick``: 40 series of 200 steps, 1 repeat (a smoke test).
Prints a table and writes ``random_kernel_head_speed.csv`` (one row per
case), ``random_kernel_head_speed.md`` (the report) and ``metadata.json`` to
``--out``; with ``--compare-with`` an earlier run's CSV, the report adds a
before/after table. Needs sktime and numba (not dependencies of the package).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmarks.harness import (
    add_out_argument,
    command_line,
    machine_description,
    markdown_table,
    read_csv,
    report_preamble,
    write_csv,
    write_metadata,
)
from sklearn_convlstm._random_kernel_head import fit_random_kernel_ridge
from sklearn_convlstm.nn import RandomKernelRidge

STUDY = "random_kernel_head_speed"
#: Largest share of feature entries allowed to differ between the two transforms.
MAX_DIFFERING_SHARE = 1e-3


def sktime_parameters(head: RandomKernelRidge) -> tuple[np.ndarray, ...]:
    """Return the head's fitted transform as sktime's multivariate parameters.

    ``(num_channels_per_combination, channel_indices, dilations,
    num_features_per_dilation, biases)``, combinations ordered dilation by
    dilation, kernel by kernel, as both implementations order the features.
    """
    features = head.features
    channels_per_combination, channel_indices, biases = [], [], []
    for index in range(len(features.dilations)):
        weight = getattr(features, f"weight_{index}").cpu().numpy()
        for kernel in range(weight.shape[0]):
            channels = np.flatnonzero(np.abs(weight[kernel]).sum(axis=1) > 0)
            channels_per_combination.append(len(channels))
            channel_indices.extend(channels.tolist())
        biases.append(getattr(features, f"bias_{index}").cpu().numpy().ravel())
    return (
        np.asarray(channels_per_combination, dtype=np.int32),
        np.asarray(channel_indices, dtype=np.int32),
        np.asarray(features.dilations, dtype=np.int32),
        np.asarray(features.features_per_dilation, dtype=np.int32),
        np.concatenate(biases).astype(np.float32),
    )


def sktime_transform(parameters: tuple[np.ndarray, ...]) -> Callable[..., np.ndarray]:
    """Return sktime's numba MiniRocket transform with ``parameters`` fixed."""
    from sktime.transformations.rocket._minirocket_multi_numba import (
        _transform_multi,
    )
    from sktime.transformations.rocket._minirocket_numba import _transform

    def transform(X: np.ndarray) -> np.ndarray:
        if X.shape[1] == 1:
            return _transform(np.ascontiguousarray(X[:, 0]), parameters[2:])
        return _transform_multi(X, parameters)

    return transform


def best_of(function: Callable[[], Any], repeats: int, before: Callable[[], None]):
    """Run ``function`` once, then time it ``repeats`` times; return the times."""
    before()
    result = function()  # warm-up: numba loads or compiles here
    timings = []
    for _ in range(repeats):
        before()
        start = time.perf_counter()
        function()
        timings.append(time.perf_counter() - start)
    return timings, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-series", type=int, default=500)
    parser.add_argument("--n-timesteps", type=int, default=1000)
    parser.add_argument("--n-channels", type=int, default=1)
    parser.add_argument("--n-features", type=int, default=10_000)
    parser.add_argument("--n-train", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--quick", action="store_true", help="40 series of 200 steps, 1 repeat"
    )
    parser.add_argument(
        "--compare-with",
        type=Path,
        default=None,
        help="CSV of an earlier run (e.g. before a change): the report adds a "
        "before/after table",
    )
    add_out_argument(parser)
    args = parser.parse_args(argv)
    if args.quick:
        args.n_series, args.n_timesteps, args.repeats = 40, 200, 1
    start = time.perf_counter()

    import numba
    from sklearn.linear_model import RidgeClassifierCV

    from sklearn_convlstm.nn._random_kernels import RIDGE_ALPHAS

    rng = np.random.default_rng(0)
    shape = (args.n_train + args.n_series, args.n_channels, args.n_timesteps)
    data = rng.standard_normal(shape, dtype=np.float32).cumsum(axis=-1)
    train, X = data[: args.n_train], np.ascontiguousarray(data[args.n_train :])
    y_train = np.arange(args.n_train) % 2
    torch.set_num_threads(1)
    head = fit_random_kernel_ridge(
        torch.from_numpy(train), y_train, 2, n_features=args.n_features
    ).eval()
    # the same standardised features and RidgeClassifierCV as the head
    with torch.inference_mode():
        table = head.features(torch.from_numpy(train)).double().numpy()
    mean, scale = table.mean(axis=0), table.std(axis=0)
    scale[scale == 0] = 1.0
    ridge = RidgeClassifierCV(alphas=np.asarray(RIDGE_ALPHAS))
    ridge.fit((table - mean) / scale, y_train)
    transform = sktime_transform(sktime_parameters(head))
    x = torch.from_numpy(X)

    def one_torch_thread() -> None:
        torch.set_num_threads(1)

    def one_numba_thread() -> None:
        numba.set_num_threads(1)

    def head_scores() -> np.ndarray:
        with torch.inference_mode():
            return head(x).numpy()

    def head_features() -> np.ndarray:
        with torch.inference_mode():
            return head.features(x).numpy()

    def sktime_predict() -> np.ndarray:
        return ridge.predict((transform(X) - mean) / scale)

    cases = [
        ("head", head_scores, one_torch_thread),
        ("head features", head_features, one_torch_thread),
        ("sktime MiniRocket + RidgeClassifierCV", sktime_predict, one_numba_thread),
        ("sktime MiniRocket transform", lambda: transform(X), one_numba_thread),
    ]
    rows, results = [], {}
    for name, function, before in cases:
        timings, results[name] = best_of(function, args.repeats, before)
        rows.append(
            {
                "case": name,
                "n_series": args.n_series,
                "n_timesteps": args.n_timesteps,
                "n_channels": args.n_channels,
                "n_features": head.features.n_features,
                "best_s": round(min(timings), 6),
                "median_s": round(statistics.median(timings), 6),
                "repeats": args.repeats,
                "threads": 1,
            }
        )
    sktime_total = rows[2]["best_s"]
    for row in rows:
        row["ratio_to_sktime_head"] = round(row["best_s"] / sktime_total, 2)
    differing = results["head features"] != results["sktime MiniRocket transform"]
    largest = float(
        np.abs(results["head features"] - results["sktime MiniRocket transform"]).max()
    )
    same_labels = float(
        np.mean(
            results["head"].argmax(axis=1)
            == results["sktime MiniRocket + RidgeClassifierCV"]
        )
    )
    check = {
        "differing_feature_share": float(differing.mean()),
        "largest_feature_difference": largest,
        "same_label_share": same_labels,
    }
    for row in rows:
        row.update(check)
    print(f"{'case':40s} {'best s':>8s} {'median s':>9s} {'x sktime':>9s}")
    for row in rows:
        print(
            f"{row['case']:40s} {row['best_s']:8.3f} {row['median_s']:9.3f} "
            f"{row['ratio_to_sktime_head']:9.2f}"
        )
    print(
        f"features differing: {check['differing_feature_share']:.2e} of entries "
        f"(largest difference {largest:.4f}); same labels: {same_labels:.3f}"
    )
    out: Path = args.out
    write_csv(rows, out / f"{STUDY}.csv")
    command = command_line(__spec__.name if __spec__ else __name__, argv)
    earlier = None if args.compare_with is None else read_csv([args.compare_with])
    write_report(out, rows, check, command, earlier)
    write_metadata(
        out,
        command=command,
        wall_seconds=time.perf_counter() - start,
        extra={"numba": numba.__version__, **check},
    )
    if check["differing_feature_share"] > MAX_DIFFERING_SHARE:
        raise SystemExit(
            f"The two transforms differ on {check['differing_feature_share']:.2e} "
            f"of the feature entries (allowed: {MAX_DIFFERING_SHARE:g}): they do "
            "not compute the same features."
        )


def write_report(
    out: Path,
    rows: list[dict[str, Any]],
    check: dict[str, float],
    command: str,
    earlier: list[dict[str, str]] | None = None,
) -> Path:
    """Write the Markdown report of the run."""
    first = rows[0]
    lines = report_preamble(
        "Random-kernel head: prediction time against sktime's MiniRocket",
        "How long does the classifier's random-kernel head take to predict, "
        "on one CPU thread, against sktime's numba MiniRocket transform and a "
        f"RidgeClassifierCV with the same parameters? {first['n_series']} "
        f"random-walk series of {first['n_timesteps']} steps, "
        f"{first['n_channels']} channel(s), {first['n_features']} features.",
        command,
        machine_description(),
    )
    table = markdown_table(
        ["case", "best s", "median s", "x sktime (transform + ridge)"],
        [
            [
                row["case"],
                f"{row['best_s']:.3f}",
                f"{row['median_s']:.3f}",
                f"{row['ratio_to_sktime_head']:.2f}",
            ]
            for row in rows
        ],
    )
    lines += [
        table,
        "",
        f"Features differing between the two transforms: "
        f"{check['differing_feature_share']:.2e} of the entries (largest "
        f"difference {check['largest_feature_difference']:.4f}); labels equal "
        f"on {check['same_label_share']:.3f} of the series.",
        "",
    ]
    if earlier:
        before = {row["case"]: float(row["best_s"]) for row in earlier}
        lines += [
            "Before and after (best seconds; 'before' from the earlier run's CSV, "
            "same arguments):",
            "",
            markdown_table(
                ["case", "before s", "after s", "speed-up"],
                [
                    [
                        row["case"],
                        f"{before[row['case']]:.3f}",
                        f"{row['best_s']:.3f}",
                        f"{before[row['case']] / row['best_s']:.1f}x",
                    ]
                    for row in rows
                    if row["case"] in before
                ],
            ),
            "",
        ]
    path = out / f"{STUDY}.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


if __name__ == "__main__":
    main()
