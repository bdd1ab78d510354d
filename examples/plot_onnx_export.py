"""
======================================
Export to ONNX, serve with onnxruntime
======================================

:func:`~sklearn_convlstm.export.export_onnx` writes a fitted classifier's
whole prediction path (the input scaling learnt in ``fit``, the network and
the softmax) to one ONNX file. A server then needs only that file and
onnxruntime: no PyTorch, no scikit-learn, no pickle. This example exports a
GunPoint classifier, serves it with a plain ``onnxruntime.InferenceSession``
and with :func:`~sklearn_convlstm.export.load_onnx`, checks that the
probabilities are those of ``predict_proba`` and times one-series requests.
"""

# %%
# Fit and export
# --------------
# 40 epochs of the default network keep this example short.
import json
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from sklearn_convlstm import ConvLSTMClassifier
from sklearn_convlstm.datasets import load_dataset
from sklearn_convlstm.export import export_onnx, load_onnx

torch.set_num_threads(1)

X_train, y_train, X_test, y_test = load_dataset("GunPoint")
clf = ConvLSTMClassifier(max_epochs=40, random_state=0).fit(X_train, y_train)
print(f"test accuracy of the estimator: {clf.score(X_test, y_test):.3f}")

folder = tempfile.TemporaryDirectory()
path = export_onnx(clf, Path(folder.name) / "gunpoint.onnx")
print(f"{path.name}: {path.stat().st_size / 1024:.0f} KiB")

# %%
# Serve it with onnxruntime alone
# -------------------------------
# The graph takes the raw series as float32 (input ``"series"``, batch and
# time axes dynamic) and returns ``"probabilities"``. The class labels and the
# input contract are JSON in the file's metadata.
import onnxruntime

options = onnxruntime.SessionOptions()
options.intra_op_num_threads = 1
session = onnxruntime.InferenceSession(
    str(path), sess_options=options, providers=["CPUExecutionProvider"]
)
metadata = session.get_modelmeta().custom_metadata_map
classes = json.loads(metadata["classes"])
print("inputs:", [(i.name, i.shape) for i in session.get_inputs()])
print("outputs:", [o.name for o in session.get_outputs()], "classes:", classes)

probabilities = session.run(None, {"series": X_test.astype(np.float32)})[0]
labels = np.asarray(classes)[probabilities.argmax(axis=1)]
print(f"test accuracy served by onnxruntime: {np.mean(labels == y_test):.3f}")
difference = np.abs(probabilities - clf.predict_proba(X_test)).max()
print(f"largest difference from predict_proba: {difference:.1e}")

# %%
# :func:`~sklearn_convlstm.export.load_onnx` wraps the session with the
# estimator's input checks (channels, length, finite values) and its
# ``predict``/``predict_proba``/``classes_``.
served = load_onnx(path, intra_op_num_threads=1)
print(
    "same labels as the estimator:",
    np.array_equal(served.predict(X_test), clf.predict(X_test)),
)
try:
    served.predict(X_test[:, :, :100])
except ValueError as error:
    print("refused:", error)


# %%
# Latency of one series
# ---------------------
# A request usually carries one series. Each path is timed 200 times on the
# same test series, on one thread.
def latencies(predict, n_calls=200):
    """Return the milliseconds of n_calls calls of predict on one series."""
    one = X_test[:1].astype(np.float32)
    predict(one)  # warm-up
    times = []
    for _ in range(n_calls):
        start = time.perf_counter()
        predict(one)
        times.append(time.perf_counter() - start)
    return 1000 * np.array(times)


timings = {
    "estimator\npredict_proba": latencies(clf.predict_proba),
    "load_onnx\npredict_proba": latencies(served.predict_proba),
    "onnxruntime\nsession.run": latencies(lambda x: session.run(None, {"series": x})),
}
for name, values in timings.items():
    print(f"{name.replace(chr(10), ' '):28s} median {np.median(values):.2f} ms")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.boxplot(list(timings.values()), showfliers=False)
ax.set_xticks(range(1, len(timings) + 1), list(timings))
ax.set_ylabel("milliseconds per call (one series)")
ax.set_ylim(bottom=0)
fig.tight_layout()

# %%
# Clean up the temporary folder.
folder.cleanup()
