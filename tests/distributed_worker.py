"""One process of the data-parallel tests in test_distributed.py.

Run as each process of a launch (``python -m torch.distributed.run
--nproc_per_node=2``, or processes started with its environment variables):
``distributed_worker.py OUT_DIR``. Every process trains the
same ConvLSTMClassifier through an Accelerator and writes, after every
optimizer step, a checksum of the network's parameters (gathered from all
processes) to ``OUT_DIR/checksums_<rank>.json``; process 0 pickles the fitted
estimator to ``OUT_DIR/model.pkl``. Then each trains with early stopping and
writes its validation losses and epoch count to
``OUT_DIR/early_stopping_<rank>.json``, trains on series of unequal length
(``unequal_lengths_<rank>.json``: the final parameters' checksum on every
process) and tries a batch size of 9 (``batch_size_<rank>.txt``: the error).
Last, process 1 drops four series:
every process must raise (its message goes to ``OUT_DIR/mismatch_<rank>.txt``)
rather than wait for the others.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
from pathlib import Path

import numpy as np
import torch
from accelerate import Accelerator, DataLoaderConfiguration
from skorch.callbacks import Callback

from sklearn_convlstm import ConvLSTMClassifier

#: A small network without BatchNorm or dropout, whose data-parallel gradient
#: (mean over each process's half batch, averaged) equals the one-process
#: gradient of the global batch.
PARAMS = {
    "conv_channels": (4,),
    "kernel_sizes": 3,
    "batch_norm": False,
    "lstm_hidden_size": 8,
    "recurrent_dropout": 0.0,
    "batch_size": 8,
    "max_epochs": 3,
    "random_state": 0,
}


def make_data() -> tuple[np.ndarray, np.ndarray]:
    """40 series (5 global batches of 8): class 1 has a spike."""
    rng = np.random.RandomState(0)
    X = rng.normal(scale=0.3, size=(40, 1, 24))
    y = np.arange(40) % 2
    X[y == 1, 0, 10] += 3.0
    return X, y


class ParameterChecksums(Callback):
    """After each optimizer step, record sum and sum of |.| of the parameters
    on every process (all-gathered when distributed)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def on_train_begin(self, net, **kwargs) -> None:
        self.steps_: list[list[list[float]]] = []

    def on_batch_end(self, net, training=False, **kwargs) -> None:
        if not training:
            return
        flat = torch.cat([p.detach().reshape(-1) for p in net.module_.parameters()])
        local = torch.stack([flat.double().sum(), flat.double().abs().sum()])
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            gathered = [
                torch.empty_like(local)
                for _ in range(torch.distributed.get_world_size())
            ]
            torch.distributed.all_gather(gathered, local)
        else:
            gathered = [local]
        self.steps_.append([g.tolist() for g in gathered])

    def on_train_end(self, net, **kwargs) -> None:
        Path(self.path).write_text(json.dumps(self.steps_))


def main() -> None:
    out = Path(sys.argv[1])
    accelerator = Accelerator(
        cpu=True, dataloader_config=DataLoaderConfiguration(split_batches=True)
    )
    rank = accelerator.process_index
    X, y = make_data()
    # The callback's class by its module name, not __main__'s, so that the
    # pickled model loads in other processes.
    from distributed_worker import ParameterChecksums as Checksums

    clf = ConvLSTMClassifier(
        **PARAMS,
        accelerator=accelerator,
        callbacks=(Checksums(str(out / f"checksums_{rank}.json")),),
    )
    clf.fit(X, y)
    if accelerator.is_main_process:
        (out / "model.pkl").write_bytes(pickle.dumps(clf))
    accelerator.wait_for_everyone()

    # Early stopping must stop all processes at the same epoch.
    clf = ConvLSTMClassifier(
        **{**PARAMS, "max_epochs": 40},
        early_stopping=True,
        patience=3,
        lr=0.05,
        accelerator=accelerator,
    ).fit(X, y)
    (out / f"early_stopping_{rank}.json").write_text(
        json.dumps(
            {"valid_loss": clf.history_[:, "valid_loss"], "n_epochs": len(clf.history_)}
        )
    )

    # Series of unequal length (padded batches with their true lengths).
    rng = np.random.RandomState(1)
    series = [rng.normal(size=(1, 16 + index % 9)) for index in range(40)]
    clf = ConvLSTMClassifier(**PARAMS, accelerator=accelerator).fit(series, y)
    flat = torch.cat([p.detach().reshape(-1) for p in clf.net_.module_.parameters()])
    gathered = accelerator.gather(flat.double().abs().sum()[None])
    (out / f"unequal_lengths_{rank}.json").write_text(json.dumps(gathered.tolist()))

    # A global batch that does not split evenly: every process raises.
    try:
        ConvLSTMClassifier(**{**PARAMS, "batch_size": 9}, accelerator=accelerator).fit(
            X, y
        )
    except ValueError as error:
        (out / f"batch_size_{rank}.txt").write_text(str(error))

    # Different data on process 1: every process must raise, none may hang.
    if rank == 1:
        X, y = X[:-4], y[:-4]
    try:
        ConvLSTMClassifier(**PARAMS, accelerator=accelerator).fit(X, y)
    except ValueError as error:
        (out / f"mismatch_{rank}.txt").write_text(str(error))


if __name__ == "__main__":
    main()
    # Leave the job cleanly, then skip the interpreter's teardown: a process
    # group left for exit-time destructors can abort a process ("terminate
    # called without an active exception") after all its work is written.
    if torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
