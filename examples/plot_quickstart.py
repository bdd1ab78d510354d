"""
======================
Quickstart on GunPoint
======================

Train a :class:`~sklearn_convlstm.ConvLSTMClassifier` on GunPoint, a dataset
shipped with the package, and use it as any scikit-learn classifier: ``fit``,
``score``, ``predict``, ``predict_proba``; then read its training history and
save it to a file that loads without running code.
"""

# %%
# The data
# --------
# :func:`~sklearn_convlstm.datasets.load_dataset` returns the official train
# and test splits of a shipped dataset as arrays of shape ``(n_samples,
# n_channels, n_timesteps)`` (channels first, as in PyTorch). GunPoint has 50
# training and 150 test series of 150 steps: the horizontal position of an
# actor's hand, who either draws a gun from a holster (class ``"1"``) or only
# points a finger (class ``"2"``).
import matplotlib.pyplot as plt
import numpy as np
import torch

from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm.datasets import list_datasets, load_dataset

# Small networks train fastest on one thread, especially on a shared machine.
torch.set_num_threads(1)

print("shipped datasets:", list_datasets())
X_train, y_train, X_test, y_test = load_dataset("GunPoint")
print("train:", X_train.shape, "test:", X_test.shape, "classes:", np.unique(y_train))

# %%
# The two classes differ in small details of the movement: the dip before
# the gun is lifted and the overshoot when it goes back into the holster.
fig, axes = plt.subplots(1, 2, figsize=(9, 3), sharey=True)
for ax, label, name in zip(
    axes, ["1", "2"], ["gun drawn", "finger pointed"], strict=True
):
    for series in X_train[y_train == label][:6]:
        ax.plot(series[0], lw=1)
    ax.set_title(f'class "{label}": {name}')
    ax.set_xlabel("timestep")
axes[0].set_ylabel("hand position (z-normalised)")
fig.tight_layout()

# %%
# Fit and score
# -------------
# The default network (three conv blocks, a bidirectional LSTM, 100 epochs of
# AdamW) needs no tuning to start with. ``random_state`` makes the run
# reproducible on one machine.
clf = ConvLSTMClassifier(random_state=0)
clf.fit(X_train, y_train)
print(f"test accuracy: {clf.score(X_test, y_test):.3f}")

# %%
# Predictions are labels from ``classes_``; the columns of ``predict_proba``
# follow ``classes_``.
print("classes_:", clf.classes_)
print("predicted:", clf.predict(X_test[:5]), "true:", y_test[:5])
print("probabilities:\n", clf.predict_proba(X_test[:5]).round(3))

# %%
# Where the test errors are:
from sklearn.metrics import ConfusionMatrixDisplay

ConfusionMatrixDisplay.from_estimator(clf, X_test, y_test, colorbar=False)
plt.title("GunPoint test split")
plt.tight_layout()

# %%
# Training history
# ----------------
# ``history_`` is skorch's history, one row per epoch. The learning rate
# follows a one-cycle schedule: it climbs to ``lr`` over the first 30 % of
# the steps, where the loss may jump back up for a while, then decays towards
# zero, where the loss settles.
train_loss = clf.history_[:, "train_loss"]
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(np.arange(1, len(train_loss) + 1), train_loss)
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.set_yscale("log")
fig.tight_layout()

# %%
# Save and load
# -------------
# :func:`~sklearn_convlstm.save_model` writes hyperparameters, classes and
# weights to a zip of JSON and tensors; :func:`~sklearn_convlstm.load_model`
# reads it back without unpickling, so loading runs no code from the file.
import tempfile
from pathlib import Path

from sklearn_convlstm import load_model, save_model

with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "gunpoint.convlstm"
    save_model(clf, path)
    print(f"{path.name}: {path.stat().st_size / 1024:.0f} KiB")
    loaded = load_model(path)
same = np.array_equal(loaded.predict_proba(X_test), clf.predict_proba(X_test))
print("loaded model gives the same probabilities:", same)
