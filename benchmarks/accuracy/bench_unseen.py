"""Defaults on datasets never used to choose them: official test splits.

Every default of ConvLSTMClassifier was chosen by cross-validation on the
training splits of five shared datasets (GunPoint, ItalyPowerDemand,
ArrowHead, BasicMotions, JapaneseVowels). This benchmark checks them on UCR
datasets that played no part in any choice: by default OSULeaf (leaf outlines,
427 steps, 6 classes) and ACSF1 (appliance power, 1,460 steps, 10 classes), as
shipped inside the sktime package (no download). It compares the default, the
default without its newest ingredient (``conv_skip=False``, the previous
default), RandomForest on statistics and on catch22, and MiniRocket, with the
same seeds, and writes ``unseen.csv`` (one row per dataset, method and seed)
and ``unseen.md`` (mean ± std over seeds, fit seconds) and ``metadata.json``
to the study folder ``--out``.

It is a check, not a selection: by the project's rule defaults are chosen on
the five datasets' training splits only. PLAID (also shipped with sktime, run
with ``--datasets PLAID``) is no longer unseen: its training split prompted
the ``scaling="auto"`` rule, and its reports say so.

Usage::

    python -m benchmarks.accuracy.bench_unseen --out benchmarks/results/unseen
    python -m benchmarks.accuracy.bench_unseen --datasets OSULeaf --seeds 0 --out /tmp/u
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

import torch

from benchmarks.harness import (
    add_out_argument,
    comma_list,
    command_line,
    machine_description,
    markdown_table,
    report_preamble,
    write_csv,
    write_metadata,
)
from sklearn_convlstm.compare import (
    MethodOptions,
    describe_data,
    format_accuracy,
    parse_seeds,
    run_comparison,
    summarize,
)
from sklearn_convlstm.datasets import load_dataset

DEFAULT_DATASETS = ("OSULeaf", "ACSF1")

#: Shipped datasets that did shape a default since, and how (said in reports).
INFLUENCED_A_DEFAULT = {
    "PLAID": (
        "prompted the scaling='auto' rule (its training split was diagnosed; "
        "see benchmarks/results/unseen_plaid/), so it is no longer unseen"
    ),
}
#: Label of the previous default network in the tables.
NO_SKIP = "convlstm-default, conv_skip=False"
#: Methods run through run_comparison with the package's own settings.
STANDARD_METHODS = ("convlstm-default", "rf-stats", "rf-catch22", "minirocket")


def sktime_data_home() -> Path:
    """Return the directory of the datasets shipped inside sktime."""
    import sktime

    return Path(sktime.__file__).resolve().parent / "datasets" / "data"


def run_dataset(
    name: str,
    data_home: Path | None,
    seeds: Sequence[int],
    convlstm_params: dict,
    methods: tuple[str, ...] = STANDARD_METHODS,
) -> tuple[list[dict], str]:
    """Fit every method and the no-skip default on one dataset; test accuracy rows."""
    X_train, y_train, X_test, y_test = load_dataset(name, data_home=data_home)
    description = describe_data(X_train, y_train, X_test, y_test)
    print(f"{name}: {description}", flush=True)

    def scored_rows(methods: Sequence[str], params: dict) -> list[dict]:
        return run_comparison(
            X_train,
            y_train,
            X_test,
            y_test,
            methods=methods,
            seeds=seeds,
            options=MethodOptions(convlstm_params=params),
            dataset=name,
            progress=False,
        ).rows

    rows = scored_rows(methods, dict(convlstm_params))
    previous = scored_rows(
        ["convlstm-default"], {**convlstm_params, "conv_skip": False}
    )
    rows += [{**row, "method": NO_SKIP} for row in previous]
    return rows, description


def markdown(rows: list[dict], descriptions: dict[str, str], command: str) -> str:
    """Accuracy and fit-time tables, rows datasets, columns methods."""
    summary = summarize(rows)
    methods = list(dict.fromkeys(row["method"] for row in summary))
    datasets = list(dict.fromkeys(row["dataset"] for row in summary))
    by_key = {(row["dataset"], row["method"]): row for row in summary}
    seeds = sorted({int(row["seed"]) for row in rows})

    def table(cell) -> str:
        return markdown_table(
            ["dataset", *methods],
            [
                [dataset]
                + [
                    cell(by_key[dataset, m]) if (dataset, m) in by_key else "-"
                    for m in methods
                ]
                for dataset in datasets
            ],
        )

    influenced = [name for name in datasets if name in INFLUENCED_A_DEFAULT]
    caveat = (
        " Except: "
        + "; ".join(f"{name} {INFLUENCED_A_DEFAULT[name]}" for name in influenced)
        + "."
        if influenced
        else ""
    )
    intro = (
        "Test accuracy on the official train/test splits, mean ± sample std over "
        f"seeds {', '.join(map(str, seeds))} (the same seeds for every method). "
        "None of these datasets was used to choose anything in this package; "
        f"they ship inside sktime. A check, not a selection.{caveat}"
    )
    lines = [
        *report_preamble(
            "Defaults on datasets never used to choose them",
            intro,
            command,
            f"{machine_description()}.",
        ),
        table(lambda row: format_accuracy(row["accuracy_mean"], row["accuracy_std"])),
        "",
        "Fit seconds (mean over seeds):",
        "",
        table(lambda row: f"{row['fit_seconds_mean']:.1f}"),
        "",
        "Data:",
        "",
        *(f"* {name}: {text}" for name, text in descriptions.items()),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--datasets",
        type=comma_list,
        default=list(DEFAULT_DATASETS),
        help="comma-separated datasets shipped with sktime (default: %(default)s)",
    )
    parser.add_argument(
        "--data-home",
        type=Path,
        default=None,
        help="directory of NAME/NAME_TRAIN.ts (default: sktime's shipped data)",
    )
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--convlstm-params",
        default="{}",
        help="JSON of fixed ConvLSTMClassifier parameters (e.g. a smoke test's "
        '{"max_epochs": 1})',
    )
    parser.add_argument(
        "--methods",
        type=comma_list,
        default=list(STANDARD_METHODS),
        help="methods run besides the no-skip default",
    )
    add_out_argument(parser)
    args = parser.parse_args(argv)
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    data_home = args.data_home if args.data_home is not None else sktime_data_home()
    seeds = parse_seeds(args.seeds)
    params = json.loads(args.convlstm_params)
    command = command_line(__spec__.name if __spec__ else __name__, argv)
    start = time.perf_counter()
    rows: list[dict] = []
    descriptions: dict[str, str] = {}
    for name in args.datasets:
        new_rows, descriptions[name] = run_dataset(
            name, data_home, seeds, params, tuple(args.methods)
        )
        rows += new_rows
        write_csv(rows, args.out / "unseen.csv")
    wall_seconds = time.perf_counter() - start
    report = markdown(rows, descriptions, command)
    report += f"\nTotal wall time: {wall_seconds:.0f} s.\n"
    (args.out / "unseen.md").write_text(report, encoding="utf-8")
    write_metadata(
        args.out,
        command=command,
        wall_seconds=wall_seconds,
        extra={"datasets": descriptions, "data_home": str(data_home)},
    )
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
