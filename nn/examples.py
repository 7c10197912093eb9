"""Small worked examples from the course slides, as functions (tests use them)
and as ``chainrule example NAME``.

- ``perceptron``: seed 002's step-activation network, W1 = (-3, 2, 2),
  W2 = (-1, 2, 2), Wz = (1, 2, -2) (bias first), computing its truth table.
- ``xor-relu``: seed 003's XOR with one ReLU hidden layer and hand-set weights.
- ``xor-train``: an MLP trained on XOR from a random initialisation.

The 2-1-1 exercise of seed 001 is a worked solution: ``chainrule bp --preset exercise211``.
"""
from __future__ import annotations

from typing import Callable

from autograd import no_grad

from .layers import MLP, Layer
from .optim import Adam
from .train import History, fit

XOR_INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]]
XOR_TARGETS = [0, 1, 1, 0]


def perceptron() -> MLP:
    """z1 = step(-3 + 2 x1 + 2 x2), z2 = step(-1 + 2 x1 + 2 x2), h = step(1 + 2 z1 - 2 z2),
    step(z) = 1 for z >= 0, else 0."""
    hidden = Layer(2, 2, "step", weights=[[2, 2], [2, 2]], bias=[-3, -1],
                   neuron_names=["z1", "z2"], weight_names=[["w11", "w12"], ["w21", "w22"]],
                   bias_names=["b1", "b2"])
    out = Layer(2, 1, "step", weights=[[2, -2]], bias=[1], neuron_names=["h"],
                weight_names=[["v1", "v2"]], bias_names=["c"])
    return MLP.from_layers([hidden, out], input_names=["x1", "x2"])


def xor_relu() -> MLP:
    """h = relu(W x + c) with W = [[1, 1], [1, 1]], c = (0, -1); y = w . h + b,
    w = (1, -2), b = 0 (seed 003)."""
    hidden = Layer(2, 2, "relu", weights=[[1, 1], [1, 1]], bias=[0, -1],
                   neuron_names=["h1", "h2"], weight_names=[["W11", "W21"], ["W12", "W22"]],
                   bias_names=["c1", "c2"])
    out = Layer(2, 1, "identity", weights=[[1, -2]], bias=[0], neuron_names=["y"],
                weight_names=[["w1", "w2"]], bias_names=["b"])
    return MLP.from_layers([hidden, out], input_names=["x1", "x2"])


def table(model: MLP, inputs: list[list[float]]) -> list[tuple[list[float], list[list[float]]]]:
    """(input, [outputs of every layer]) for each input row."""
    rows = []
    with no_grad():
        for x in inputs:
            rows.append((list(x), [[v.data for v in layer] for layer in model.forward_layers(x)]))
    return rows


def train_xor(seed: int = 0, epochs: int = 300, progress: bool = False) -> tuple[MLP, History]:
    """A 2-4-1 MLP (tanh hidden, sigmoid output) from a seeded random start,
    full-batch Adam on the mean squared error."""
    model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=seed)
    history = fit(model, XOR_INPUTS, XOR_TARGETS, loss="mse", epochs=epochs,
                  optimizer=Adam(model.parameters(), lr=0.1), progress=progress)
    return model, history


# --- printing ----------------------------------------------------------------------------

def _print_table(model: MLP, header: list[str]) -> None:
    rows = table(model, XOR_INPUTS)
    print("  " + "  ".join(f"{h:>4}" for h in header))
    for x, layers in rows:
        cells = [f"{v:g}" for v in x] + [f"{v:g}" for layer in layers for v in layer]
        print("  " + "  ".join(f"{c:>4}" for c in cells))


def show_perceptron() -> None:
    print("Seed 002: a perceptron network with step activations (step(z) = 1 if z >= 0, else 0)")
    print("  z1 = step(-3 + 2*x1 + 2*x2)   z2 = step(-1 + 2*x1 + 2*x2)   h = step(1 + 2*z1 - 2*z2)")
    print()
    _print_table(perceptron(), ["x1", "x2", "z1", "z2", "h"])
    print()
    print("h is 1 exactly when x1 = x2: a function no single perceptron can compute.")


def show_xor_relu() -> None:
    print("Seed 003: XOR with one ReLU hidden layer and hand-set weights")
    print("  h1 = relu(x1 + x2)   h2 = relu(x1 + x2 - 1)   y = h1 - 2*h2")
    print()
    _print_table(xor_relu(), ["x1", "x2", "h1", "h2", "y"])
    print()
    print("y = (0, 1, 1, 0): XOR.")


def show_xor_train() -> None:
    print("XOR learned from a random start: MLP(2, [4, 1]), tanh hidden, sigmoid output,")
    print("mean squared error, full-batch Adam (lr 0.1), seed 0")
    model, history = train_xor(progress=None)  # a bar in a terminal only
    print()
    print("  epoch       loss")
    for e in (0, 9, 49, 99, 199, history.epochs - 1):
        if e < history.epochs:
            print(f"  {e + 1:5d}   {history.loss[e]:.6f}")
    print()
    print("    x1    x2   target   output")
    with no_grad():
        for x, t in zip(XOR_INPUTS, XOR_TARGETS):
            print(f"  {x[0]:4d}  {x[1]:4d}   {t:6d}   {model(x)[0].data:.6f}")


EXAMPLES: dict[str, tuple[str, Callable[[], None]]] = {
    "perceptron": ("seed 002: step perceptrons computing a truth table", show_perceptron),
    "xor-relu": ("seed 003: XOR with ReLU and hand-set weights", show_xor_relu),
    "xor-train": ("an MLP trained on XOR from random init", show_xor_train),
}
