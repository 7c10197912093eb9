"""Loss functions, built from the engine's primitive ops so their gradients
come from the same backward pass as everything else.

Each loss takes the network's ``outputs`` and the ``targets`` for one sample or
a batch, and reduces them as its formula says (N = number of samples):

==================  =============================================  =================
name                formula                                        note
==================  =============================================  =================
``half_sse``        E = 1/2 sum_n sum_k (t - o)^2                  the slides' E_total
``mse``             J = 1/N sum_n ||t - o||^2
``mse_half``        J = 1/(2N) sum_n ||t - o||^2                   the seeds' MSE form
``cross_entropy``   J = -1/N sum_n sum_k t_k log o_k               o = softmax output
``absolute``        J = 1/N sum_n sum_k |t - o|
``hinge``           J = 1/N sum_n sum_k max(0, 1 - t o)            t in {-1, +1}
==================  =============================================  =================

With one output per sample ``mse`` equals ``torch.nn.MSELoss()``; with k outputs
it is k times torch's (torch also averages over the outputs).

Scalar path: ``outputs`` is a list of Values (one sample) or a list of such lists
(a batch); ``targets`` likewise (a number per sample is accepted for one output,
a class index for cross-entropy). Each per-output term is labelled ``E_<name>``
after its output neuron (``E_o1``) and the total ``E_total``, as on the slides.
Tensor path: ``outputs`` is a Tensor of shape (N, k) and ``targets`` an array.
"""
from __future__ import annotations

from typing import Any, Callable, Union

import numpy as np

from autograd import Node, Value, ops

from . import naming
from .i18n import _

LossFn = Callable[[Any, Any], Node]


def _is_tensor(x: Any) -> bool:
    return isinstance(x, Node) and isinstance(x.data, np.ndarray)


def _batch(outputs: Any, targets: Any, who: str, classes: bool = False) -> tuple[list, list]:
    """Normalise to (rows of output Values, rows of target floats)."""
    if isinstance(outputs, Value):
        outputs = [outputs]
    if not isinstance(outputs, (list, tuple)) or not outputs:
        raise TypeError(_("{who}: outputs must be a list of Values (or a list of such "
                          "lists)").format(who=who))
    single = isinstance(outputs[0], Value)
    rows = [list(outputs)] if single else [list(r) for r in outputs]
    if isinstance(targets, np.ndarray):
        targets = targets.tolist()
    if single:
        targets = [targets]
    if not isinstance(targets, (list, tuple)) or len(targets) != len(rows):
        n = len(targets) if isinstance(targets, (list, tuple)) else 1
        raise ValueError(_("{who}: {count} output rows but {targets} target rows").format(
            who=who, count=len(rows), targets=n))
    trows = []
    for n, (row, t) in enumerate(zip(rows, targets)):
        for o in row:
            if not isinstance(o, Value):
                raise TypeError(_("{who}: output row {index} holds a {kind}, not a Value").format(
                    who=who, index=n, kind=type(o).__name__))
        k = len(row)
        if classes and isinstance(t, (int, np.integer)) and not isinstance(t, bool):
            if not 0 <= t < k:
                raise ValueError(_("{who}: class index {value} of sample {index} is outside "
                                   "0..{last}").format(who=who, value=t, index=n, last=k - 1))
            t = [1.0 if j == t else 0.0 for j in range(k)]
        elif isinstance(t, (int, float, np.number)) and not isinstance(t, bool):
            t = [t]
        if not isinstance(t, (list, tuple)) or len(t) != k:
            got = len(t) if isinstance(t, (list, tuple)) else type(t).__name__
            raise ValueError(_("{who}: sample {index} has {count} outputs but its target has "
                               "{got} values").format(who=who, index=n, count=k, got=got))
        trows.append([_target(v, who, n, j) for j, v in enumerate(t)])
    return rows, trows


def _target(v: Any, who: str, n: int, j: int) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise TypeError(_("{who}: target {position} of sample {index} must be a number, got "
                          "{kind} {value}").format(who=who, position=j, index=n,
                                                   kind=type(v).__name__, value=repr(v)))
    if not np.isfinite(v):
        raise ValueError(_("{who}: target {position} of sample {index} is {value}; targets must be "
                           "finite").format(who=who, position=j, index=n, value=v))
    return float(v)


def _term_name(o: Value, k: int) -> str:
    # the output's neuron from its label: out_o1, or net_y for an identity output (its out is its net)
    return naming.error_of(naming.neuron_of(o.label) or f"o{k + 1}")


def _reduce(rows: list, trows: list, term: Callable[[Value, float], Value], scale: float) -> Value:
    total = None
    for row, trow in zip(rows, trows):
        for k, (o, t) in enumerate(zip(row, trow)):
            e = term(o, t)
            if e is None:
                continue
            e.label = _term_name(o, k)
            total = e if total is None else total + e
    if total is None:  # e.g. cross-entropy with all-zero targets
        total = Value(0.0)
    if scale != 1.0:
        total = total * scale
    total.label = naming.TOTAL_ERROR
    return total


def _tensor_targets(outputs: Node, targets: Any, who: str) -> tuple[np.ndarray, int]:
    try:
        t = np.asarray(targets, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(_("{who}: targets must be an array of numbers").format(who=who)) from None
    shape = outputs.data.shape
    if t.shape != shape:
        raise ValueError(_("{who}: outputs have shape {shape} but targets {targets}").format(
            who=who, shape=shape, targets=t.shape))
    if not np.all(np.isfinite(t)):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(t))[0])
        raise ValueError(_("{who}: target {position} is {value}; targets must be finite").format(
            who=who, position=list(where), value=t[where]))
    n = shape[0] if len(shape) == 2 else 1
    return t, n


# --- the losses ------------------------------------------------------------------------

def half_sse(outputs: Any, targets: Any) -> Node:
    """E_total = sum of E_ok = 1/2 (target_k - out_k)^2 over outputs (and samples)."""
    if _is_tensor(outputs):
        t, _n = _tensor_targets(outputs, targets, "half_sse")
        return (((outputs - t) ** 2).sum() * 0.5).named(naming.TOTAL_ERROR)
    rows, trows = _batch(outputs, targets, "half_sse")
    return _reduce(rows, trows, lambda o, t: 0.5 * (t - o) ** 2, 1.0)


def mse(outputs: Any, targets: Any) -> Node:
    """1/N sum over samples of the squared error ||t - o||^2."""
    if _is_tensor(outputs):
        t, n = _tensor_targets(outputs, targets, "mse")
        return (((outputs - t) ** 2).sum() * (1.0 / n)).named(naming.TOTAL_ERROR)
    rows, trows = _batch(outputs, targets, "mse")
    return _reduce(rows, trows, lambda o, t: (t - o) ** 2, 1.0 / len(rows))


def mse_half(outputs: Any, targets: Any) -> Node:
    """1/(2N) sum over samples of ||t - o||^2."""
    if _is_tensor(outputs):
        t, n = _tensor_targets(outputs, targets, "mse_half")
        return (((outputs - t) ** 2).sum() * (0.5 / n)).named(naming.TOTAL_ERROR)
    rows, trows = _batch(outputs, targets, "mse_half")
    return _reduce(rows, trows, lambda o, t: (t - o) ** 2, 0.5 / len(rows))


def cross_entropy(outputs: Any, targets: Any) -> Node:
    """-1/N sum_n sum_k t_k log o_k, for softmax outputs o. Targets: one-hot rows
    (or probabilities), or class indices. Zero targets add nothing."""
    if _is_tensor(outputs):
        if outputs.op is ops.SOFTMAX and outputs.arg == outputs.data.ndim - 1:
            # Softmax outputs: fuse with the logits under them (stable, and the
            # gradient is the matrix-BP deck's (S - S~) / N on the logits).
            logits = outputs.children[0]
            return logits.cross_entropy(targets, softmax=outputs).named(naming.TOTAL_ERROR)
        t = np.asarray(targets)
        if t.ndim == 1 and outputs.data.ndim == 2 and np.issubdtype(t.dtype, np.integer):
            t = np.eye(outputs.data.shape[1])[t]
        t, n = _tensor_targets(outputs, t, "cross_entropy")
        return (outputs.log() * t).sum() * (-1.0 / n)
    rows, trows = _batch(outputs, targets, "cross_entropy", classes=True)
    for row in rows:
        for o in row:
            if o.data <= 0.0:
                advice = (_("a sigmoid output so close to 0 that it rounded to 0: its net input "
                            "is far below 0") if o.op is ops.SIGMOID
                          else _("use a softmax or sigmoid output layer"))
                raise ValueError(_("cross_entropy: output {output} is not a probability > 0 "
                                   "({advice})").format(output=o.brief(), advice=advice))
    return _reduce(rows, trows, lambda o, t: None if t == 0.0 else (o.log() * -t), 1.0 / len(rows))


def _abs(d: Node) -> Node:
    # |d| = relu(d) + relu(-d): derivative sign(d), and 0 at d = 0.
    return d.relu() + (-d).relu()


def absolute(outputs: Any, targets: Any) -> Node:
    """1/N sum_n sum_k |t - o|."""
    if _is_tensor(outputs):
        t, n = _tensor_targets(outputs, targets, "absolute")
        return (_abs(outputs - t).sum() * (1.0 / n)).named(naming.TOTAL_ERROR)
    rows, trows = _batch(outputs, targets, "absolute")
    return _reduce(rows, trows, lambda o, t: _abs(t - o), 1.0 / len(rows))


def hinge(outputs: Any, targets: Any) -> Node:
    """1/N sum_n sum_k max(0, 1 - t o) with targets -1 or +1."""
    if _is_tensor(outputs):
        t, n = _tensor_targets(outputs, targets, "hinge")
        return (((outputs * t) * -1.0 + 1.0).relu().sum() * (1.0 / n)).named(naming.TOTAL_ERROR)
    rows, trows = _batch(outputs, targets, "hinge")
    for trow in trows:
        for t in trow:
            if t not in (-1.0, 1.0):
                raise ValueError(_("hinge: targets must be -1 or +1, got {value}").format(
                    value=f"{t:g}"))
    return _reduce(rows, trows, lambda o, t: (1.0 - o * t).relu(), 1.0 / len(rows))


LOSSES: dict[str, LossFn] = {
    "half_sse": half_sse,
    "mse": mse,
    "mse_half": mse_half,
    "cross_entropy": cross_entropy,
    "absolute": absolute,
    "hinge": hinge,
}


def get_loss(loss: Union[str, LossFn]) -> LossFn:
    """A loss by name (see LOSSES) or a callable passed through."""
    if callable(loss):
        return loss
    if isinstance(loss, str) and loss in LOSSES:
        return LOSSES[loss]
    raise ValueError(_("unknown loss {value} (choose from {options})").format(
        value=repr(loss), options=", ".join(LOSSES)))
