"""Small worked examples from the course slides, as functions (tests use them)
and as ``chainrule example NAME``.

- ``perceptron``: the neural-network basics slides' step-activation network, W1 = (-3, 2, 2),
  W2 = (-1, 2, 2), Wz = (1, 2, -2) (bias first), computing its truth table.
- ``xor-relu``: the matrix-BP slides' XOR with one ReLU hidden layer and hand-set weights.
- ``xor-train``: an MLP trained on XOR from a random initialisation.

The BP handout's 2-1-1 exercise is a worked solution: ``chainrule bp --preset exercise211``.
"""
from __future__ import annotations

from typing import Callable

from autograd import no_grad
from nn.layers import MLP, Layer
from nn.optim import Adam
from nn.train import History, fit

from .i18n import N_, _, rjust

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
    w = (1, -2), b = 0 (the matrix-BP slides)."""
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


# The engine demo's code, shown as it is run (``chainrule demo``); its translation
# changes the comments only (a test checks it).
ENGINE_DEMO = N_("""\
from autograd import Value

l1, l2 = Value(5.0, label="l1"), Value(10.0, label="l2")   # inputs
w1, w2 = Value(0.1, label="w1"), Value(0.15, label="w2")   # weights
b1 = Value(0.35, label="b1")                               # bias
net = (w1 * l1 + w2 * l2 + b1).named("net")   # each operation records its operands
out = net.sigmoid().named("out")
E = (0.5 * (0.01 - out) ** 2).named("E")      # squared error against the target 0.01
E.backward()                                  # the chain rule, from E down to w1, w2, b1
""")


def engine_demo() -> dict:
    """Run ENGINE_DEMO (as shown in the language of the run); its variables (l1, w1, net, out, E, ...)."""
    names: dict = {}
    exec(_(ENGINE_DEMO), names)  # the code printed is the code run
    return names


def _aligned(rows: list[tuple[str, ...]], indent: str = "    ") -> list[str]:
    """lhs = formula = numbers = result, each column aligned."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return [indent + " = ".join(c.ljust(w) for c, w in zip(r, widths)) + " = " + r[-1]
            for r in rows]


def show_engine() -> None:
    from autograd import Value, format_number as num

    v = engine_demo()
    l1, l2, w1, w2, b1 = (v[k] for k in ("l1", "l2", "w1", "w2", "b1"))
    net, out, E = v["net"], v["out"], v["E"]
    g = lambda x: f"{x.data:g}"  # noqa: E731  (a number the code wrote, as written)
    local = net.grad / out.grad  # dout/dnet, the factor the engine's backward used

    def E_at(w: float) -> float:  # the forward pass again, w1 set to w, no graph kept
        o = Value(w * l1.data + w2.data * l2.data + b1.data).sigmoid().data
        return 0.5 * (0.01 - o) ** 2

    h = 1e-6
    slope = (E_at(w1.data + h) - E_at(w1.data - h)) / (2 * h)
    lines = [
        _("chainrule demo: one sigmoid neuron, forward and backward, through the engine"),
        "",
        _("The code (run just now):"),
        *(("    " + line).rstrip() for line in _(ENGINE_DEMO).splitlines()),
        "",
        _("Forward: each line is a node of the graph the code built; .data is its value."),
        *_aligned([
            ("net", "w1*l1 + w2*l2 + b1", f"{g(w1)}*{g(l1)} + {g(w2)}*{g(l2)} + {g(b1)}",
             num(net.data)),
            ("out", "sigmoid(net)", f"1/(1 + e^-{num(net.data)})", num(out.data)),
            ("E", "1/2 (0.01 - out)^2", f"1/2 (0.01 - {num(out.data)})^2", num(E.data)),
        ]),
        "",
        *_("Backward: E.backward() gives every node a .grad = dE/d(node): the grad of the node\n"
           "it feeds times the local derivative between them (the chain rule).").splitlines(),
        *_aligned([
            ("out.grad", "dE/dout", f"-(0.01 - {num(out.data)})", num(out.grad)),
            ("net.grad", "dE/dout * dout/dnet", f"{num(out.grad)} * {num(local)}", num(net.grad)),
            ("w1.grad", "dE/dnet * dnet/dw1", f"{num(net.grad)} * {g(l1)}", num(w1.grad)),
            ("w2.grad", "dE/dnet * dnet/dw2", f"{num(net.grad)} * {g(l2)}", num(w2.grad)),
            ("b1.grad", "dE/dnet * dnet/db1", f"{num(net.grad)} * 1", num(b1.grad)),
        ]),
        "    " + _("dout/dnet = out (1 - out), sigmoid's derivative; dnet/dw1 = l1, dnet/dw2 = l2, "
                  "dnet/db1 = 1"),
        "",
        _("Check without the chain rule: nudge w1 by 1e-6 either way and redo the forward pass:"),
        "    " + _("(E(w1 + 1e-6) - E(w1 - 1e-6)) / 2e-6 = {slope}, and w1.grad = {grad}").format(
            slope=num(slope), grad=num(w1.grad)),
        "",
        _("A Value prints as {value}.").format(value=repr(w1)),
        "",
        *_("Next: chainrule bp232   the slides' 2-3-2 network: every chain-rule factor, checked\n"
           "                        against the figures the slides print").splitlines(),
    ]
    print("\n".join(lines))


# --- printing ----------------------------------------------------------------------------

def _print_table(model: MLP, header: list[str]) -> None:
    rows = table(model, XOR_INPUTS)
    print("  " + "  ".join(f"{h:>4}" for h in header))
    for x, layers in rows:
        cells = [f"{v:g}" for v in x] + [f"{v:g}" for layer in layers for v in layer]
        print("  " + "  ".join(f"{c:>4}" for c in cells))


def show_perceptron() -> None:
    print(_("The neural-network basics slides: a perceptron network with step activations "
            "(step(z) = 1 if z >= 0, else 0)"))
    print("  z1 = step(-3 + 2*x1 + 2*x2)   z2 = step(-1 + 2*x1 + 2*x2)   h = step(1 + 2*z1 - 2*z2)")
    print()
    _print_table(perceptron(), ["x1", "x2", "z1", "z2", "h"])
    print()
    print(_("h is 1 exactly when x1 = x2: a function no single perceptron can compute."))


def show_xor_relu() -> None:
    print(_("The matrix-BP slides: XOR with one ReLU hidden layer and hand-set weights"))
    print("  h1 = relu(x1 + x2)   h2 = relu(x1 + x2 - 1)   y = h1 - 2*h2")
    print()
    _print_table(xor_relu(), ["x1", "x2", "h1", "h2", "y"])
    print()
    print(_("y = (0, 1, 1, 0): XOR."))


def show_xor_train() -> None:
    print(_("XOR learned from a random start: MLP(2, [4, 1]), tanh hidden, sigmoid output,\n"
            "mean squared error, full-batch Adam (lr 0.1), seed 0"))
    model, history = train_xor(progress=None)  # a bar in a terminal only
    print()
    print("  " + rjust(_("epoch"), 5) + "   " + rjust(_("loss"), 8))
    for e in (0, 9, 49, 99, 199, history.epochs - 1):
        if e < history.epochs:
            print(f"  {e + 1:5d}   {history.loss[e]:.6f}")
    print()
    # the output column is 8 wide (0.012704): its header ends where the numbers end
    print("    x1    x2   " + rjust(_("target"), 6) + "   " + rjust(_("output"), 8))
    with no_grad():
        for x, t in zip(XOR_INPUTS, XOR_TARGETS):
            print(f"  {x[0]:4d}  {x[1]:4d}   {t:6d}   {model(x)[0].data:.6f}")


EXAMPLES: dict[str, tuple[str, Callable[[], None]]] = {
    "perceptron": (N_("the neural-network basics slides: step perceptrons computing a truth table"),
                   show_perceptron),
    "xor-relu": (N_("the matrix-BP slides: XOR with ReLU and hand-set weights"), show_xor_relu),
    "xor-train": (N_("an MLP trained on XOR from random init"), show_xor_train),
}
