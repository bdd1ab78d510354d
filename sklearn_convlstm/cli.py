"""Command line: ``python -m sklearn_convlstm {compare,tune}`` (``sklearn-convlstm``).

Each subcommand's arguments and work live with the module that owns it:
``compare`` in :mod:`sklearn_convlstm.compare.command`, ``tune`` in
:mod:`sklearn_convlstm.tuning.command`. This module only dispatches.
"""

from __future__ import annotations

import argparse
import importlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

#: subcommand -> (module, one-line help)
SUBCOMMANDS = {
    "compare": (
        "sklearn_convlstm.compare.command",
        "compare ConvLSTMClassifier with feature baselines on a dataset's "
        "official test split (default: the shipped GunPoint)",
    ),
    "tune": (
        "sklearn_convlstm.tuning.command",
        "run an Optuna tuning worker; many workers can share one study",
    ),
}


def int_at_least(minimum: int) -> Callable[[str], int]:
    """Return an argparse type accepting integers >= ``minimum``.

    Parameters
    ----------
    minimum : int
        Smallest accepted value.

    Returns
    -------
    parse : callable
        ``parse(text) -> int``, raising ``argparse.ArgumentTypeError``.
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"expected an integer >= {minimum}; got {text!r}."
            )
        return value

    return parse


def check_writable_directory(path: str | os.PathLike, option: str) -> str | None:
    """Create directory ``path`` if needed and check that files can be written.

    Commands call this before any long work, so that an unwritable output
    directory is a usage error at once, not a traceback after the run.

    Parameters
    ----------
    path : str or path-like
        The directory.
    option : str
        The command-line option that named it (for the message).

    Returns
    -------
    problem : str or None
        A one-line message, or ``None`` when the directory is writable.
    """
    directory = Path(path)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        return f"{option} {os.fspath(path)!r} is not a writable directory: {reason}."
    return None


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
        Arguments (``None``: ``sys.argv[1:]``).

    Returns
    -------
    exit_code : int
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.run(args) or 0)
