"""
===================================================
Optuna tuning on a journal file with two workers
===================================================

:func:`sklearn_convlstm.tuning.tune` searches hyperparameters with Optuna on
cross-validation of the training data. A study kept in a journal file (a
plain file, no server) can be shared by any number of worker processes on one
machine or on a shared file system: each runs trials, and together they
finish the number of trials asked for. Here two workers, started with the
package's worker command ``python -m sklearn_convlstm tune``, tune a
:class:`~sklearn_convlstm.ConvLSTMClassifier` on ItalyPowerDemand at the same
time; then this process reads the study and refits the best configuration.

The search is tiny (8 trials of 5 to 15 epochs, 3-fold CV) so that it runs in
seconds; a real one would run more trials, e.g. 30 to 100, over the default
range of 20 to 200 epochs.
"""

# %%
# Two workers on one journal file
# -------------------------------
# Every worker gets the same ``--storage`` and ``--study-name``. ``--seed``
# fixes the CV folds and the estimator's seed, ``--sampler-seed`` the
# sampler; both can be the same for all workers: the sampler is reseeded
# before each trial from the seed and the trial's number, which is unique in
# the study, so no two workers draw the same configuration, and the study
# draws the same configurations whichever worker runs which trial.
# ``--n-trials`` counts the study's trials, all workers together. Each worker
# tunes on the dataset's training split only and runs one torch thread
# (``--threads 1``), so the two use both cores of a 2-core machine. A worker
# with no trial left to start waits for the trials still running elsewhere
# (in case their worker dies and they must be rerun) and checks again every
# ``--heartbeat-interval`` seconds: a short interval lets it exit soon after
# the last trial of a short study.
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from matplotlib.patches import Patch

torch.set_num_threads(1)

folder = tempfile.TemporaryDirectory()
journal = Path(folder.name) / "tuning.journal"
n_trials = 8
command = [
    sys.executable, "-m", "sklearn_convlstm", "tune",
    "--dataset", "ItalyPowerDemand",
    "--storage", str(journal),
    "--study-name", "italy",
    "--n-trials", str(n_trials),
    "--cv", "3",
    "--min-epochs", "5",
    "--max-epochs", "15",
    "--seed", "0",
    "--sampler-seed", "0",
    "--threads", "1",
    "--heartbeat-interval", "2",
    "--quiet",
]  # fmt: skip
workers = [
    subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    for _ in range(2)
]
for worker in workers:
    output, _ = worker.communicate()
    print(f"--- worker exited with {worker.returncode}:")
    print(output.strip())

# %%
# Reading the study
# -----------------
# :func:`~sklearn_convlstm.tuning.load_study` opens the study from the same
# storage, in any process. Pruned trials were stopped early because their
# held-out score at a checkpoint was not in the top quarter of the earlier
# trials at that point (see the tuning section of the user guide).
from sklearn_convlstm.tuning import load_study

study = load_study("italy", journal)
table = study.trials_dataframe(attrs=("number", "value", "state", "duration"))
table["seconds"] = table.pop("duration").dt.total_seconds().round(1)
print(table.to_string(index=False))
print("best CV accuracy:", round(study.best_value, 3))

# %%
# The trials in time: the two workers ran two trials at once all along.
start = min(trial.datetime_start for trial in study.trials)
colors = {"COMPLETE": "tab:blue", "PRUNED": "tab:orange", "FAIL": "tab:red"}
fig, ax = plt.subplots(figsize=(7, 3))
for trial in study.trials:
    begin = (trial.datetime_start - start).total_seconds()
    end = (trial.datetime_complete - start).total_seconds()
    ax.barh(trial.number, end - begin, left=begin, color=colors[trial.state.name])
    if trial.value is not None:
        ax.text(end + 0.2, trial.number, f"{trial.value:.3f}", va="center", fontsize=8)
states = sorted({trial.state.name for trial in study.trials})
handles = [Patch(color=colors[state], label=state.lower()) for state in states]
ax.set_xlabel("seconds since the first trial started")
ax.set_ylabel("trial")
ax.invert_yaxis()
ax.legend(handles=handles, loc="upper right", fontsize="small")
ax.set_title("CV accuracy at the end of each trial")
fig.tight_layout()

# %%
# Continue the study and refit
# ----------------------------
# Calling :func:`~sklearn_convlstm.tuning.tune` with the same storage and
# study name continues the study: it already has its ``n_trials`` finished
# trials, so it runs none and refits the best configuration on the whole
# training split. The search space must be the one the workers sampled: the
# default space of ConvLSTMClassifier with their range of epochs.
from functools import partial

from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm.datasets import load_dataset
from sklearn_convlstm.tuning import suggest_convlstm_params, tune

X_train, y_train, X_test, y_test = load_dataset("ItalyPowerDemand")
study, best = tune(
    ConvLSTMClassifier(random_state=0),
    X_train,
    y_train,
    param_space=partial(suggest_convlstm_params, max_epochs=(5, 15)),
    cv=3,
    n_trials=n_trials,
    storage=journal,
    study_name="italy",
    random_state=0,
    verbose=0,
)
print("trials in the study:", len(study.trials))
print("best configuration:")
for name, value in sorted(study.best_params.items()):
    print(
        f"  {name} = {value:.3g}" if isinstance(value, float) else f"  {name} = {value}"
    )
print(
    "test accuracy of the refitted best configuration: "
    f"{best.score(X_test, y_test):.3f}"
)

# %%
# The journal is an append-only log of every trial; delete it (here, the
# whole temporary folder) when the study is no longer needed.
folder.cleanup()
print("journal removed:", not journal.exists())
