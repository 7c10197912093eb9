"""Neurons, layers, MLPs, losses, optimizers and training loops on chainrule's autograd.

>>> from nn import MLP, fit, Adam
>>> model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=0)
>>> history = fit(model, [[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0], loss="mse",
...               optimizer=Adam(model.parameters(), lr=0.1), epochs=300, progress=False)
>>> history.loss[-1] < 0.01
True
"""
from .layers import ACTIVATIONS, MLP, Layer, Neuron, softmax
from .losses import LOSSES, absolute, cross_entropy, get_loss, half_sse, hinge, mse, mse_half
from .module import Module, freeze, is_frozen, unfreeze
from .optim import SGD, AdaGrad, Adam, Optimizer, RMSProp
from .train import CONVENTIONS, History, TrainState, evaluate, fit, sequential_backward, update

__all__ = [
    "ACTIVATIONS", "CONVENTIONS", "LOSSES", "MLP", "AdaGrad", "Adam", "History", "Layer", "Module",
    "Neuron", "Optimizer", "RMSProp", "SGD", "TrainState", "absolute", "cross_entropy", "evaluate",
    "fit", "freeze", "get_loss", "half_sse", "hinge", "is_frozen", "mse", "mse_half",
    "sequential_backward", "softmax", "unfreeze", "update",
]
