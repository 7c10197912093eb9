"""The two torch modules a chainrule network needs beyond torch.nn's own.

Imported only by :mod:`nn.torch_bridge`, and only once torch is known to be
installed (this file imports torch at its top).

- :class:`SharedBiasLinear`: the slides' layer with ONE bias shared by all its
  neurons (b1 = 0.35 in the 2-3-2 example). ``torch.nn.Linear`` has one bias per
  neuron; three equal biases would each get their own gradient and drift apart,
  while the shared one gets their sum. Its ``bias`` is a 0-d tensor, so its
  state_dict keys are the same as Linear's (``weight`` (out, in), ``bias``).
- :class:`Step`: the perceptron's step activation, 1 where x >= 0 else 0, with
  derivative 0 as in chainrule's op table (``torch.heaviside`` has no derivative
  in torch).
"""
from __future__ import annotations

from typing import Any

import torch


class SharedBiasLinear(torch.nn.Module):
    """y = x W^T + b with one scalar bias b for every output neuron."""

    def __init__(self, in_features: int, out_features: int,
                 dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = torch.nn.Parameter(torch.zeros(out_features, in_features, dtype=dtype))
        self.bias = torch.nn.Parameter(torch.zeros((), dtype=dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.linear(x, self.weight) + self.bias

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, shared bias"


class _StepFunction(torch.autograd.Function):
    @staticmethod
    def forward(x: torch.Tensor) -> torch.Tensor:
        return (x >= 0).to(x.dtype)

    @staticmethod
    def setup_context(ctx: Any, inputs: Any, output: Any) -> None:
        pass

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        # chainrule's step: local derivative 0 everywhere (the perceptron rule does not use it)
        return torch.zeros_like(grad)


class Step(torch.nn.Module):
    """1 where x >= 0 else 0; derivative 0 (chainrule's ``step``)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _StepFunction.apply(x)
