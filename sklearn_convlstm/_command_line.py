"""Argument checks the subcommands share (``compare``, ``tune``).

Kept apart from :mod:`sklearn_convlstm.cli`, which dispatches to the
subcommands, so that the subcommands do not import the dispatcher.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["check_writable_directory", "int_at_least"]


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
