"""
====================================================
Classify a series while it arrives, and decide early
====================================================

A causal :class:`~sklearn_convlstm.ConvLSTMClassifier` (``variant="causal"``)
computes, after every step of a series, class probabilities that depend on
no later step. :meth:`~sklearn_convlstm.ConvLSTMClassifier.stream` follows
series step by step without recomputing their past, and
:class:`~sklearn_convlstm.early_classification.EarlyConvLSTMClassifier`
learns on the training series when those probabilities are safe to act on.
This example trains both on GunPoint (a hand drawing a gun, or pointing),
feeds one test recording step by step, plots the probability of each class
over time and marks the step where the decision fell.
"""

# %%
# Train a causal classifier with a decision rule
# ----------------------------------------------
# The early classifier trains the causal network on the training series and
# on their first quarter, half and three quarters, so the network also
# learns to classify a beginning. Its decision rule (a probability threshold
# held for a number of consecutive steps) is chosen by 2-fold
# cross-validation on the training series. A short training budget keeps the
# example fast.
import matplotlib.pyplot as plt
import numpy as np
import torch

from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm.datasets import load_dataset
from sklearn_convlstm.early_classification import EarlyConvLSTMClassifier

torch.set_num_threads(1)
X_train, y_train = load_dataset("GunPoint", split="train")
X_test, y_test = load_dataset("GunPoint", split="test")

network = ConvLSTMClassifier(
    variant="causal",
    conv_channels=(32, 64),
    kernel_sizes=(7, 5),
    max_epochs=15,
    random_state=0,
)
early = EarlyConvLSTMClassifier(network, cv=2, random_state=0).fit(X_train, y_train)
print(
    f"rule: top probability >= {early.threshold_:.2f} for "
    f"{early.consecutive_steps_} consecutive steps "
    f"(one step = {early.step_size_} samples)"
)

# %%
# Stream one recording
# --------------------
# ``stream(n_series=1)`` returns a stream whose ``update`` takes the next
# steps and returns the probabilities given everything seen so far (NaN
# until the first pooling window is complete). Here the recording arrives
# one sample at a time.
series = X_test[0]
stream = early.estimator_.stream(n_series=1)
probabilities = np.array(
    [
        stream.update(series[np.newaxis, :, t : t + 1])[0]
        for t in range(series.shape[-1])
    ]
)
decision = early.predict_early(X_test[:1])
step = int(decision.decision_steps[0])
print(
    f"decided {str(decision.labels[0])!r} after {step} of {series.shape[-1]} steps "
    f"(true class {str(y_test[0])!r})"
)

# %%
# Plot the probabilities over time
# --------------------------------
# The stream's probabilities after ``t`` steps are those ``predict_proba``
# gives on the first ``t`` steps. The dashed line is the step at which the
# rule fired.
figure, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(7, 5))
top.plot(np.arange(1, series.shape[-1] + 1), series[0], color="black")
top.set_ylabel("signal")
for column, label in enumerate(early.classes_):
    bottom.plot(
        np.arange(1, series.shape[-1] + 1),
        probabilities[:, column],
        label=f"class {label}",
    )
for axis in (top, bottom):
    axis.axvline(step, color="grey", linestyle="--")
bottom.axhline(early.threshold_, color="grey", linestyle=":", label="threshold")
bottom.set_xlabel("steps seen")
bottom.set_ylabel("probability")
bottom.legend(loc="lower right")
top.set_title(f"decided {str(decision.labels[0])!r} after {step} steps")
figure.tight_layout()

# %%
# Score the rule on the test split
# --------------------------------
# ``score`` returns the harmonic mean of accuracy and earliness, the
# accuracy and the earliness (the mean share of each series seen when it was
# decided), in the order aeon's early classifiers return them.
harmonic, accuracy, earliness = early.score(X_test, y_test)
print(
    f"harmonic mean {harmonic:.3f}, accuracy {accuracy:.3f}, earliness {earliness:.3f}"
)
