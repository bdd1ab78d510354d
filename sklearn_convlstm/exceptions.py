"""Warnings and errors of sklearn_convlstm that callers may want to catch."""

from __future__ import annotations

__all__ = ["TrainingInterruptedWarning"]


class TrainingInterruptedWarning(UserWarning):
    """``fit`` was interrupted (Ctrl-C, SIGINT) and returned a partly trained model.

    skorch stops training on KeyboardInterrupt and keeps the model, which is
    handy at a console; the estimator warns so that the model is not taken
    for a fully trained one. Code that must not go on with such a model (the
    tuning objective does this) turns the warning into an error with
    ``warnings.simplefilter("error", TrainingInterruptedWarning)``.
    """
