"""Progress lines and plots of a study."""

from __future__ import annotations

import json
import os
import sys
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from sklearn_convlstm._optional import import_optional, quiet_optuna_warnings

if TYPE_CHECKING:  # pragma: no cover
    import optuna


def jsonable(value: Any) -> Any:
    """Make estimator parameters JSON-serialisable (tuples -> lists, else repr)."""
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


class TrialPrinter:
    """Print one line per trial this process ran: state, score, best, params."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream
        self.started = time.monotonic()

    def __call__(self, study: Any, trial: Any) -> None:
        stream = self.stream or sys.stdout
        state = trial.state.name
        duration = (
            (trial.datetime_complete - trial.datetime_start).total_seconds()
            if trial.datetime_complete and trial.datetime_start
            else float("nan")
        )
        if state == "COMPLETE":
            detail = f"score={trial.value:.4f}"
        elif state == "PRUNED":
            step = trial.last_step
            value = trial.intermediate_values.get(step) if step is not None else None
            detail = f"pruned at step {step}" + (
                f" (value {value:.4f})" if value is not None else ""
            )
        elif trial.user_attrs.get("not_needed"):
            detail = "not needed: the study has enough trials"
        else:
            detail = "failed"
        try:
            best = study.best_trial
            best_text = f"best={best.value:.4f} (trial {best.number})"
        except ValueError:
            best_text = "best=none yet"
        print(
            f"[trial {trial.number}] {state} {detail} {best_text} "
            f"{duration:.1f}s params={json.dumps(jsonable(trial.params))}",
            file=stream,
            flush=True,
        )


def save_plots(study: optuna.Study, directory: str | os.PathLike) -> list[Path]:
    """Save Optuna's plots of a study as PNG files.

    Writes ``optimization_history.png`` (score of every trial and the best so
    far), ``param_importances.png`` (needs two completed trials with varying
    parameters) and ``intermediate_values.png`` (the per-epoch or per-fold
    values behind pruning, when there are any). A plot that cannot be made
    for this study, or with the current matplotlib backend (Optuna's
    importance plot needs an Agg canvas), is skipped with a warning.

    Parameters
    ----------
    study : optuna.Study
        The study to plot.
    directory : str or path-like
        Output directory, created if missing.

    Returns
    -------
    paths : list of pathlib.Path
        The files written.

    Examples
    --------
    Skipped when the doctests run: drawing the three figures takes seconds.

    >>> import optuna
    >>> from sklearn_convlstm.tuning import save_plots
    >>> study = optuna.create_study(direction="maximize")
    >>> study.optimize(lambda trial: trial.suggest_float("lr", 1e-4, 1e-1), n_trials=5)
    >>> save_plots(study, "plots/")  # doctest: +SKIP
    [PosixPath('plots/optimization_history.png'),
     PosixPath('plots/param_importances.png')]
    """
    import_optional("optuna", purpose="Tuning")
    # the caller's backend as it is (matplotlib.use would close its figures);
    # without a display, matplotlib itself falls back to Agg
    import_optional("matplotlib", purpose="Saving plots")
    import matplotlib
    import matplotlib.pyplot as plt
    from optuna.visualization import matplotlib as optuna_plots

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    plots: dict[str, Callable[[Any], Any]] = {
        "optimization_history": optuna_plots.plot_optimization_history,
        "param_importances": optuna_plots.plot_param_importances,
    }
    if any(trial.intermediate_values for trial in study.get_trials(deepcopy=False)):
        plots["intermediate_values"] = optuna_plots.plot_intermediate_values
    written = []
    for name, plot in plots.items():
        open_before = set(plt.get_fignums())
        try:
            with quiet_optuna_warnings():
                axes = plot(study)
        except (ValueError, RuntimeError, ZeroDivisionError, AssertionError) as error:
            # a figure the plot opened before it failed is not the caller's
            for number in set(plt.get_fignums()) - open_before:
                plt.close(number)
            # Optuna's importance plot asserts that the canvas can render,
            # which only Agg-based backends' canvases do
            reason = str(error) or (
                "it needs a matplotlib backend with an Agg canvas, and the "
                f"current backend is {matplotlib.get_backend()!r} (use 'Agg', "
                "the default without a display)"
            )
            warnings.warn(
                f"Skipped the {name} plot of study {study.study_name!r}: {reason}",
                UserWarning,
                stacklevel=2,
            )
            continue
        figure = np.ravel(axes)[0].get_figure()
        figure.set_size_inches(8, 5)
        path = directory / f"{name}.png"
        figure.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(figure)
        written.append(path)
    return written
