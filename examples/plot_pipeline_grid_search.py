"""
=======================================
Pipeline with scaling and GridSearchCV
=======================================

The estimators are ordinary scikit-learn estimators, so they go into a
:class:`~sklearn.pipeline.Pipeline` and a
:class:`~sklearn.model_selection.GridSearchCV` as they are. Here a
:class:`~sklearn_convlstm.TimeSeriesScaler` scales the series before a
:class:`~sklearn_convlstm.ConvLSTMClassifier`, and a grid search picks the
scaler's method and the network's kernel sizes by cross-validation on the
training split of GunPoint only; the test split scores the chosen pipeline
once, at the end.
"""

# %%
# The pipeline
# ------------
# The classifier scales its input itself by default (``scaling="auto"``);
# with a scaler in front of it, ``scaling=None`` turns that off so that the
# pipeline's scaler is the only one. A small network (two conv blocks, an
# LSTM of 32 units, 30 epochs) keeps the 12 fits of the search short.
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline

from sklearn_convlstm import ConvLSTMClassifier, TimeSeriesScaler
from sklearn_convlstm.datasets import load_dataset

torch.set_num_threads(1)

X_train, y_train, X_test, y_test = load_dataset("GunPoint")

pipeline = make_pipeline(
    TimeSeriesScaler(method="per_series"),
    ConvLSTMClassifier(
        scaling=None,
        conv_channels=(32, 32),
        kernel_sizes=(7, 5),
        lstm_hidden_size=32,
        max_epochs=30,
        random_state=0,
    ),
)
print(pipeline)

# %%
# The search
# ----------
# Parameters of a step are addressed as ``<step name>__<parameter>``.
# ``"per_series"`` z-normalises each series on its own, ``"minmax"`` maps
# each channel to [0, 1] with the training minimum and maximum. The folds are
# stratified and shuffled with a fixed seed, so every configuration sees the
# same splits.
param_grid = {
    "timeseriesscaler__method": ["per_series", "minmax"],
    "convlstmclassifier__kernel_sizes": [(3, 3), (9, 7)],
}
search = GridSearchCV(
    pipeline,
    param_grid,
    cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0),
)
search.fit(X_train, y_train)
print("best parameters:", search.best_params_)
print(f"best cross-validated accuracy: {search.best_score_:.3f}")

# %%
# The mean accuracy of each configuration over the three folds (± the
# standard deviation over folds). With 50 training series one fold holds
# about 17 series, so one series more or less is 6 points: differences that
# small are noise, not evidence.
results = search.cv_results_
methods = param_grid["timeseriesscaler__method"]
kernels = param_grid["convlstmclassifier__kernel_sizes"]
means = np.empty((len(methods), len(kernels)))
stds = np.empty_like(means)
for index, params in enumerate(results["params"]):
    row = methods.index(params["timeseriesscaler__method"])
    column = kernels.index(params["convlstmclassifier__kernel_sizes"])
    means[row, column] = results["mean_test_score"][index]
    stds[row, column] = results["std_test_score"][index]

fig, ax = plt.subplots(figsize=(5, 3.5))
image = ax.imshow(means, cmap="viridis", vmin=0.5, vmax=1.0)
for row in range(len(methods)):
    for column in range(len(kernels)):
        ax.text(
            column,
            row,
            f"{means[row, column]:.3f}\n± {stds[row, column]:.3f}",
            ha="center",
            va="center",
            color="white" if means[row, column] < 0.8 else "black",
        )
ax.set_xticks(range(len(kernels)), [str(k) for k in kernels])
ax.set_yticks(range(len(methods)), methods)
ax.set_xlabel("kernel_sizes")
ax.set_ylabel("TimeSeriesScaler method")
fig.colorbar(image, ax=ax, label="mean CV accuracy")
fig.tight_layout()

# %%
# The test split
# --------------
# ``GridSearchCV`` refits the best configuration on the whole training split
# (``refit=True``); the test split is read only now.
print(f"test accuracy of the refitted pipeline: {search.score(X_test, y_test):.3f}")
print(
    f"mean fit time per configuration and fold: {results['mean_fit_time'].mean():.1f} s"
)
