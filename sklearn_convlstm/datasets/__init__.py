"""Time-series datasets: the shipped ones, file readers and a generator.

* :func:`load_dataset` returns the official train/test split of a dataset
  shipped with the package (:func:`list_datasets`), found in a ``data_home``
  directory, or given by a path prefix.
* :func:`load_ts_file` reads the UCR/UEA archive's ``.ts`` format and
  :func:`load_ucr_tsv` the UCR 2018 ``.tsv`` format.
* :func:`make_pattern_classification` makes noisy series whose class is a
  local pattern at a random position.
"""

from sklearn_convlstm.datasets._loaders import (
    list_datasets,
    load_dataset,
    load_ts_file,
    load_ucr_tsv,
)
from sklearn_convlstm.datasets._synthetic import make_pattern_classification

__all__ = [
    "list_datasets",
    "load_dataset",
    "load_ts_file",
    "load_ucr_tsv",
    "make_pattern_classification",
]
