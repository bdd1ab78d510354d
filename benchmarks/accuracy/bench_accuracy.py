r"""Accuracy benchmark: every method on five UCR/UEA datasets, official test splits.

Runs :func:`sklearn_convlstm.compare.run_comparison` on GunPoint,
ItalyPowerDemand, ArrowHead, BasicMotions and JapaneseVowels (read from
``--data-home``, by default ``<repository>/../shared/datasets``), with the same
seeds for every method, and writes to the study folder ``--out``:

* ``accuracy.csv``: one row per dataset, method and seed;
* ``accuracy_summary.csv``: mean and std over seeds;
* ``accuracy.md``: accuracy table (rows: datasets, columns: methods, plus the
  mean over datasets and, clearly apart, published accuracies of other
  models), fit-time table, machine and the exact command line;
* ``accuracy.png``: accuracy (± std) and fit time per dataset and method;
* ``metadata.json``: command, commit, date, machine, defaults in force, wall
  time and the data descriptions (``--merge`` reads them back).

Nothing is tuned or selected on a test split: ``convlstm-tuned`` tunes by
cross-validation on the training split only. Every dataset is reported.

Run from the repository root (the full run takes hours on 2 CPU cores; the
tuned and article methods dominate)::

    python -m benchmarks.accuracy.bench_accuracy --out benchmarks/results/accuracy
    python -m benchmarks.accuracy.bench_accuracy --no-tuned --out /tmp/acc
    python -m benchmarks.accuracy.bench_accuracy --datasets GunPoint --seeds 0 \
        --methods rf-stats,minirocket --out /tmp/quick   # a quick check
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

from benchmarks.harness import (
    DATASETS,
    add_data_arguments,
    add_out_argument,
    command_line,
    machine_description,
    markdown_table,
    read_csv,
    read_metadata,
    report_preamble,
    write_csv,
    write_metadata,
)
from sklearn_convlstm.compare import (
    METHODS,
    MethodOptions,
    describe_data,
    format_accuracy,
    parse_methods,
    parse_seeds,
    plot_comparison,
    run_comparison,
    summarize,
)
from sklearn_convlstm.datasets import load_dataset

#: The defaults of the comparison's settings (trials, folds, epoch range, sizes).
DEFAULT_OPTIONS = MethodOptions()
BENCH_METHODS = (
    "article-basic",
    "article-stacked",
    "article-dropout",
    "convlstm-default",
    "convlstm-ensemble",
    "convlstm-tuned",
    "rf-stats",
    "rf-catch22",
    "minirocket",
)

#: Published test accuracies (%), default train/test split ("split0"), copied
#: from shared/reference/published-accuracies.md. Not our runs.
PUBLISHED = {
    "GunPoint": {"FCN": 100.0, "ResNet": 99.07, "MiniRocket": 99.33},
    "ItalyPowerDemand": {"FCN": 96.29, "ResNet": 96.15, "MiniRocket": 96.89},
    "ArrowHead": {"FCN": 84.34, "ResNet": 83.77, "MiniRocket": 86.29},
    "JapaneseVowels": {"FCN": 99.3, "ResNet": 99.2},
    "BasicMotions": {},
}
PUBLISHED_SOURCE = (
    "Published split0 accuracies, copied from shared/reference/published-"
    "accuracies.md (FCN, ResNet: hfawaz/dl-4-tsc, mean of 5 runs; JapaneseVowels "
    "from the MTS-archive version; MiniRocket: angus924/minirocket). They are "
    "other people's runs with other training budgets (GPU, hundreds to "
    "thousands of epochs), not ours; no published figure was found for "
    "BasicMotions."
)


def pivot_tables(
    summary: list[dict], datasets: list[str], methods: list[str]
) -> tuple[str, str]:
    """Accuracy and fit-time markdown tables: rows datasets, columns methods."""
    by_key = {(row["dataset"], row["method"]): row for row in summary}

    def cell(dataset: str, method: str, key: str) -> str:
        row = by_key.get((dataset, method))
        if row is None:
            return "-"
        if key == "accuracy":
            return format_accuracy(row["accuracy_mean"], row["accuracy_std"])
        return f"{row['fit_seconds_mean']:.1f}"

    def mean_over_datasets(method: str, key: str) -> str:
        rows = [by_key.get((dataset, method)) for dataset in datasets]
        if any(row is None for row in rows):
            return "-"  # a mean over fewer datasets would not compare
        column = "accuracy_mean" if key == "accuracy" else "fit_seconds_mean"
        mean = sum(row[column] for row in rows) / len(rows)
        return f"{mean:.3f}" if key == "accuracy" else f"{mean:.1f}"

    published_names = ("FCN", "ResNet", "MiniRocket")
    accuracy_rows = []
    for dataset in datasets:
        published = PUBLISHED.get(dataset, {})
        accuracy_rows.append(
            [dataset]
            + [cell(dataset, method, "accuracy") for method in methods]
            + [
                f"{published[name] / 100:.3f}" if name in published else "-"
                for name in published_names
            ]
        )
    accuracy_rows.append(
        ["**mean over datasets**"]
        + [mean_over_datasets(method, "accuracy") for method in methods]
        + ["" for _ in published_names]
    )
    accuracy = markdown_table(
        ["dataset", *methods]
        + [f"published {name} (split0, not ours)" for name in published_names],
        accuracy_rows,
    )
    fit_rows = [
        [dataset] + [cell(dataset, method, "fit") for method in methods]
        for dataset in datasets
    ]
    fit_rows.append(
        ["**mean over datasets**"]
        + [mean_over_datasets(method, "fit") for method in methods]
    )
    fit = markdown_table(["dataset", *methods], fit_rows)
    return accuracy, fit


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_arguments(parser)
    parser.add_argument(
        "--methods",
        default=",".join(BENCH_METHODS),
        help=f"comma-separated methods among {', '.join(METHODS)} "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--no-tuned", action="store_true", help="leave out convlstm-tuned"
    )
    parser.add_argument(
        "--seeds",
        default="0,1,2",
        help="seeds ('0,1,2') or a count ('3'); the same for every method "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--trials",
        type=int,
        default=DEFAULT_OPTIONS.n_trials,
        help="Optuna trials of convlstm-tuned (default: %(default)s)",
    )
    parser.add_argument(
        "--cv",
        type=int,
        default=DEFAULT_OPTIONS.cv,
        help="CV folds of convlstm-tuned (default: %(default)s)",
    )
    parser.add_argument(
        "--max-epochs",
        type=int,
        nargs=2,
        default=tuple(DEFAULT_OPTIONS.tuning_epochs),
        metavar=("LOW", "HIGH"),
        help="range of max_epochs searched by convlstm-tuned (default: %(default)s)",
    )
    parser.add_argument(
        "--ensemble-size",
        type=int,
        default=DEFAULT_OPTIONS.ensemble_size,
        help="networks averaged by convlstm-ensemble (default: %(default)s)",
    )
    parser.add_argument(
        "--tuned-ensemble-size",
        type=int,
        default=DEFAULT_OPTIONS.tuned_ensemble_size,
        help="networks of the best configuration averaged by convlstm-tuned "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch.set_num_threads; 0 keeps torch's default of one per core "
        "(default: %(default)s; torch's default is many times slower on a busy "
        "2-core machine)",
    )
    parser.add_argument("--device", default=None, help="torch device of ConvLSTMs")
    add_out_argument(parser)
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument(
        "--merge",
        type=Path,
        nargs="+",
        default=None,
        metavar="DIR",
        help="run nothing: merge the accuracy.csv and metadata.json of runs made "
        "in parallel (e.g. one per subset of datasets, same seeds) into one "
        "report in --out",
    )
    args = parser.parse_args(argv)

    try:
        methods = list(parse_methods(args.methods))
        seeds = parse_seeds(args.seeds)
    except ValueError as error:
        parser.error(str(error))
    if args.no_tuned and "convlstm-tuned" in methods:
        methods.remove("convlstm-tuned")
    if not methods:
        parser.error("no method left to run")
    low, high = args.max_epochs
    if not 1 <= low <= high:
        parser.error(f"--max-epochs needs 1 <= LOW <= HIGH; got {low} {high}")
    if args.threads:
        torch.set_num_threads(args.threads)
    options = MethodOptions(
        n_trials=args.trials,
        cv=args.cv,
        tuning_epochs=(low, high),
        convlstm_params={} if args.device is None else {"device": args.device},
        progress_bar=not args.no_progress,
        ensemble_size=args.ensemble_size,
        tuned_ensemble_size=args.tuned_ensemble_size,
    )
    command = command_line(__spec__.name if __spec__ else __name__, argv)
    machine = machine_description()
    print(f"machine: {machine}", flush=True)

    if args.merge:
        return merge_runs(args.merge, args.out, options, command)

    datasets = args.datasets
    print(
        f"datasets: {', '.join(datasets)}; methods: {', '.join(methods)}; "
        f"seeds: {', '.join(map(str, seeds))}",
        flush=True,
    )
    start = time.perf_counter()
    rows: list[dict] = []
    skipped: dict[str, str] = {}
    descriptions = {}
    for dataset in datasets:
        X_train, y_train, X_test, y_test = load_dataset(
            dataset, data_home=args.data_home
        )
        descriptions[dataset] = describe_data(X_train, y_train, X_test, y_test)
        print(f"{dataset}: {descriptions[dataset]}", flush=True)
        result = run_comparison(
            X_train,
            y_train,
            X_test,
            y_test,
            methods=methods,
            seeds=seeds,
            options=options,
            dataset=dataset,
            progress=not args.no_progress,
        )
        rows += result.rows
        skipped.update(result.skipped)
        # Write after every dataset: a long run that stops keeps its results.
        write_csv(rows, args.out / "accuracy.csv")
    wall_seconds = time.perf_counter() - start
    write_report(
        rows,
        datasets=datasets,
        methods=methods,
        seeds=seeds,
        options=options,
        skipped=skipped,
        descriptions=descriptions,
        command=command,
        machine=machine,
        timing=f"Total wall time: {wall_seconds:.0f} s ({wall_seconds / 60:.1f} min).",
        out=args.out,
        wall_seconds=wall_seconds,
    )
    return 0


def merge_runs(
    run_dirs: list[Path], out: Path, options: MethodOptions, command: str
) -> int:
    """Merge the per-seed rows of runs made in parallel into one report.

    Reads each run's ``accuracy.csv`` and ``metadata.json`` (command, wall
    time, data descriptions); never its Markdown.
    """
    rows = read_csv(run_dir / "accuracy.csv" for run_dir in run_dirs)
    timings, descriptions, merged = [], {}, []
    for run_dir in run_dirs:
        runs = read_metadata(run_dir).get("runs") or [{"command": str(run_dir)}]
        for run in runs:
            wall = run.get("wall_seconds")
            timings.append(
                f"`{run['command']}` took "
                + ("?" if wall is None else f"{wall:.0f}")
                + " s"
            )
            descriptions.update(run.get("extra", {}).get("datasets", {}))
        merged.append({"dir": str(run_dir), "runs": runs})
    present = {row["dataset"] for row in rows}
    datasets = [name for name in DATASETS if name in present]
    datasets += sorted(present - set(datasets))
    methods = [name for name in METHODS if any(r["method"] == name for r in rows)]
    seeds = sorted({int(row["seed"]) for row in rows})
    write_report(
        rows,
        datasets=datasets,
        methods=methods,
        seeds=seeds,
        options=options,
        skipped={},
        descriptions={name: descriptions.get(name, "") for name in datasets},
        command=command,
        machine=machine_description(),
        timing="Merged from runs made at the same time, one process each: "
        + "; ".join(timings)
        + ".",
        out=out,
        merged_runs=merged,
    )
    return 0


def write_report(
    rows,
    *,
    datasets,
    methods,
    seeds,
    options,
    skipped,
    descriptions,
    command,
    machine,
    timing,
    out,
    wall_seconds=None,
    merged_runs=None,
) -> None:
    """Write accuracy.csv, accuracy_summary.csv, accuracy.md and accuracy.png."""
    summary = summarize(rows)
    ran = [method for method in methods if method not in skipped]
    accuracy_table, fit_table = pivot_tables(summary, datasets, ran)
    write_csv(rows, out / "accuracy.csv")
    write_csv(summary, out / "accuracy_summary.csv")
    if summary:
        plot_comparison(
            summary,
            out / "accuracy.png",
            title="Test accuracy on official splits (mean ± std over seeds)",
        )
    tuned_note = (
        f"`convlstm-tuned`: {options.n_trials} Optuna trials (the first one the "
        f"default configuration), {options.cv}-fold cross-validation on the "
        f"training split only, max_epochs in {list(options.tuning_epochs)}, "
        "then refit on the whole training split"
        + (
            f" as a soft-voting ensemble of {options.tuned_ensemble_size} "
            "networks with different seeds."
            if options.tuned_ensemble_size > 1
            else "."
        )
        if "convlstm-tuned" in ran
        else ""
    )
    if "convlstm-ensemble" in ran:
        tuned_note += (
            f" `convlstm-ensemble`: {options.ensemble_size} default networks with "
            "different seeds, probabilities averaged."
        )
    intro = (
        "Test accuracy on each dataset's official train/test split, mean ± sample "
        f"std over seeds {', '.join(map(str, seeds))} (the same seeds for every "
        "method; one seed shows no ±). Nothing was tuned or selected on a test "
        f"split. {tuned_note}"
    )
    lines = [
        *report_preamble("Accuracy benchmark", intro, command, f"{machine}. {timing}"),
        "## Test accuracy",
        "",
        accuracy_table,
        "",
        "The last three columns are **published** results of other models, not "
        f"ours. {PUBLISHED_SOURCE}",
        "",
        "## Fit time (seconds, mean over seeds)",
        "",
        fit_table,
        "",
        "## Data",
        "",
        *(f"* {name}: {text}" for name, text in descriptions.items()),
        "",
        "## Methods",
        "",
        *(f"* `{name}`: {METHODS[name].description}" for name in ran),
        *(f"* skipped `{name}`: {reason}" for name, reason in skipped.items()),
        "",
    ]
    markdown = "\n".join(lines)
    (out / "accuracy.md").write_text(markdown, encoding="utf-8")
    extra: dict = {"datasets": descriptions, "seeds": list(seeds)}
    if merged_runs is not None:
        extra["merged_runs"] = merged_runs
    write_metadata(out, command=command, wall_seconds=wall_seconds, extra=extra)
    print()
    print(accuracy_table)
    print()
    print(fit_table)
    for name, reason in skipped.items():
        print(f"skipped {name}: {reason}")
    print(f"\nmachine: {machine}")
    print(timing)
    names = (
        "accuracy.csv, accuracy_summary.csv, accuracy.md, accuracy.png, metadata.json"
    )
    print(f"wrote {names} to {out}")


if __name__ == "__main__":
    sys.exit(main())
