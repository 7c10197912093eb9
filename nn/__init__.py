"""Neurons, layers, MLPs, losses, optimizers and training loops on chainrule's autograd.

>>> from nn import MLP, fit, Adam
>>> model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=0)
>>> history = fit(model, [[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0], loss="mse",
...               optimizer=Adam(model.parameters(), lr=0.1), epochs=300, progress=False)
>>> history.loss[-1] < 0.01
True

Scalar networks (one ``Value`` per weight): ``Neuron``, ``Layer``, ``MLP``.
Batched networks (one ``Tensor`` per weight matrix): ``Linear``, ``TensorMLP``.
Both train with the same losses, optimizers and ``fit``.
``to_torch`` / ``from_torch`` carry either to PyTorch and back (nn.torch_bridge).
"""
from .i18n import language, set_language, using_language
from .layers import ACTIVATIONS, INITS, MLP, Layer, Neuron, softmax
from .linear import Linear, TensorMLP
from .losses import LOSSES, absolute, cross_entropy, get_loss, half_sse, hinge, mse, mse_half
from .module import Module, freeze, is_frozen, unfreeze, using_mode
from .optim import OPTIMIZERS, SGD, AdaGrad, Adam, Optimizer, RMSProp
from .regularization import Dropout, l2_penalty
from .torch_bridge import from_torch, to_torch, torch_loss, torch_names
from .train import (CONVENTIONS, RECORDS, History, TrainState, TrainingDiverged, evaluate, fit, sequential_backward,
                    update)

__all__ = [
    # the language of every text chainrule shows (en, zh)
    "language", "set_language", "using_language",
    # models
    "ACTIVATIONS", "INITS", "Layer", "Linear", "MLP", "Module", "Neuron", "TensorMLP", "softmax",
    "freeze", "is_frozen", "unfreeze", "using_mode",
    # against overfitting (the iris deck's remedies)
    "Dropout", "l2_penalty",
    # losses
    "LOSSES", "absolute", "cross_entropy", "get_loss", "half_sse", "hinge", "mse", "mse_half",
    # optimizers
    "OPTIMIZERS", "AdaGrad", "Adam", "Optimizer", "RMSProp", "SGD",
    # training
    "CONVENTIONS", "RECORDS", "History", "TrainState", "TrainingDiverged", "evaluate", "fit", "sequential_backward",
    "update",
    # PyTorch (optional: pip install "chainrule[torch]")
    "from_torch", "to_torch", "torch_loss", "torch_names",
]
