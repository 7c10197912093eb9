"""A live view of training for Jupyter: pass it as ``fit(..., callback=view)``.

One display, updated in place (an IPython display handle), shows the network
(edge colour and width from each weight, a thick warm border on neurons whose
parameters get large gradients, fill from their output on the current batch),
the loss curve and the current batch's activations. It redraws every
``every`` steps, and never spends more than about ``budget`` of the training
time on drawing: a slow redraw spaces the next ones out.
"""
from __future__ import annotations

import base64
import html
import io
import re
import time
from typing import Any, Optional

import numpy as np

from autograd import no_grad

from . import style
from .network import _read_model, _network_digraph, MAX_LABELLED_WEIGHTS


def batch_activations(model: Any, batch: Any, limit: int = 32) -> Optional[list[np.ndarray]]:
    """Each layer's outputs for (at most ``limit`` samples of) ``batch``: one
    (samples, neurons) array per layer, computed without recording a graph."""
    if batch is None or not hasattr(model, "forward_layers"):
        return None
    rows = np.asarray(batch, dtype=float)
    if rows.ndim == 1:
        rows = rows[None, :]
    rows = rows[:limit]
    with no_grad():
        if getattr(model, "batched", False):
            return [np.asarray(layer[0].data, float).reshape(len(rows), -1)
                    for layer in model.forward_layers(rows)]
        per_sample = [model.forward_layers(x) for x in rows.tolist()]
    return [np.array([[v.data for v in sample[k]] for sample in per_sample])
            for k in range(len(per_sample[0]))]


def responsive_svg(svg: str) -> str:
    """Graphviz's SVG without the XML header and with its fixed size replaced
    by the container's width (the viewBox keeps the proportions)."""
    svg = svg[svg.find("<svg"):]
    head_end = svg.find(">")
    head = re.sub(r'\s(width|height)="[^"]*"', "", svg[:head_end])
    return head + ' width="100%" style="height:auto"' + svg[head_end:]


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    ip = get_ipython()
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


class LiveTrainingView:
    """``fit(model, X, Y, callback=LiveTrainingView())`` in a notebook cell.

    ``every``: redraw every this many steps (and at the end of the cell).
    ``budget``: the largest share of time spent drawing (0.2 = 20%).
    ``digits``: decimals of the numbers shown. Outside a notebook nothing is
    displayed; :meth:`html` and :meth:`save` still give the latest picture.
    """

    def __init__(self, every: int = 10, *, budget: float = 0.2, digits: int = 4,
                 display: Optional[bool] = None) -> None:
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"LiveTrainingView: every must be a positive int, got {every!r}")
        self.every = every
        self.budget = budget
        self.digits = digits
        self.display = _in_notebook() if display is None else display
        self.steps: list[int] = []
        self.losses: list[float] = []
        self.val_points: list[tuple[int, float]] = []
        self.redraws = 0
        self.drawing_seconds = 0.0
        self._started: Optional[float] = None
        self._last_draw = 0.0
        self._state: Any = None
        self._html = ""
        self._handle: Any = None
        self._hooked = False
        self._drawn_step: Optional[int] = None
        self._fig: Any = None
        self._image: Any = None

    # --- the callback ----------------------------------------------------------------------
    def __call__(self, state: Any) -> None:
        now = time.perf_counter()
        if self._started is None:
            self._started = now
            self._hook_cell_end()
        self.steps.append(state.step)
        self.losses.append(float(state.loss))
        if state.val_loss is not None and (not self.val_points
                                           or self.val_points[-1][1] != state.val_loss):
            self.val_points.append((state.step, float(state.val_loss)))
        self._state = state
        due = state.step == 1 or state.step % self.every == 0
        # keep drawing under `budget` of the time: a slow redraw spaces out the next
        cost = self.drawing_seconds / max(self.redraws, 1)
        spaced = now - self._last_draw >= cost / max(self.budget, 1e-6) - cost
        if due and spaced:
            self.refresh()

    def refresh(self) -> None:
        """Redraw now with the latest state."""
        if self._state is None:
            return
        t0 = time.perf_counter()
        self._html = self._render(self._state)
        self._drawn_step = self._state.step
        if self.display:
            from IPython.display import HTML, display
            if self._handle is None:
                self._handle = display(HTML(self._html), display_id=True)
            else:
                self._handle.update(HTML(self._html))
        self._last_draw = time.perf_counter()
        self.drawing_seconds += self._last_draw - t0
        self.redraws += 1

    def close(self) -> None:
        """Draw the final state (done by itself at the end of a notebook cell)."""
        if self._state is not None and (not self.redraws or self._drawn_step != self._state.step):
            self.refresh()

    def _hook_cell_end(self) -> None:
        if not self.display or self._hooked:
            return
        try:
            from IPython import get_ipython
            ip = get_ipython()
        except ImportError:
            return
        if ip is None:
            return

        def at_end(*_: Any) -> None:
            ip.events.unregister("post_run_cell", at_end)
            self._hooked = False
            self.close()
        ip.events.register("post_run_cell", at_end)
        self._hooked = True

    # --- output ------------------------------------------------------------------------------
    def html(self) -> str:
        if not self._html and self._state is not None:
            self.refresh()
        return self._html

    def _repr_html_(self) -> str:
        return self.html() or "<i>LiveTrainingView: no training step seen yet</i>"

    def save(self, path: Any) -> Any:
        import pathlib
        path = pathlib.Path(path)
        path.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
                        f"{self.html()}</body></html>", encoding="utf-8")
        return path

    @property
    def overhead(self) -> float:
        """Share of the wall time since the first step spent drawing."""
        if self._started is None:
            return 0.0
        total = time.perf_counter() - self._started
        return self.drawing_seconds / total if total > 0 else 0.0

    def _render(self, state: Any) -> str:
        model = state.model
        acts = batch_activations(model, state.batch_inputs)
        if acts:
            self._sizes = [a.shape[1] for a in acts]
        parts = []
        try:
            inputs, layers = _read_model(model)
        except TypeError:
            layers = None
        if layers is not None:
            means = [a.mean(axis=0).tolist() for a in acts] if acts else None
            n_weights = sum(len(n.weights) for layer in layers for n in layer.neurons)
            dot = _network_digraph(inputs, layers, digits=self.digits, activations=means,
                                   numbers_on_edges=n_weights <= MAX_LABELLED_WEIGHTS // 2,
                                   weight_colors=True)
            svg = responsive_svg(dot.pipe(format="svg", encoding="utf-8"))
            parts.append(f"<div style='flex:1 1 420px;min-width:320px;max-width:760px'>"
                         f"{svg}</div>")
        png = self._plot(acts)
        parts.append(f"<div style='flex:1 1 420px'><img style='max-width:100%' "
                     f"src='data:image/png;base64,{png}'/></div>")
        val = (f" · validation loss {style.number(state.val_loss, self.digits)}"
               if state.val_loss is not None else "")
        head = (f"<div style='font:14px Arial,sans-serif;margin-bottom:4px'><b>epoch "
                f"{state.epoch + 1} · step {state.step}</b> · loss "
                f"<span style='color:{style.GRAD}'>{style.number(state.loss, self.digits)}</span>"
                f"{html.escape(val)}</div>")
        return (f"<div class='chainrule-live'>{head}<div style='display:flex;flex-wrap:wrap;"
                f"gap:8px;align-items:flex-start'>{''.join(parts)}</div></div>")

    def _plot(self, acts: Optional[list[np.ndarray]]) -> str:
        """The loss curve and the batch's activations as a base64 PNG. The figure
        is made once and only its data change afterwards: redrawing stays cheap."""
        joined = np.concatenate(acts, axis=1) if acts else None
        if self._fig is None or (joined is not None) != (self._image is not None):
            self._make_figure(joined)
        fig, ax = self._fig, self._ax
        self._loss_line.set_data(self.steps, self.losses)
        if self.val_points:
            self._val_line.set_data(*zip(*self.val_points))
            if not self._val_shown:
                self._val_line.set_label("validation")
                ax.legend(fontsize=8, loc="upper right")
                self._val_shown = True
        ax.relim()
        ax.autoscale_view()
        positive = len(self.losses) > 1 and min(self.losses) > 0
        ax.set_yscale("log" if positive and max(self.losses) / min(self.losses) > 50 else "linear")
        if joined is not None:
            if self._image.get_array().shape != joined.shape:
                self._image.set_extent((-0.5, joined.shape[1] - 0.5, joined.shape[0] - 0.5, -0.5))
            self._image.set_data(joined)
            lo, hi = float(np.min(joined)), float(np.max(joined))
            self._image.set_clim(lo, hi if hi > lo else lo + 1e-9)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return base64.b64encode(buf.getvalue()).decode("ascii")

    def _make_figure(self, joined: Optional[np.ndarray]) -> None:
        from matplotlib.figure import Figure
        panels = 2 if joined is not None else 1
        fig = Figure(figsize=(4.0 * panels, 2.8), dpi=72)
        fig.subplots_adjust(left=0.09 if panels == 2 else 0.16,
                            right=0.92 if panels == 2 else 0.97, bottom=0.17, top=0.9,
                            wspace=0.3)
        ax = fig.add_subplot(1, panels, 1)
        (self._loss_line,) = ax.plot([], [], color=style.GRAD, lw=1.2, label="loss per step")
        (self._val_line,) = ax.plot([], [], "o-", color=style.LOCAL, ms=3, lw=1,
                                    label="_nolegend_")
        self._val_shown = False
        ax.set_xlabel("step")
        ax.set_title("loss", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper right")
        self._image = None
        if joined is not None:
            ax2 = fig.add_subplot(1, panels, 2)
            self._image = ax2.imshow(joined, aspect="auto", cmap="viridis",
                                     interpolation="nearest")
            x = 0
            for a in self._layer_sizes(joined):
                x += a
                ax2.axvline(x - 0.5, color="white", lw=2)
            ax2.set_xlabel("neurons, layer by layer")
            ax2.set_ylabel("sample in the batch")
            ax2.set_title("activations on this batch", fontsize=10)
            fig.colorbar(self._image, ax=ax2, fraction=0.05, pad=0.02)
        self._fig, self._ax = fig, ax

    def _layer_sizes(self, joined: np.ndarray) -> list[int]:
        sizes = getattr(self, "_sizes", None) or [joined.shape[1]]
        return sizes[:-1]
