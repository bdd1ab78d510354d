"""Fit seconds on Tecator's TRAIN split: the network alone and the cross-fitted head.

One torch thread, seeds 0-2; prints ``head,head_fitted,seed,fit_seconds`` rows.
Run from the repository root: ``PYTHONPATH=. python
benchmarks/results/regression_compare_cross_fitted/fit_time_tecator.py``.
"""

import time
import warnings

import torch

from benchmarks.regression.tasks import load_real_train
from sklearn_convlstm import ConvLSTMRegressor

warnings.filterwarnings("ignore")
X, y = load_real_train("Tecator")
for head in ("network", "auto"):
    for seed in (0, 1, 2):
        torch.set_num_threads(1)
        start = time.perf_counter()
        reg = ConvLSTMRegressor(head=head, random_state=seed).fit(X, y)
        seconds = time.perf_counter() - start
        print(f"{head},{reg.head_},{seed},{seconds:.1f}", flush=True)
