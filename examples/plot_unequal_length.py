"""
==========================
Series of unequal length
==========================

Recordings rarely all have the same length. A
:class:`~sklearn_convlstm.ConvLSTMClassifier` takes them as they are: a list
of arrays of shape ``(n_channels, length_i)``, or a
:class:`~sklearn_convlstm.RaggedSeries` that stores them end to end. Each
batch is padded to its longest series, and the network masks the padding
(masked convolutions, packed LSTM sequences, each series read out at its own
last step), so a series gets the same prediction whatever it is batched
with, and a model fitted on series of varying length predicts series of any
length. This example compares that with the usual workaround, bringing every
series to one length with :class:`~sklearn_convlstm.PadTruncate`.
"""

# %%
# Data: patterns in series of varying length
# ------------------------------------------
# :func:`~sklearn_convlstm.datasets.make_pattern_classification` with
# ``min_length`` makes series of random length; the class is the shape of a
# short pattern at a random position in noise (class 0 a spike, 1 an
# oscillation burst, 2 a rising ramp, 3 a plateau). The training series have
# 30 to 120 steps; the test series, drawn separately, 30 to 240, as when
# recordings in production run longer than those collected for training.
import matplotlib.pyplot as plt
import numpy as np
import torch

from sklearn_convlstm import ConvLSTMClassifier, PadTruncate, RaggedSeries
from sklearn_convlstm.datasets import make_pattern_classification

torch.set_num_threads(1)

pattern_names = ["spike", "oscillation burst", "rising ramp", "plateau"]
shared = dict(n_classes=4, min_length=30, pattern_length=15)
X_train, y_train = make_pattern_classification(
    n_samples=240, n_timesteps=120, random_state=0, **shared
)
X_test, y_test = make_pattern_classification(
    n_samples=120, n_timesteps=240, random_state=1, **shared
)
lengths_test = np.array([series.shape[1] for series in X_test])
print(f"{type(X_train).__name__} of {len(X_train)} training series;")
print("first shapes:", [series.shape for series in X_train[:3]])

fig, axes = plt.subplots(2, 2, figsize=(9, 4.5), sharex=True, sharey=True)
for label, ax in enumerate(axes.ravel()):
    for series in [s for s, k in zip(X_test, y_test, strict=True) if k == label][:3]:
        ax.plot(series[0], lw=0.8)
    ax.set_title(f"class {label}: {pattern_names[label]}")
for ax in axes[1]:
    ax.set_xlabel("timestep")
fig.suptitle("test series")
fig.tight_layout()

# %%
# Train on the list
# -----------------
# The same small network is used throughout (two conv blocks, an LSTM of 32
# units, 30 epochs), so that only the handling of the lengths differs.
network = dict(
    conv_channels=(32, 32),
    kernel_sizes=(7, 5),
    lstm_hidden_size=32,
    max_epochs=30,
    random_state=0,
)
native = ConvLSTMClassifier(**network).fit(X_train, y_train)
print(f"test accuracy, lengths as they are: {native.score(X_test, y_test):.3f}")

# %%
# Padding never changes a prediction: the shortest test series, predicted
# alone and in a batch with the longest one (padded by about 200 steps
# there), gets the same probabilities up to float rounding.
shortest, longest = np.argmin(lengths_test), np.argmax(lengths_test)
alone = native.predict_proba([X_test[shortest]])
batched = native.predict_proba([X_test[shortest], X_test[longest]])[:1]
print(f"lengths {lengths_test[shortest]} and {lengths_test[longest]}")
print("largest difference alone vs batched:", np.abs(alone - batched).max())

# %%
# The same series stored end to end
# ---------------------------------
# A :class:`~sklearn_convlstm.RaggedSeries` holds the series concatenated
# along time with the offset of each one: series ``i`` is
# ``values[:, offsets[i]:offsets[i + 1]]``. It is how series of unequal
# length are kept on disk (``values`` can be a memmap, read batch by batch);
# the classifier takes it wherever it takes a list.
values = np.concatenate(X_test, axis=1)
offsets = np.concatenate([[0], np.cumsum(lengths_test)])
ragged = RaggedSeries(values, offsets)
print(
    f"{len(ragged)} series of {ragged.n_channels} channel, lengths", ragged.lengths[:5]
)
same = np.allclose(
    native.predict_proba(ragged), native.predict_proba(X_test), atol=1e-6
)
print("same probabilities from the RaggedSeries:", same)

# %%
# The workaround: one length for all
# ----------------------------------
# :class:`~sklearn_convlstm.PadTruncate` appends zeros after each series up
# to the longest training length (120 here) and cuts longer series there, so
# that any model for equal-length series accepts them. The network then sees
# the padding as data, and a pattern after step 120 of a long test series
# is cut away before the model sees it.
from sklearn.pipeline import make_pipeline

padded = make_pipeline(PadTruncate(), ConvLSTMClassifier(**network))
padded.fit(X_train, y_train)
print(f"PadTruncate length: {padded[0].length_} steps")
print(f"test accuracy, padded or cut to one length: {padded.score(X_test, y_test):.3f}")

# %%
# Accuracy by length of the test series. Up to the longest training length
# both do well; beyond it, the padded model loses the patterns that were cut
# off, while the model fitted on the list reads the whole series.
bins = [30, 121, 181, 241]
which = np.digitize(lengths_test, bins) - 1
labels = [f"{bins[i]}-{bins[i + 1] - 1}" for i in range(len(bins) - 1)]
accuracy = {
    "lengths as they are": native.predict(X_test) == y_test,
    "PadTruncate": padded.predict(X_test) == y_test,
}
fig, ax = plt.subplots(figsize=(6, 3.5))
width = 0.38
for offset, (name, correct) in zip(
    [-width / 2, width / 2], accuracy.items(), strict=True
):
    per_bin = [correct[which == i].mean() for i in range(len(labels))]
    ax.bar(np.arange(len(labels)) + offset, per_bin, width, label=name)
counts = np.bincount(which, minlength=len(labels))
ax.set_xticks(
    range(len(labels)),
    [f"{t}\n({n} series)" for t, n in zip(labels, counts, strict=True)],
)
ax.set_xlabel("length of the test series (training: 30-120)")
ax.set_ylabel("test accuracy")
ax.set_ylim(0, 1.2)
ax.legend(loc="upper center", ncol=2)
fig.tight_layout()
