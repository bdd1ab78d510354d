"""The datasets shipped with the package and named train/test splits on disk.

:func:`load_dataset` returns the official train/test split of a dataset
shipped with the package (see :func:`list_datasets`), found in a
``data_home`` directory, or given by a path prefix; the files are read by
:mod:`sklearn_convlstm.datasets._formats`.

The datasets come from the UCR/UEA time series classification archive. They are
public research data; cite the archive when you publish results:

* H. A. Dau et al., "The UCR Time Series Archive", IEEE/CAA Journal of
  Automatica Sinica 6(6), 2019.
* A. Bagnall et al., "The UEA multivariate time series classification archive,
  2018", arXiv:1811.00075.
"""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal, overload

import numpy as np

from sklearn_convlstm.datasets._formats import (
    PathLike,
    Series,
    check_missing_option,
    load_ts_file,
    load_ucr_tsv,
)

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

__all__ = ["list_datasets", "load_dataset"]

_SUFFIXES = (".ts", ".tsv")


# --------------------------------------------------------------------------- #
# Named datasets
# --------------------------------------------------------------------------- #
def _data_dir() -> Traversable:
    return resources.files("sklearn_convlstm.datasets") / "data"


def list_datasets() -> list[str]:
    """Names of the datasets shipped with the package.

    Returns
    -------
    names : list of str
        Sorted names accepted by :func:`load_dataset` without ``data_home``.

    Examples
    --------
    >>> from sklearn_convlstm.datasets import list_datasets
    >>> list_datasets()
    ['GunPoint', 'ItalyPowerDemand']
    """
    data_dir = _data_dir()
    if not data_dir.is_dir():
        return []
    files = {entry.name for entry in data_dir.iterdir()}
    return sorted(
        name[: -len("_TRAIN.ts")]
        for name in files
        if name.endswith("_TRAIN.ts") and name.replace("_TRAIN.", "_TEST.") in files
    )


def _read(resource: Traversable | Path, missing: str) -> tuple[Series, np.ndarray]:
    if isinstance(resource, Path):
        return _read_path(resource, missing)
    with resources.as_file(resource) as path:
        return _read_path(path, missing)


def _read_path(path: Path, missing: str) -> tuple[Series, np.ndarray]:
    if path.suffix == ".tsv":
        return load_ucr_tsv(path, missing=missing)  # type: ignore[arg-type]
    X, y = load_ts_file(path, missing=missing)  # type: ignore[arg-type]
    if y is None:
        raise ValueError(f"{path} has no class labels (@classLabel false).")
    return X, y


def _find_pair(prefixes: list[Path]) -> tuple[Path, Path] | None:
    """First existing ``PREFIX_TRAIN.ts``/``_TEST.ts`` (or ``.tsv``) pair."""
    for prefix in prefixes:
        for suffix in _SUFFIXES:
            train = prefix.with_name(f"{prefix.name}_TRAIN{suffix}")
            test = prefix.with_name(f"{prefix.name}_TEST{suffix}")
            if train.is_file() and test.is_file():
                return train, test
            if train.is_file() or test.is_file():
                present, absent = (train, test) if train.is_file() else (test, train)
                raise ValueError(
                    f"Found {present} but not {absent}; load_dataset needs both "
                    "files of the official split."
                )
    return None


def _candidate_prefixes(name: str, data_home: PathLike | None) -> list[Path]:
    if data_home is None:
        return []
    home = Path(data_home).expanduser()
    return [home / name / name, home / name]


@overload
def load_dataset(
    name: PathLike,
    *,
    data_home: PathLike | None = None,
    split: None = None,
    missing: Literal["raise", "nan"] = "raise",
) -> tuple[Series, np.ndarray, Series, np.ndarray]: ...


@overload
def load_dataset(
    name: PathLike,
    *,
    data_home: PathLike | None = None,
    split: Literal["train", "test"],
    missing: Literal["raise", "nan"] = "raise",
) -> tuple[Series, np.ndarray]: ...


def load_dataset(
    name: PathLike,
    *,
    data_home: PathLike | None = None,
    split: Literal["train", "test"] | None = None,
    missing: Literal["raise", "nan"] = "raise",
) -> tuple[Series, np.ndarray, Series, np.ndarray] | tuple[Series, np.ndarray]:
    """Load the official train/test split of a UCR/UEA dataset.

    ``name`` is resolved in this order:

    1. a path prefix (``name`` contains a path separator or is a path object):
       ``'/x/y/GunPoint'`` reads ``/x/y/GunPoint_TRAIN.ts`` and
       ``/x/y/GunPoint_TEST.ts`` (or ``.tsv``); if ``/x/y/GunPoint`` is a
       directory, the files inside it;
    2. with ``data_home``: ``data_home/NAME/NAME_TRAIN.ts`` (the archive's
       layout) or ``data_home/NAME_TRAIN.ts`` (or ``.tsv``);
    3. a dataset shipped with the package (see :func:`list_datasets`); the
       name is case-insensitive.

    Parameters
    ----------
    name : str or path-like
        Dataset name (``"GunPoint"``) or path prefix.
    data_home : str or path-like, default=None
        Directory holding more datasets; searched before the shipped ones.
    split : {"train", "test"}, default=None
        ``None`` returns both parts; ``"train"`` or ``"test"`` only that one.
    missing : {"raise", "nan"}, default="raise"
        Passed to the reader; see :func:`load_ts_file`.

    Returns
    -------
    X_train, y_train, X_test, y_test : tuple
        With ``split=None``, in this order. Each ``X`` is a ``float64`` array of
        shape ``(n_samples, n_channels, n_timesteps)``, or a list of
        ``(n_channels, length_i)`` arrays for unequal lengths; each ``y`` holds
        the class labels as strings, as written in the file. With ``split``
        set, only ``(X, y)`` of that part.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the shipped datasets), when only
        one of the two files exists, and for malformed files.

    See Also
    --------
    list_datasets : Names of the shipped datasets.
    load_ts_file : Reader for a single ``.ts`` file.

    Notes
    -----
    The package ships GunPoint and ItalyPowerDemand from the UCR/UEA archive.
    Cite the archive when you publish results: H. A. Dau et al., "The UCR Time
    Series Archive", IEEE/CAA J. Autom. Sinica 6(6), 2019, and A. Bagnall et
    al., "The UEA multivariate time series classification archive, 2018",
    arXiv:1811.00075.

    Examples
    --------
    >>> from sklearn_convlstm.datasets import load_dataset
    >>> X_train, y_train, X_test, y_test = load_dataset("GunPoint")
    >>> X_train.shape, X_test.shape
    ((50, 1, 150), (150, 1, 150))
    >>> np.unique(y_train)
    array(['1', '2'], dtype='<U1')
    """
    if split not in (None, "train", "test"):
        raise ValueError(f"split must be None, 'train' or 'test'; got {split!r}.")
    check_missing_option(missing)

    pair: tuple[Traversable | Path, Traversable | Path] | None = None
    tried: list[str] = []
    text = os.fspath(name)
    if isinstance(name, os.PathLike) or "/" in text or os.sep in text:
        prefix = Path(text).expanduser()
        prefixes = [prefix / prefix.name, prefix] if prefix.is_dir() else [prefix]
        pair = _find_pair(prefixes)
        tried = [f"{p}_TRAIN.ts" for p in prefixes]
        if pair is None:
            raise ValueError(
                f"No dataset at path prefix {text!r}: tried "
                f"{', '.join(tried)} (and .tsv). Pass a prefix PREFIX such that "
                "PREFIX_TRAIN.ts and PREFIX_TEST.ts exist, or a dataset name."
            )
    else:
        prefixes = _candidate_prefixes(text, data_home)
        pair = _find_pair(prefixes)
        tried = [f"{p}_TRAIN.ts" for p in prefixes]
    if pair is None:
        shipped = {shipped.lower(): shipped for shipped in list_datasets()}
        if text.lower() in shipped:
            data_dir = _data_dir()
            canonical = shipped[text.lower()]
            pair = (
                data_dir / f"{canonical}_TRAIN.ts",
                data_dir / f"{canonical}_TEST.ts",
            )
    if pair is None:
        searched = (
            f" Searched data_home: {', '.join(tried)} (and .tsv)." if tried else ""
        )
        raise ValueError(
            f"Unknown dataset {text!r}. Shipped datasets: {list_datasets()}."
            f"{searched} For another UCR/UEA dataset, pass data_home=<directory "
            f"holding {text}/{text}_TRAIN.ts> or a path prefix such as "
            f"'/path/to/{text}' (reads /path/to/{text}_TRAIN.ts and _TEST.ts)."
        )

    train, test = pair
    if split == "train":
        return _read(train, missing)
    if split == "test":
        return _read(test, missing)
    X_train, y_train = _read(train, missing)
    X_test, y_test = _read(test, missing)
    return X_train, y_train, X_test, y_test
