"""The slides' naming rule, written once.

The BP slides name everything a student computes by hand: inputs ``x1``..,
hidden neurons ``h1``.. (``h1_1``, ``h2_1``.. when there are several hidden
layers), outputs ``o1``..; each neuron's weighted sum ``net_h1`` and its
activation ``out_h1``; each output's error ``E_o1`` and their sum ``E_total``;
weights ``w1, w2, ...`` numbered layer by layer, row by row (a row is the
receiving neuron); a bias shared by layer l ``b<l>`` or one per neuron
``b_h1``. The models (``nn.layers``), the worked solutions and the pictures all
ask this module, and read names back with :func:`neuron_of`.
"""
from __future__ import annotations

import re
from typing import Optional

TOTAL_ERROR = "E_total"

_NEURON_LABEL = re.compile(r"^(?:net|out)_(.+)$")


def net(neuron: str) -> str:
    """The weighted sum of ``neuron``: ``net_h1``."""
    return f"net_{neuron}"


def out(neuron: str) -> str:
    """The activation of ``neuron``: ``out_h1``."""
    return f"out_{neuron}"


def error_of(output: str) -> str:
    """The error of one output neuron: ``E_o1`` (they sum to ``E_total``)."""
    return f"E_{output}"


def neuron_of(label: str) -> Optional[str]:
    """The neuron a ``net_``/``out_`` label belongs to (``net_h2_5`` -> ``h2_5``),
    None for any other label."""
    m = _NEURON_LABEL.match(label)
    return m.group(1) if m else None


def input_names(count: int) -> list[str]:
    """``x1, x2, ...``"""
    return [f"x{j + 1}" for j in range(count)]


def neuron_names(layer: int, layers: int, size: int) -> list[str]:
    """The names of layer ``layer`` (0-based) of a network of ``layers`` layers:
    ``o1..`` for the output layer, ``h1..`` for the one hidden layer of a
    network with two layers, else ``h<l>_1..`` (l counted from 1)."""
    if layer == layers - 1:
        prefix = "o"
    elif layers == 2:
        prefix = "h"
    else:
        prefix = f"h{layer + 1}_"
    return [f"{prefix}{i + 1}" for i in range(size)]


def unnamed_neurons(size: int) -> list[str]:
    """A lone layer's neurons: ``n1, n2, ...``"""
    return [f"n{i + 1}" for i in range(size)]


def weight_names(nin: int, nout: int, before: int = 0) -> list[list[str]]:
    """One row per receiving neuron, one column per sender, numbered on from the
    ``before`` weights of the earlier layers: the 2-3-2 network's first layer
    is ``[[w1, w2], [w3, w4], [w5, w6]]``, its second (before=6) ``[[w7, w8, w9], ...]``."""
    return [[f"w{before + i * nin + j + 1}" for j in range(nin)] for i in range(nout)]


def shared_bias(layer: int) -> str:
    """The one bias shared by layer ``layer`` (0-based): ``b1``, ``b2``..."""
    return f"b{layer + 1}"


def own_bias(neuron: str) -> str:
    """The bias of one neuron when each has its own: ``b_h1``."""
    return f"b_{neuron}"


def weight_matrix(layer: str) -> str:
    """A batched layer's weights as one matrix: ``W1`` (``layer`` as the user counts, from 1)."""
    return f"W{layer}"


def bias_vector(layer: str) -> str:
    """A batched layer's biases as one vector: ``b1``."""
    return f"b{layer}"


def reading_order(name: str) -> tuple:
    """A sort key that reads names as the slides list them: ``w2`` before ``w10``,
    ``h1_2`` before ``h1_10`` (numbers compared as numbers)."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))
