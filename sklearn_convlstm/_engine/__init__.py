"""The private training engine: skorch net classes, batching, precision, callbacks.

The estimators build one of :mod:`sklearn_convlstm._engine.nets`' skorch nets in
``fit``; everything about how batches reach the network (tensor batches kept
on the device, CUDA graphs, mixed precision, interruption, divergence checks)
lives in this package and nowhere else. Nothing here is public API.
"""
