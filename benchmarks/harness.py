"""What every benchmark script shares: data, folds, parallel runs, reports, metadata.

The scripts under ``benchmarks/<theme>/`` import this module and the package's
public API, never each other. Run them as modules from the repository root,
e.g. ``python -m benchmarks.accuracy.bench_accuracy --help``.

Every run writes into one study folder (``--out``): its report (``.md``), its
raw rows (``.csv``) and ``metadata.json`` (:func:`write_metadata`: command,
commit, date, machine, the defaults in force). Merges and summaries read the
CSV and JSON files back, never the Markdown.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPOSITORY = Path(__file__).resolve().parents[1]
#: Where the UCR/UEA datasets live: ``../shared/datasets`` next to the repository.
DATA_HOME = REPOSITORY.parent / "shared" / "datasets"
#: Root of the study folders.
RESULTS = REPOSITORY / "benchmarks" / "results"
#: The five shared datasets every default was chosen on (training splits only).
DATASETS = (
    "GunPoint",
    "ItalyPowerDemand",
    "ArrowHead",
    "BasicMotions",
    "JapaneseVowels",
)
#: Name of the metadata file of a study folder.
METADATA = "metadata.json"


# ------------------------------------------------------------------ arguments


def comma_list(text: str) -> list[str]:
    """Split ``"a,b, c"`` into ``["a", "b", "c"]`` (empty items dropped)."""
    return [item.strip() for item in text.split(",") if item.strip()]


def _comma_numbers(text: str, convert: Callable[[str], Any], example: str) -> list:
    """Split ``text`` at commas and convert each item; a usage error names it."""
    try:
        return [convert(item) for item in comma_list(text)]
    except ValueError:
        kind = "integers" if convert is int else "numbers"
        raise argparse.ArgumentTypeError(
            f"expected comma-separated {kind} such as {example!r}; got {text!r}"
        ) from None


def comma_ints(text: str) -> list[int]:
    """Split ``"0,1,2"`` into ``[0, 1, 2]``."""
    return _comma_numbers(text, int, "0,1,2")


def comma_floats(text: str) -> list[float]:
    """Split ``"0,1.5,inf"`` into ``[0.0, 1.5, inf]``."""
    return _comma_numbers(text, float, "0,1,3")


def optional_path(text: str) -> Path | None:
    """Turn a command-line path into a Path; ``""`` means none (``None``)."""
    return Path(text) if text else None


def add_data_arguments(
    parser: argparse.ArgumentParser, datasets: Sequence[str] = DATASETS
) -> None:
    """Add ``--datasets`` (comma-separated) and ``--data-home``."""
    parser.add_argument(
        "--datasets",
        type=comma_list,
        default=list(datasets),
        help=f"comma-separated dataset names (default: {','.join(datasets)})",
    )
    parser.add_argument(
        "--data-home",
        type=Path,
        default=DATA_HOME,
        help="directory of NAME/NAME_TRAIN.ts or NAME_TRAIN.tsv (default: %(default)s)",
    )


def add_out_argument(
    parser: argparse.ArgumentParser,
    default: Path | None = None,
    required: bool | None = None,
) -> None:
    """Add ``--out DIR``: the study folder the run writes its files to.

    Required unless a ``default`` is given or ``required=False`` (a script
    that checks it itself, e.g. only when it is not a worker).
    """
    parser.add_argument(
        "--out",
        type=Path,
        default=default,
        required=default is None if required is None else required,
        help="study folder for the report, the CSV rows and metadata.json"
        + (" (default: %(default)s)" if default is not None else ""),
    )


def command_line(module: str, argv: Sequence[str] | None) -> str:
    """Return the command that reruns this invocation from the repository root.

    Parameters
    ----------
    module : str
        The script's module name (its ``__spec__.name``, or ``__name__`` when
        imported), e.g. ``"benchmarks.speed.bench_speed"``.
    argv : sequence of str or None
        The arguments given to ``main``; ``None`` for ``sys.argv[1:]``.
    """
    if module == "__main__":  # pragma: no cover - run as a file, not with -m
        module = Path(sys.argv[0]).stem
    arguments = list(sys.argv[1:] if argv is None else argv)
    return shlex.join(["python", "-m", module, *arguments])


# ---------------------------------------------------------------- the machine


def machine_description() -> str:
    """One line: platform, Python, CPUs, torch and its thread count."""
    import torch

    return (
        f"{platform.platform()}; Python {platform.python_version()}; "
        f"{os.cpu_count()} CPUs; torch {torch.__version__} with "
        f"{torch.get_num_threads()} threads"
    )


def machine_details() -> list[str]:
    """Several lines: CPUs usable, library versions, threads, bfloat16, CUDA."""
    import sklearn
    import skorch
    import torch

    cpus = os.cpu_count()
    usable: int | None
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = cpus
    return [
        f"platform: {platform.platform()}, processor: {platform.processor() or '?'}",
        f"CPUs: {cpus} (usable by this process: {usable})",
        f"python {platform.python_version()}, torch {torch.__version__}, skorch "
        f"{skorch.__version__}, scikit-learn {sklearn.__version__}, numpy "
        f"{np.__version__}",
        f"torch threads: {torch.get_num_threads()} (interop "
        f"{torch.get_num_interop_threads()}), OMP_NUM_THREADS="
        f"{os.environ.get('OMP_NUM_THREADS', '(unset)')}, mkldnn "
        f"{torch.backends.mkldnn.is_available()}",
        f"CPU bfloat16 units: {cpu_bfloat16_flags()}",
        "CUDA: "
        + (torch.cuda.get_device_name() if torch.cuda.is_available() else "none"),
    ]


def cpu_bfloat16_flags() -> str:
    """Return the CPU's bfloat16 feature flags from /proc/cpuinfo, or a reason."""
    try:
        with open("/proc/cpuinfo") as handle:
            flags = next(
                (
                    line.split(":", 1)[1].split()
                    for line in handle
                    if line.startswith("flags")
                ),
                [],
            )
    except OSError:
        return "unknown (no /proc/cpuinfo)"
    found = [flag for flag in ("avx512_bf16", "amx_bf16") if flag in flags]
    return ", ".join(found) if found else "none"


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages, or ``"unknown"``."""
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


# ------------------------------------------------------------------- metadata


def git_commit() -> str:
    """Return ``HEAD``'s hash, marked when the work tree has uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPOSITORY,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{commit} (with uncommitted changes)" if dirty else commit


def jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    return repr(value)


def defaults_in_force() -> dict[str, Any]:
    """Return the package version and ``ConvLSTMClassifier()``'s parameters.

    ``None`` and ``"auto"`` are resolved at fit time from the variant and the
    data (the fitted ``network_params_`` holds the resolved values).
    """
    import sklearn_convlstm
    from sklearn_convlstm import ConvLSTMClassifier

    return {
        "sklearn_convlstm": getattr(sklearn_convlstm, "__version__", "unknown"),
        "ConvLSTMClassifier": jsonable(ConvLSTMClassifier().get_params()),
    }


def run_metadata(
    command: str,
    wall_seconds: float | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Describe one run: command, commit, date, machine, defaults in force."""
    return {
        "command": command,
        "commit": git_commit(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "machine": machine_description(),
        "load_average": load_average(),
        "wall_seconds": None if wall_seconds is None else round(wall_seconds, 1),
        "defaults_in_force": defaults_in_force(),
        "extra": jsonable(dict(extra or {})),
    }


def write_metadata(
    out: Path,
    *,
    command: str,
    wall_seconds: float | None = None,
    extra: Mapping[str, Any] | None = None,
    append: bool = False,
) -> Path:
    """Write ``out/metadata.json``: how the files beside it were made.

    The file holds ``{"runs": [run, ...]}``, one :func:`run_metadata` per
    command that wrote into the folder.

    Parameters
    ----------
    out : Path
        The study folder (created if needed).
    command : str
        The command line, as :func:`command_line` gives it.
    wall_seconds : float or None, default=None
        How long the run took.
    extra : mapping or None, default=None
        Anything else a merge or a summary must read back (e.g. the data
        descriptions); stored under ``"extra"``.
    append : bool, default=False
        Add this run to the runs already recorded (scripts that add rows or
        per-seed files to a folder) instead of replacing them (scripts that
        rewrite every file of the folder).

    Returns
    -------
    path : Path
    """
    out.mkdir(parents=True, exist_ok=True)
    runs = read_metadata(out).get("runs", []) if append else []
    runs.append(run_metadata(command, wall_seconds, extra))
    path = out / METADATA
    path.write_text(json.dumps({"runs": runs}, indent=2) + "\n", encoding="utf-8")
    return path


def read_metadata(out: Path) -> dict[str, Any]:
    """Read ``out/metadata.json`` back (an empty dict when there is none)."""
    path = out / METADATA
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


# -------------------------------------------------------------- CSV, Markdown


def write_csv(rows: Sequence[Mapping[str, Any]], path: Path) -> Path:
    """Write dict rows to ``path``; columns are the union of keys, first seen first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def append_csv(rows: Sequence[Mapping[str, Any]], path: Path) -> Path:
    """Append dict rows to ``path``, writing the header when the file is new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new_file = not path.exists()
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        if new_file:
            writer.writeheader()
        writer.writerows(rows)
    return path


def read_csv(paths: Iterable[Path]) -> list[dict[str, str]]:
    """Read the rows of every CSV file, in order (values stay strings)."""
    rows: list[dict[str, str]] = []
    for path in paths:
        with Path(path).open(newline="", encoding="utf-8") as handle:
            rows += list(csv.DictReader(handle))
    return rows


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Return a Markdown table (cells already formatted as strings)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def report_preamble(title: str, intro: str, command: str, machine: str) -> list[str]:
    """Markdown lines that open a report: title, intro, command, machine."""
    return [
        f"# {title}",
        "",
        intro,
        "",
        "Command (from the repository root):",
        "",
        "```",
        command,
        "```",
        "",
        f"Machine: {machine}",
        "",
    ]


# ------------------------------------------------------- folds and parallelism


def take(X: Any, index: Sequence[int] | np.ndarray) -> Any:
    """Index an array, or a list of unequal-length series, by positions."""
    return X[index] if isinstance(X, np.ndarray) else [X[i] for i in index]


def train_split_folds(
    datasets: Iterable[str], n_folds: int, seed: int, data_home: Path | str | None
) -> Iterator[tuple[str, int, Any, np.ndarray, np.ndarray, np.ndarray]]:
    """Yield ``(dataset, fold, X, y, train_index, test_index)`` on TRAIN splits.

    Stratified ``n_folds``-fold CV with shuffling seeded by ``seed`` (the "CV
    seed", which the selection scripts also give the networks): the folds every
    cross-validation benchmark shares. Test splits are never read.
    """
    from sklearn.model_selection import StratifiedKFold

    from sklearn_convlstm.datasets import load_dataset

    for dataset in datasets:
        X, y = load_dataset(dataset, data_home=data_home, split="train")
        folds = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
        for fold, (train_index, test_index) in enumerate(
            folds.split(np.zeros(len(y)), y)
        ):
            yield dataset, fold, X, y, train_index, test_index


def run_in_parallel(
    function: Callable[..., Any], tasks: Iterable[Sequence[Any]], jobs: int
) -> tuple[list[Any], float]:
    """Run ``function(*task)`` for every task on ``jobs`` joblib workers.

    Each worker should call ``torch.set_num_threads(1)`` itself (with two jobs
    on a 2-core machine, more threads make the small networks much slower).

    Returns
    -------
    results : list
        The results, in task order.
    wall_seconds : float
        How long the whole run took.
    """
    from joblib import Parallel, delayed

    start = time.perf_counter()
    results = Parallel(n_jobs=jobs, verbose=5 if jobs != 1 else 0)(
        delayed(function)(*task) for task in tasks
    )
    return list(results), time.perf_counter() - start


# ----------------------------------------------- cross-validation result rows


def mean_cv_accuracy(
    rows: Iterable[Mapping[str, Any]], dataset: str, config: str, seed: int | None
) -> float:
    """Mean ``cv_accuracy`` over the folds of one CV seed (``None``: every seed).

    ``rows`` are per-fold rows (``dataset``, ``config``, ``fold``, ``seed``,
    ``cv_accuracy``) as the selection scripts write them; NaN when none match.
    """
    values = [
        float(row["cv_accuracy"])
        for row in rows
        if row["dataset"] == dataset
        and row["config"] == config
        and (seed is None or int(row["seed"]) == seed)
    ]
    return float(np.mean(values)) if values else float("nan")


def datasets_of(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    """Return the datasets of ``rows``: the five shared ones first, in order."""
    present = list(dict.fromkeys(row["dataset"] for row in rows))
    return [name for name in DATASETS if name in present] + [
        name for name in present if name not in DATASETS
    ]
