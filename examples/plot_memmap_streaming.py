"""
=================================================
Data larger than memory: a memmap, batch by batch
=================================================

``fit`` and ``predict_proba`` read data that stays on disk one batch at a
time: a float32 NumPy memmap as it is, and any other array that slices
(a memmap of another dtype, an HDF5 dataset) through
:class:`~sklearn_convlstm.LazySeries`, which casts each batch to float32
when it is read. The scaling statistics and the finiteness check are
computed in chunks too, so the data is never loaded whole. The data set here
is small enough to fit in memory, to keep the example quick; the code is the
same for a file of many gigabytes.
"""

# %%
# Write the series to disk
# ------------------------
# :func:`numpy.lib.format.open_memmap` creates a ``.npy`` file of the final
# shape on disk, which is filled chunk by chunk, as a large data set would be
# written: here 2,000 noisy series of 2 channels and 200 steps from
# :func:`~sklearn_convlstm.datasets.make_pattern_classification`, whose class
# is the shape of a short pattern on one of the channels.
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from numpy.lib.format import open_memmap

from sklearn_convlstm import ConvLSTMClassifier, LazySeries
from sklearn_convlstm.datasets import make_pattern_classification

torch.set_num_threads(1)

folder = tempfile.TemporaryDirectory()
series_path = Path(folder.name) / "series.npy"
n_series, chunk = 2000, 500
on_disk = open_memmap(
    series_path, mode="w+", dtype=np.float32, shape=(n_series, 2, 200)
)
labels = np.empty(n_series, dtype=np.int64)
for seed, start in enumerate(range(0, n_series, chunk)):
    X_chunk, y_chunk = make_pattern_classification(
        n_samples=chunk,
        n_timesteps=200,
        n_channels=2,
        n_classes=4,
        noise=0.5,
        random_state=seed,
    )
    on_disk[start : start + chunk] = X_chunk
    labels[start : start + chunk] = y_chunk
on_disk.flush()
del on_disk
print(f"{series_path.name}: {series_path.stat().st_size / 2**20:.1f} MiB")

# %%
# Train on the memmap
# -------------------
# ``np.load(..., mmap_mode="r")`` maps the file without reading it; slicing
# rows of a memmap gives a memmap again. The labels are in memory (one int
# per series). Large data needs few epochs: 4 epochs of batches of 64.
X = np.load(series_path, mmap_mode="r")
X_train, X_test = X[:1600], X[1600:]
y_train, y_test = labels[:1600], labels[1600:]
print(type(X_train).__name__, X_train.shape, X_train.dtype)

clf = ConvLSTMClassifier(batch_size=64, max_epochs=4, random_state=0)
clf.fit(X_train, y_train)
proba = clf.predict_proba(X_test)  # also streamed, in batches
print(f"test accuracy: {np.mean(clf.classes_[proba.argmax(axis=1)] == y_test):.3f}")

# %%
# Other dtypes: LazySeries
# ------------------------
# Data stored in another dtype, e.g. float16 to halve the file, is wrapped
# in a :class:`~sklearn_convlstm.LazySeries`: indexing it reads only the rows
# asked for and returns them as float32, so no float32 copy of the whole file
# is ever made. The float16 copy predicts the same labels up to the rounding
# of float16.
half_path = Path(folder.name) / "series_float16.npy"
np.save(half_path, np.asarray(X_test, dtype=np.float16))
X_half = LazySeries(np.load(half_path, mmap_mode="r"))
print(X_half, "reads", X_half[:2].dtype, X_half[:2].shape)
proba_half = clf.predict_proba(X_half)
print(
    f"largest difference from the float32 file: {np.abs(proba_half - proba).max():.1e}"
)
print("same labels:", np.mean(proba_half.argmax(axis=1) == proba.argmax(axis=1)))

# %%
# Series of unequal length on disk go in as a
# :class:`~sklearn_convlstm.RaggedSeries` (all series end to end in one
# memmap, plus their offsets; see the example on unequal lengths), and long
# recordings cut into overlapping windows as
# ``make_windows(..., lazy=True)``, which cuts each window when a batch reads
# it.
#
# What the network learnt, per class, on the test series:
from sklearn.metrics import ConfusionMatrixDisplay

pattern_names = ["spike", "oscillation\nburst", "rising\nramp", "plateau"]
ConfusionMatrixDisplay.from_predictions(
    y_test,
    clf.classes_[proba.argmax(axis=1)],
    display_labels=pattern_names,
    colorbar=False,
)
plt.title("test series read from the memmap")
plt.tight_layout()

# %%
# Delete the files: a memmap keeps its file open, so drop the arrays first.
del X, X_train, X_test, X_half
folder.cleanup()
