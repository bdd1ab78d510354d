r"""Apply the regime selection rule (``results/regime_selection/RULE.md``).

Reads the rows of ``bench_regimes`` (the default's from the regime study, the
candidates' from the selection study; both CSVs may hold any method), keeps
k in {1, 2} and the given draw seeds, and checks each candidate against
``convlstm-default`` on the same draws:

1. mean gain over the (dataset, k) cells >= ``--min-gain`` points (2.0 for
   selection, 1.0 for replication);
2. no cell more than 3.0 points below the default (with ``--per-dataset``,
   round 4: no dataset's mean gain over its cells below -3.0 points);
3. mean over the k = 2 cells above the default's; or, with
   ``--k2-within-minirocket P`` (round 3, ``results/regime_selection_round3/
   RULE.md``), the candidate's k = 2 mean at most P points below MiniRocket's
   on the same cells. ``--no-k2-criterion`` leaves criterion 3 out (cells
   without k = 2: ``results/fusion_weight_small_sizes/RULE.md``).

``--baseline`` judges against another method than ``convlstm-default``
(``results/fusion_weight_three_per_class/RULE.md``: the weight 10 against the
weight 3).

Writes ``<name>.md`` and ``<name>.csv`` (per cell) and ``metadata.json`` into
``--out``.

Usage::

    python -m benchmarks.effectiveness.summarise_regime_selection \
        --csv benchmarks/results/regimes/regimes.csv \
        --csv benchmarks/results/regime_selection/regimes.csv \
        --seeds 0,1 --min-gain 2 --name selection \
        --out benchmarks/results/regime_selection
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.harness import (
    add_out_argument,
    comma_ints,
    command_line,
    markdown_table,
    read_csv,
    write_csv,
    write_metadata,
)

#: Largest loss on any cell a candidate may have (points).
MAX_CELL_LOSS = 3.0
BASELINE = "convlstm-default"


def cell_means(
    rows: Sequence[dict[str, str]], seeds: Sequence[int], ks: Sequence[int]
) -> dict[tuple[str, int, str], float]:
    """Mean accuracy per (dataset, k, method) over the given draw seeds.

    Only cells with every seed present are kept (a partial cell is not a
    score of the same draws).
    """
    grouped: dict[tuple[str, int, str], dict[int, float]] = {}
    for row in rows:
        k, seed = int(row["k"]), int(row["seed"])
        if k in ks and seed in seeds:
            key = (row["dataset"], k, row["method"])
            grouped.setdefault(key, {})[seed] = float(row["cv_accuracy"])
    return {
        key: float(np.mean(list(values.values())))
        for key, values in grouped.items()
        if set(values) == set(seeds)
    }


def judge(
    means: dict[tuple[str, int, str], float],
    candidate: str,
    min_gain: float,
    k2_within_minirocket: float | None = None,
    per_dataset: bool = False,
    k2_criterion: bool = True,
    baseline: str = BASELINE,
) -> dict[str, Any]:
    """Apply criteria 1-3 to one candidate on the cells it shares with the default.

    With ``k2_within_minirocket`` (points), criterion 3 is the candidate's
    k = 2 mean at most that far below MiniRocket's on the same cells. With
    ``per_dataset``, criterion 2 looks at each dataset's mean gain over its
    cells instead of each cell's. Without ``k2_criterion``, criterion 3 is
    not applied. ``baseline`` is the method the gains are measured against.
    """
    cells = sorted(
        (dataset, k)
        for dataset, k, method in means
        if method == candidate and (dataset, k, baseline) in means
    )
    gains = {
        cell: 100 * (means[(*cell, candidate)] - means[(*cell, baseline)])
        for cell in cells
    }
    k2 = [gain for (dataset, k), gain in gains.items() if k == 2]
    mean_gain = float(np.mean(list(gains.values()))) if gains else float("nan")
    worst = min(gains.values()) if gains else float("nan")
    by_dataset: dict[str, list[float]] = {}
    for (dataset, _), gain in gains.items():
        by_dataset.setdefault(dataset, []).append(gain)
    worst_dataset = (
        min(float(np.mean(values)) for values in by_dataset.values())
        if by_dataset
        else float("nan")
    )
    judged_worst = worst_dataset if per_dataset else worst
    k2_gain = float(np.mean(k2)) if k2 else float("nan")
    k2_cells = [
        cell for cell in cells if cell[1] == 2 and (*cell, "minirocket") in means
    ]
    k2_gap = (
        100
        * float(
            np.mean(
                [
                    means[(*cell, "minirocket")] - means[(*cell, candidate)]
                    for cell in k2_cells
                ]
            )
        )
        if k2_cells
        else float("nan")
    )
    if not k2_criterion:
        third = True
    elif k2_within_minirocket is None:
        third = k2_gain > 0
    else:
        third = bool(k2_cells) and k2_gap <= k2_within_minirocket
    passed = (
        bool(gains)
        and mean_gain >= min_gain
        and judged_worst >= -MAX_CELL_LOSS
        and third
    )
    return {
        "candidate": candidate,
        "cells": len(cells),
        "mean_gain_points": round(mean_gain, 2),
        "worst_cell_points": round(worst, 2),
        "worst_dataset_points": round(worst_dataset, 2),
        "k2_gain_points": round(k2_gain, 2),
        "k2_gap_to_minirocket_points": round(k2_gap, 2),
        "passes": passed,
        "gains": gains,
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Judge the candidates and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_out_argument(parser)
    parser.add_argument("--csv", type=Path, action="append", required=True)
    parser.add_argument("--seeds", type=comma_ints, required=True)
    parser.add_argument("--ks", type=comma_ints, default=[1, 2])
    parser.add_argument("--min-gain", type=float, default=2.0)
    parser.add_argument("--name", default="selection")
    parser.add_argument(
        "--k2-within-minirocket",
        type=float,
        default=None,
        help="criterion 3 of round 3: k = 2 mean at most this many points "
        "below MiniRocket's",
    )
    parser.add_argument(
        "--per-dataset",
        action="store_true",
        help="criterion 2 of round 4: per dataset (mean over its cells)",
    )
    parser.add_argument(
        "--baseline",
        default=BASELINE,
        help=f"the method the candidates are judged against (default: {BASELINE})",
    )
    parser.add_argument(
        "--no-k2-criterion",
        action="store_true",
        help="criteria 1 and 2 only (cells without k = 2)",
    )
    args = parser.parse_args(argv)
    command = command_line(__spec__.name if __spec__ else __name__, argv)
    rows = read_csv(args.csv)
    means = cell_means(rows, args.seeds, args.ks)
    candidates = sorted(
        {
            method
            for _, _, method in means
            if method.startswith("cand-") and method != args.baseline
        }
    )
    verdicts = [
        judge(
            means,
            name,
            args.min_gain,
            args.k2_within_minirocket,
            args.per_dataset,
            k2_criterion=not args.no_k2_criterion,
            baseline=args.baseline,
        )
        for name in candidates
    ]
    cells = sorted({(d, k) for d, k, m in means if m == args.baseline})
    columns = [args.baseline, *candidates, "minirocket", "rf-stats"]
    table_rows, csv_rows = [], []
    for dataset, k in cells:
        values = [means.get((dataset, k, method)) for method in columns]
        table_rows.append(
            [str(k), dataset]
            + ["" if value is None else f"{value:.3f}" for value in values]
        )
        csv_rows.append(
            {"dataset": dataset, "k": k}
            | {
                method: ("" if value is None else round(value, 4))
                for method, value in zip(columns, values, strict=True)
            }
        )
    lines = [
        f"# Regime selection: {args.name} (draw seeds "
        f"{','.join(map(str, args.seeds))})",
        "",
        "The rule is `RULE.md` (committed before any run). Command:",
        "",
        "```",
        command,
        "```",
        "",
        "Mean accuracy on the evaluation fold (rest of TRAIN) per cell:",
        "",
        markdown_table(["k", "dataset", *columns], table_rows),
        "",
        f"Verdicts against `{args.baseline}` (criterion 1: mean gain >= "
        f"{args.min_gain} points; 2: no "
        f"{'dataset' if args.per_dataset else 'cell'} below -{MAX_CELL_LOSS}; 3: "
        + (
            "not applied):"
            if args.no_k2_criterion
            else "k = 2 mean gain > 0):"
            if args.k2_within_minirocket is None
            else f"k = 2 mean at most {args.k2_within_minirocket} points below "
            "MiniRocket's):"
        ),
        "",
        markdown_table(
            [
                "candidate",
                "cells",
                "mean gain",
                "worst cell",
                "worst dataset",
                "k=2 gain",
                "k=2 gap to MiniRocket",
                "passes",
            ],
            [
                [
                    v["candidate"],
                    str(v["cells"]),
                    f"{v['mean_gain_points']:+.2f}",
                    f"{v['worst_cell_points']:+.2f}",
                    f"{v['worst_dataset_points']:+.2f}",
                    f"{v['k2_gain_points']:+.2f}",
                    f"{v['k2_gap_to_minirocket_points']:+.2f}",
                    "**yes**" if v["passes"] else "no",
                ]
                for v in verdicts
            ],
        ),
        "",
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.name}.md").write_text("\n".join(lines), encoding="utf-8")
    write_csv(csv_rows, args.out / f"{args.name}.csv")
    write_metadata(
        args.out,
        command=command,
        append=True,
        extra={
            "verdicts": [
                {key: value for key, value in v.items() if key != "gains"}
                for v in verdicts
            ]
        },
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
