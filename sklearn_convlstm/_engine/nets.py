"""The skorch nets the estimators build in ``fit``.

:class:`_AutocastNeuralNetClassifier` and :class:`_AutocastNeuralNetRegressor`
are skorch's ``NeuralNetClassifier`` and ``NeuralNetRegressor`` with the fast
training path of :mod:`sklearn_convlstm._engine.training` and
:class:`InterruptibleNetMixin` (interrupt flag, ``module`` pickled once). Their
names are kept so that pickled estimators keep loading.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from skorch.callbacks import EarlyStopping

from sklearn_convlstm._engine.training import (
    FastNeuralNetClassifier,
    FastNeuralNetRegressor,
)
from sklearn_convlstm._lazy import LazySeries, is_memory_mapped

if TYPE_CHECKING:  # the mixin's methods call skorch's: type them as NeuralNet's
    from skorch import NeuralNet as _NetBase
else:
    _NetBase = object

__all__ = [
    "FLOAT64_MODULE",
    "InterruptibleNetMixin",
    "_AutocastNeuralNetClassifier",
    "_AutocastNeuralNetRegressor",
]

#: Stands for ``module_`` in the pickled state of the nets.
_SAME_AS_MODULE_ = "<same as module_>"


class InterruptibleNetMixin(_NetBase):
    """Mixin of the estimators' skorch nets: interrupt flag, ``module`` pickled once."""

    def fit_loop(self, X: Any, y: Any = None, epochs: Any = None, **fit_params: Any):
        """Run skorch's training loop, remembering a KeyboardInterrupt.

        skorch's ``partial_fit`` swallows the interrupt; ``interrupted_`` lets
        the estimator warn that the model is only partly trained.
        """
        self.interrupted_ = False
        try:
            return super().fit_loop(X, y, epochs, **fit_params)
        except KeyboardInterrupt:
            # skorch's EarlyStopping stops training with a KeyboardInterrupt
            # too; only an interrupt it did not raise is the user's.
            self.interrupted_ = not any(
                isinstance(callback, EarlyStopping)
                and callback.misses_ == callback.patience
                for _, callback in self.callbacks_
            )
            raise

    def __getstate__(self) -> dict[str, Any]:
        # ``module`` (the instance passed in) is ``module_``: skorch pickles
        # module_ on its own, so pickling ``module`` too stored the weights
        # twice and unpickled them as two different modules.
        state = super().__getstate__()
        state.pop("fit_randomness_", None)  # the running fit's, not the model's
        if state.get("module") is self.__dict__.get("module_"):
            state["module"] = _SAME_AS_MODULE_
        if _validates_on_disk_data(state.get("train_split")):
            # The early-stopping split of data on disk is a view of the file:
            # pickling it would copy the whole file (a memmap) or fail (h5py).
            # The fitted model does not need it (each fit builds a new net).
            state["train_split"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        same = isinstance(state.get("module"), str)
        super().__setstate__(state)
        if same:
            self.module = self.module_


def _validates_on_disk_data(train_split: Any) -> bool:
    """Whether ``train_split`` is a predefined split over data read on demand."""
    valid = getattr(train_split, "keywords", {}).get("valid_ds")
    X = getattr(valid, "X", None)
    if isinstance(X, dict):
        X = X.get("x")
    if isinstance(X, LazySeries):
        return True
    return isinstance(X, np.ndarray) and is_memory_mapped(X)


#: Stands for ``module_`` in the pickled state of ``_AutocastNeuralNetClassifier``.
_SAME_AS_MODULE_ = "<same as module_>"


class _AutocastNeuralNetClassifier(InterruptibleNetMixin, FastNeuralNetClassifier):
    """The skorch net of ``ConvLSTMClassifier`` (fast path: ``_engine.training``).

    Kept under this name so that pickled estimators keep loading.
    """


#: Where ``net_`` keeps the float64 copy of its module used by ``predict``.
FLOAT64_MODULE = "_float64_module"


class _AutocastNeuralNetRegressor(InterruptibleNetMixin, FastNeuralNetRegressor):
    """The skorch net of ``ConvLSTMRegressor`` (fast path: ``_engine.training``)."""

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop(FLOAT64_MODULE, None)  # rebuilt on demand
        return state
