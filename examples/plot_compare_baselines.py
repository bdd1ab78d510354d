"""
==================================================
Compare with RandomForest and MiniRocket baselines
==================================================

Is a deep network worth it on a dataset? :mod:`sklearn_convlstm.compare`
answers on the official test split: it fits each method once per seed on the
training split, scores it on the test split and times it. This example runs
the default :class:`~sklearn_convlstm.ConvLSTMClassifier` against two
random forests on hand-made features (summary statistics, and the catch22
features) and MiniRocket with a ridge classifier, on GunPoint, with the
:func:`~sklearn_convlstm.compare.run_comparison` API and its chart. The
command ``python -m sklearn_convlstm compare`` runs the same comparison from
a shell.
"""

# %%
# Run the comparison
# ------------------
# Every method gets the same seeds (0 and 1 here). The network trains for 50
# epochs instead of its default 100, to keep this example short
# (``convlstm_params`` sets parameters on every ConvLSTM method). Nothing
# is tuned or stopped early on the test split.
#
# MiniRocket's first fit in a process also compiles its numba kernels (about
# 15 to 20 s on one CPU core), which lands in its first fit time.
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import torch

from sklearn_convlstm.compare import (
    MethodOptions,
    format_table,
    plot_comparison,
    run_comparison,
    summarize,
)
from sklearn_convlstm.datasets import load_dataset

torch.set_num_threads(1)

X_train, y_train, X_test, y_test = load_dataset("GunPoint")
result = run_comparison(
    X_train,
    y_train,
    X_test,
    y_test,
    methods=["convlstm-default", "rf-stats", "rf-catch22", "minirocket"],
    seeds=(0, 1),
    options=MethodOptions(convlstm_params={"max_epochs": 50}),
    dataset="GunPoint",
    progress=False,
)
print("skipped (missing optional packages):", result.skipped or "none")

# %%
# One row per method and seed:
for row in result.rows:
    print(
        f"{row['method']:17s} seed {row['seed']}: accuracy {row['accuracy']:.3f}, "
        f"fit {row['fit_seconds']:5.1f} s, predict {row['predict_seconds']:.2f} s"
    )

# %%
# The summary over seeds, as the command prints it:
summary = summarize(result.rows)
print(format_table(summary))

# %%
# The chart
# ---------
# :func:`~sklearn_convlstm.compare.plot_comparison` writes a PNG: test
# accuracy (mean ± std over seeds) beside the fit time on a log scale.
with tempfile.TemporaryDirectory() as folder:
    path = plot_comparison(
        summary, Path(folder) / "comparison.png", title="GunPoint, test split"
    )
    image = plt.imread(path)
fig, ax = plt.subplots(figsize=(image.shape[1] / 100, image.shape[0] / 100))
ax.imshow(image)
ax.set_axis_off()
fig.tight_layout(pad=0)

# %%
# On GunPoint the network beats the forest on summary statistics by a wide
# margin, ties the catch22 forest and trails MiniRocket by a few test
# series, at many times their fit time. With only one or two training series
# per class MiniRocket's lead grows; the example on tiny data shows the
# network's answer to that, its random-kernel head.
