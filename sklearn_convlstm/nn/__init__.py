"""Pure-PyTorch building blocks: the Conv1D -> LSTM networks and their layers.

Everything here is a ``torch.nn.Module`` or a function on tensors, with every
size an explicit argument; input is ``(batch, channels, timesteps)``, output
class logits (or regression values). This package imports neither
scikit-learn nor skorch: the estimators (:class:`~sklearn_convlstm.ConvLSTMClassifier`,
:class:`~sklearn_convlstm.ConvLSTMRegressor`) build these modules in ``fit``.
"""

from sklearn_convlstm.nn._input_layers import (
    InputScaling,
    TrainingAugmentation,
    z_normalize,
)
from sklearn_convlstm.nn._networks import (
    ARCHITECTURE_VARIANTS,
    ConvLSTMNetwork,
    make_network,
)
from sklearn_convlstm.nn._random_kernels import RandomKernelFeatures, RandomKernelRidge

__all__ = [
    "ARCHITECTURE_VARIANTS",
    "ConvLSTMNetwork",
    "InputScaling",
    "RandomKernelFeatures",
    "RandomKernelRidge",
    "TrainingAugmentation",
    "make_network",
    "z_normalize",
]
