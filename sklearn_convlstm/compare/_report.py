"""Summaries of comparison results: mean over seeds, text table, CSV and chart."""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sklearn_convlstm._optional import import_optional

#: Score columns of comparison rows, summarised when present: ``accuracy``
#: (classification), ``rmse`` and ``r2`` (regression).
METRICS = ("accuracy", "rmse", "r2")
#: Table header of each score.
_METRIC_HEADERS = {"accuracy": "accuracy", "rmse": "RMSE", "r2": "R²"}


def summarize(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Aggregate per-seed rows into one row per dataset and method.

    Parameters
    ----------
    rows : iterable of mapping
        Rows with ``dataset`` (optional), ``method``, ``seed``, ``accuracy``
        (or ``rmse`` and ``r2``), ``fit_seconds`` and ``predict_seconds``, as
        made by :func:`run_comparison`.

    Returns
    -------
    summary : list of dict
        In order of first appearance: ``dataset``, ``method``, ``n_seeds``,
        ``seeds`` (e.g. ``"0,1,2"``), ``accuracy_mean``, ``accuracy_std``,
        ``fit_seconds_mean``, ``predict_seconds_mean``. ``accuracy_std`` is the
        sample standard deviation over seeds (``ddof=1``), NaN for one seed.
        Regression rows give ``rmse_mean``, ``rmse_std``, ``r2_mean`` and
        ``r2_std`` instead of the accuracy columns. When the rows have
        ``start_seconds`` and ``end_seconds`` (as :func:`run_comparison`
        writes them), ``arm_seconds``: the wall-clock seconds from the
        method's first fit started to its last prediction ended, over all
        its seeds (with arms in parallel processes, the arms overlap).

    Examples
    --------
    >>> from sklearn_convlstm.compare import summarize
    >>> rows = [
    ...     {"method": "m", "seed": 0, "accuracy": 0.9, "fit_seconds": 1.0,
    ...      "predict_seconds": 0.1},
    ...     {"method": "m", "seed": 1, "accuracy": 0.7, "fit_seconds": 3.0,
    ...      "predict_seconds": 0.3},
    ... ]
    >>> row = summarize(rows)[0]
    >>> round(row["accuracy_mean"], 3), round(row["accuracy_std"], 4)
    (0.8, 0.1414)
    >>> row["fit_seconds_mean"], row["seeds"]
    (2.0, '0,1')
    """
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for row in rows:
        key = (str(row.get("dataset", "")), str(row["method"]))
        groups.setdefault(key, []).append(row)
    summary = []
    for (dataset, method), members in groups.items():
        entry: dict[str, Any] = {
            "dataset": dataset,
            "method": method,
            "n_seeds": len(members),
            "seeds": ",".join(str(row["seed"]) for row in members),
        }
        for metric in METRICS:
            if metric not in members[0]:
                continue
            values = np.array([float(row[metric]) for row in members])
            entry[f"{metric}_mean"] = float(values.mean())
            entry[f"{metric}_std"] = (
                float(values.std(ddof=1)) if len(values) > 1 else math.nan
            )
        summary.append(
            {
                **entry,
                "fit_seconds_mean": float(
                    np.mean([float(row["fit_seconds"]) for row in members])
                ),
                "predict_seconds_mean": float(
                    np.mean([float(row["predict_seconds"]) for row in members])
                ),
            }
        )
        if all("start_seconds" in row and "end_seconds" in row for row in members):
            summary[-1]["arm_seconds"] = max(
                float(row["end_seconds"]) for row in members
            ) - min(float(row["start_seconds"]) for row in members)
    return summary


def format_accuracy(mean: float, std: float = math.nan, digits: int = 3) -> str:
    """Format an accuracy as ``"0.967 ± 0.012"`` (just ``"0.967"`` if std is NaN).

    Parameters
    ----------
    mean : float
        Mean accuracy.
    std : float, default=nan
        Standard deviation over seeds; NaN (one seed) prints no ``±`` part.
    digits : int, default=3
        Decimals.

    Returns
    -------
    text : str

    Examples
    --------
    >>> from sklearn_convlstm.compare import format_accuracy
    >>> format_accuracy(0.96666, 0.0123), format_accuracy(0.9)
    ('0.967 ± 0.012', '0.900')
    """
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "-"
    text = f"{mean:.{digits}f}"
    if std is not None and not math.isnan(std):
        text += f" ± {std:.{digits}f}"
    return text


def _format_seconds(seconds: float) -> str:
    if seconds >= 100:
        return f"{seconds:.0f}"
    if seconds >= 10:
        return f"{seconds:.1f}"
    return f"{seconds:.2f}"


def format_table(summary: Sequence[Mapping[str, Any]]) -> str:
    """Format a summary as an aligned text table.

    Columns: ``method``, ``accuracy`` (mean ± std over seeds; ``RMSE`` and
    ``R²`` for regression), ``fit s`` and ``predict s`` (means over seeds),
    ``arm s`` when the summary has ``arm_seconds`` (the wall-clock time the
    method took in this run, all seeds), ``seeds``; a ``dataset`` column
    first when the summary holds more than one dataset.

    Parameters
    ----------
    summary : sequence of mapping
        As returned by :func:`summarize`.

    Returns
    -------
    table : str
        Lines separated by newlines, without a trailing newline.

    Examples
    --------
    >>> from sklearn_convlstm.compare import format_table
    >>> print(format_table([{"dataset": "D", "method": "rf-stats", "n_seeds": 2,
    ...     "accuracy_mean": 0.9, "accuracy_std": 0.01, "fit_seconds_mean": 0.5,
    ...     "predict_seconds_mean": 0.04}]))
    method    accuracy       fit s  predict s  seeds
    --------  -------------  -----  ---------  -----
    rf-stats  0.900 ± 0.010   0.50       0.04      2
    """
    with_dataset = len({str(row.get("dataset", "")) for row in summary}) > 1
    metrics = [
        metric for metric in METRICS if any(f"{metric}_mean" in row for row in summary)
    ] or ["accuracy"]
    header = ["method", *(_METRIC_HEADERS[m] for m in metrics)]
    with_arm = any("arm_seconds" in row for row in summary)
    header += ["fit s", "predict s", *(["arm s"] if with_arm else []), "seeds"]
    if with_dataset:
        header.insert(0, "dataset")
    lines = []
    for row in summary:
        cells = [
            str(row["method"]),
            *(
                format_accuracy(
                    row.get(f"{m}_mean", math.nan),
                    row.get(f"{m}_std", math.nan),
                    digits=4 if m == "rmse" else 3,
                )
                for m in metrics
            ),
            _format_seconds(row["fit_seconds_mean"]),
            _format_seconds(row["predict_seconds_mean"]),
            *(
                [_format_seconds(row["arm_seconds"]) if "arm_seconds" in row else "-"]
                if with_arm
                else []
            ),
            str(row["n_seeds"]),
        ]
        if with_dataset:
            cells.insert(0, str(row.get("dataset", "")))
        lines.append(cells)
    widths = [
        max(len(header[i]), *(len(cells[i]) for cells in lines)) if lines else len(h)
        for i, h in enumerate(header)
    ]
    right = {"fit s", "predict s", "arm s", "seeds"}

    def render(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(width) if name in right else cell.ljust(width)
            for cell, width, name in zip(cells, widths, header, strict=True)
        ).rstrip()

    out = [render(header), render(["-" * width for width in widths])]
    out += [render(cells) for cells in lines]
    return "\n".join(out)


def write_csv(rows: Sequence[Mapping[str, Any]], path: str | os.PathLike) -> Path:
    """Write rows (dicts) to a CSV file, one column per key.

    Parameters
    ----------
    rows : sequence of mapping
        Rows; the columns are the union of their keys, in order of first
        appearance.
    path : str or path-like
        Output file; its folder is created if needed.

    Returns
    -------
    path : pathlib.Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn_convlstm.compare import write_csv
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_csv([{"method": "m", "accuracy": 0.5}],
    ...                      pathlib.Path(folder) / "rows.csv")
    ...     print(path.read_text().splitlines())
    ['method,accuracy', 'm,0.5']
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fieldnames: list[str] = []
    for row in rows:
        fieldnames += [key for key in row if key not in fieldnames]
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=fieldnames, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def plot_comparison(
    summary: Sequence[Mapping[str, Any]],
    path: str | os.PathLike,
    *,
    title: str | None = None,
) -> Path:
    """Save a PNG bar chart: accuracy (± std over seeds) and fit time per method.

    With one dataset the bars are the methods; with several, each dataset is a
    group of bars, one colour per method. Fit time uses a log scale.

    Parameters
    ----------
    summary : sequence of mapping
        As returned by :func:`summarize`.
    path : str or path-like
        Output PNG file; its folder is created if needed.
    title : str or None, default=None
        Figure title.

    Returns
    -------
    path : pathlib.Path

    Raises
    ------
    ImportError
        When matplotlib is not installed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn_convlstm.compare import plot_comparison
    >>> summary = [{"dataset": "D", "method": "m", "accuracy_mean": 0.9,
    ...             "accuracy_std": 0.02, "fit_seconds_mean": 1.5}]
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = plot_comparison(summary, pathlib.Path(folder) / "plot.png")
    ...     path.read_bytes()[:4] == bytes([0x89]) + b"PNG"
    True
    """
    matplotlib = import_optional("matplotlib", purpose="plot_comparison")
    # a Figure of its own, outside pyplot: the caller's backend and open
    # figures stay as they are (matplotlib.use would close them)
    from matplotlib.figure import Figure

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    datasets = list(dict.fromkeys(str(row.get("dataset", "")) for row in summary))
    methods = list(dict.fromkeys(str(row["method"]) for row in summary))
    by_key = {(str(row.get("dataset", "")), str(row["method"])): row for row in summary}
    colors = matplotlib.colormaps["tab10"]
    metric = "r2" if any("r2_mean" in row for row in summary) else "accuracy"

    def values(dataset: str, key: str) -> list[float]:
        return [
            float(by_key[(dataset, method)][key])
            if (dataset, method) in by_key
            else math.nan
            for method in methods
        ]

    n_bars = len(methods) * len(datasets)
    if len(datasets) == 1:  # side by side
        shape, size = (1, 2), (min(16.0, max(8.0, 2.0 + 1.2 * n_bars)), 4.5)
    else:  # one above the other, each as wide as the groups need
        shape, size = (2, 1), (min(16.0, max(8.0, 2.0 + 0.3 * n_bars)), 8.0)
    figure = Figure(figsize=size)
    ax_accuracy, ax_time = figure.subplots(*shape)
    if len(datasets) == 1:
        dataset = datasets[0]
        positions = np.arange(len(methods))
        std = np.nan_to_num(values(dataset, f"{metric}_std"))
        bar_colors = [colors(i % 10) for i in range(len(methods))]
        ax_accuracy.bar(
            positions,
            values(dataset, f"{metric}_mean"),
            yerr=std,
            capsize=4,
            color=bar_colors,
        )
        ax_time.bar(positions, values(dataset, "fit_seconds_mean"), color=bar_colors)
        for axis in (ax_accuracy, ax_time):
            axis.set_xticks(positions)
            axis.set_xticklabels(methods, rotation=30, ha="right")
    else:
        width = 0.8 / len(methods)
        positions = np.arange(len(datasets))
        for index, method in enumerate(methods):
            offset = positions - 0.4 + width * (index + 0.5)
            rows = [by_key.get((dataset, method)) for dataset in datasets]
            means = [row[f"{metric}_mean"] if row else math.nan for row in rows]
            stds = [row[f"{metric}_std"] if row else math.nan for row in rows]
            fits = [row["fit_seconds_mean"] if row else math.nan for row in rows]
            color = colors(index % 10)
            ax_accuracy.bar(
                offset,
                means,
                width,
                yerr=np.nan_to_num(np.asarray(stds, dtype=float)),
                capsize=2,
                color=color,
                label=method,
            )
            ax_time.bar(offset, fits, width, color=color, label=method)
        for axis in (ax_accuracy, ax_time):
            axis.set_xticks(positions)
            axis.set_xticklabels(datasets)
        handles, labels = ax_accuracy.get_legend_handles_labels()
        n_columns = min(len(methods), 4)
        figure.legend(
            handles, labels, loc="lower center", ncol=n_columns, fontsize="small"
        )
        legend_rows = math.ceil(len(methods) / n_columns)
    if metric == "r2":
        ax_accuracy.set_ylabel("test R² (mean ± std over seeds)")
    else:
        ax_accuracy.set_ylabel("test accuracy (mean ± std over seeds)")
        ax_accuracy.set_ylim(0.0, 1.05)
    ax_accuracy.grid(axis="y", alpha=0.3)
    ax_time.set_ylabel("fit time (s, mean over seeds)")
    ax_time.set_yscale("log")
    ax_time.grid(axis="y", alpha=0.3, which="both")
    if title:
        figure.suptitle(title)
    legend_height = 0.0 if len(datasets) == 1 else 0.03 * legend_rows + 0.01
    figure.tight_layout(rect=(0.0, legend_height, 1.0, 1.0))
    figure.savefig(path, dpi=120, format="png")
    return path
