"""
=============================================
Which timesteps made a prediction: explain()
=============================================

:func:`~sklearn_convlstm.inspection.explain` attributes each prediction of a
fitted classifier or regressor to the input timesteps and channels
(integrated gradients), and
:func:`~sklearn_convlstm.inspection.plot_attribution` draws a series over
its attribution. Here, on GunPoint: which parts of the hand's movement tell
"gun drawn" from "finger pointed"?
"""

# %%
# A classifier to explain
# -----------------------
# 60 epochs of the default network (instead of 100) keep this example short.
import matplotlib.pyplot as plt
import numpy as np
import torch

from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm.datasets import load_dataset
from sklearn_convlstm.inspection import explain, plot_attribution

torch.set_num_threads(1)

X_train, y_train, X_test, y_test = load_dataset("GunPoint")
clf = ConvLSTMClassifier(max_epochs=60, random_state=0).fit(X_train, y_train)
print(f"test accuracy: {clf.score(X_test, y_test):.3f}")

# %%
# Attributions
# ------------
# ``explain`` returns an array shaped like ``X``: one value per channel and
# timestep. By default it explains each series' predicted class; the values
# are in probability units. Positive values pushed the probability of that
# class up, negative ones down. The first 20 test series of each class:
chosen = np.concatenate(
    [np.flatnonzero(y_test == label)[:20] for label in clf.classes_]
)
X_explained = X_test[chosen]
attributions = explain(clf, X_explained)
print("attributions:", attributions.shape, attributions.dtype)

# %%
# They are *complete*: the attributions of a series add up to its predicted
# probability minus the probability at the baseline, which for the default
# per-channel scaling is a flat series at the training mean of the channel.
# The sum is an integral along the path from the baseline to the series,
# computed with ``n_steps=32`` points by default; more points shrink the gap.
probabilities = clf.predict_proba(X_explained)
columns = np.searchsorted(clf.classes_, clf.predict(X_explained))
flat = np.full((1, 1, X_train.shape[2]), X_train[:, 0].mean())
at_baseline = clf.predict_proba(flat)[0]
print(
    "probabilities of the flat baseline:",
    {
        str(c): round(float(p), 3)
        for c, p in zip(clf.classes_, at_baseline, strict=True)
    },
)
output_difference = (
    probabilities[np.arange(len(chosen)), columns] - at_baseline[columns]
)
gap = np.abs(attributions.sum(axis=(1, 2)) - output_difference)
print(
    "gap between sum of attributions and output difference: "
    f"median {np.median(gap):.1e}, largest {gap.max():.1e}"
)

# %%
# One series of each class
# ------------------------
# Red steps pushed the predicted class up, blue ones down; each panel has its
# own colour scale. The flat baseline is already classed "1" with high
# probability, so for a series predicted "1" there is little to attribute:
# its attributions are tiny. A series predicted "2" owes its class to a few
# steps, here around the moment the hand comes down.
fig, axes = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
for ax, label in zip(axes, clf.classes_, strict=True):
    index = np.flatnonzero(y_test[chosen] == label)[0]
    plot_attribution(X_explained[index, 0], attributions[index, 0], ax=ax)
    ax.set_title(
        f'true class "{label}", predicted "{clf.classes_[columns[index]]}" '
        f"(probability {probabilities[index, columns[index]]:.2f})"
    )
    ax.set_xlabel("")
axes[-1].set_xlabel("timestep")
fig.tight_layout()

# %%
# Evidence for one class, over many series
# ----------------------------------------
# ``target`` explains a chosen class instead of the predicted one. The
# attributions to class "2", averaged over the explained series of each true
# class, show where the evidence for "2" (red) or against it (blue) sits in
# a typical movement of either kind. In series of class "2" it sits where
# the hand is lifted and, most, where it comes down; in series of class "1"
# the attributions to "2" are about a hundred times smaller (mind the colour
# scales): their probability of "2" is near 0 at the baseline and stays
# there, so there is hardly anything to attribute.
evidence = explain(clf, X_explained, target="2")
fig, axes = plt.subplots(2, 1, figsize=(8, 5), sharex=True)
for ax, label in zip(axes, clf.classes_, strict=True):
    rows = y_test[chosen] == label
    plot_attribution(
        X_explained[rows, 0].mean(axis=0), evidence[rows, 0].mean(axis=0), ax=ax
    )
    ax.set_title(
        f'true class "{label}": mean of {rows.sum()} series '
        'and of their attributions to "2"'
    )
    ax.set_xlabel("")
axes[-1].set_xlabel("timestep")
fig.tight_layout()
