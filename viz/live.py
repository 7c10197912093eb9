"""A live view of training for Jupyter: pass it as ``fit(..., callback=view)``.

One display, updated in place (an IPython display handle), shows side by side
and at most ``max_height`` pixels tall: the network (edge colour and width
from each weight, a thick warm border on neurons whose parameters get large
gradients, fill from their output on the current batch), the loss curve and
the current batch's activations.

The network is ``viz.draw_network``'s picture: for small networks (at most
``COMPACT_COLUMN`` nodes in every column) with every name (and, with few
weights, every number); for bigger ones its compact form, nodes sized to fit
their column, so that dozens of inputs (56 in the bike project) still fit beside the loss curve. Either is
shown at most 560 x ``max_height`` pixels.

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
from .network import COMPACT_COLUMN, MAX_LABELLED_WEIGHTS, Look, is_tall, network_digraph
from .i18n import _, language
from .render import SVG_FONT_STYLE

__all__ = ["COMPACT_COLUMN", "LiveTrainingView", "batch_activations", "fit_svg"]
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
        raise ValueError(_("fit_svg(): the SVG has no viewBox to scale by"))
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
    ``compact``: draw the network compactly (True: small nodes, numbers in
    tooltips) or in full (False); by default compact if a column has more
    than ``COMPACT_COLUMN`` nodes.
    ``digits``: decimals of the numbers shown. Outside a notebook nothing is
    displayed; :meth:`html` and :meth:`save` still give the latest picture.
    """

    def __init__(self, every: Optional[int] = None, *, interval: float = 0.25,
                 budget: float = 0.2, digits: int = 4, max_height: int = 560,
                 compact: Optional[bool] = None, display: Optional[bool] = None) -> None:
        if every is not None and (isinstance(every, bool) or not isinstance(every, int)
                                  or every < 1):
            raise ValueError(_("LiveTrainingView: every must be None or a positive int, got "
                               "{value}").format(value=repr(every)))
        if not 0 < budget <= 1:
            raise ValueError(_("LiveTrainingView: budget is a share of the time, in (0, 1], got "
                               "{value}").format(value=repr(budget)))
        if interval < 0:
            raise ValueError(_("LiveTrainingView: interval must be >= 0 seconds, got "
                               "{value}").format(value=repr(interval)))
        if max_height < 300:
            raise ValueError(_("LiveTrainingView: max_height must be at least 300 px, got "
                               "{value}").format(value=repr(max_height)))
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
            svg, _width, height = self._network_svg(net, acts)
            # in steps of 40 px: numbers changing width must not remake the figure
            beside = min(-(-height // 40) * 40, self.max_height)
            parts.append(f"<div style='flex:0 1 auto;min-width:0'>{svg}</div>")
        png, width, height = self._plot(acts, beside)
        parts.append(f"<div style='flex:0 1 auto;min-width:0'><img width='{width}' "
                     f"height='{height}' style='max-width:100%;height:auto;display:block' "
                     f"src='data:image/png;base64,{png}'/></div>")
        val = (" · " + _("validation loss {loss}").format(
            loss=style.number(state.val_loss, self.digits)) if state.val_loss is not None else "")
        where = _("epoch {epoch} · step {step}").format(epoch=state.epoch, step=state.step)
        loss = html.escape(_("loss {value}")).replace(
            "{value}", f"<span style='color:{style.GRAD}'>"
                       f"{style.number(state.loss, self.digits)}</span>")
        head = (f"<div style='margin-bottom:4px'><b>{html.escape(where)}</b> · {loss}"
                f"{html.escape(val)}</div>")
        body = "".join(parts)
        face = fonts.embedded_cjk_css(head + body, ".chainrule-live")
        if face:  # Chinese text: one face for the status line and the picture (no font needed)
            body = SVG_FONT_STYLE.sub("", body)
            head = f"<style>{face}</style>{head}"
        families = fonts.css_families(style.FONT, embedded=bool(face))
        return (f"<div class='chainrule-live' style=\"font:14px {families}\">{head}"
                f"<div style='display:flex;gap:12px;align-items:center'>"
                f"{body}</div></div>")

    def _network_svg(self, net: NetworkView, acts: Optional[list[np.ndarray]]
                     ) -> tuple[str, int, int]:
        """draw_network's picture (compact for tall columns), fitted in 560 x max_height px."""
        compact = is_tall(net) if self.compact is None else self.compact
        n_weights = sum(layer.weights.size for layer in net.layers)
        look = Look(digits=self.digits, colors=True, compact=compact,
                    numbers=not compact and n_weights <= MAX_LABELLED_WEIGHTS // 2,
                    activations=[a.mean(axis=0).tolist() for a in acts] if acts else None,
                    batch_size=len(acts[0]) if acts else 1,
                    # the columns and under them the notes (room for three lines; more,
                    # as the bike network's, shrink the picture a little): max_height
                    column_height=0.75 * (self.max_height - 55))
        dot = network_digraph(net, look)
        return fit_svg(dot.pipe(format="svg", encoding="utf-8"), 560, self.max_height)

    # --- the plots: loss and activations, stacked beside the network -------------------------
    def _plot(self, acts: Optional[list[np.ndarray]], beside: int) -> tuple[str, int, int]:
        """The loss curve and the batch's activations as a base64 PNG, and its
        size in pixels. The figure is made once and only its data change
        afterwards: redrawing stays cheap."""
        joined = np.concatenate(acts, axis=1) if acts else None
        key = (None if joined is None else joined.shape[1], beside, language())
        if self._fig is None or key != self._fig_key:
            self._make_figure(joined, beside, [a.shape[1] for a in acts or []])
            self._fig_key = key
        ax = self._ax
        self._loss_line.set_data(self.steps, self.losses)
        if self.val_points:
            self._val_line.set_data(*zip(*self.val_points))
            if not self._val_shown:
                self._val_line.set_label(_("validation"))
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
        (self._loss_line,) = ax.plot([], [], color=style.GRAD, lw=1.2, label=_("loss per step"))
        (self._val_line,) = ax.plot([], [], "o-", color=style.LOCAL, ms=3, lw=1,
                                    label="_nolegend_")
        self._val_shown = False
        ax.set_xlabel(_("step"), fontsize=TICK_PT + 1)
        ax.set_title(_("loss"), fontsize=TICK_PT + 2)
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
            ax_act.set_xlabel(_("neurons, layer by layer"), fontsize=TICK_PT + 1)
            ax_act.set_ylabel(_("sample"), fontsize=TICK_PT + 1)
            ax_act.set_title(_("activations on this batch"), fontsize=TICK_PT + 2)
            ax_act.tick_params(labelsize=TICK_PT)
            cbar = fig.colorbar(self._image, ax=ax_act, fraction=0.05, pad=0.02)
            cbar.ax.tick_params(labelsize=TICK_PT)
        self._fig, self._ax = fig, ax
