"""The random-kernel features on the CPU as one compiled loop (numba).

:func:`ppv_features` computes, series by series, what
:meth:`RandomKernelFeatures.forward <sklearn_convlstm.nn.RandomKernelFeatures.forward>`
computes with tensor operations: each kernel's output at every step, then
the proportion of those outputs above each of the kernel's biases. It never
holds more than one series' outputs, and it counts while it reads them, the
way MiniRocket's reference code does; the tensor version writes every
comparison to memory first. The sums are made in float64, in the order
:func:`~sklearn_convlstm.nn._random_kernels.kernel_outputs` makes them (no
fast-math reassociation; they are exact for float32 taps of ordinary
range anyway), and rounded once to float32, so both give the same features,
bit for bit. Only the counts are summed with reassociation allowed: float32 sums of
ones and zeros are exact in any order below 2**24 steps.

numba compiles the loop on its first call in a process and caches the
machine code on disk (``cache=True``), so later processes load it.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, fastmath={"reassoc"})
def _count_above(values: np.ndarray, bias: float) -> float:  # pragma: no cover
    """Return how many of ``values`` are above ``bias``, as a float32.

    A float32 sum of ones and zeros is exact in any order below 2**24
    terms, so the reduction may be reassociated (vectorised); the
    comparisons are not touched by it.
    """
    above = np.float32(0.0)
    for step in range(values.shape[0]):
        above += np.float32(1.0) if values[step] > bias else np.float32(0.0)
    return above


@njit(cache=True, nogil=True)
def ppv_features(
    x: np.ndarray,
    ends: np.ndarray,
    dilations: np.ndarray,
    features_per_dilation: np.ndarray,
    members: np.ndarray,
    positions: np.ndarray,
    biases: np.ndarray,
    out: np.ndarray,
) -> None:  # pragma: no cover - compiled; tested against the tensor version
    """Write the PPV features of each series into ``out``.

    Parameters
    ----------
    x : ndarray of float32, shape (n_series, n_channels, n_timesteps)
        The series, each read up to its end.
    ends : ndarray of int64, shape (n_series,)
        Length of each series (at most ``n_timesteps``).
    dilations, features_per_dilation : ndarray of int64, shape (n_dilations,)
    members : ndarray of bool, shape (n_dilations, n_kernels, n_channels)
        The channels each kernel sums, per dilation.
    positions : ndarray of int64, shape (n_kernels, 3)
        The positions weighted 2 in each kernel (the other six: -1).
    biases : ndarray of float32, shape (n_features,)
        Per dilation, kernel-major: the biases of kernel k at dilation i
        follow those of kernel k - 1.
    out : ndarray of float32, shape (n_series, n_features)
    """
    n_series, n_channels, n_timesteps = x.shape
    n_kernels = positions.shape[0]
    minus = np.empty((n_channels, n_timesteps), dtype=np.float64)
    triple = np.empty((n_channels, n_timesteps), dtype=np.float64)
    alpha = np.empty((n_channels, n_timesteps), dtype=np.float64)
    gamma = np.empty((9, n_channels, n_timesteps), dtype=np.float64)
    partial = np.empty((n_channels, n_timesteps), dtype=np.float64)
    total = np.empty(n_timesteps, dtype=np.float64)
    values = np.empty(n_timesteps, dtype=np.float32)
    for series in range(n_series):
        end = ends[series]
        for channel in range(n_channels):
            for step in range(end):
                value = np.float64(x[series, channel, step])
                minus[channel, step] = -value
                triple[channel, step] = 3.0 * value
        column = 0
        for index in range(dilations.shape[0]):
            dilation = dilations[index]
            n_biases = features_per_dilation[index]
            padding = 4 * dilation
            for channel in range(n_channels):
                for step in range(end):
                    alpha[channel, step] = minus[channel, step]
                for position in range(9):
                    shift = (position - 4) * dilation
                    start = max(0, -shift)
                    stop = min(end, end - shift)
                    if position != 4:
                        # -x at step + shift, in the order 0..3, 5..8
                        for step in range(start, stop):
                            alpha[channel, step] = (
                                alpha[channel, step] + minus[channel, step + shift]
                            )
                    # 3x at step + shift, zero beyond the series
                    for step in range(0, min(start, end)):
                        gamma[position, channel, step] = 0.0
                    for step in range(start, stop):
                        gamma[position, channel, step] = triple[channel, step + shift]
                    for step in range(max(stop, 0), end):
                        gamma[position, channel, step] = 0.0
            pair = (-1, -1)
            for kernel in range(n_kernels):
                first, second, third = (
                    positions[kernel, 0],
                    positions[kernel, 1],
                    positions[kernel, 2],
                )
                if (first, second) != pair:
                    # the kernels come in lexicographic order: those sharing
                    # their first two positions share (alpha + 3x) + 3x
                    pair = (first, second)
                    for channel in range(n_channels):
                        alpha_row = alpha[channel]
                        first_row = gamma[first, channel]
                        second_row = gamma[second, channel]
                        partial_row = partial[channel]
                        for step in range(end):
                            partial_row[step] = (
                                alpha_row[step] + first_row[step]
                            ) + second_row[step]
                last_member = -1
                for channel in range(n_channels):
                    if members[index, kernel, channel]:
                        last_member = channel
                started = False
                for channel in range(last_member + 1):
                    if not members[index, kernel, channel]:
                        continue
                    partial_row = partial[channel]
                    third_row = gamma[third, channel]
                    if channel == last_member:
                        # the last sum, rounded once to float32
                        if started:
                            for step in range(end):
                                values[step] = np.float32(
                                    total[step] + (partial_row[step] + third_row[step])
                                )
                        else:
                            for step in range(end):
                                values[step] = np.float32(
                                    partial_row[step] + third_row[step]
                                )
                    elif started:
                        for step in range(end):
                            total[step] = total[step] + (
                                partial_row[step] + third_row[step]
                            )
                    else:
                        for step in range(end):
                            total[step] = partial_row[step] + third_row[step]
                    started = True
                if not started:
                    for step in range(end):
                        values[step] = 0.0
                # kernel k is zero-padded when (dilation index + k) is even;
                # the others count the steps they cover fully, or all of a
                # series shorter than their span
                first_step, last_step = 0, end
                if (index + kernel) % 2 == 1 and end > 2 * padding:
                    first_step, last_step = padding, end - padding
                counted = np.float32(last_step - first_step)
                for which in range(n_biases):
                    bias = biases[column + kernel * n_biases + which]
                    above = _count_above(values[first_step:last_step], bias)
                    out[series, column + kernel * n_biases + which] = above / counted
            column += n_kernels * n_biases
