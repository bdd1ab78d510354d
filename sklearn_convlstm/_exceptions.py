"""Warnings and errors of sklearn_convlstm that callers may want to catch."""

from __future__ import annotations

__all__ = ["TrainingDivergedError", "TrainingInterruptedWarning"]


class TrainingInterruptedWarning(UserWarning):
    """``fit`` was interrupted (Ctrl-C, SIGINT) and returned a partly trained model.

    skorch stops training on KeyboardInterrupt and keeps the model, which is
    handy at a console; the estimator warns so that the model is not taken
    for a fully trained one. Code that must not go on with such a model (the
    tuning objective does this) turns the warning into an error with
    ``warnings.simplefilter("error", TrainingInterruptedWarning)``.
    """


class TrainingDivergedError(FloatingPointError):
    """Raised by ``fit`` when the loss or the weights stop being finite.

    A subclass of :class:`FloatingPointError`; callers that try many
    configurations (a tuning loop) can catch it to score a diverging
    configuration as failed rather than stop.
    """
