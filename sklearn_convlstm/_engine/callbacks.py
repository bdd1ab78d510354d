"""skorch callbacks used by :class:`~sklearn_convlstm.ConvLSTMClassifier`."""

from __future__ import annotations

import math
from typing import Any

import torch
from skorch.callbacks import Callback, LRScheduler

from sklearn_convlstm._exceptions import TrainingDivergedError


class EpochProgressBar(Callback):
    """A tqdm progress bar with one tick per epoch and the latest losses.

    skorch's own ``ProgressBar`` restarts a bar over the batches of every epoch;
    for the many short epochs of time-series training one bar over the epochs
    is easier to follow.

    Parameters
    ----------
    total : int
        Number of epochs planned (early stopping may end the bar sooner).
    description : str, default="training"
        Text in front of the bar.
    """

    def __init__(self, total: int, description: str = "training") -> None:
        self.total = total
        self.description = description

    def on_train_begin(self, net: Any, **kwargs: Any) -> None:
        """Open the bar."""
        from tqdm.auto import tqdm

        self.bar_ = tqdm(total=self.total, desc=self.description, leave=True)

    def on_epoch_end(self, net: Any, **kwargs: Any) -> None:
        """Advance by one epoch and show the last losses."""
        row = net.history[-1]
        postfix = {"train_loss": f"{row['train_loss']:.4f}"}
        if "valid_loss" in row:
            postfix["valid_loss"] = f"{row['valid_loss']:.4f}"
        self.bar_.set_postfix(postfix, refresh=False)
        self.bar_.update(1)

    def on_train_end(self, net: Any, **kwargs: Any) -> None:
        """Close the bar."""
        self.bar_.close()

    def __getstate__(self) -> dict[str, Any]:
        # An open tqdm bar holds a lock and a stream: never pickle it.
        state = self.__dict__.copy()
        state.pop("bar_", None)
        return state


class FiniteTrainingCheck(Callback):
    """Stop training with a clear error after an epoch whose loss is not finite.

    A diverging network (learning rate far too high, extreme input values)
    otherwise trains on silently: its NaN weights give NaN probabilities,
    ``predict`` answers the first class for every series and ``score`` looks
    like chance. The check reads the batch losses skorch recorded, once per
    epoch (no extra device synchronisation), and, at the end of training, the
    network's weights.
    """

    def on_epoch_end(self, net: Any, **kwargs: Any) -> None:
        """Raise if a batch loss of this epoch was NaN or infinite.

        Checked once per epoch from the losses recorded in ``history``: a
        per-batch check would read every loss back from the GPU as it is
        computed (a synchronisation per step) and keep the training step from
        being replayed as a CUDA graph.
        """
        epoch = net.history[-1]
        for prefix, kind in (("train", "training"), ("valid", "validation")):
            for index, record in enumerate(epoch["batches"], start=1):
                loss = record.get(f"{prefix}_loss")
                if loss is not None and not math.isfinite(loss):
                    raise TrainingDivergedError(
                        f"Training diverged: the {kind} loss is {loss} at epoch "
                        f"{len(net.history)}, batch {index}. "
                        f"{_DIVERGENCE_CAUSES.format(lr=net.lr)}"
                    )

    def on_train_end(self, net: Any, **kwargs: Any) -> None:
        """Raise if a weight of the trained network is NaN or infinite."""
        for name, parameter in net.module_.named_parameters():
            if not torch.isfinite(parameter).all():
                raise TrainingDivergedError(
                    f"Training diverged: the network's weight {name!r} holds "
                    "non-finite values after training. "
                    f"{_DIVERGENCE_CAUSES.format(lr=net.lr)}"
                )


_DIVERGENCE_CAUSES = (
    "The likely cause is a learning rate too high (lr={lr}): try one 10 to 100 "
    "times lower. Other causes: input values too large for float32 arithmetic "
    "(with scaling=None; use scaling='auto'), or a custom optimizer, callback or "
    "loss weighting that makes the loss undefined."
)


class PicklableLRScheduler(LRScheduler):
    """skorch's ``LRScheduler`` that leaves its torch scheduler out of pickles.

    The torch scheduler (``lr_scheduler_``) holds the optimizer, which holds
    the network's weights and the optimizer state; skorch pickles the net's
    module and optimizer separately, so pickling the scheduler stored all of
    them a second time (4.68 MB instead of 2.33 MB for the default network).
    skorch rebuilds the scheduler at the start of every training run
    (``on_train_begin``), so nothing is lost.
    """

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["lr_scheduler_"] = None
        return state
