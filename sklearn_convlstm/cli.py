"""Command line: ``python -m sklearn_convlstm {compare,tune}`` (``sklearn-convlstm``).

Each subcommand's arguments and work live with the module that owns it:
``compare`` in :mod:`sklearn_convlstm.compare._command`, ``tune`` in
:mod:`sklearn_convlstm.tuning._command`. This module only dispatches.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: subcommand -> (module, one-line help)
SUBCOMMANDS = {
    "compare": (
        "sklearn_convlstm.compare._command",
        "compare ConvLSTMClassifier with feature baselines on a dataset's "
        "official test split (default: the shipped GunPoint)",
    ),
    "tune": (
        "sklearn_convlstm.tuning._command",
        "run an Optuna tuning worker; many workers can share one study",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with one sub-parser per subcommand.

    Returns
    -------
    parser : argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="sklearn-convlstm",
        description="Conv1D->LSTM time-series classification with scikit-learn.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        subparser = subparsers.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(subparser)
        subparser.set_defaults(run=module.run_command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str, default=None
        Arguments (``None``: ``sys.argv[1:]``, the process's own command
        line; then a ``compare`` that may use worker processes starts their
        imports at once, see :mod:`sklearn_convlstm._worker_start`).

    Returns
    -------
    exit_code : int
    """
    if argv is None:  # this process's own command line
        argv = sys.argv[1:]
        if _may_start_workers(argv):
            # before the subcommands import PyTorch: workers import in parallel
            from sklearn_convlstm._worker_start import warm_worker_processes

            warm_worker_processes()
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.run(args) or 0)


def _may_start_workers(argv: Sequence[str]) -> bool:
    """Whether ``argv`` is a ``compare`` run that may start worker processes."""
    if argv[:1] != ["compare"] or {"-h", "--help"} & set(argv):
        return False
    for index, arg in enumerate(argv):
        value = arg.partition("=")[2] if arg.startswith("--n-jobs=") else None
        if arg == "--n-jobs" and index + 1 < len(argv):
            value = argv[index + 1]
        if value is not None and value.strip() == "1":
            return False
    return True
