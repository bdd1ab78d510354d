"""
===============================================
Sensor recordings: windows and GroupKFold
===============================================

A few long recordings with a label at every timestep (what a person was
doing while a sensor recorded) become a training set of many short series
with :func:`~sklearn_convlstm.make_windows`, which also returns the
recording each window came from. Overlapping windows of one recording are
near-copies of each other, so the cross-validation must keep each recording
on one side of every split (:class:`~sklearn.model_selection.GroupKFold`):
this example shows how far a plain ``KFold`` overstates the accuracy on a new
person.
"""

# %%
# Recordings
# ----------
# No sensor recordings ship with the package, so this example simulates
# them: eight people wear a 3-axis accelerometer (25 samples a second) for 36
# seconds each, and rest (label 0), walk (1) or run (2) in stretches of 4 to
# 10 seconds. Walking and running shake the sensor at each person's own
# cadence and strength, and each person wears the sensor at a slightly
# different angle, which rotates the three axes.
import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy.spatial.transform import Rotation
from sklearn.model_selection import GroupKFold, KFold, cross_val_score

from sklearn_convlstm import ConvLSTMClassifier, make_windows

torch.set_num_threads(1)

RATE = 25  # samples per second
ACTIVITIES = ["rest", "walk", "run"]


def simulate_recording(rng, n_steps=900):
    """One person's recording, shape (3, n_steps), and its per-step labels."""
    cadence = [0.0, rng.uniform(1.4, 2.2), rng.uniform(2.2, 3.0)]  # steps per s
    strength = [0.0, rng.uniform(0.2, 0.5), rng.uniform(0.5, 1.0)]
    labels = np.empty(n_steps, dtype=np.int64)
    start = 0
    while start < n_steps:
        stop = min(n_steps, start + rng.randint(100, 250))
        labels[start:stop] = rng.randint(3)
        start = stop
    phase = np.cumsum(2 * np.pi * np.take(cadence, labels) / RATE)
    shake = np.take(strength, labels)
    body = np.stack(
        [
            shake * np.sin(phase),
            0.5 * shake * np.sin(2 * phase + 0.5),
            1.0 + 0.3 * shake * np.cos(phase),  # gravity on the vertical axis
        ]
    )
    tilt = Rotation.from_rotvec(rng.uniform(-0.6, 0.6, size=3)).as_matrix()
    return tilt @ body + rng.normal(scale=0.15, size=body.shape), labels


rng = np.random.RandomState(0)
recordings, labels = zip(*(simulate_recording(rng) for _ in range(8)), strict=True)
recordings, labels = list(recordings), list(labels)
print(len(recordings), "recordings of shape", recordings[0].shape)

fig, ax = plt.subplots(figsize=(9, 3))
seconds = np.arange(recordings[0].shape[1]) / RATE
for axis, name in enumerate("xyz"):
    ax.plot(seconds, recordings[0][axis], lw=0.7, label=name)
colors = ["tab:gray", "tab:green", "tab:red"]
for activity, color in enumerate(colors):
    ax.fill_between(
        seconds,
        -2,
        3,
        where=labels[0] == activity,
        color=color,
        alpha=0.15,
        lw=0,
        label=ACTIVITIES[activity],
    )
ax.set_xlabel("seconds")
ax.set_ylabel("acceleration (g)")
ax.set_title("recording 0, shaded by activity")
ax.legend(ncol=6, loc="upper center", fontsize="small")
ax.set_ylim(-2, 3)
fig.tight_layout()

# %%
# Windows
# -------
# Windows of 64 steps (2.6 s) start every 32 steps, so neighbours share half
# their samples. A window gets the activity that fills most of it
# (``label_rule="majority"``); ``groups`` says which recording it came from.
# (With ``lazy=True``, ``X`` would cut the windows out of the recordings
# only when a batch reads them, for recordings too large to copy.)
X, y, groups = make_windows(
    recordings, labels, window_size=64, step=32, label_rule="majority"
)
print("X:", X.shape, "windows per activity:", np.bincount(y))
print("windows per recording:", np.bincount(groups))

# %%
# Two cross-validations
# ---------------------
# The same small network (two conv blocks, an LSTM of 32 units, 15 epochs) is
# scored twice with four folds: a shuffled ``KFold`` over all windows, and a
# ``GroupKFold`` that holds out two whole recordings per fold.
clf = ConvLSTMClassifier(
    conv_channels=(32, 32),
    kernel_sizes=(7, 5),
    lstm_hidden_size=32,
    max_epochs=15,
    random_state=0,
)
scores = {
    "KFold (shuffled)": cross_val_score(
        clf, X, y, cv=KFold(n_splits=4, shuffle=True, random_state=0)
    ),
    "GroupKFold": cross_val_score(clf, X, y, groups=groups, cv=GroupKFold(n_splits=4)),
}
for name, values in scores.items():
    print(f"{name:17s} accuracy per fold {values.round(3)}, mean {values.mean():.3f}")

# %%
# ``KFold`` tests each window next to its own neighbours in the training
# folds, and on people the network has already learnt (their cadence, how
# they wear the sensor): its score is what to expect on more data from the
# same eight people. ``GroupKFold`` tests on people the network has never
# seen, which is the question a deployed model faces, and it scores lower.
fig, ax = plt.subplots(figsize=(6, 3.5))
for position, values in enumerate(scores.values()):
    ax.bar(
        position, values.mean(), color=["tab:orange", "tab:blue"][position], alpha=0.7
    )
    ax.plot(np.full(len(values), position), values, "ko", ms=4)
ax.set_xticks(range(len(scores)), list(scores))
ax.set_ylabel("accuracy (bars: mean, dots: folds)")
ax.set_ylim(0, 1.05)
fig.tight_layout()
