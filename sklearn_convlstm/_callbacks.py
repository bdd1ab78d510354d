"""skorch callbacks used by :class:`~sklearn_convlstm.ConvLSTMClassifier`."""

from __future__ import annotations

from typing import Any

from skorch.callbacks import Callback


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
