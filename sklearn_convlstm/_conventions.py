"""Conventions every layer shares: the data-shape help text and warning frames.

The bottom of the package: standard library only, so that the validation of
input (``_validation``) and the data read on demand (``_lazy``) can both use it
without importing each other.
"""

from __future__ import annotations

import sys

__all__ = ["SHAPE_HELP", "caller_stacklevel"]

SHAPE_HELP = (
    "X must have shape (n_samples, n_channels, n_timesteps) or "
    "(n_samples, n_timesteps) for univariate series, or be a list of arrays of "
    "shape (n_channels, length_i) for series of unequal length"
)


#: Top-level packages whose frames a warning skips to point at the user's line.
_LIBRARY_PACKAGES = frozenset({"sklearn_convlstm", "sklearn", "skorch"})


def caller_stacklevel() -> int:
    """Return the ``stacklevel`` that makes a warning point at the user's code.

    Called by the function that warns: counts the frames of this package,
    scikit-learn (its ``fit`` wrappers) and skorch between that function and
    the first frame of other code, so the warning names the caller's line
    however deep inside ``fit`` it is raised.
    """
    frame = sys._getframe(1)
    level = 1
    while (
        frame.f_back is not None
        and frame.f_globals.get("__name__", "").partition(".")[0] in _LIBRARY_PACKAGES
    ):
        frame = frame.f_back
        level += 1
    return level
