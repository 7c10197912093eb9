"""A live view of training for Jupyter: pass it as ``fit(..., callback=view)``.

One display, updated in place (an IPython display handle), shows side by side
and at most ``max_height`` pixels tall: the network (edge colour and width
from each weight, a thick warm border on neurons whose parameters get large
gradients, fill from their output on the current batch), the loss curve and
the current batch's activations.

Small networks (at most ``COMPACT_COLUMN`` nodes in every column) are drawn by
graphviz as ``viz.draw_network`` draws them, with every name (and, with few
weights, every number); bigger ones compactly (:func:`compact_network_svg`),
nodes sized to their column, so that 38 inputs still fit beside the loss
curve. Either picture is at most 560 x ``max_height`` pixels.

When it redraws: at the first step, then as soon as ``interval`` seconds have
passed since the last frame, but never spending more than about ``budget`` of
the time on drawing (a slow redraw spaces the next ones out). ``every=k``
also limits redraws to every k-th step. The last state is drawn at the end of
the notebook cell.
"""
from __future__ import annotations

import base64
import html
import io
import re
import time
from typing import Any, Optional, Sequence

import numpy as np

from nn.train import in_notebook
from nn.views import NetworkView

from . import fonts, reader, style
from .network import (ACTIVATION_SYMBOLS, MAX_LABELLED_WEIGHTS, Look, _grad_norm, _neuron_attrs,
                      _neuron_tooltip, network_digraph)

# More nodes than this in one column (inputs or a layer): the compact picture.
COMPACT_COLUMN = 10
DPI = 80  # the figure's pixels per inch: its PNG is shown at that size (1:1)
# The plots' smallest text (ticks, legend), in points; labels and titles a little larger.
# Read on a projector, and shrunk when the notebook is narrower than network and plots.
TICK_PT = 10


def batch_activations(model: Any, batch: Any, limit: int = 32) -> Optional[list[np.ndarray]]:
    """Each layer's outputs for (at most ``limit`` samples of) ``batch``: one
    (samples, neurons) array per layer, computed without recording a graph;
    None for no batch."""
    if batch is None:
        return None
    return reader.activations(model, batch, "batch_activations()", limit=limit)


def fit_svg(svg: str, max_width: float, max_height: float) -> tuple[str, int, int]:
    """Graphviz's SVG without its XML header, sized to fit ``max_width`` x
    ``max_height`` pixels (shrunk, never enlarged; the viewBox keeps the
    proportions, and a narrower container shrinks it further).
    Returns (svg, width, height) in pixels."""
    svg = svg[svg.find("<svg"):]
    head_end = svg.find(">")
    head = svg[:head_end]
    box = re.search(r'viewBox="\s*[-\d.]+[ ,]+[-\d.]+[ ,]+([\d.]+)[ ,]+([\d.]+)\s*"', head)
    if box is None:
        raise ValueError("fit_svg(): the SVG has no viewBox to scale by")
    # graphviz measures in points; a browser shows 96 px per 72 pt
    width, height = float(box.group(1)) * 4 / 3, float(box.group(2)) * 4 / 3
    scale = min(1.0, max_width / width, max_height / height)
    w, h = round(width * scale), round(height * scale)
    head = re.sub(r'\s(width|height|style)="[^"]*"', "", head)
    head += f' width="{w}" height="{h}" style="max-width:100%;height:auto"'
    return head + svg[head_end:], w, h


class LiveTrainingView:
    """``fit(model, X, Y, callback=LiveTrainingView())`` in a notebook cell.

    ``interval``: the shortest time between two frames, in seconds.
    ``budget``: the largest share of the time spent drawing (0.2 = 20%).
    ``every``: if given, redraw only at every this many steps.
    ``max_height``: the display's height in pixels, at most.
    ``compact``: draw the network compactly (True, :func:`compact_network_svg`)
    or with graphviz (False); by default graphviz unless a column has more
    than ``COMPACT_COLUMN`` nodes.
    ``digits``: decimals of the numbers shown. Outside a notebook nothing is
    displayed; :meth:`html` and :meth:`save` still give the latest picture.
    """

    def __init__(self, every: Optional[int] = None, *, interval: float = 0.25,
                 budget: float = 0.2, digits: int = 4, max_height: int = 560,
                 compact: Optional[bool] = None, display: Optional[bool] = None) -> None:
        if every is not None and (isinstance(every, bool) or not isinstance(every, int)
                                  or every < 1):
            raise ValueError(f"LiveTrainingView: every must be None or a positive int, "
                             f"got {every!r}")
        if not 0 < budget <= 1:
            raise ValueError(f"LiveTrainingView: budget is a share of the time, in (0, 1], "
                             f"got {budget!r}")
        if interval < 0:
            raise ValueError(f"LiveTrainingView: interval must be >= 0 seconds, got {interval!r}")
        if max_height < 300:
            raise ValueError(f"LiveTrainingView: max_height must be at least 300 px, "
                             f"got {max_height!r}")
        self.every = every
        self.interval = interval
        self.budget = budget
        self.digits = digits
        self.max_height = max_height
        self.compact = compact
        self.display = in_notebook() if display is None else display
        self.steps: list[int] = []
        self.losses: list[float] = []
        self.val_points: list[tuple[int, float]] = []
        self.redraws = 0
        self.drawing_seconds = 0.0
        self._draw_times: list[float] = []
        self._started: Optional[float] = None
        self._last_draw = 0.0
        self._state: Any = None
        self._html = ""
        self._handle: Any = None
        self._hooked = False
        self._drawn_step: Optional[int] = None
        self._fig: Any = None
        self._fig_key: Any = None

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
        if not self.redraws:
            self.refresh()
            return
        if self.every is not None and state.step % self.every:
            return
        if now - self._last_draw >= self._wait():
            self.refresh()

    def _wait(self) -> float:
        """Seconds to wait after a frame: ``interval``, or longer if frames cost
        so much that drawing would take more than ``budget`` of the time. The
        first frame (which sets the figure up) is not counted."""
        later = self._draw_times[1:]
        cost = sum(later) / len(later) if later else 0.0
        return max(self.interval, cost / self.budget - cost)

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
        self._draw_times.append(self._last_draw - t0)
        self.drawing_seconds += self._draw_times[-1]
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
        # a model of one's own that nn.views cannot read: the plots alone
        net = reader.describe(model, "LiveTrainingView") if reader.is_network(model) else None
        acts = batch_activations(model, state.batch_inputs) if net is not None else None
        parts = []
        beside = 0  # height of the network picture, which the plots match
        if net is not None:
            compact = self.compact
            if compact is None:
                compact = max([len(net.inputs)] + [l.size for l in net.layers]) > COMPACT_COLUMN
            if compact:
                beside = self.max_height
                means = [a.mean(axis=0) for a in acts] if acts else None
                svg = compact_network_svg(net, means, width=480, height=beside,
                                          digits=self.digits)
            else:
                svg, _, height = self._graph_svg(net, acts)
                # in steps of 40 px: numbers changing width must not remake the figure
                beside = min(-(-height // 40) * 40, self.max_height)
            parts.append(f"<div style='flex:0 1 auto;min-width:0'>{svg}</div>")
        png, width, height = self._plot(acts, beside)
        parts.append(f"<div style='flex:0 1 auto;min-width:0'><img width='{width}' "
                     f"height='{height}' style='max-width:100%;height:auto;display:block' "
                     f"src='data:image/png;base64,{png}'/></div>")
        val = (f" · validation loss {style.number(state.val_loss, self.digits)}"
               if state.val_loss is not None else "")
        head = (f"<div style='margin-bottom:4px'><b>epoch {state.epoch} · step {state.step}"
                f"</b> · loss <span style='color:{style.GRAD}'>"
                f"{style.number(state.loss, self.digits)}</span>{html.escape(val)}</div>")
        return (f"<div class='chainrule-live' style=\"font:14px {fonts.css_families(style.FONT)}\">{head}"
                f"<div style='display:flex;gap:12px;align-items:center'>"
                f"{''.join(parts)}</div></div>")

    def _graph_svg(self, net: NetworkView, acts: Optional[list[np.ndarray]]
                   ) -> tuple[str, int, int]:
        means = [a.mean(axis=0).tolist() for a in acts] if acts else None
        n_weights = sum(layer.weights.size for layer in net.layers)
        look = Look(digits=self.digits, numbers=n_weights <= MAX_LABELLED_WEIGHTS // 2,
                    colors=True, activations=means, batch_size=2)
        dot = network_digraph(net, look)
        return fit_svg(dot.pipe(format="svg", encoding="utf-8"), 560, self.max_height)

    # --- the plots: loss and activations, stacked beside the network -------------------------
    def _plot(self, acts: Optional[list[np.ndarray]], beside: int) -> tuple[str, int, int]:
        """The loss curve and the batch's activations as a base64 PNG, and its
        size in pixels. The figure is made once and only its data change
        afterwards: redrawing stays cheap."""
        joined = np.concatenate(acts, axis=1) if acts else None
        key = (None if joined is None else joined.shape[1], beside)
        if self._fig is None or key != self._fig_key:
            self._make_figure(joined, beside, [a.shape[1] for a in acts or []])
            self._fig_key = key
        ax = self._ax
        self._loss_line.set_data(self.steps, self.losses)
        if self.val_points:
            self._val_line.set_data(*zip(*self.val_points))
            if not self._val_shown:
                self._val_line.set_label("validation")
                ax.legend(fontsize=TICK_PT, loc="upper right")
                self._val_shown = True
        ax.relim()
        ax.autoscale_view()
        positive = len(self.losses) > 1 and min(self.losses) > 0
        scale = "log" if positive and max(self.losses) / min(self.losses) > 50 else "linear"
        if scale != ax.get_yscale():
            ax.set_yscale(scale)
            if scale == "log":  # plain tick labels: mathtext's 10^-1 costs a lot to draw
                from matplotlib.ticker import FuncFormatter, NullFormatter
                ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
                ax.yaxis.set_minor_formatter(NullFormatter())
        if joined is not None and self._image is not None:
            if self._image.get_array().shape != joined.shape:
                self._image.set_extent((-0.5, joined.shape[1] - 0.5, joined.shape[0] - 0.5, -0.5))
            self._image.set_data(joined)
            lo, hi = float(np.min(joined)), float(np.max(joined))
            self._image.set_clim(lo, hi if hi > lo else lo + 1e-9)
        buf = io.BytesIO()
        self._fig.savefig(buf, format="png", dpi=DPI)
        width, height = (round(v * DPI) for v in self._fig.get_size_inches())
        return base64.b64encode(buf.getvalue()).decode("ascii"), width, height

    def _make_figure(self, joined: Optional[np.ndarray], beside: int,
                     sizes: Sequence[int]) -> None:
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
        fonts.setup_matplotlib_fonts()  # Chinese titles and labels: glyphs, not boxes
        acts = joined is not None
        if beside:  # stacked, about as tall as the network beside them
            width, height = 480, min(max(beside, 420 if acts else 300), self.max_height)
            grid = dict(nrows=2 if acts else 1, ncols=1, left=0.14, right=0.9, top=0.94,
                        bottom=0.09, hspace=0.42)
        else:  # no network: side by side
            width, height = (880 if acts else 480), 300
            grid = dict(nrows=1, ncols=2 if acts else 1, left=0.08 if acts else 0.14,
                        right=0.95, top=0.9, bottom=0.16, wspace=0.3)
        fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
        spec = fig.add_gridspec(**grid)
        ax = fig.add_subplot(spec[0, 0])
        ax_act = (fig.add_subplot(spec[1, 0] if beside else spec[0, 1]) if acts else None)
        (self._loss_line,) = ax.plot([], [], color=style.GRAD, lw=1.2, label="loss per step")
        (self._val_line,) = ax.plot([], [], "o-", color=style.LOCAL, ms=3, lw=1,
                                    label="_nolegend_")
        self._val_shown = False
        ax.set_xlabel("step", fontsize=TICK_PT + 1)
        ax.set_title("loss", fontsize=TICK_PT + 2)
        ax.tick_params(labelsize=TICK_PT)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=TICK_PT, loc="upper right")
        self._image = None
        if ax_act is not None:
            self._image = ax_act.imshow(joined, aspect="auto", cmap="viridis",
                                        interpolation="nearest")
            x = 0
            for a in list(sizes)[:-1]:  # white lines between the layers
                x += a
                ax_act.axvline(x - 0.5, color="white", lw=2)
            ax_act.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax_act.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax_act.set_xlabel("neurons, layer by layer", fontsize=TICK_PT + 1)
            ax_act.set_ylabel("sample", fontsize=TICK_PT + 1)
            ax_act.set_title("activations on this batch", fontsize=TICK_PT + 2)
            ax_act.tick_params(labelsize=TICK_PT)
            cbar = fig.colorbar(self._image, ax=ax_act, fraction=0.05, pad=0.02)
            cbar.ax.tick_params(labelsize=TICK_PT)
        self._fig, self._ax = fig, ax


def compact_network_svg(net: NetworkView,
                        means: Optional[Sequence[Sequence[float]]] = None, *,
                        width: int = 480, height: int = 560, digits: int = 4) -> str:
    """A network too big for graphviz's picture, as a small SVG written here:
    one column per layer, nodes sized to fit their column, ``inputs`` named on
    the left. The colours are ``viz.network``'s: edge colour and width from the
    weight, neuron fill from its mean output ``means`` (one list per layer),
    a warm border for large gradients. Hover a neuron for its numbers."""
    esc = style.esc
    inputs, layers = net.inputs, net.layers
    columns = [len(inputs)] + [layer.size for layer in layers]
    top, bottom = 26, 34
    inner = height - top - bottom
    gaps = [min(inner / n, inner * 0.16) for n in columns]
    diameters = [min(0.72 * g, 30.0) for g in gaps]
    label_px = min(max(0.8 * gaps[0], 7.0), 12.0)
    left = 6 + 0.56 * label_px * max([len(name) for name in inputs] + [1]) + diameters[0] / 2
    right = 8 + diameters[-1] / 2
    xs = [left + k * (width - left - right) / max(len(layers), 1) for k in range(len(columns))]
    ys = [top + inner / 2 - g * ((n - 1) / 2 - np.arange(n)) for n, g in zip(columns, gaps)]

    n_weights = sum(layer.weights.size for layer in layers)
    largest_w = max(float(np.abs(layer.weights).max()) for layer in layers)
    hi = 3.0 if n_weights <= 200 else 1.8  # thinner edges where there are many
    grads = [[_grad_norm(layer, i) for i in range(layer.size)] for layer in layers]
    largest_g = max((g for column in grads for g in column), default=0.0)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" style="max-width:100%;height:auto" '
           f'font-family="{fonts.css_families(style.FONT)}">',
           '<g stroke-linecap="round" opacity="0.85">']
    for k, layer in enumerate(layers):
        for i in range(layer.size):
            for j in range(layer.nin):
                w = float(layer.weights[i, j])
                out.append(f'<line x1="{xs[k]:.1f}" y1="{ys[k][j]:.1f}" x2="{xs[k + 1]:.1f}" '
                           f'y2="{ys[k + 1][i]:.1f}" stroke="{style.diverging(w, largest_w)}" '
                           f'stroke-width="{style.penwidth_for(w, largest_w, 0.3, hi):.2f}"/>')
    out.append("</g>")
    r0 = diameters[0] / 2
    for name, y in zip(inputs, ys[0]):
        out.append(f'<circle cx="{xs[0]:.1f}" cy="{y:.1f}" r="{r0:.1f}" fill="#e0f2fe" '
                   f'stroke="#0284c7"/><text x="{xs[0] - r0 - 3:.1f}" y="{y:.1f}" '
                   f'font-size="{label_px:.1f}" text-anchor="end" dominant-baseline="central" '
                   f'fill="{style.INK}">{esc(name)}</text>')
    header = [f"{columns[0]} inputs"]
    for k, layer in enumerate(layers, start=1):
        r = diameters[k] / 2
        for i, name in enumerate(layer.neurons):
            act = (float(means[k - 1][i]) if means is not None and k - 1 < len(means)
                   else None)
            attrs = _neuron_attrs(act, grads[k - 1][i], largest_g)
            # graphviz's border widths (1 to 4), scaled down with the node
            border = 0.5 + 0.8 * float(attrs.get("penwidth", 1.0)) * min(diameters[k] / 30, 1.0)
            tip = _neuron_tooltip(layer, i, grads[k - 1][i], Look(digits=digits))
            if act is not None:
                tip += f"; mean output {style.number(act, digits)}"
            out.append(f'<circle cx="{xs[k]:.1f}" cy="{ys[k][i]:.1f}" r="{r:.1f}" '
                       f'fill="{attrs["fillcolor"]}" stroke="{attrs["color"]}" '
                       f'stroke-width="{border:.2f}"><title>{esc(tip)}</title></circle>')
            if diameters[k] >= 16:  # the name fits inside
                size = min(diameters[k] * 0.4, 12)
                out.append(f'<text x="{xs[k]:.1f}" y="{ys[k][i]:.1f}" text-anchor="middle" '
                           f'dominant-baseline="central" font-size="{size:.1f}" '
                           f'fill="{style.INK}" pointer-events="none">{esc(name)}</text>')
        symbol = ACTIVATION_SYMBOLS.get(layer.activation, layer.activation) or "linear"
        header.append(f"{layer.size} × {symbol}")
    for x, text in zip(xs, header):
        half = 0.3 * 12 * len(text)  # about half the text's width at 12 px
        x = min(max(x, 2 + half), width - 2 - half)
        out.append(f'<text x="{x:.1f}" y="14" text-anchor="middle" font-size="12" '
                   f'fill="{style.MUTED}">{esc(text)}</text>')
    notes = ("edges: red = positive weight, blue = negative, width grows with |w|",
             "fill: mean output on the batch (white 0, green 1); warm border: large gradient")
    for i, text in enumerate(notes):
        out.append(f'<text x="{width / 2:.0f}" y="{height - 20 + 12 * i}" text-anchor="middle" '
                   f'font-size="10" fill="{style.MUTED}">{esc(text)}</text>')
    out.append("</svg>")
    return "".join(out)
