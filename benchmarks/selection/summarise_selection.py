"""Summarise several runs of bench_default_selection (one per CV seed).

Each run writes per-fold rows (dataset, config, fold, seed, cv_accuracy, ...)
to its own CSV (``cv_seed<SEED>.csv`` in its study folder). This script reads
them all (the CSVs given, by default every ``cv_seed*.csv`` of ``--out``) and
writes ``<out>/summary.md``: mean CV accuracy per dataset and config for every
seed, the mean over the seeds each (dataset, config) was run with and, with
``--baseline``, paired differences. Test splits are never involved.

Usage::

    python -m benchmarks.selection.summarise_selection --out /tmp/sel --title "..."
    python -m benchmarks.selection.summarise_selection a/cv_seed0.csv \
        b/cv_seed0.csv --baseline default --out /tmp/summary
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from benchmarks.harness import (
    add_out_argument,
    command_line,
    datasets_of,
    mean_cv_accuracy,
    read_csv,
    write_metadata,
)


def summary_lines(rows: list[dict]) -> list[str]:
    """Markdown table: one line per (config, seed) and per config over seeds."""
    datasets = datasets_of(rows)
    configs = list(dict.fromkeys(r["config"] for r in rows))
    seeds = sorted({int(r["seed"]) for r in rows})

    def line(config: str, seed: int | None) -> str | None:
        values = [mean_cv_accuracy(rows, d, config, seed) for d in datasets]
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


def paired_lines(rows: list[dict], baseline: str) -> list[str]:
    """Markdown table of each config's CV accuracy minus the baseline's, per seed.

    A cell reads ``+3.1 (6/1/3 of 10)``: the mean difference in points over the
    CV seeds both were run with, and on how many of them the config was
    better, equal and worse. Folds differ between CV seeds, not between
    configs of one seed, so the differences are paired.
    """
    datasets = datasets_of(rows)
    configs = [c for c in dict.fromkeys(r["config"] for r in rows) if c != baseline]
    seeds = sorted({int(r["seed"]) for r in rows})
    lines = [
        f"| config minus {baseline} | " + " | ".join(datasets) + " |",
        "|---|" + "---|" * len(datasets),
    ]
    for config in configs:
        cells = []
        for dataset in datasets:
            differences = np.array(
                [
                    mean_cv_accuracy(rows, dataset, config, seed)
                    - mean_cv_accuracy(rows, dataset, baseline, seed)
                    for seed in seeds
                ]
            )
            differences = np.round(differences[~np.isnan(differences)] * 100, 6)
            if differences.size == 0:
                cells.append("-")
                continue
            better, equal = int((differences > 0).sum()), int((differences == 0).sum())
            worse = differences.size - better - equal
            cells.append(
                f"{differences.mean():+.1f} ({better}/{equal}/{worse} of "
                f"{differences.size})"
            )
        lines.append(f"| {config} | " + " | ".join(cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "csvs",
        type=Path,
        nargs="*",
        help="per-fold CSVs (default: every cv_seed*.csv of --out)",
    )
    add_out_argument(parser)
    parser.add_argument("--title", default="Cross-validation on TRAIN splits only")
    parser.add_argument(
        "--intro", default="", help="Markdown paragraph(s) after the title"
    )
    parser.add_argument(
        "--configs",
        default=None,
        help="comma-separated configs to keep, in this order (default: all)",
    )
    parser.add_argument(
        "--baseline",
        default=None,
        help="also tabulate every config's per-seed difference to this config",
    )
    args = parser.parse_args(argv)
    csvs = args.csvs or sorted(
        args.out.glob("cv_seed*.csv"),
        key=lambda path: int(path.stem.removeprefix("cv_seed")),
    )
    if not csvs:
        parser.error(f"no CSV given and no cv_seed*.csv in {args.out}")
    rows = read_csv(csvs)
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
        "Sources: " + ", ".join(f"`{p}`" for p in csvs) + ".",
        "",
        *summary_lines(rows),
    ]
    if args.baseline is not None:
        lines += [
            "",
            f"Paired differences to `{args.baseline}`, in accuracy points: mean "
            "over the CV seeds both ran with (better/equal/worse seeds).",
            "",
            *paired_lines(rows, args.baseline),
        ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "summary.md").write_text("\n".join(lines) + "\n")
    command = command_line(__spec__.name if __spec__ else __name__, argv)
    write_metadata(args.out, command=command, append=True)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
