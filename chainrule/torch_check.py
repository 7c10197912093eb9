"""`chainrule bp SPEC --torch`: the spec solved a second time with PyTorch's own
autograd, every figure of the worked solution beside chainrule's.

The torch side starts from the spec's network exported by ``nn.to_torch`` (the
given weights; nothing else of chainrule's is used), runs the forward passes,
back-propagates with ``torch.autograd`` and updates with ``torch.optim.SGD``. The
slides' sequential convention is the same layer-by-layer procedure as
``nn.sequential_backward``, written with torch: from the output layer down,
each layer's gradients, then its update, then the gradients of its inputs taken
again through its updated weights, which seed the layer below.

Figures (in the order of the report): the first forward pass (net, out, E),
every gradient dE_total/d(parameter) and dE_total/d(net or out of each neuron),
each parameter after the first update, and after each K of ``after``: the
outputs, E_total and every parameter. A figure agrees when the two numbers
differ by at most 1e-9 relative (plus 1e-15 absolute, for the figures that are 0
on one side and a rounding error on the other). The last line is machine-checkable
and the same in every language: ``torch: 57 figures, max |difference| = 2.8e-17``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from nn import naming
from nn.torch_bridge import loss_terms, require_torch, to_torch, torch_names

from .i18n import _
from .i18n import ljust, rjust, width
from .solver import Solution, build_model
from .spec import Spec

RELATIVE = 1e-9
ABSOLUTE = 1e-15


@dataclass(frozen=True)
class Figure:
    section: str  # forward, gradients, updated, after K
    name: str
    chainrule: float
    torch: float

    @property
    def difference(self) -> float:
        return self.torch - self.chainrule

    @property
    def agrees(self) -> bool:
        return abs(self.difference) <= RELATIVE * max(abs(self.chainrule), abs(self.torch)) + ABSOLUTE


def _entry(where: str) -> tuple[str, tuple[int, ...]]:
    """``"2.weight[0, 1]"`` -> ``("2.weight", (0, 1))`` (nn.torch_names's form)."""
    key, _bracket, index = where.partition("[")
    return key, tuple(int(i) for i in index.rstrip("]").split(",")) if index else ()


class TorchRun:
    """The spec in torch under one convention: the first pass's values and
    gradients, the parameters after the first update, snapshots after K updates."""

    def __init__(self, spec: Spec, convention: str, counts: list[int]) -> None:
        self.torch = torch = require_torch()
        self.spec, self.convention = spec, convention
        model = build_model(spec)
        self.module = to_torch(model)
        self.where = {name: _entry(w) for name, w in torch_names(model).items()}
        frozen = {id(p) for p in self.module.parameters() if not p.requires_grad}
        for p in self.module.parameters():  # frozen ones too: the report shows their gradients
            p.requires_grad_(True)
        # frozen = left out of the optimizer, torch's way of not training a tensor
        self.optimizer = torch.optim.SGD([p for p in self.module.parameters() if id(p) not in frozen],
                                         lr=spec.learning_rate)
        self.x = torch.tensor(spec.inputs, dtype=torch.float64)
        self.t = torch.tensor(spec.targets, dtype=torch.float64)
        # each layer's linear map: its entry of the Sequential (its activation function is the next)
        self.positions = [i for i, m in enumerate(self.module) if hasattr(m, "in_features")]
        self.layers = len(self.positions)
        self.grads: dict[str, float] = {}
        self.snapshots: dict[int, dict[str, float]] = {}
        for k in range(max([1, *counts]) + 1):
            passed = self._forward()
            if k == 0 or k in counts:
                self.snapshots[k] = self._values(*passed)
            if k == 1:
                self.updated = self._parameters()
            if k == max([1, *counts]):
                break
            self._update(*passed, keep=k == 0)

    def _forward(self) -> tuple[list[Any], list[Any], Any, Any]:
        """Each layer's net and out, the loss terms (E_o1, ...) and E_total."""
        nets, outs = [], []
        z = self.x
        for i in self.positions:
            h = self.module[i](z)
            z = self.module[i + 1](h)
            h.retain_grad()
            z.retain_grad()
            nets.append(h)
            outs.append(z)
        terms, scale = loss_terms(self.spec.loss, z, self.t)
        return nets, outs, terms, terms.sum() * scale

    def _values(self, nets: list[Any], outs: list[Any], terms: Any, loss: Any) -> dict[str, float]:
        values = self._parameters()
        for layer, h, z in zip(self.spec.layers, nets, outs):
            h, z = h.detach().tolist(), z.detach().tolist()
            for i, n in enumerate(layer.neurons):
                values[naming.net(n)], values[naming.out(n)] = h[i], z[i]
        terms = terms.detach().tolist()
        for k, n in enumerate(self.spec.outputs):
            values[naming.error_of(n)] = terms[k]
        values[naming.TOTAL_ERROR] = loss.detach().item()
        return values

    def _parameters(self) -> dict[str, float]:
        state = self.module.state_dict()
        return {name: float(state[key][index]) for name, (key, index) in self.where.items()}

    def _update(self, nets: list[Any], outs: list[Any], terms: Any, loss: Any, keep: bool) -> None:
        self.module.zero_grad(set_to_none=True)
        if self.convention == "simultaneous":
            loss.backward()
            node_grads = {l: (nets[l].grad, outs[l].grad) for l in range(self.layers)}
            param_grads = {name: p.grad.clone() for name, p in self.module.named_parameters()}
            self.optimizer.step()
        else:
            node_grads, param_grads = self._sequential(nets, outs, loss)
        if keep:
            self._keep(node_grads, param_grads)

    def _sequential(self, nets: list[Any], outs: list[Any], loss: Any) -> tuple[dict, dict]:
        """The slides' convention with torch's autograd: layer by layer from the output."""
        autograd = self.torch.autograd
        node_grads, param_grads = {}, {}
        seed = None
        for l in reversed(range(self.layers)):
            linear = self.module[self.positions[l]]
            params = list(linear.named_parameters())
            top, start = (loss, None) if seed is None else (outs[l], seed)
            found = autograd.grad(top, [outs[l], nets[l], *[p for _n, p in params]], grad_outputs=start,
                                  retain_graph=True, allow_unused=True)
            out_grad = found[0] if seed is None else seed
            net_grad = found[1]
            node_grads[l] = (net_grad, out_grad)
            for (name, p), g in zip(params, found[2:]):
                g = self.torch.zeros_like(p) if g is None else g
                param_grads[f"{self.positions[l]}.{name}"] = g
                p.grad = g.clone()
            self.optimizer.step()  # only this layer's parameters have a gradient
            self.module.zero_grad(set_to_none=True)
            if l > 0:  # the inputs' gradients again, through the updated weights
                seed = autograd.grad(linear(outs[l - 1]), outs[l - 1], grad_outputs=net_grad)[0]
        return node_grads, param_grads

    def _keep(self, node_grads: dict, param_grads: dict) -> None:
        grads = {name: float(param_grads[key][index]) for name, (key, index) in self.where.items()}
        for l, layer in enumerate(self.spec.layers):
            net_grad, out_grad = node_grads[l]
            for i, n in enumerate(layer.neurons):
                grads[naming.net(n)] = float(net_grad[i])
                grads[naming.out(n)] = float(out_grad[i])
        self.grads = grads


def compare(solution: Solution) -> list[Figure]:
    """Every figure of the worked solution (its convention), chainrule's and torch's."""
    spec, run = solution.spec, solution.run
    theirs = TorchRun(spec, solution.convention, list(solution.after))
    figures = [Figure("forward", name, value, theirs.snapshots[0][name]) for name, value in run.forward.items()]
    params = spec.parameter_names()
    # in the order backpropagation reaches them: the output layer first, each out before its net
    neurons = [name for layer in reversed(spec.layers) for n in layer.neurons
               for name in (naming.out(n), naming.net(n))]
    figures += [Figure("gradients", naming.derivative(naming.TOTAL_ERROR, p), run.gradients[p], theirs.grads[p])
                for p in params]
    figures += [Figure("gradients", naming.derivative(naming.TOTAL_ERROR, n), run.grad(n), theirs.grads[n])
                for n in neurons]
    figures += [Figure("updated", naming.updated(p), run.updated[p], theirs.updated[p]) for p in params]
    for k in solution.after:
        ours, snap = run.snapshots[k].values, theirs.snapshots[k]
        names = [naming.out(n) for n in spec.outputs] + [naming.TOTAL_ERROR] + params
        figures += [Figure(f"after {k}", f"{n}@{k}", ours[n], snap[n]) for n in names]
    return figures


def _biggest(figures: list[Figure]) -> float:
    """The largest |difference| (inf if torch gave a number that is not one)."""
    return max((abs(f.difference) if math.isfinite(f.difference) else math.inf for f in figures), default=0.0)


def summary(figures: list[Figure]) -> str:
    """The last line, the same in every language (a script reads it)."""
    return f"torch: {len(figures)} figures, max |difference| = {_biggest(figures):.1e}"


def _section_title(section: str) -> str:
    if section.startswith("after "):
        return _("after {k} updates").format(k=int(section.split()[1]))
    return {"forward": _("the first forward pass"), "gradients": _("gradients of the first backward pass"),
            "updated": _("after the first update")}[section]


def render_text(solution: Solution, figures: list[Figure]) -> str:
    """The figures side by side, a section per part of the worked solution, then the summary."""
    from .report import convention_name
    torch = require_torch()
    lines = [_("{name} solved twice, by chainrule and by PyTorch {version} (torch.autograd, "
               "torch.optim.SGD), under the {convention} convention").format(
        name=solution.spec.name, version=torch.__version__, convention=convention_name(solution.convention))]
    lines += [_("Each number is printed in full (the shortest digits that read back as the same float), "
                "so a difference in the last bit shows; difference = torch - chainrule.")]
    column = max([width(f.name) for f in figures] + [12]) + 2
    lines += ["", "  " + " " * column + f"{'chainrule':>24}  {'torch':>24}  "
              + rjust(_("torch - chainrule"), 17)]
    section = None
    for f in figures:
        if f.section != section:
            section = f.section
            lines += ["", _section_title(section)]
        mark = "" if f.agrees else "  ✗"
        lines.append(f"  {ljust(f.name, column)}{f.chainrule!r:>24}  {f.torch!r:>24}  "
                     f"{f.difference:>17.1e}{mark}")
    wrong = [f.name for f in figures if not f.agrees]
    lines.append("")
    if wrong:
        names = ", ".join(wrong[:8]) + (", ..." if len(wrong) > 8 else "")
        lines.append(_("{count} figures differ by more than {tolerance} (relative): {names}").format(
            count=len(wrong), tolerance=f"{RELATIVE:g}", names=names))
    else:
        lines.append(_("every figure agrees to {tolerance} (relative)").format(tolerance=f"{RELATIVE:g}"))
    lines.append(summary(figures))
    return "\n".join(lines) + "\n"


def as_json(figures: list[Figure]) -> dict[str, Any]:
    """The same under the JSON report's key "torch" (keys in English, stable)."""
    return {"version": require_torch().__version__, "count": len(figures), "max_difference": _biggest(figures),
            "agree": all(f.agrees for f in figures), "tolerance": RELATIVE,
            "figures": [{"section": f.section, "name": f.name, "chainrule": f.chainrule, "torch": f.torch,
                         "difference": f.difference, "agrees": f.agrees} for f in figures]}
