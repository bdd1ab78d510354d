"""Docstring entries the ConvLSTM estimators share, written once.

:func:`document_shared` fills the placeholders ``{shared_parameters}`` and
``{shared_attributes}`` of an estimator's docstring with
:data:`SHARED_PARAMETERS_DOC` and :data:`SHARED_ATTRIBUTES_DOC`.
"""

from __future__ import annotations

from typing import TypeVar

#: numpydoc entries of the parameters both estimators share; each estimator's
#: docstring names the place with ``{shared_parameters}`` (see
#: :func:`document_shared`).
SHARED_PARAMETERS_DOC = """\
    variant : {"default", "basic", "stacked", "dropout", "causal"}, \
            default="default"
        Named network configuration that fills every network parameter left at
        ``None``. ``"basic"``, ``"stacked"`` and ``"dropout"`` are the three
        networks of the reference article exactly as written (see
        :data:`~sklearn_convlstm.nn.ARCHITECTURE_VARIANTS`); ``"default"``
        is this package's stronger configuration; ``"causal"`` is the default
        made causal (causal convolutions, a unidirectional LSTM, a readout of
        the steps so far): its prediction after a step depends on no later
        step, so it classifies prefixes of any length and streams
        (:meth:`~sklearn_convlstm.ConvLSTMClassifier.stream`). Training
        parameters are not part of a variant.
    conv_channels : tuple of int, default=None
        Output channels of each conv block (its length is the number of
        blocks). ``None``: the variant's value.
    kernel_sizes : int or tuple of int, default=None
        Kernel size of each conv block.
    conv_padding : {"valid", "same", "causal"}, default=None
        ``"valid"`` convolutions shorten the series by ``kernel_size - 1``;
        ``"same"`` keeps its length; ``"causal"`` keeps it by padding
        ``kernel_size - 1`` zeros before the series only. With
        ``bidirectional=False`` the network is then causal (as
        ``variant="causal"``): ``scaling="auto"`` is ``"per_channel"``, the
        per-series options raise a ``ValueError``, and ``predict`` accepts
        series (prefixes) of any length.
    batch_norm : bool, default=None
        BatchNorm1d after each convolution (convolutions then have no bias).
    pool_sizes : int, tuple of int or "auto", default=None
        Max-pooling factor after each conv block (1: none). ``"auto"`` pools
        after the first two blocks so the LSTM sees at most 64 steps of the
        longest training series (see
        :func:`~sklearn_convlstm.nn._networks.auto_pool_sizes`).
    conv_dropout : float, default=None
        Dropout after the conv stack.
    rnn : {"lstm", "gru"}, default=None
        Recurrent layer type.
    lstm_hidden_size : int, default=None
        Hidden size of the recurrent layer (per direction).
    lstm_layers : int, default=None
        Number of stacked recurrent layers.
    bidirectional : bool, default=None
        Whether the recurrent layer also reads the series backwards.
    readout : {"last", "mean", "max", "meanmax"}, default=None
        Summary of the recurrent outputs over time: the last valid step (as in
        the article), the mean, the max, or mean and max concatenated.
    recurrent_dropout : float, default=None
        Dropout on the recurrent outputs.
    conv_skip : bool, default=None
        Also feed the head the same readout of the conv features (the sequence
        the recurrent layer reads): a skip connection around the recurrent
        layer, as in LSTM-FCN.
    scaling : {"auto", "per_channel", "per_series", "per_series_amplitude", \
            "minmax"} or None, default="auto"
        Input scaling done inside the estimator with
        :class:`~sklearn_convlstm.TimeSeriesScaler`:
        ``"per_channel"`` standardises each channel with the training mean and
        std, ``"per_series"`` z-normalises every series on its own,
        ``"per_series_amplitude"`` does too and gives the network each
        series' log-amplitude (log of its std, standardised over the training
        series) as one extra constant channel per input channel, so the
        amplitude z-normalisation removes is not lost; ``None`` leaves X as
        given (e.g. when a Pipeline already scales it). ``"auto"`` is
        ``"per_channel"`` unless the training series' amplitudes differ by
        more than ``AMPLITUDE_SPREAD_WARNING`` (1,000) times within a channel
        (:func:`~sklearn_convlstm._preprocessing.series_amplitude_spread`: 90th
        over 10th percentile of the per-series std); then one scale per
        channel would leave most series near zero, and it is
        ``"per_series_amplitude"``. The choice made is ``scaling_``.
    augmentation : bool, default=False
        Augment each training batch (after scaling) with random window slicing
        (a window of ``augmentation_window`` of each series stretched back to
        full length; equal-length input only) and amplitude scaling (a factor
        ``1 + augmentation_scale * N(0, 1)`` per series); see
        :class:`~sklearn_convlstm.nn.TrainingAugmentation`. Predictions
        are not augmented. Draws are seeded by ``random_state``.
    augmentation_window : float, default=0.9
        Share of each series a training window keeps, in (0, 1]; 1 turns
        window slicing off. Used only with ``augmentation=True``.
    augmentation_scale : float, default=0.1
        Standard deviation of the amplitude factor; 0 turns amplitude scaling
        off. Used only with ``augmentation=True``.
    optimizer : {"adamw", "adam", "sgd"} or torch optimizer class, \
            default="adamw"
        Optimizer.
    lr : float, default=3e-3
        Learning rate (the peak rate with ``lr_schedule="onecycle"``).
    weight_decay : float, default=0.1
        Weight decay of the optimizer (decoupled with ``"adamw"``). 0.1 rather
        than AdamW's usual 1e-2, chosen by cross-validation on training
        splits only (see the evidence page of the documentation).
    lr_schedule : {"onecycle", "cosine", "constant"}, default="onecycle"
        Learning-rate schedule, stepped every batch (onecycle) or epoch
        (cosine).
    batch_size : int or "auto", default="auto"
        Training batch size; ``"auto"`` is ``n_train // 10`` clipped to
        [8, 32] (see :func:`auto_batch_size`).
    max_epochs : int or "auto", default="auto"
        Number of training epochs (fewer with early stopping); ``"auto"`` is 100
        epochs, fewer for large data sets (at least 1,500 optimizer steps and
        20 epochs; see :func:`auto_max_epochs`).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified by
        class for the classifier, at random for the regressor), stop when the
        validation loss has not improved for ``patience`` epochs and restore
        the weights of the best epoch.
    validation_fraction : float, default=0.2
        Share of the training data held out for early stopping.
    patience : int, default=30
        Epochs without improvement of the validation loss before stopping.
    callbacks : tuple of skorch callbacks, default=None
        Extra skorch callbacks; they are deep-copied in ``fit``, never mutated,
        so a callback that must report to a shared object (an in-memory Optuna
        study, say) has to share it through ``__deepcopy__`` (as
        :mod:`sklearn_convlstm.tuning`'s pruning callback does).
    device : str, default="cpu"
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"auto"`` (CUDA when available).
        On CUDA an in-memory training set is moved to the GPU once when it
        takes at most half of the free GPU memory (otherwise batches stream
        through pinned memory), AdamW and Adam use their fused kernels, and
        the batch losses are read back once per epoch.
    mixed_precision : bool or {"auto", "bfloat16", "float16"}, default=False
        Run the forward passes under ``torch.autocast`` in a 16-bit type;
        weights, losses and optimizer state stay float32. ``"bfloat16"``
        trains and predicts in bfloat16 (float32's range: no loss scaling);
        ``"float16"`` (CUDA only) does so in float16 with a
        ``torch.amp.GradScaler``. ``True`` or ``"auto"`` uses, per device
        type, what was measured faster than float32: on CUDA nothing (float32
        training and prediction), on CPUs with bfloat16 instructions
        (AVX512-BF16, AMX) bfloat16, on other CPUs float32 (the type training
        used is ``mixed_precision_``). The measured speed of each type relative
        to float32 per device is on the evidence page of the documentation: the LSTM
        is what loses in 16 bits on CUDA, while CPUs with bfloat16 units
        gain in training and prediction.
        Like every parameter, it takes effect at ``fit``: ``predict`` uses the
        value the model was trained with.
    cuda_graphs : bool or "auto", default="auto"
        On CUDA, capture the forward and backward pass of a training batch as
        a CUDA graph once and replay it for every full batch; the optimizer
        step (fused AdamW/Adam) stays eager, so learning-rate schedules and
        loss scaling work as usual, and a smaller last batch trains eagerly.
        ``"auto"``: when the series have equal lengths, X is an in-memory
        array, no module hook and no user callback acting on every batch needs
        Python inside the step, and the fit has at least 50 full batches;
        ``True``: whenever the data allow it (with a warning otherwise). Why a
        fit trained eagerly is in ``net_.cuda_graph_obstacle_``. No effect on
        CPU. Graphs pay most for small batches, where launching kernels one
        by one costs more than running them (measured speeds are on the
        evidence page of the documentation). Dropout draws
        its random numbers differently inside a graph, so a seed gives other
        (equally good) weights than with ``cuda_graphs=False``.
    accelerator : accelerate.Accelerator or None, default=None
        Train data-parallel across the processes of a ``torchrun`` or
        ``accelerate launch`` job through Hugging Face Accelerate (skorch's
        ``AccelerateMixin``): every process calls ``fit`` on the same full
        training set, takes its share of every batch (``batch_size`` is the
        global batch) and the gradients are averaged, so all processes hold
        one model. It must be created with
        ``DataLoaderConfiguration(split_batches=True)``; ``device`` is then
        the accelerator's. It is not pickled: a saved model loads with
        ``accelerator=None``. See :mod:`sklearn_convlstm.parallel._data_parallel`.
        ``None``: train in this process only.
    verbose : int, default=0
        ``1`` prints skorch's per-epoch table of losses.
    progress_bar : bool, default=False
        Show a tqdm progress bar over the epochs.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batch shuffling, dropout and the
        validation split. The same value gives the same predictions on the same
        machine. The global torch random state is left untouched.
"""

#: numpydoc entries of the fitted attributes both estimators share
#: (``{shared_attributes}``).
SHARED_ATTRIBUTES_DOC = """\
    network_params_ : dict
        The resolved network configuration.
    scaling_ : {"per_channel", "per_series", "per_series_amplitude", "minmax"} \
            or None
        The scaling applied (``scaling`` with ``"auto"`` resolved).
    mixed_precision_ : {"bfloat16", "float16"} or None
        The autocast type training used (``mixed_precision`` resolved for
        the device); ``None``: float32.
    scaler_ : TimeSeriesScaler or None
        The scaler fitted on the training series. The network applies it to
        each batch (``net_.module_.input_scaling``), so no scaled copy of X is
        ever made and ``predict_proba`` streams raw batches.
    n_features_in_ : int
        ``X.shape[1]`` as passed to ``fit`` (scikit-learn's definition): the
        number of channels for 3D input and lists, of timesteps for 2D input.
    n_channels_in_ : int
        Number of channels seen in ``fit``.
    n_timesteps_in_ : int or None
        Series length seen in ``fit``; ``None`` when lengths varied. A model
        fitted on equal-length series predicts series of that length.
    min_length_ : int
        Shortest series the network accepts.
"""

_Estimator = TypeVar("_Estimator", bound=type)


def document_shared(cls: _Estimator) -> _Estimator:
    """Fill the placeholders of the shared entries in ``cls``'s docstring.

    The shared entries are written once, here; each estimator's docstring
    holds its own entries around the placeholders.
    """
    if cls.__doc__:
        cls.__doc__ = cls.__doc__.replace(
            "    {shared_parameters}\n", SHARED_PARAMETERS_DOC
        ).replace("    {shared_attributes}\n", SHARED_ATTRIBUTES_DOC)
    return cls
