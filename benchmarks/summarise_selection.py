"""Summarise several runs of bench_default_selection.py (one per CV seed).

Each run writes per-fold rows (dataset, config, fold, seed, cv_accuracy, ...)
to its own CSV. This script reads them all and writes one Markdown table:
mean CV accuracy per dataset and config for every seed, and the mean over the
seeds each (dataset, config) was run with. Test splits are never involved.

Usage::

    python benchmarks/summarise_selection.py run0.csv run1.csv ... \
        --out benchmarks/results/augmentation_selection.md --title "..."
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np
from bench_accuracy import DATASETS


def read_rows(paths: list[Path]) -> list[dict]:
    """Read the per-fold rows of every CSV."""
    rows = []
    for path in paths:
        with path.open(newline="") as handle:
            rows += list(csv.DictReader(handle))
    return rows


def summary_lines(rows: list[dict]) -> list[str]:
    """Markdown table: one line per (config, seed) and per config over seeds."""
    datasets = [d for d in DATASETS if any(r["dataset"] == d for r in rows)]
    configs = list(dict.fromkeys(r["config"] for r in rows))
    seeds = sorted({int(r["seed"]) for r in rows})

    def accuracy(dataset: str, config: str, seed: int | None) -> float:
        values = [
            float(r["cv_accuracy"])
            for r in rows
            if r["dataset"] == dataset
            and r["config"] == config
            and (seed is None or int(r["seed"]) == seed)
        ]
        return float(np.mean(values)) if values else float("nan")

    def line(config: str, seed: int | None) -> str | None:
        values = [accuracy(d, config, seed) for d in datasets]
        if all(np.isnan(values)):
            return None
        label = "all" if seed is None else str(seed)
        name = f"**{config}**" if seed is None else config
        cells = " | ".join("-" if np.isnan(v) else f"{v:.3f}" for v in values)
        return f"| {name} | {label} | {cells} |"

    lines = [
        "| config | CV seed | " + " | ".join(datasets) + " |",
        "|---|---|" + "---|" * len(datasets),
    ]
    for config in configs:
        for seed in [*seeds, None]:
            text = line(config, seed)
            if text is not None:
                lines.append(text)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("csvs", type=Path, nargs="+")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--title", default="Cross-validation on TRAIN splits only")
    parser.add_argument(
        "--intro", default="", help="Markdown paragraph(s) after the title"
    )
    parser.add_argument(
        "--configs",
        default=None,
        help="comma-separated configs to keep, in this order (default: all)",
    )
    args = parser.parse_args(argv)
    rows = read_rows(args.csvs)
    if args.configs is not None:
        keep = args.configs.split(",")
        rows = sorted(
            (r for r in rows if r["config"] in keep),
            key=lambda r: keep.index(r["config"]),
        )
    lines = [f"# {args.title}", "", *([args.intro, ""] if args.intro else [])]
    lines += [
        "Mean stratified 5-fold CV accuracy per dataset; 'all' averages the "
        "folds of every CV seed the (dataset, config) pair was run with. "
        "Sources: " + ", ".join(f"`{p}`" for p in args.csvs) + ".",
        "",
        *summary_lines(rows),
    ]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
