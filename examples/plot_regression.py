"""
===================================
Regression with ConvLSTMRegressor
===================================

:class:`~sklearn_convlstm.ConvLSTMRegressor` is the classifier's network with
one output per target: it predicts numbers from series (time-series
extrinsic regression). Here it reads the first 20 hours of a day's
electricity demand in Italy (the shipped ItalyPowerDemand dataset) and
predicts the last 4 hours, four targets at once, against a ridge regression
on the same 20 values.
"""

# %%
# A regression task from ItalyPowerDemand
# ---------------------------------------
# Each series is one day of hourly demand, 24 values (z-normalised per day
# in the UCR archive). The inputs are hours 0 to 19, the targets hours 20 to
# 23: ``y`` has shape ``(n_samples, 4)``. The official split gives 67 days to
# train on and 1,029 to test on.
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.linear_model import RidgeCV
from sklearn.metrics import mean_squared_error, r2_score

from sklearn_convlstm import ConvLSTMRegressor
from sklearn_convlstm.datasets import load_dataset

torch.set_num_threads(1)

days_train, _, days_test, _ = load_dataset("ItalyPowerDemand")
X_train, y_train = days_train[:, :, :20], days_train[:, 0, 20:]
X_test, y_test = days_test[:, :, :20], days_test[:, 0, 20:]
print("X_train", X_train.shape, "y_train", y_train.shape, "X_test", X_test.shape)

# %%
# Fit
# ---
# The targets are standardised inside the estimator and the network's last
# layer undoes it, so ``predict`` is in the targets' units and ``score`` is
# R² (averaged over the four outputs, as scikit-learn does).
reg = ConvLSTMRegressor(random_state=0).fit(X_train, y_train)
y_pred = reg.predict(X_test)
print("prediction shape:", y_pred.shape)
print(f"ConvLSTMRegressor test R²: {reg.score(X_test, y_test):.3f}")

# %%
# A linear baseline on the same inputs: ridge regression on the 20 values,
# with its penalty chosen by leave-one-out cross-validation on the training
# days.
ridge = RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(X_train[:, 0], y_train)
y_ridge = ridge.predict(X_test[:, 0])
print(f"RidgeCV test R²: {r2_score(y_test, y_ridge):.3f}")

# %%
# Here the linear model wins. With 67 training days and targets that follow
# the evening's first hours almost linearly, a ridge regression is hard to
# beat; a network earns its cost where the target depends on the shape of a
# pattern, wherever it occurs. Compare before choosing: the
# ``python -m sklearn_convlstm compare --task regression`` command does so
# against random forests and MiniRocket with a ridge regression.
#
# Error per hour ahead
# --------------------
# Left: the root-mean-squared error of each of the four targets, in the
# units of the data (a day's standard deviation). Right: some test days, with
# the network's forecast of their last four hours.
hours = np.arange(20, 24)
rmse = {
    "ConvLSTMRegressor": mean_squared_error(y_test, y_pred, multioutput="raw_values")
    ** 0.5,
    "RidgeCV": mean_squared_error(y_test, y_ridge, multioutput="raw_values") ** 0.5,
}
for name, values in rmse.items():
    print(f"{name:17s} RMSE per hour: {values.round(3)}")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for offset, (name, values) in zip([-0.2, 0.2], rmse.items(), strict=True):
    axes[0].bar(hours + offset, values, 0.4, label=name)
axes[0].set_xticks(hours, [f"hour {h}" for h in hours])
axes[0].set_ylabel("test RMSE (z-normalised units)")
axes[0].legend()
for day, color in zip([0, 1, 2], ["tab:blue", "tab:green", "tab:red"], strict=True):
    axes[1].plot(np.arange(24), days_test[day, 0], color=color, lw=1)
    axes[1].plot(hours, y_pred[day], "o--", color=color, ms=4)
axes[1].axvspan(19.5, 23.5, color="0.9")
axes[1].set_xlabel("hour of the day")
axes[1].set_ylabel("demand (z-normalised)")
axes[1].set_title("lines: measured; dots: predicted from hours 0-19")
fig.tight_layout()
