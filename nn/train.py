"""Training: one update under either convention, and the ``fit`` loop.

Update conventions
------------------
``simultaneous`` (plain gradient descent, the default): one backward pass gives
every gradient from the current weights, then every parameter is updated.

``sequential`` (the slides' worked solutions): layers are updated from the
output back. The output layer's gradients are final first, so it is updated at
once; the hidden layers' gradients are then back-propagated *through the
already-updated* output weights (the slides' dE_o1/dout_h1 uses w7+). This runs
through the engine in stages: a backward pass stops at the layer's inputs, the
layer is updated, the inputs' gradients are recomputed by the same rules (the
mul rule reads the other operand's current ``.data``, now the updated weight),
and the pass continues from there. Both the scalar ``nn.MLP`` and the batched
``nn.TensorMLP`` (the matmul rule reads the updated W the same way) support it.
"""
from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence, Union

import numpy as np

from autograd import BackwardStep, Node, backward_from, no_grad

from .i18n import _
from .layers import make_rng
from .losses import LossFn, get_loss
from .module import Module, using_mode
from .optim import OPTIMIZERS, SGD, Optimizer

CONVENTIONS = ("simultaneous", "sequential")
RECORDS = ("running", "epoch_end")
Observer = Callable[[BackwardStep], None]


def check_convention(name: str) -> str:
    if name not in CONVENTIONS:
        raise ValueError(f"unknown convention {name!r} (choose from {', '.join(CONVENTIONS)})")
    return name


def sequential_backward(
    loss: Node,
    layer_params: Sequence[Sequence[Node]],
    layer_inputs: Sequence[Sequence[Node]],
    optimizer: Optimizer,
    on_step: Optional[Observer] = None,
) -> None:
    """Back-propagate ``loss`` layer by layer from the output, updating each
    layer's parameters (``optimizer.step(only=...)``) before its inputs'
    gradients are propagated through it.

    ``layer_params[l]``: the parameters of layer l (first layer first);
    ``layer_inputs[l]``: the nodes feeding layer l, i.e. the outputs of layer
    l-1 (empty for the first layer, whose inputs are data).
    ``on_step`` sees every edge once, with the values that made the final
    gradients (edges into a layer's inputs: after that layer's update).
    """
    seeds: list[tuple[Node, Any]] = [(loss, 1.0)]
    for params, inputs in zip(reversed(layer_params), reversed(layer_inputs)):
        stop = set(inputs)
        # Stage 1: gradients of this layer's parameters (and, provisionally, of
        # its inputs) through the current weights.
        observer = None
        if on_step is not None:
            def observer(s: BackwardStep, stop: set = stop) -> None:
                if s.child not in stop:
                    on_step(s)
        backward_from(seeds, on_step=observer, stop_at=stop)
        optimizer.step(only=params)
        if not inputs:
            break
        # Stage 2: the inputs' gradients again, now through the updated weights.
        observer = None
        if on_step is not None:
            def observer(s: BackwardStep, stop: set = stop) -> None:
                if s.child in stop:
                    on_step(s)
        fresh = backward_from(seeds, on_step=observer, into={}, stop_at=stop)
        seeds = []
        for n in inputs:
            n.grad = fresh.get(n, n.zero_gradient())
            seeds.append((n, n.grad))


def update(
    model: Module,
    loss: Node,
    optimizer: Optimizer,
    *,
    convention: str = "simultaneous",
    layer_outputs: Optional[Sequence[Sequence[Node]]] = None,
    on_step: Optional[Observer] = None,
) -> None:
    """Back-propagate ``loss`` and apply one optimizer step under ``convention``.
    Zero the gradients first (``optimizer.zero_grad()``).

    The sequential convention needs ``layer_outputs``: for each layer of
    ``model.layers``, the output nodes of this forward pass (from
    ``model.forward_layers``: for a scalar MLP and a batch, the lists of all
    samples joined; for a TensorMLP, its one output Tensor per layer)."""
    check_convention(convention)
    if convention == "simultaneous":
        loss.backward(on_step=on_step)
        optimizer.step()
        return
    layers = getattr(model, "layers", None)
    if layers is None:
        raise ValueError(f"the sequential convention updates layer by layer, so it needs a "
                         f"layered model (nn.MLP, nn.TensorMLP: model.layers); "
                         f"{type(model).__name__} has no .layers")
    if layer_outputs is None:
        raise ValueError("the sequential convention needs layer_outputs: the outputs of each "
                         "layer of this forward pass, from model.forward_layers(x)")
    if len(layer_outputs) != len(layers):
        raise ValueError(f"sequential: {len(layer_outputs)} lists of layer outputs for "
                         f"{len(layers)} layers")
    params = [layer.parameters() for layer in layers]
    inputs = [[], *layer_outputs[:-1]]
    sequential_backward(loss, params, inputs, optimizer, on_step=on_step)


# --- the training loop -------------------------------------------------------------------

@dataclass
class History:
    """What ``fit`` measured.

    ``step_loss``: the loss of every step (update), on its batch, before the update.
    ``loss``: one training loss per epoch. With ``record="running"`` (the
    default) it is the mean of the epoch's step losses, measured while the
    weights changed; with ``record="epoch_end"`` it is the loss on the whole
    training set after the epoch's last update (``record`` says which).
    ``val_loss``: the validation loss after every epoch.

    Epochs are counted from 1, as printed: epoch e's numbers are
    ``loss[e - 1]`` and ``val_loss[e - 1]``; ``best_epoch`` (the epoch of the
    lowest validation loss) and ``epochs`` (how many ran) count the same way.
    """

    step_loss: list[float] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: Optional[int] = None
    stopped_early: bool = False
    record: str = "running"

    @property
    def epochs(self) -> int:
        return len(self.loss)

    @property
    def best_val_loss(self) -> Optional[float]:
        """The validation loss of ``best_epoch`` (None without validation)."""
        return self.val_loss[self.best_epoch - 1] if self.best_epoch is not None else None

    def __repr__(self) -> str:
        last = f"{self.loss[-1]:.6f}" if self.loss else "-"
        val = f", val_loss {self.val_loss[-1]:.6f}" if self.val_loss else ""
        best = f", best epoch {self.best_epoch}" if self.best_epoch is not None else ""
        stop = ", stopped early" if self.stopped_early else ""
        return f"History({self.epochs} epochs, loss {last}{val}{best}{stop})"


@dataclass
class TrainState:
    """Handed to ``fit``'s callback after every step. ``epoch`` and ``step``
    count from 1; ``loss`` is this step's batch loss (before the update),
    ``val_loss`` the latest validation loss (None before the first epoch ends)."""

    model: Module
    epoch: int
    step: int
    loss: float
    val_loss: Optional[float]
    history: History
    batch_inputs: Any
    batch_targets: Any


def in_notebook() -> bool:
    """True inside a Jupyter kernel (not a terminal IPython). Does not import
    IPython: if nothing has imported it, this is no notebook."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()  # type: ignore[attr-defined]
    except Exception:
        return False
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def _progress_bar(total: int, progress: Optional[bool]):
    """tqdm over the epochs 1..total; quiet unless stderr is a terminal or we run in a notebook."""
    notebook = in_notebook()
    enabled = progress if progress is not None else (notebook or sys.stderr.isatty())
    if notebook and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm  # a widget bar; without ipywidgets tqdm.auto only warns
    else:
        from tqdm import tqdm
    return tqdm(range(1, total + 1), disable=not enabled, unit=_("epoch"), leave=False)


def _as_rows(data: Any, name: str, who: str = "fit()") -> Union[list, np.ndarray]:
    """Samples (or targets) as a list or array, every number in them finite."""
    if isinstance(data, np.ndarray):
        rows: Union[list, np.ndarray] = data
    elif isinstance(data, (list, tuple)):
        rows = list(data)
    else:
        raise TypeError(f"{who}: {name} must be a list of samples or a numpy array, "
                        f"got {type(data).__name__}")
    _check_finite(rows, name, who)
    return rows


def _check_finite(data: Any, name: str, who: str) -> None:
    # One nan in the data makes every loss and weight nan from the first step on.
    try:
        a = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        return  # ragged or not numbers: the model and the loss name the bad sample
    bad = ~np.isfinite(a)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        at = name + "".join(f"[{i}]" for i in where)
        raise ValueError(f"{who}: {at} is {a[where]}; every input and target must be a "
                         "finite number")


def _take(data: Any, idx: Sequence[int]) -> Any:
    if isinstance(data, np.ndarray):
        return data[np.asarray(idx)]
    return [data[i] for i in idx]


def _forward(model: Module, xb: Any, convention: str):
    """Outputs for a batch (and the per-layer outputs the sequential convention needs)."""
    if model.batched:
        x = np.asarray(xb, dtype=np.float64)
        if convention == "sequential":
            per_layer = model.forward_layers(x)  # one [Tensor] per layer
            return per_layer[-1][0], per_layer
        return model(x), None
    if convention == "sequential":
        per_sample = [model.forward_layers(x) for x in xb]
        joined = [sum((s[l] for s in per_sample), []) for l in range(len(per_sample[0]))]
        return [s[-1] for s in per_sample], joined
    return [model(x) for x in xb], None


def _evaluate(model: Module, X: Any, Y: Any, loss_fn: LossFn) -> float:
    # evaluation mode: the network's own predictions (dropout drops nothing)
    with no_grad(), using_mode(model, False):
        outputs, _ = _forward(model, X, "simultaneous")
        return float(loss_fn(outputs, Y).data)


def evaluate(model: Module, X: Any, Y: Any, loss: Union[str, LossFn] = "mse") -> float:
    """The loss over (X, Y), without recording a graph."""
    loss_fn = get_loss(loss)
    return _evaluate(model, _as_rows(X, "X", "evaluate()"), _as_rows(Y, "Y", "evaluate()"),
                     loss_fn)


def _count(value: Any, name: str, allow_none: bool = False) -> Optional[int]:
    """An int >= 1 (not a bool, not 2.0), or None where that is allowed."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        none = "None or " if allow_none else ""
        raise ValueError(f"fit(): {name} must be {none}a positive int, got {value!r}")
    return int(value)


def _optimizer_for(model: Module, optimizer: Union[Optimizer, str, None]) -> Optimizer:
    """The optimizer to train with: a name from OPTIMIZERS builds one on the
    model's parameters (with that optimizer's default lr); a given optimizer
    must hold this model's parameters (an optimizer of another model would
    update that model and leave this one untrained)."""
    if optimizer is None:
        return SGD(model.parameters(), lr=0.1)
    if isinstance(optimizer, str):
        cls = OPTIMIZERS.get(optimizer.lower())
        if cls is None:
            raise ValueError(f"fit(): unknown optimizer {optimizer!r} (choose from "
                             f"{', '.join(OPTIMIZERS)}, or pass one such as "
                             "SGD(model.parameters(), lr=0.1))")
        return cls(model.parameters())
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"fit(): optimizer must be an Optimizer such as "
                        f"SGD(model.parameters(), lr=0.1) or a name ({', '.join(OPTIMIZERS)}), "
                        f"got {type(optimizer).__name__}")
    own = {id(p) for p in model.parameters()}
    foreign = [p for p in optimizer.params if id(p) not in own]
    if foreign:
        first = foreign[0].label or "unlabelled"
        raise ValueError(f"fit(): {len(foreign)} of the optimizer's {len(optimizer.params)} "
                         f"parameters (first: {first}) are not parameters of this model, so "
                         "fit would not train it; build the optimizer from this model: "
                         f"{type(optimizer).__name__}(model.parameters(), ...)")
    return optimizer


def _validation_rows(validation: Any) -> tuple[Any, Any]:
    if not isinstance(validation, (tuple, list)) or len(validation) != 2:
        raise TypeError("fit(): validation must be a pair (X_val, Y_val), got "
                        f"{type(validation).__name__}")
    Xv = _as_rows(validation[0], "validation X")
    Yv = _as_rows(validation[1], "validation Y")
    if len(Xv) == 0 or len(Xv) != len(Yv):
        raise ValueError(f"fit(): validation X has {len(Xv)} samples but validation Y has "
                         f"{len(Yv)}")
    return Xv, Yv


class TrainingDiverged(FloatingPointError):
    """The loss stopped being a finite number during training."""


def _check_finite_loss(value: Any, epoch: int, step: int, optimizer: Any) -> None:
    loss = float(np.sum(value.data))
    if np.isfinite(loss):
        return
    lr = getattr(optimizer, "lr", None)
    if lr is None:
        message = _("fit(): training diverged: the loss is {loss} at epoch {epoch}, step {step}. "
                    "The parameters are as they were before this step.")
    else:
        message = _("fit(): training diverged: the loss is {loss} at epoch {epoch}, step {step} (learning "
                    "rate {lr:g}: try a smaller one). The parameters are as they were before this step.")
    raise TrainingDiverged(message.format(loss=loss, epoch=epoch, step=step, lr=lr))


def fit(
    model: Module,
    X: Any,
    Y: Any,
    *,
    loss: Union[str, LossFn] = "mse",
    optimizer: Union[Optimizer, str, None] = None,
    epochs: int = 100,
    batch_size: Optional[int] = None,
    validation: Optional[tuple[Any, Any]] = None,
    patience: Optional[int] = None,
    callback: Optional[Callable[[TrainState], Any]] = None,
    progress: Optional[bool] = None,
    seed: Optional[int] = None,
    convention: str = "simultaneous",
    record: str = "running",
) -> History:
    """Train ``model`` on samples ``X`` with targets ``Y``.

    ``batch_size``: None = full-batch gradient descent (one update per epoch, no
    shuffling); 1 = stochastic gradient descent, one update per sample in a
    shuffled order each epoch; k = mini-batches of k shuffled samples.
    ``validation=(Xv, Yv)``: the validation loss is measured after every epoch;
    with ``patience`` training stops once it has not improved for that many
    epochs, and the best parameters are restored.
    ``callback(state)`` runs after every step. ``progress``: a tqdm bar (None =
    only in a terminal or notebook). ``seed`` fixes the shuffling.
    ``optimizer``: an optimizer built on this model's parameters
    (``Adam(model.parameters(), lr=0.01)``), or a name from ``OPTIMIZERS``
    (``"adam"``: that optimizer with its default lr); None = SGD(lr=0.1).
    ``record``: what ``history.loss`` holds for each epoch: ``"running"`` the
    mean of its step losses (free: they were computed anyway, but with
    mini-batches they mix the weights of the whole epoch), ``"epoch_end"`` the
    loss over all of X after the epoch's last update (one extra forward pass
    without a graph per epoch).
    Epochs count from 1 (``history.best_epoch``, ``state.epoch``).
    """
    run = _Run.checked(model, X, Y, loss=loss, optimizer=optimizer, epochs=epochs,
                       batch_size=batch_size, validation=validation, patience=patience,
                       callback=callback, progress=progress, seed=seed,
                       convention=convention, record=record)
    history = History(record=record)
    stopping = _EarlyStopping(run.patience)
    bar = _progress_bar(run.epochs, progress)
    # training mode while training (dropout drops), the model's own mode afterwards
    try:
        with using_mode(run.model, True):
            for epoch in bar:  # 1, 2, ..., epochs
                _train_epoch(run, epoch, history)
                if _validate(run, epoch, history, stopping):
                    history.stopped_early = True
                    break
                postfix = {_("loss"): f"{history.loss[-1]:.6f}"}
                if history.val_loss:
                    postfix[_("validation")] = f"{history.val_loss[-1]:.6f}"
                bar.set_postfix(postfix, refresh=False)
    finally:
        bar.close()
    if history.stopped_early:
        stopping.restore_best(run.model)
    return history


@dataclass
class _Run:
    """One ``fit`` call: its arguments, checked, and the count of steps taken."""

    model: Module
    X: Union[list, np.ndarray]
    Y: Union[list, np.ndarray]
    loss_fn: LossFn
    optimizer: Optimizer
    epochs: int
    batch_size: Optional[int]
    validation: Optional[tuple[Any, Any]]
    patience: Optional[int]
    callback: Optional[Callable[[TrainState], Any]]
    rng: np.random.Generator
    convention: str
    record: str
    # All of the model's grads are zeroed each step, not only the optimizer's:
    # an optimizer of some layers must not leave the others' grads to compound.
    params: list[Node] = field(default_factory=list)
    steps: int = 0  # updates so far, over all epochs

    @classmethod
    def checked(cls, model: Any, X: Any, Y: Any, *, loss: Any, optimizer: Any, epochs: Any,
                batch_size: Any, validation: Any, patience: Any, callback: Any, progress: Any,
                seed: Any, convention: str, record: str) -> "_Run":
        """fit's arguments, checked one by one (the first bad one raises)."""
        _check_model(model, convention)
        if record not in RECORDS:
            raise ValueError(f"fit(): unknown record {record!r} (choose from {', '.join(RECORDS)})")
        loss_fn = get_loss(loss)
        X, Y = _as_rows(X, "X"), _as_rows(Y, "Y")
        if len(X) == 0 or len(Y) != len(X):
            raise ValueError(f"fit(): X has {len(X)} samples but Y has {len(Y)}")
        epochs = _count(epochs, "epochs")
        batch_size = _count(batch_size, "batch_size", allow_none=True)
        patience = _count(patience, "patience", allow_none=True)
        if patience is not None and validation is None:
            raise ValueError("fit(): patience (early stopping) needs validation=(X_val, Y_val)")
        if validation is not None:
            validation = _validation_rows(validation)
        if callback is not None and not callable(callback):
            raise TypeError(f"fit(): callback must be a function of the TrainState, "
                            f"got {type(callback).__name__}")
        if progress is not None and not isinstance(progress, bool):
            raise TypeError(f"fit(): progress must be True, False or None, got {progress!r}")
        optimizer = _optimizer_for(model, optimizer)
        rng = make_rng(None, seed, "fit()")
        return cls(model, X, Y, loss_fn, optimizer, epochs, batch_size, validation, patience,
                   callback, rng, convention, record, params=model.parameters())


def _check_model(model: Any, convention: str) -> None:
    if not isinstance(model, Module):
        raise TypeError(f"fit(): model must be an nn Module (MLP, TensorMLP, ...), "
                        f"got {type(model).__name__}")
    check_convention(convention)
    if convention == "sequential" and not (hasattr(model, "layers")
                                           and hasattr(model, "forward_layers")):
        raise ValueError("fit(): the sequential convention updates layer by layer, so it needs "
                         "a layered model (nn.MLP, nn.TensorMLP: model.layers and "
                         f"model.forward_layers); {type(model).__name__} has not got them")


def _batches(n: int, batch_size: Optional[int], rng: np.random.Generator) -> list[list[int]]:
    """One epoch's batches of sample indices: all n in order (full batch), or
    a fresh shuffle cut into batches of ``batch_size`` (the last may be smaller)."""
    if batch_size is None:
        return [list(range(n))]
    order = rng.permutation(n).tolist()
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def _train_epoch(run: _Run, epoch: int, history: History) -> None:
    """One pass over the training set, then the epoch's training loss in ``history.loss``."""
    losses = [_train_step(run, epoch, idx, history)
              for idx in _batches(len(run.X), run.batch_size, run.rng)]
    history.loss.append(float(np.mean(losses)) if run.record == "running"
                        else _evaluate(run.model, run.X, run.Y, run.loss_fn))


def _train_step(run: _Run, epoch: int, idx: list[int], history: History) -> float:
    """One update on the samples ``idx``; returns its batch loss (before the update)."""
    xb, yb = _take(run.X, idx), _take(run.Y, idx)
    outputs, layer_outputs = _forward(run.model, xb, run.convention)
    value = run.loss_fn(outputs, yb)
    _check_finite_loss(value, epoch, run.steps + 1, run.optimizer)
    for p in run.params:
        p.grad = p.zero_gradient()
    update(run.model, value, run.optimizer, convention=run.convention,
           layer_outputs=layer_outputs)
    run.steps += 1
    loss = float(value.data)
    history.step_loss.append(loss)
    if run.callback is not None:
        run.callback(TrainState(run.model, epoch, run.steps, loss,
                                history.val_loss[-1] if history.val_loss else None,
                                history, xb, yb))
    return loss


def _validate(run: _Run, epoch: int, history: History, stopping: "_EarlyStopping") -> bool:
    """The validation loss after epoch ``epoch``, into ``history`` (if there is
    validation data); True when early stopping says to stop here."""
    if run.validation is None:
        return False
    val = _evaluate(run.model, *run.validation, run.loss_fn)
    history.val_loss.append(val)
    return stopping.should_stop(val, epoch, run.model, history)


class _EarlyStopping:
    """The lowest validation loss so far, the parameters that gave it, and how
    many epochs have passed without improving on it."""

    def __init__(self, patience: Optional[int]) -> None:
        self.patience = patience
        self.best: Optional[float] = None
        self.best_state: Optional[dict] = None
        self.waited = 0

    def should_stop(self, val: float, epoch: int, model: Module, history: History) -> bool:
        """Record epoch ``epoch``'s validation loss; True once it is time to stop."""
        if self.best is None or val < self.best:
            self.best, self.waited = val, 0
            history.best_epoch = epoch
            self.best_state = model.state_dict()
            return False
        self.waited += 1
        return self.patience is not None and self.waited >= self.patience

    def restore_best(self, model: Module) -> None:
        if self.best_state is not None:
            model.load_state_dict(self.best_state)
