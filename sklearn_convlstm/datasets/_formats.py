"""Readers of the UCR/UEA archive's file formats: ``.ts`` and ``.tsv``.

* :func:`load_ts_file` reads the archive's ``.ts`` format (univariate and
  multivariate, equal and unequal length, classification or regression).
* :func:`load_ucr_tsv` reads the UCR 2018 ``.tsv`` format (univariate).

Both return ``X`` in the package's data convention: a ``float64`` array of
shape ``(n_samples, n_channels, n_timesteps)`` when all series have the same
length, otherwise a list of ``(n_channels, length_i)`` ``float64`` arrays.
Class labels are returned as strings, exactly as written in the file.
"""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        pass
    else:
        pass

__all__ = [
    "PathLike",
    "Series",
    "check_missing_option",
    "load_ts_file",
    "load_ucr_tsv",
]

#: What a reader returns as ``X``: a 3D float64 array or a list of 2D arrays.
Series = np.ndarray | list
PathLike = str | os.PathLike

_MISSING_OPTIONS = ("raise", "nan")


# --------------------------------------------------------------------------- #
# Shared helpers
# --------------------------------------------------------------------------- #
def check_missing_option(missing: str) -> None:
    if missing not in _MISSING_OPTIONS:
        raise ValueError(
            f"missing must be one of {list(_MISSING_OPTIONS)}; got {missing!r}. "
            "Use 'raise' to get an error on missing values or 'nan' to load them "
            "as NaN."
        )


def _parse_values(text: str, *, where: str, separator: str = ",") -> np.ndarray:
    """Parse numbers separated by ``separator`` (``?`` means missing) into float64.

    Only ``separator`` separates values: with tabs, ``"0,5"`` is one cell that
    is not a number (a decimal comma), never two values.
    """
    if not text.strip():
        raise ValueError(
            f"{where} is empty; expected numbers separated by {separator!r}."
        )
    if "?" in text:
        text = text.replace("?", "nan")
    tokens = text.split(separator)
    try:
        return np.array(tokens, dtype=np.float64)
    except ValueError:
        pass
    for position, token in enumerate(tokens, start=1):
        try:
            float(token)
        except ValueError:
            raise ValueError(
                f"{where}, value {position}: {token.strip()!r} is not a number. "
                f"Values must be numbers separated by {separator!r} ('?' or NaN "
                "for a missing value; '.' as the decimal point)."
            ) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _read_text_lines(path: str) -> Iterator[str]:
    """Yield the lines of a UTF-8 text file, naming the line of any bad byte.

    A UTF-8 byte-order mark at the start of the file (as some Windows editors
    write) is dropped. Undecodable bytes raise a ValueError that names the
    file, the line and the column, instead of a bare ``UnicodeDecodeError``.
    """
    with open(path, "rb") as file:
        for line_number, raw_line in enumerate(file, start=1):
            if line_number == 1 and raw_line.startswith(codecs.BOM_UTF8):
                raw_line = raw_line[len(codecs.BOM_UTF8) :]
            try:
                yield raw_line.decode("utf-8")
            except UnicodeDecodeError as error:
                raise ValueError(
                    f"{path}, line {line_number}: not valid UTF-8 (byte "
                    f"0x{raw_line[error.start]:02x} at column {error.start + 1}). "
                    "Save the file as UTF-8 (the encoding of the UCR/UEA archive "
                    "files)."
                ) from None


def _raise_on_missing(
    source: str, n_missing: int, n_cases: int, first_line: int
) -> None:
    raise ValueError(
        f"{source} contains {n_missing} missing value(s) ('?' or NaN) in "
        f"{n_cases} case(s); the first is on line {first_line}. Pass "
        "missing='nan' to load them as NaN, then impute them or drop those "
        "cases: the classifiers need finite values."
    )


def _collect(series: list[np.ndarray]) -> Series:
    """Stack equal-length series into a 3D array, else keep the list."""
    if len({item.shape[1] for item in series}) == 1:
        return np.stack(series)
    return series


# --------------------------------------------------------------------------- #
# .ts reader
# --------------------------------------------------------------------------- #
def _parse_bool(args: list[str], *, where: str, key: str) -> bool:
    if args and args[0].lower() in ("true", "false"):
        return args[0].lower() == "true"
    raise ValueError(
        f"{where}: @{key} must be followed by true or false; got {' '.join(args)!r}."
    )


def _parse_positive_int(args: list[str], *, where: str, key: str) -> int:
    if len(args) == 1 and args[0].isdigit() and int(args[0]) > 0:
        return int(args[0])
    raise ValueError(
        f"{where}: @{key} must be followed by a positive integer; got "
        f"{' '.join(args)!r}."
    )


#: Line prefixes of .ts comments: ``#``, and ``%`` (ARFF's, kept in some UEA
#: files such as the UnitTest data shipped with sktime).
_COMMENT_PREFIXES = ("#", "%")


def _parse_ts_lines(
    lines: Iterable[str], *, source: str, missing: str
) -> tuple[Series, np.ndarray | None]:
    class_labels: list[str] | None = None
    has_labels: bool | None = None
    is_regression = False
    univariate: bool | None = None
    n_channels: int | None = None
    channels_from = "@dimensions"
    equal_length: bool | None = None
    series_length: int | None = None
    in_data = False

    series: list[np.ndarray] = []
    labels: list[str] = []
    n_missing = n_missing_cases = first_missing_line = 0

    for line_number, raw_line in enumerate(lines, start=1):
        line = raw_line.strip()
        if not line or line.startswith(_COMMENT_PREFIXES):
            continue
        where = f"{source}, line {line_number}"
        if line.startswith("@"):
            if in_data:
                raise ValueError(
                    f"{where}: found the header line {line[:40]!r} after @data; "
                    "all @ header lines must come before @data."
                )
            key, *args = line[1:].split()
            key = key.lower()
            if key == "data":
                in_data = True
            elif key == "timestamps":
                if _parse_bool(args, where=where, key=key):
                    raise NotImplementedError(
                        f"{source} uses timestamps (@timeStamps true), which "
                        "load_ts_file does not read; convert the file to plain "
                        "values (one value per timestep) first."
                    )
            elif key == "univariate":
                univariate = _parse_bool(args, where=where, key=key)
                if univariate:
                    n_channels, channels_from = 1, "@univariate true"
            elif key in ("dimension", "dimensions"):
                n_channels = _parse_positive_int(args, where=where, key=key)
                channels_from = "@dimensions"
                if univariate and n_channels != 1:
                    raise ValueError(
                        f"{where}: @dimensions {n_channels} contradicts "
                        "@univariate true."
                    )
            elif key == "equallength":
                equal_length = _parse_bool(args, where=where, key=key)
            elif key == "serieslength":
                series_length = _parse_positive_int(args, where=where, key=key)
            elif key == "classlabel":
                if _parse_bool(args, where=where, key=key):
                    has_labels = True
                    class_labels = args[1:] or None
                elif not is_regression:
                    has_labels = False
            elif key == "targetlabel":
                if _parse_bool(args, where=where, key=key):
                    has_labels = is_regression = True
            elif key == "missing":
                _parse_bool(args, where=where, key=key)
            # Other headers (@problemName, future ones) carry no data: skip.
            continue
        if not in_data:
            raise ValueError(
                f"{where}: found data before the @data line. A .ts file has "
                "'#' or '%' comments and '@' header lines, then '@data', then one case "
                "per line."
            )

        fields = line.split(":")
        if has_labels is None:
            # No @classLabel/@targetLabel header: infer from the first case.
            if n_channels is not None:
                has_labels = len(fields) == n_channels + 1
            else:
                has_labels = len(fields) > 1 and "," not in fields[-1]
        if n_channels is None:
            n_channels = len(fields) - int(has_labels)
            channels_from = f"the first case (line {line_number})"
        expected = n_channels + int(has_labels)
        if len(fields) != expected:
            label_text = " and a class label" if has_labels else ""
            raise ValueError(
                f"{where}: expected {n_channels} channel(s){label_text} separated "
                f"by ':' (channel count from {channels_from}), found "
                f"{len(fields)} field(s)."
            )
        if has_labels:
            label = fields.pop().strip()
            if not label:
                raise ValueError(f"{where}: the class label (last field) is empty.")
            if is_regression:
                try:
                    float(label)
                except ValueError:
                    raise ValueError(
                        f"{where}: the target {label!r} (last field) is not a "
                        "number; a file with @targetLabel true needs a numeric "
                        "target at the end of each case."
                    ) from None
            if class_labels is not None and label not in class_labels:
                raise ValueError(
                    f"{where}: class label {label!r} is not one of the labels "
                    f"declared by @classLabel: {class_labels}."
                )
            labels.append(label)

        channels = [
            _parse_values(text, where=f"{where}, channel {index}")
            for index, text in enumerate(fields, start=1)
        ]
        lengths = {channel.shape[0] for channel in channels}
        if len(lengths) > 1:
            raise ValueError(
                f"{where}: the channels of this case have different lengths "
                f"{[channel.shape[0] for channel in channels]}; all channels of a "
                "case must have the same length."
            )
        case = np.stack(channels) if n_channels > 1 else channels[0][np.newaxis, :]
        length = case.shape[1]
        if equal_length is not False and series_length is not None:
            if length != series_length:
                raise ValueError(
                    f"{where}: the series has {length} timesteps but "
                    f"@seriesLength declares {series_length}."
                )
        if equal_length and series and length != series[0].shape[1]:
            raise ValueError(
                f"{where}: the series has {length} timesteps but the first has "
                f"{series[0].shape[1]}, while @equalLength is true."
            )
        case_missing = int(np.isnan(case).sum())
        if case_missing:
            if not n_missing:
                first_missing_line = line_number
            n_missing += case_missing
            n_missing_cases += 1
        series.append(case)

    if not in_data:
        raise ValueError(
            f"{source}: no @data line found. A .ts file has '#' or '%' comments "
            "and '@' header lines, then '@data', then one case per line."
        )
    if not series:
        raise ValueError(f"{source}: no cases after the @data line.")
    if n_missing and missing == "raise":
        _raise_on_missing(source, n_missing, n_missing_cases, first_missing_line)

    y: np.ndarray | None = None
    if has_labels:
        if is_regression:
            y = np.array(labels, dtype=np.float64)
        else:
            y = np.array(labels, dtype=str)
    return _collect(series), y


def load_ts_file(
    path: PathLike, *, missing: Literal["raise", "nan"] = "raise"
) -> tuple[Series, np.ndarray | None]:
    """Read a time-series classification dataset in the UCR/UEA ``.ts`` format.

    The format has comment lines (``#``, or ``%`` as in ARFF files and some
    UEA releases), ``@`` header lines (``@problemName``,
    ``@timeStamps``, ``@missing``, ``@univariate``, ``@dimensions``,
    ``@equalLength``, ``@seriesLength``, ``@classLabel true <labels...>``,
    ``@targetLabel``), then ``@data`` and one case per line: the channels
    separated by ``:``, the values of a channel by ``,``, the class label
    last. Header names are case-insensitive; unknown headers are ignored.

    Parameters
    ----------
    path : str or path-like
        Path of the ``.ts`` file.
    missing : {"raise", "nan"}, default="raise"
        What to do with missing values (``?`` or ``NaN`` in the file):
        ``"raise"`` raises a ValueError that names the file, the first line with
        a missing value and their count; ``"nan"`` loads them as NaN.

    Returns
    -------
    X : ndarray of shape (n_samples, n_channels, n_timesteps) or list
        ``float64`` series, channels first. When the series have different
        lengths, a list of ``n_samples`` arrays of shape
        ``(n_channels, length_i)``.
    y : ndarray of shape (n_samples,) or None
        Class labels as strings (``str`` dtype), exactly as written in the file:
        numeric labels stay strings (``'1'``, ``'2'``); convert them with
        ``y.astype(int)`` if you need numbers. ``float64`` targets when the file
        declares ``@targetLabel true``; ``None`` when it has no labels
        (``@classLabel false``).

    Raises
    ------
    ValueError
        For a malformed file: no ``@data`` line, a case with the wrong number of
        channels, a non-numeric value, channels of one case with different
        lengths, a label not declared by ``@classLabel``, a length that
        contradicts ``@seriesLength``/``@equalLength``; and for missing values
        when ``missing="raise"``. The message names the file and the line.
    NotImplementedError
        For files with timestamps (``@timeStamps true``).

    See Also
    --------
    load_dataset : Official train/test split of a named dataset.
    load_ucr_tsv : Reader for the UCR 2018 ``.tsv`` format.

    Notes
    -----
    Datasets of the UCR/UEA archive are public research data; cite the archive
    when you publish results: H. A. Dau et al., "The UCR Time Series Archive",
    IEEE/CAA J. Autom. Sinica 6(6), 2019, and A. Bagnall et al., "The UEA
    multivariate time series classification archive, 2018", arXiv:1811.00075.

    Examples
    --------
    >>> from importlib.resources import as_file, files
    >>> from sklearn_convlstm.datasets import load_ts_file
    >>> resource = files("sklearn_convlstm.datasets") / "data" / "GunPoint_TRAIN.ts"
    >>> with as_file(resource) as path:
    ...     X, y = load_ts_file(path)
    >>> X.shape, y[:3]
    ((50, 1, 150), array(['2', '2', '1'], dtype='<U1'))
    """
    check_missing_option(missing)
    path = os.fspath(path)
    return _parse_ts_lines(_read_text_lines(path), source=path, missing=missing)


# --------------------------------------------------------------------------- #
# UCR 2018 .tsv reader
# --------------------------------------------------------------------------- #
def load_ucr_tsv(
    path: PathLike,
    *,
    missing: Literal["raise", "nan"] = "raise",
    delimiter: str = "\t",
) -> tuple[Series, np.ndarray]:
    r"""Read a univariate dataset in the UCR 2018 ``.tsv`` format.

    One case per line, no header: the class label in the first column, then the
    values, separated by tabs. Datasets of unequal length are padded at the end
    with ``NaN``; those trailing NaNs are removed, so each series keeps its own
    length.

    Parameters
    ----------
    path : str or path-like
        Path of the ``.tsv`` file.
    missing : {"raise", "nan"}, default="raise"
        What to do with missing values *inside* a series (a NaN followed by a
        number; trailing NaNs are padding, not missing values): ``"raise"``
        raises a ValueError naming the file, the first line and the count;
        ``"nan"`` keeps them as NaN.
    delimiter : str, default="\t"
        Field separator; ``","`` reads the older comma-separated UCR files.

    Returns
    -------
    X : ndarray of shape (n_samples, 1, n_timesteps) or list
        ``float64`` series. When trailing NaN padding gives the series
        different lengths, a list of arrays of shape ``(1, length_i)``.
    y : ndarray of shape (n_samples,)
        Class labels as strings (``str`` dtype), exactly as written in the file.

    Raises
    ------
    ValueError
        For a line without values, a non-numeric value, a series made only of
        NaN, and for missing values when ``missing="raise"``. The message names
        the file and the line.

    See Also
    --------
    load_ts_file : Reader for the ``.ts`` format (also multivariate).

    Notes
    -----
    Cite the archive when you publish results: H. A. Dau et al., "The UCR Time
    Series Archive", IEEE/CAA J. Autom. Sinica 6(6), 2019.
    """
    check_missing_option(missing)
    source = os.fspath(path)
    series: list[np.ndarray] = []
    labels: list[str] = []
    n_missing = n_missing_cases = first_missing_line = 0
    for line_number, raw_line in enumerate(_read_text_lines(source), start=1):
        # Only the end of the line is trimmed: a leading delimiter is an empty
        # label cell, not whitespace.
        line = raw_line.rstrip()
        if not line:
            continue
        where = f"{source}, line {line_number}"
        label, separator, values_text = line.partition(delimiter)
        if not separator or not values_text.strip():
            raise ValueError(
                f"{where}: expected a class label then values separated by "
                f"{delimiter!r}; found no values."
            )
        label = label.strip()
        if not label:
            raise ValueError(
                f"{where}: the class label (first field) is empty; each line must "
                f"start with the label, then the values, separated by {delimiter!r}."
            )
        values = _parse_values(
            values_text, where=f"{where}, series", separator=delimiter
        )
        observed = np.flatnonzero(~np.isnan(values))
        if observed.size == 0:
            raise ValueError(f"{where}: the series has no values (all NaN).")
        values = values[: observed[-1] + 1]
        case_missing = values.size - observed.size
        if case_missing:
            if not n_missing:
                first_missing_line = line_number
            n_missing += case_missing
            n_missing_cases += 1
        labels.append(label)
        series.append(values[np.newaxis, :])
    if not series:
        raise ValueError(f"{source}: the file has no cases.")
    if n_missing and missing == "raise":
        _raise_on_missing(source, n_missing, n_missing_cases, first_missing_line)
    return _collect(series), np.array(labels, dtype=str)
