# ruff: noqa: D101, D102, D103 - a build helper, documented by its module docstring
"""The evidence page, made at build time from ``benchmarks/results/``.

Nothing on the page is typed by hand: this extension reads the index of the
studies (``benchmarks/results/README.md``), keeps the rows marked **current**,
and for each such study renders

* its status line from the index,
* the command, commit, date and machine of every run (``metadata.json``,
  including those of sub-folders),
* tables computed from its CSV files (means and standard deviations over
  seeds, pivoted by dataset and method; speed ratios and latencies as
  recorded).

It provides

``.. evidence::``
    a directive that inserts the whole page (used by ``docs/evidence.rst``);
``:evidence:`key```
    a role that inserts one headline figure (see :data:`HEADLINES`), linked to
    the study it comes from, so that the user guide quotes figures without
    copying them.

Run ``python docs/_ext/evidence.py`` to print the generated reStructuredText
and the headline figures (for debugging, and for the README's numbers).
"""

from __future__ import annotations

import csv
import json
import math
import re
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"

# Columns never shown in tables: long free text or JSON blobs.
HIDDEN_COLUMNS = {"command", "best_params", "details", "classes", "y_true", "proba"}
MAX_PLAIN_ROWS = 60


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------
def _escape(text: str) -> str:
    """Escape reStructuredText inline markup in plain text."""
    return re.sub(r"([\\`*_|\[\]<>])", r"\\\1", str(text))


def _literal(text: str) -> str:
    return "``" + str(text).replace("``", "` `").strip() + "``"


def md_inline_to_rst(text: str) -> str:
    """Convert one line of the index's Markdown (code, links, bold) to RST."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links: keep the text
    parts = text.split("`")
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out.append(_escape(part.replace("**", "")))
            continue
        before = parts[i - 1][-1:] if parts[i - 1] else ""
        after = parts[i + 1][:1] if i + 1 < len(parts) else ""
        out.append(
            ("\\ " if before.isalnum() else "")
            + _literal(part)
            + ("\\ " if after.isalnum() else "")
        )
    return "".join(out).strip()


def _float(value: str) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "-"
    if value != 0 and (abs(value) >= 1000 or abs(value) < 10 ** (-digits)):
        return (
            f"{value:,.{max(digits - 3, 0)}f}" if abs(value) >= 1000 else f"{value:.2g}"
        )
    return f"{value:.{digits}f}"


def _fmt_cell(value: str) -> str:
    """Format a raw CSV cell: numbers to 4 significant digits, text escaped."""
    number = _float(value)
    if number is None or re.fullmatch(r"[0-9]+", value or ""):
        return _escape(value) if value not in ("", "nan") else "-"
    return _escape(f"{number:.4g}")


def _mean(values: Iterable[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.fmean(values) if values else None


def _std(values: list[float]) -> float:
    return statistics.stdev(values) if len(values) > 1 else 0.0


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def list_table(
    header: list[str], rows: list[list[str]], *, stub: bool = True
) -> list[str]:
    """Lines of an RST ``list-table`` (cells already escaped)."""
    lines = [".. list-table::", "   :header-rows: 1"]
    if stub:
        lines.append("   :stub-columns: 1")
    lines.append("")
    for row in [header, *rows]:
        for j, cell in enumerate(row):
            lines.append(("   * - " if j == 0 else "     - ") + (cell or "-"))
    lines.append("")
    return lines


def _order(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        seen.setdefault(value, None)
    return list(seen)


# --------------------------------------------------------------------------
# Tables by CSV shape. Each returns (caption, header, rows) or None.
# --------------------------------------------------------------------------
Table = tuple[str, list[str], list[list[str]]]


def accuracy_pivot(rows: list[dict[str, str]]) -> dict[str, dict[str, list[float]]]:
    cells: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        value = _float(row["accuracy"])
        if value is not None:
            cells[row["dataset"]][row["method"]].append(value)
    return cells


def table_accuracy(header: list[str], rows: list[dict[str, str]]) -> list[Table]:
    cells = accuracy_pivot(rows)
    datasets = _order(r["dataset"] for r in rows)
    methods = _order(r["method"] for r in rows)
    fit: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        seconds = _float(row.get("fit_seconds", ""))
        if seconds is not None:
            fit[row["method"]].append(seconds)
    body = []
    for dataset in datasets:
        line = [_escape(dataset)]
        for method in methods:
            values = cells[dataset].get(method, [])
            line.append(
                f"{_fmt(statistics.fmean(values))} ± {_fmt(_std(values))}"
                if values
                else "-"
            )
        body.append(line)
    if len(datasets) > 1:
        body.append(
            ["**mean**"]
            + [
                _fmt(_mean(_mean(cells[d][m]) for d in datasets if cells[d].get(m)))
                for m in methods
            ]
        )
    seeds = {
        m: sorted({int(r["seed"]) for r in rows if r["method"] == m}) for m in methods
    }
    body.append(["seeds"] + [_seed_text(seeds[m]) for m in methods])
    if fit:
        body.append(["fit s (mean)"] + [_fmt(_mean(fit[m]), 1) for m in methods])
    caption = "Test accuracy, mean ± standard deviation over seeds"
    return [(caption, ["dataset"] + [_literal(m) for m in methods], body)]


def _seed_text(seeds: list[int]) -> str:
    if not seeds:
        return "-"
    if seeds == list(range(seeds[0], seeds[-1] + 1)) and len(seeds) > 2:
        return f"{seeds[0]}-{seeds[-1]}"
    return ", ".join(map(str, seeds))


def table_regression(header: list[str], rows: list[dict[str, str]]) -> list[Table]:
    datasets = _order(r["dataset"] for r in rows)
    methods = _order(r["method"] for r in rows)
    body = []
    for dataset in datasets:
        line = [_escape(dataset)]
        for method in methods:
            chosen = [
                r for r in rows if r["dataset"] == dataset and r["method"] == method
            ]
            rmse = [v for r in chosen if (v := _float(r["rmse"])) is not None]
            r2 = [v for r in chosen if (v := _float(r["r2"])) is not None]
            line.append(
                f"{_fmt(statistics.fmean(rmse), 4)} ± {_fmt(_std(rmse), 4)}, "
                f"R² {_fmt(statistics.fmean(r2))}"
                if rmse
                else "-"
            )
        body.append(line)
    seeds = {
        m: sorted({int(r["seed"]) for r in rows if r["method"] == m}) for m in methods
    }
    body.append(["seeds"] + [_seed_text(seeds[m]) for m in methods])
    caption = "Test RMSE (mean ± standard deviation over seeds) and mean R²"
    return [(caption, ["dataset"] + [_literal(m) for m in methods], body)]


def table_cv(header: list[str], rows: list[dict[str, str]]) -> list[Table]:
    datasets = _order(r["dataset"] for r in rows)
    configs = _order(r["config"] for r in rows)
    values: dict[tuple[str, str], list[float]] = defaultdict(list)
    seeds: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        value = _float(row["cv_accuracy"])
        if value is not None:
            values[row["dataset"], row["config"]].append(value)
            seeds[row["dataset"], row["config"]].add(row["seed"])

    def cell(dataset: str, config: str) -> str:
        found = values.get((dataset, config))
        if not found:
            return "-"
        return f"{_fmt(statistics.fmean(found))} ({len(seeds[dataset, config])})"

    caption = (
        "Cross-validated accuracy on the training splits, mean over folds and CV seeds "
        "(number of CV seeds in brackets)"
    )
    if len(configs) > len(datasets):
        body = [[_literal(c)] + [cell(d, c) for d in datasets] for c in configs]
        return [(caption, ["configuration"] + [_escape(d) for d in datasets], body)]
    body = [[_escape(d)] + [cell(d, c) for c in configs] for d in datasets]
    return [(caption, ["dataset"] + [_literal(c) for c in configs], body)]


def regime_means(rows: list[dict[str, str]]) -> dict[tuple[str, str, str], float]:
    """(dataset, k, method) -> mean over draws."""
    values: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for row in rows:
        value = _float(row["cv_accuracy"])
        if value is not None:
            values[row["dataset"], row["k"], row["method"]].append(value)
    return {key: statistics.fmean(v) for key, v in values.items()}


def table_regimes(header: list[str], rows: list[dict[str, str]]) -> list[Table]:
    means = regime_means(rows)
    datasets = _order(r["dataset"] for r in rows)
    methods = _order(r["method"] for r in rows)
    ks = sorted({r["k"] for r in rows}, key=int)
    draws = _seed_text(sorted({int(r["seed"]) for r in rows}))
    summary = []
    for k in ks:
        line = [f"k = {k}"]
        for method in methods:
            line.append(_fmt(_mean(means.get((d, k, method)) for d in datasets)))
        summary.append(line)
    body = []
    for dataset in datasets:
        for k in ks:
            if any((dataset, k, m) in means for m in methods):
                body.append(
                    [f"{_escape(dataset)}, k = {k}"]
                    + [_fmt(means.get((dataset, k, m))) for m in methods]
                )
    head = ["series per class"] + [_literal(m) for m in methods]
    return [
        (
            f"Accuracy on the rest of the training split, mean over datasets "
            f"(draws {draws})",
            head,
            summary,
        ),
        ("Per dataset, mean over draws", ["dataset", *head[1:]], body),
    ]


def table_wide_regimes(header: list[str], rows: list[dict[str, str]]) -> list[Table]:
    methods = [c for c in header if c not in ("dataset", "k")]
    methods = [m for m in methods if any(_float(r[m]) is not None for r in rows)]
    ks = sorted({r["k"] for r in rows}, key=int)
    summary = [
        [f"k = {k}"]
        + [_fmt(_mean(_float(r[m]) for r in rows if r["k"] == k)) for m in methods]
        for k in ks
    ]
    body = [
        [f"{_escape(r['dataset'])}, k = {r['k']}"]
        + [_fmt(_float(r[m])) for m in methods]
        for r in rows
    ]
    head = ["series per class"] + [_literal(m) for m in methods]
    return [
        ("Mean over datasets", head, summary),
        ("Per dataset", ["dataset", *head[1:]], body),
    ]


def table_tuning(header: list[str], rows: list[dict[str, str]]) -> list[Table]:
    methods = _order(r["method"] for r in rows)
    columns = ["wall_s", "epochs_trained", "best_cv_accuracy", "test_accuracy_of_best"]
    mean_of: dict[str, dict[str, float | None]] = {}
    for method in methods:
        chosen = [r for r in rows if r["method"] == method]
        mean_of[method] = {
            c: _mean(_float(r.get(c, "")) for r in chosen) for c in columns
        }
        mean_of[method]["n"] = len(chosen)
    body = []
    for method in methods:
        sampler = method.split(" ")[0].rstrip(",")
        reference = mean_of.get(f"{sampler}, no pruning", {}).get("wall_s")
        wall = mean_of[method]["wall_s"]
        speedup = f"{reference / wall:.2f}x" if reference and wall else "-"
        body.append(
            [
                _escape(method),
                str(mean_of[method]["n"]),
                _fmt(wall, 0) if wall else "-",
                speedup,
                _fmt(mean_of[method]["best_cv_accuracy"]),
                _fmt(mean_of[method]["test_accuracy_of_best"]),
            ]
        )
    head = [
        "search",
        "runs (sampler seeds)",
        "wall time s (mean)",
        "speed-up vs the same sampler unpruned",
        "best CV accuracy (mean)",
        "test accuracy of the best (mean)",
    ]
    return [("Means over sampler seeds", head, body)]


def table_plain(header: list[str], rows: list[dict[str, str]]) -> list[Table]:
    columns = [c for c in header if c not in HIDDEN_COLUMNS]
    if len(rows) > MAX_PLAIN_ROWS and "seed" in columns:
        return table_grouped(columns, rows)
    body = [
        [_fmt_cell(row.get(c, "")) for c in columns] for row in rows[:MAX_PLAIN_ROWS]
    ]
    caption = "As recorded" + (
        f" (first {MAX_PLAIN_ROWS} of {len(rows)} rows)"
        if len(rows) > MAX_PLAIN_ROWS
        else ""
    )
    return [(caption, [_escape(c) for c in columns], body)]


def table_grouped(columns: list[str], rows: list[dict[str, str]]) -> list[Table]:
    numeric = [
        c
        for c in columns
        if c != "seed" and all(_float(r[c]) is not None or r[c] == "" for r in rows)
    ]
    keys = [c for c in columns if c not in numeric and c != "seed"]
    groups: dict[tuple[str, ...], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        groups[tuple(row[c] for c in keys)].append(row)
    body = [
        [_escape(v) for v in key]
        + [str(len(members))]
        + [_fmt(_mean(_float(r[c]) for r in members)) for c in numeric]
        for key, members in groups.items()
    ]
    head = (
        [_escape(c) for c in keys]
        + ["seeds"]
        + [_escape(c) + " (mean)" for c in numeric]
    )
    return [("Means over seeds", head, body)]


def pick_renderer(name: str, header: list[str]) -> Callable | None:
    columns = set(header)
    if {"proba", "y_true"} <= columns:
        return None  # per-member probabilities: the report combines them
    if {"dataset", "method", "seed", "accuracy"} <= columns:
        return table_accuracy
    if {"dataset", "method", "seed", "rmse", "r2"} <= columns:
        return table_regression
    if {"dataset", "config", "fold", "seed", "cv_accuracy"} <= columns:
        return table_cv
    if {"dataset", "k", "seed", "method", "cv_accuracy"} <= columns:
        return table_regimes
    if header[:2] == ["dataset", "k"]:
        return table_wide_regimes
    if {"method", "sampler_seed", "wall_s"} <= columns:
        return table_tuning
    return table_plain


# --------------------------------------------------------------------------
# Studies
# --------------------------------------------------------------------------
class Study:
    """One current study of the index."""

    def __init__(self, name: str, section: str, report: str, script: str, status: str):
        self.name = name
        self.section = section
        self.report = report
        self.script = script
        self.status = status
        self.path = RESULTS / name

    @property
    def label(self) -> str:
        return "evidence-" + re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")

    def csv_files(self) -> list[Path]:
        files = sorted(self.path.rglob("*.csv"), key=lambda p: (len(p.parts), str(p)))
        kept = []
        names = {p.name for p in files}
        for path in files:
            stem = path.stem
            if stem.endswith("_summary") and stem[: -len("_summary")] + ".csv" in names:
                continue  # the raw rows are rendered; the summary would repeat them
            kept.append(path)
        # A sub-folder's CSV whose rows all appear in a top-level CSV of the
        # same name is a part of it (e.g. one dataset of a merged comparison).
        top = {p.name: p for p in kept if p.parent == self.path}
        result = []
        for path in kept:
            if path.parent != self.path and path.name in top:
                inner = set(map(tuple, csv.reader(path.open())))
                outer = set(map(tuple, csv.reader(top[path.name].open())))
                if inner <= outer:
                    continue
            result.append(path)
        return result

    def csv_groups(self) -> list[tuple[str, list[Path]]]:
        """Per-seed fragments (``cv_seed<N>.csv``) form one table; others one each."""
        groups: list[tuple[str, list[Path]]] = []
        fragments: dict[Path, list[Path]] = defaultdict(list)
        for path in self.csv_files():
            if re.fullmatch(r"cv_seed\d+\.csv", path.name):
                fragments[path.parent].append(path)
            else:
                groups.append((str(path.relative_to(self.path)), [path]))
        for parent, paths in fragments.items():
            prefix = (
                "" if parent == self.path else str(parent.relative_to(self.path)) + "/"
            )
            groups.insert(0, (prefix + "cv_seed*.csv", sorted(paths)))
        return groups

    def runs(self) -> list[tuple[str, dict]]:
        found = []
        for path in sorted(
            self.path.rglob("metadata.json"), key=lambda p: (len(p.parts), str(p))
        ):
            data = json.loads(path.read_text())
            where = (
                str(path.parent.relative_to(self.path))
                if path.parent != self.path
                else ""
            )
            runs = data.get("runs", [data]) if isinstance(data, dict) else []
            note = None
            if isinstance(data, dict) and (
                data.get("reconstructed") or data.get("converted")
            ):
                note = data.get("script_now") or "see the report"
            for run in runs:
                found.append((where, {**run, "_reconstructed": note}))
        return found


def read_index(results: Path = RESULTS) -> list[Study]:
    """Return the studies marked current in ``benchmarks/results/README.md``."""
    studies = []
    section = ""
    for line in (results / "README.md").read_text().splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            continue
        if not line.startswith("| [`"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 4:
            continue
        name = re.match(r"\[`([^`]+)`\]", cells[0]).group(1).rstrip("/")
        status = cells[-1]
        if name.startswith("archive/") or not status.startswith("**current**"):
            continue
        studies.append(Study(name, section, cells[1], cells[2], status))
    return studies


def _machine_text(machine) -> str:
    if isinstance(machine, dict):
        return "; ".join(
            f"{k} {v}" for k, v in machine.items() if not str(k).endswith("_file")
        )
    return str(machine)


def _commit_text(commit) -> str:
    match = re.match(r"([0-9a-f]{7,40})\b(.*)", str(commit or ""))
    if not match:
        return _escape(commit or "not recorded")
    return _literal(match.group(1)[:12]) + _escape(match.group(2))


def _report_paths(study: Study) -> list[str]:
    return [
        f"benchmarks/results/{target}"
        for target in re.findall(r"\]\(([^)]+)\)", study.report)
    ]


def render_study(study: Study, note_dependency: Callable[[Path], None]) -> list[str]:
    lines = [f".. _{study.label}:", ""]
    title = _escape(study.name)
    lines += [title, "~" * len(title), "", md_inline_to_rst(study.status), ""]
    reports = _report_paths(study)
    if reports:
        lines += [
            "Report: "
            + ", ".join(_literal(p) for p in reports)
            + ". Script: "
            + md_inline_to_rst(study.script)
            + ".",
            "",
        ]
    runs = study.runs()
    if runs:
        lines += [".. rubric:: How it was made", ""]
        notes = {run["_reconstructed"] for _, run in runs if run.get("_reconstructed")}
        for where, run in runs:
            commands = run.get("command", "not recorded")
            if isinstance(commands, str):
                commands = [commands]
            date = run.get("date") or run.get("date_utc") or "not recorded"
            meta = [
                f"commit {_commit_text(run.get('commit'))}",
                f"date {_escape(date)}",
            ]
            if where:
                meta.insert(0, f"folder {_literal(where + '/')}")
            lines += [
                "- " + ", ".join(meta) + ";",
                "  machine: "
                + _escape(_machine_text(run.get("machine", "not recorded"))),
                "",
            ]
            lines += ["  .. code-block:: bash", ""]
            lines += [f"     {c}" for c in commands]
            lines.append("")
        for note in sorted(notes):
            lines += [
                ".. note:: This study predates the benchmark harness: its metadata was "
                "reconstructed afterwards from the report and the git history, and its "
                "commands are quoted as they were run then (older script paths). "
                f"Today's module: {_literal(note)}.",
                "",
            ]
    for name, paths in study.csv_groups():
        header: list[str] = []
        rows: list[dict[str, str]] = []
        for path in paths:
            note_dependency(path)
            header, part = read_csv(path)
            rows += part
        if not rows:
            continue
        renderer = pick_renderer(name, header)
        lines += [".. rubric:: " + _escape(f"{study.name}/{name}"), ""]
        if renderer is None:
            lines += [
                f"{len(rows)} rows of per-member predicted probabilities; "
                "the report combines them into ensemble accuracies.",
                "",
            ]
            continue
        for caption, head, body in renderer(header, rows):
            lines += [f"*{_escape(caption)}*", ""]
            lines += list_table(head, body)
    return lines


def render_page(
    results: Path = RESULTS, note_dependency: Callable[[Path], None] = lambda p: None
) -> str:
    """Return the evidence page's body in reStructuredText."""
    note_dependency(results / "README.md")
    lines: list[str] = []
    headlines = compute_headlines(results)
    lines += [".. _evidence-headlines:", "", "Headline figures", "----------------", ""]
    lines += [
        "Computed from the studies below each time the site is built; the README "
        "and the user guide quote these.",
        "",
    ]
    body = [
        [_escape(h.description), h.value, f":ref:`{h.study} <{h.label}>`"]
        for h in headlines.values()
    ]
    lines += list_table(["figure", "value", "study"], body, stub=False)
    section = None
    for study in read_index(results):
        if study.section != section:
            section = study.section
            title = _escape(section)
            lines += [title, "-" * len(title), ""]
        lines += render_study(study, note_dependency)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# Headline figures, quoted by the user guide through :evidence:`key`
# --------------------------------------------------------------------------
class Headline:
    def __init__(self, key: str, description: str, value: str, study: str):
        self.key = key
        self.description = description
        self.value = value
        self.study = study

    @property
    def label(self) -> str:
        return "evidence-" + re.sub(r"[^a-z0-9]+", "-", self.study.lower()).strip("-")


def _accuracy_mean(
    results: Path, study: str, method: str, dataset: str | None = None
) -> float:
    _, rows = read_csv(results / study / _first_csv(results / study, "accuracy"))
    cells = accuracy_pivot(rows)
    if dataset is not None:
        return statistics.fmean(cells[dataset][method])
    return statistics.fmean(
        statistics.fmean(cells[d][method]) for d in cells if cells[d].get(method)
    )


def _first_csv(folder: Path, stem: str) -> str:
    for name in (f"{stem}.csv", f"{folder.name}.csv"):
        if (folder / name).exists():
            return name
    raise FileNotFoundError(f"no {stem}.csv in {folder}")


def _wide_mean(results: Path, relative: str, k: str | None, method: str) -> float:
    """Mean of a method's column over the cells at ``k`` (every k for None)."""
    _, rows = read_csv(results / relative)
    return statistics.fmean(
        v
        for r in rows
        if (k is None or r["k"] == k) and (v := _float(r[method])) is not None
    )


def _csv_value(
    results: Path, relative: str, key_column: str, key: str, column: str
) -> float:
    _, rows = read_csv(results / relative)
    for row in rows:
        if row[key_column] == key:
            return float(row[column])
    raise KeyError(f"{key!r} not in {relative}")


def _regression_mean(
    results: Path,
    dataset: str,
    method: str,
    column: str,
    study: str = "regression_compare",
) -> float:
    _, rows = read_csv(results / study / "comparison.csv")
    return statistics.fmean(
        float(r[column])
        for r in rows
        if r["dataset"] == dataset and r["method"] == method
    )


def _deep_peers_mean(
    results: Path, method: str, dataset: str, split: str, column: str
) -> float:
    """Mean of ``column`` over one method's rows of one dataset and split."""
    _, rows = read_csv(results / "deep_peers" / f"rows_{method}.csv")
    values = [
        float(r[column])
        for r in rows
        if r["dataset"] == dataset and r["split"] == split
    ]
    if split == "cv" and len(values) != 3:
        raise ValueError(f"deep_peers: {method} on {dataset} has {len(values)}/3 folds")
    return statistics.fmean(values)


def _regime_round_mean(
    results: Path, relative: str, method: str, cv_seed: str | None = None
) -> float:
    """Mean over tasks of a method's mean CV R² in a regime study (one CV seed)."""
    _, rows = read_csv(results / relative)
    by_task: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        if row["method"] == method and (cv_seed is None or row["cv_seed"] == cv_seed):
            by_task[row["task"]].append(float(row["cv_r2"]))
    if not by_task or any(len(values) % 3 for values in by_task.values()):
        raise ValueError(f"{relative}: {method} lacks folds (CV seed {cv_seed})")
    return statistics.fmean(statistics.fmean(v) for v in by_task.values())


def _regime_fit_ratio(results: Path, relative: str, method: str) -> float:
    """Total fit seconds of ``method`` over those of ``default``, same folds."""
    _, rows = read_csv(results / relative)

    def total(name: str) -> float:
        return sum(float(r["fit_seconds"]) for r in rows if r["method"] == name)

    return total(method) / total("default")


def _fusion_round_mean(
    results: Path, relative: str, candidate: str, seed: str
) -> float:
    """Mean over datasets of one candidate's mean fold accuracy (one CV seed)."""
    _, rows = read_csv(results / relative)
    by_dataset: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        if row["candidate"] == candidate and row["seed"] == seed:
            by_dataset[row["dataset"]].append(float(row["cv_accuracy"]))
    if not by_dataset or any(len(values) != 3 for values in by_dataset.values()):
        raise ValueError(f"{relative}: {candidate} lacks folds (CV seed {seed})")
    return statistics.fmean(statistics.fmean(v) for v in by_dataset.values())


def _column_max(results: Path, relative: str, column: str) -> float:
    _, rows = read_csv(results / relative)
    return max(float(row[column]) for row in rows)


def _regime_test_mean(results: Path, relative: str, method: str) -> float:
    """Mean over (dataset, k) cells of a method's mean over draws, TEST rows."""
    _, rows = read_csv(results / relative)
    if any(row.get("scored_on") != "test" for row in rows):
        raise ValueError(f"{relative}: rows not scored on the TEST split")
    means = regime_means(rows)
    return statistics.fmean(v for (_, _, m), v in means.items() if m == method)


def _tuning_speedup(results: Path, dataset: str) -> float:
    _, rows = read_csv(results / "tuning" / f"tuning_{dataset}.csv")

    def wall(method: str) -> float:
        return statistics.fmean(
            float(r["wall_s"]) for r in rows if r["method"] == method
        )

    default = next(
        r["method"]
        for r in rows
        if r["method"].startswith("TPE") and "(default)" in r["method"]
    )
    return wall("TPE, no pruning") / wall(default)


#: The five shared UCR/UEA datasets of the accuracy studies.
SHARED_DATASETS = (
    "GunPoint",
    "ItalyPowerDemand",
    "ArrowHead",
    "BasicMotions",
    "JapaneseVowels",
)


def compute_headlines(results: Path = RESULTS) -> dict[str, Headline]:
    """Every figure the user guide and the README may quote, computed now."""
    acc = "accuracy_10_seeds_weight_decay_0.1"
    round4 = "regime_selection_round3/round4_draws_6_9.csv"
    k5 = "regime_selection_round3/threshold_k5_draws_6_9.csv"
    specs: list[tuple[str, str, Callable[[], float], str, str]] = []

    def add(key, description, compute, study, fmt="{:.3f}"):
        specs.append((key, description, compute, study, fmt))

    for method, name in [
        (
            "convlstm-default",
            "the network alone (the default before the full-size ridge head)",
        ),
        ("minirocket", "MiniRocket"),
        ("rf-stats", "RandomForest on statistical features"),
        ("rf-catch22", "RandomForest on catch22 features"),
    ]:
        add(
            f"test-mean-{method}",
            f"Test accuracy of {name}, mean over five UCR/UEA datasets, seeds 0-9",
            lambda m=method: _accuracy_mean(results, acc, m),
            acc,
        )
    for dataset in SHARED_DATASETS:
        for method in ["convlstm-default", "minirocket", "rf-stats"]:
            add(
                f"test-{dataset}-{method}",
                f"{dataset} test accuracy, {method} (convlstm-default: the "
                "network alone), seeds 0-9",
                lambda d=dataset, m=method: _accuracy_mean(results, acc, m, d),
                acc,
            )
    for dataset in ["OSULeaf", "ACSF1"]:
        for method in ["convlstm-default", "minirocket", "rf-stats"]:
            add(
                f"unseen-{dataset}-{method}",
                f"{dataset} (then never used to choose anything) test accuracy, "
                f"{method} (convlstm-default: the network alone), seeds 0-2",
                lambda d=dataset, m=method: _accuracy_mean(results, "unseen", m, d),
                "unseen",
            )
    full_size = "accuracy_10_seeds_full_size_head"
    add(
        "test-fs-mean-convlstm-default",
        "Test accuracy of today's default ConvLSTMClassifier (the ridge fused at "
        "weight 3 at these sizes), mean over five UCR/UEA datasets, seeds 0-9",
        lambda: _accuracy_mean(results, full_size, "convlstm-default"),
        full_size,
    )
    for dataset in SHARED_DATASETS:
        add(
            f"test-fs-{dataset}-convlstm-default",
            f"{dataset} test accuracy of today's default, seeds 0-9",
            lambda d=dataset: _accuracy_mean(results, full_size, "convlstm-default", d),
            full_size,
        )
    for dataset in ["OSULeaf", "ACSF1"]:
        add(
            f"unseen-fs-{dataset}-convlstm-default",
            f"{dataset} test accuracy of today's default, seeds 0-2",
            lambda d=dataset: _accuracy_mean(
                results, "unseen_full_size_head", "convlstm-default", d
            ),
            "unseen_full_size_head",
        )
    for k in ("1", "2"):
        for method, name in [
            ("cand-rk", "the default (random-kernel head)"),
            ("convlstm-default", "the network alone"),
            ("minirocket", "MiniRocket"),
        ]:
            add(
                f"regime-k{k}-{method}",
                f"{k} series per class: accuracy of {name}, "
                "mean over 8 datasets, draws 6-9",
                lambda k=k, m=method: _wide_mean(results, round4, k, m),
                "regime_selection_round3",
            )
    for method, name in [
        ("convlstm-default", "the network"),
        ("minirocket", "MiniRocket"),
    ]:
        add(
            f"regime-k5-{method}",
            f"5 series per class: accuracy of {name}, mean over datasets, draws 6-9",
            lambda m=method: _wide_mean(results, k5, "5", m),
            "regime_selection_round3",
        )
    for dataset in ["Tecator", "Covid3Month"]:
        for method in ["convlstm-default", "minirocket"]:
            add(
                f"regression-{dataset}-{method}-rmse",
                f"{dataset} test RMSE, {method}, seeds 0-2",
                lambda d=dataset, m=method: _regression_mean(results, d, m, "rmse"),
                "regression_compare",
                "{:.4g}",
            )
    for dataset in ["Tecator", "Covid3Month"]:
        for method in ["convlstm-default", "minirocket", "rf-stats"]:
            for column in ["rmse", "r2"]:
                add(
                    f"regression-head-{dataset}-{method}-{column}",
                    f"{dataset} test {column.upper()}, {method} (the regressor's "
                    "default with the cross-fitted random-kernel head), seeds 0-2",
                    lambda d=dataset, m=method, c=column: _regression_mean(
                        results, d, m, c, "regression_compare_cross_fitted"
                    ),
                    "regression_compare_cross_fitted",
                    "{:.4g}" if column == "rmse" else "{:.3f}",
                )
    round5 = "regression_regimes_round5/regression_regimes.csv"
    round5_check = "regression_regimes_round5/check/regression_regimes.csv"
    for key, relative, where in [
        ("rr5-fit-ratio", round5, "the 8 selection tasks, CV seeds 8-9"),
        ("rr5-check-fit-ratio", round5_check, "the 5 check tasks, CV seed 8"),
    ]:
        add(
            key,
            "Regression regime tests: total fit time of the cross-fitted "
            f"random-kernel head over the network alone's, {where}",
            lambda r=relative: _regime_fit_ratio(results, r, "cf-rk-clip-perm"),
            "regression_regimes_round5",
            "{:.2f}",
        )
    for method, name in [
        ("default", "the network alone (the regressor's previous default)"),
        ("cf-rk-clip-perm", "the cross-fitted random-kernel head (today's default)"),
        ("minirocket", "MiniRocket + RidgeCV"),
        ("rf-stats", "RandomForest on statistics"),
    ]:
        for seed in ("8", "9"):
            add(
                f"rr5-{method}-seed{seed}",
                f"Regression regime tests: mean CV R² of {name} over the 8 "
                f"selection tasks, CV seed {seed}",
                lambda m=method, c=seed: _regime_round_mean(results, round5, m, c),
                "regression_regimes_round5",
            )
        add(
            f"rr5-check-{method}",
            f"Regression regime tests: mean CV R² of {name} over the 5 set-aside "
            "check tasks, CV seed 8",
            lambda m=method: _regime_round_mean(results, round5_check, m),
            "regression_regimes_round5",
        )
    round3 = "fusion_weight_selection_round3"
    for candidate, key, name in [
        ("w=0", "w0", "the network alone (the previous default)"),
        ("w=3", "w3", "the network with the ridge at weight 3 (today's default)"),
        ("minirocket", "minirocket", "MiniRocket"),
    ]:
        for seed in ("4", "5"):
            add(
                f"fw3-{key}-seed{seed}",
                f"3-fold CV accuracy of {name}, mean over seven training splits, "
                f"CV seed {seed}",
                lambda c=candidate, s=seed: _fusion_round_mean(
                    results, f"{round3}/fusion.csv", c, s
                ),
                round3,
            )
        add(
            f"fw3-check-{key}",
            f"3-fold CV accuracy of {name} on the set-aside synthetic-check3, "
            "CV seed 4",
            lambda c=candidate: _fusion_round_mean(
                results, f"{round3}/check/fusion.csv", c, "4"
            ),
            round3,
        )
    small = "fusion_weight_small_sizes"
    small_draws = [
        (f"{small}/selection_draws_12_13.csv", "sel", "draws 12-13"),
        (f"{small}/replication_draws_14_15.csv", "rep", "draws 14-15"),
    ]
    for method, name in [
        ("cand-rk3", "the network with the ridge at weight 3 (today's default)"),
        ("convlstm-default", "the network alone (the previous default there)"),
        ("minirocket", "MiniRocket"),
    ]:
        for relative, key, draws in small_draws:
            add(
                f"fws-{key}-{method}",
                f"Fewer than 24 training series, 3 to 8 per class: accuracy of "
                f"{name}, mean over 11 (dataset, k) cells, {draws}",
                lambda r=relative, m=method: _wide_mean(results, r, None, m),
                small,
            )
        add(
            f"fws-k3-{method}",
            f"3 series per class, fewer than 24 in all: accuracy of {name}, mean "
            "over 5 datasets, draws 12-15",
            lambda m=method: statistics.fmean(
                _wide_mean(results, r, "3", m) for r, _, _ in small_draws
            ),
            small,
        )
        add(
            f"fws-test-{method}",
            f"Fewer than 24 training series, 3 to 8 per class: official TEST "
            f"accuracy of {name}, mean over the 11 cells of draws 12-15 "
            "(reported after the verdict)",
            lambda m=method: _regime_test_mean(
                results, f"{small}/test_split/regimes.csv", m
            ),
            small,
        )
    pg_csv = "postgres_connections/postgres_connections.csv"
    add(
        "pg-peak-per-worker",
        "Tuning workers on one PostgreSQL server: the largest peak of connections "
        "per worker, 1 to 8 workers",
        lambda: _column_max(results, pg_csv, "peak_per_worker"),
        "postgres_connections",
        "{:.1f}",
    )
    add(
        "pg-workers-default-server",
        "Tuning workers that fit at once on a server with PostgreSQL's default "
        "max_connections (100, 3 reserved), at that peak",
        lambda: (100 - 3) // _column_max(results, pg_csv, "peak_per_worker"),
        "postgres_connections",
        "{:.0f}",
    )
    add(
        "speed-fit-ratio",
        "CPU training throughput of fit relative to a hand-written PyTorch loop",
        lambda: _csv_value(
            results,
            "speed_fast_path/speed_throughput.csv",
            "case",
            "train: ConvLSTMClassifier.fit",
            "ratio_vs_pytorch",
        ),
        "speed_fast_path",
    )
    add(
        "speed-predict-ratio",
        "CPU throughput of predict_proba relative to the bare module",
        lambda: _csv_value(
            results,
            "speed_fast_path/speed_throughput.csv",
            "case",
            "predict: ConvLSTMClassifier.predict_proba",
            "ratio_vs_pytorch",
        ),
        "speed_fast_path",
    )
    add(
        "export-onnx-ms",
        "Single-series latency through onnxruntime, median ms (150 steps, 1 thread)",
        lambda: _csv_value(
            results,
            "export_latency/export_latency.csv",
            "case",
            "onnxruntime session.run (1 thread, no validation)",
            "median_ms",
        ),
        "export_latency",
        "{:.2f}",
    )
    add(
        "export-predict-ms",
        "Single-series latency of predict_proba, median ms (150 steps, 1 thread)",
        lambda: _csv_value(
            results,
            "export_latency/export_latency.csv",
            "case",
            "predict_proba (torch, 1 thread)",
            "median_ms",
        ),
        "export_latency",
        "{:.2f}",
    )
    for dataset in ["GunPoint", "ArrowHead", "ItalyPowerDemand"]:
        add(
            f"tuning-speedup-{dataset}",
            f"Tuning on {dataset}: wall-time speed-up of the default pruner "
            "over no pruning",
            lambda d=dataset: _tuning_speedup(results, d),
            "tuning",
            "{:.2f}x",
        )
    add(
        "memory-fit-peak-mib",
        "Peak memory above baseline of one epoch of fit on an 8 GiB memmap, "
        "MiB (run 2)",
        lambda: _csv_value(
            results,
            "memory_8gib_fast_path/run2/memory.csv",
            "phase",
            "fit_1_epoch",
            "peak_above_baseline_mib",
        ),
        "memory_8gib_fast_path",
        "{:.0f}",
    )
    add(
        "gpu-fit-ratio",
        "GPU (H200) fit throughput relative to a hand-written loop, "
        "4,000 x 1 x 150, CUDA graphs",
        lambda: _csv_value(
            results,
            "gpu_speed/bench_gpu.csv",
            "case",
            "train: fit (cuda_graphs='auto', the default)",
            "ratio",
        ),
        "gpu_speed",
        "{:.2f}",
    )
    for key, folder, case, column, what, fmt in (
        ("rk-head-speed-ratio", "", "head", "ratio_to_sktime_head", "ratio", "{:.2f}"),
        ("rk-head-speed-s", "", "head", "best_s", "seconds", "{:.2f}"),
        (
            "rk-head-speed-sktime-s",
            "",
            "sktime MiniRocket + RidgeClassifierCV",
            "best_s",
            "seconds of sktime's MiniRocket + RidgeClassifierCV",
            "{:.2f}",
        ),
        (
            "rk-head-speed-ratio-3-channels",
            "three_channels/",
            "head",
            "ratio_to_sktime_head",
            "ratio, 3 channels",
            "{:.2f}",
        ),
    ):
        add(
            key,
            f"Random-kernel head prediction, 500 x 1,000 steps, one thread: {what}",
            lambda f=folder, c=case, col=column: _csv_value(
                results,
                f"random_kernel_head_speed/compiled_loop/{f}"
                "random_kernel_head_speed.csv",
                "case",
                c,
                col,
            ),
            "random_kernel_head_speed",
            fmt,
        )
    peers = [
        ("GunPoint", "lstm-fcn"),
        ("GunPoint", "inceptiontime"),
        ("ArrowHead", "lstm-fcn"),
        ("ArrowHead", "inceptiontime"),
        *(
            (dataset, method)
            for dataset in ("GunPoint", "ArrowHead")
            for method in ("convlstm-default", "convlstm-random-kernels")
        ),
    ]
    for dataset, method in peers:
        for split, name in (("cv", "3-fold CV on TRAIN"), ("test", "test split")):
            for column, suffix, what, fmt in (
                ("accuracy", "", "accuracy", "{:.3f}"),
                ("fit_seconds", "-fit-s", "fit seconds", "{:.0f}"),
            ):
                add(
                    f"peers-{dataset}-{method}-{split}{suffix}",
                    f"{dataset}, {name}: {what} of {method}, seed 0, one thread",
                    lambda d=dataset, m=method, s=split, c=column: _deep_peers_mean(
                        results, m, d, s, c
                    ),
                    "deep_peers",
                    fmt,
                )
    headlines = {}
    for key, description, compute, study, fmt in specs:
        headlines[key] = Headline(key, description, fmt.format(compute()), study)
    return headlines


# --------------------------------------------------------------------------
# Sphinx glue
# --------------------------------------------------------------------------
def setup(app):  # pragma: no cover - exercised by the docs build
    from docutils import nodes
    from docutils.statemachine import StringList
    from sphinx import addnodes
    from sphinx.util.docutils import SphinxDirective
    from sphinx.util.nodes import nested_parse_with_titles

    class EvidenceDirective(SphinxDirective):
        has_content = False

        def run(self):
            text = render_page(RESULTS, lambda p: self.env.note_dependency(str(p)))
            container = nodes.section()
            container.document = self.state.document
            nested_parse_with_titles(
                self.state, StringList(text.splitlines(), source="evidence"), container
            )
            return container.children

    headlines_of_this_build: dict[str, dict[str, Headline]] = {}

    def evidence_role(name, rawtext, text, lineno, inliner, options=None, content=None):
        # once per build, not in the pickled environment: an incremental
        # build would keep the figures (and keys) of the build that made it
        headlines = headlines_of_this_build.get("headlines")
        if headlines is None:
            headlines = compute_headlines(RESULTS)
            headlines_of_this_build["headlines"] = headlines
        if text not in headlines:
            message = inliner.reporter.error(
                f"unknown evidence figure {text!r}; "
                f"known: {', '.join(sorted(headlines))}",
                line=lineno,
            )
            return [inliner.problematic(rawtext, rawtext, message)], [message]
        headline = headlines[text]
        node = addnodes.pending_xref(
            "",
            nodes.inline(text=headline.value),
            refdomain="std",
            reftype="ref",
            reftarget=headline.label,
            refexplicit=True,
            refwarn=True,
        )
        return [node], []

    app.add_directive("evidence", EvidenceDirective)
    app.add_role("evidence", evidence_role)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    if sys.argv[1:] == ["--headlines"]:
        for headline in compute_headlines().values():
            print(f"{headline.key:45s} {headline.value:>10s}  {headline.study}")
    else:
        sys.stdout.write(render_page())
