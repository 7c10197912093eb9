"""A model of two inputs over the input plane: its output on a grid, shaded,
the decision boundary drawn, the samples on top (matplotlib, imported only
when a picture is asked for).

The model is anything the nn package builds (an ``MLP``, a ``Layer``, a
``Neuron``, a batched ``TensorMLP``: read through nn.views' ``activations``,
see :mod:`viz.reader`) or any function of one sample ``[x1, x2]`` returning a
number, a Value or a list of them. It is run without recording a graph
(``autograd.no_grad``).
"""
from __future__ import annotations

from typing import Any, NamedTuple, Optional, Sequence

import numpy as np

from autograd import Node, no_grad

from . import fonts, reader
from .i18n import _

# Fills of up to 8 classes (several outputs: the class is the largest output).
CLASS_COLORS = ("#bfdbfe", "#fde68a", "#bbf7d0", "#fecaca", "#e9d5ff", "#fed7aa", "#a5f3fc",
                "#d9f99d")
POINT_COLORS = ("#ffffff", "#facc15", "#22c55e", "#ef4444", "#a855f7", "#f97316", "#06b6d4",
                "#84cc16")


class DecisionBoundary(NamedTuple):
    """What :func:`plot_decision_boundary` drew.

    ``x1``, ``x2``: the grid along each input. ``outputs[i, j]``: the model's
    output at ``(x1[j], x2[i])`` (a last axis of size k for k outputs).
    ``predictions[i, j]``: the class there: 1 where the output is at least the
    threshold, else 0 (one output), or the index of the largest output.
    """

    ax: Any
    x1: np.ndarray
    x2: np.ndarray
    outputs: np.ndarray
    predictions: np.ndarray


def _values(out: Any) -> np.ndarray:
    """A model's output for one sample (or a batch) as numbers."""
    if isinstance(out, Node):
        return np.asarray(out.data, dtype=float)
    if isinstance(out, (list, tuple)):
        return np.array([o.data if isinstance(o, Node) else o for o in out], dtype=float)
    return np.asarray(out, dtype=float)


def model_on_grid(model: Any, x1: Sequence[float], x2: Sequence[float]) -> np.ndarray:
    """The model's output at every point (x1[j], x2[i]) of the grid, as an
    array (len(x2), len(x1)) for one output, (len(x2), len(x1), k) for k."""
    g1, g2 = np.meshgrid(np.asarray(x1, float), np.asarray(x2, float))
    points = np.column_stack([g1.ravel(), g2.ravel()])
    if reader.is_network(model):  # the whole grid as one batch (a TensorMLP: one pass)
        out = reader.activations(model, points, "model_on_grid()")[-1]
    elif callable(model):
        with no_grad():
            out = np.array([_values(model(p)).reshape(-1) for p in points.tolist()])
    else:
        raise TypeError(_("model_on_grid(): the model must be a network (nn's MLP, TensorMLP, "
                          "Layer, Neuron) or a function of one sample [x1, x2], got {kind}").format(
            kind=type(model).__name__))
    k = out.shape[1]
    return out.reshape(g1.shape) if k == 1 else out.reshape(g1.shape + (k,))


def _samples(X: Any, y: Any) -> tuple[np.ndarray, Optional[np.ndarray]]:
    pts = np.asarray(X, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(_("plot_decision_boundary: X must hold samples of two inputs (shape "
                           "(n, 2)), got shape {shape}").format(shape=pts.shape))
    if y is None:
        return pts, None
    labels = np.asarray(y, dtype=float)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    elif labels.ndim == 2:  # one-hot rows: the class index
        labels = labels.argmax(axis=1).astype(float)
    if labels.shape != (len(pts),):
        raise ValueError(_("plot_decision_boundary: y must have one label per sample ({count}), "
                           "got shape {shape}").format(count=len(pts), shape=np.shape(y)))
    return pts, labels


def plot_decision_boundary(
    model: Any,
    X: Any,
    y: Any = None,
    ax: Any = None,
    *,
    resolution: int = 101,
    bounds: Optional[tuple[float, float, float, float]] = None,
    margin: float = 0.5,
    threshold: Optional[float] = 0.5,
    levels: Any = None,
    colors: Optional[Sequence[str]] = None,
    cmap: str = "RdBu_r",
    colorbar: bool = False,
    annotate: bool = False,
    title: Optional[str] = None,
) -> DecisionBoundary:
    """Shade a model of two inputs over the plane and draw where its decision
    changes: for one output, the output itself (``levels`` and ``cmap``, or
    flat ``colors`` between the ``levels``) and the line where it crosses
    ``threshold`` (None: no line); for several outputs, a region per class
    (the largest output). The samples ``X`` (n x 2) are drawn on top, filled by
    their label ``y`` (yellow 1, white 0; one colour per class), with the
    label written next to each if ``annotate``.

    ``bounds``: (x1 min, x1 max, x2 min, x2 max); by default the samples'
    range widened by ``margin``. ``resolution``: grid points along each axis.
    ``ax``: the matplotlib axes to draw on (a new figure if None).
    Returns a :class:`DecisionBoundary` with the grid, the outputs and the
    predicted class at every grid point.
    """
    import matplotlib.pyplot as plt  # only when a picture is asked for

    fonts.setup_matplotlib_fonts()  # a Chinese title: glyphs, not boxes

    pts, labels = _samples(X, y)
    bounds, x1, x2 = _grid(pts, resolution, bounds, margin)
    outputs = model_on_grid(model, x1, x2)
    if ax is None:
        _fig, ax = plt.subplots(figsize=(4.8, 4.4))
    if outputs.ndim == 2:
        predictions = _shade_output(ax, x1, x2, outputs, threshold, levels, colors, cmap, colorbar)
    else:
        predictions = _shade_classes(ax, x1, x2, outputs, colors)
    _draw_samples(ax, pts, labels, annotate)
    ax.set_xlim(bounds[0], bounds[1])
    ax.set_ylim(bounds[2], bounds[3])
    ax.set_xlabel("x1")  # the slides' input names, in both languages
    ax.set_ylabel("x2")
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=10)
    return DecisionBoundary(ax, x1, x2, outputs, predictions)


def _grid(pts: np.ndarray, resolution: Any, bounds: Optional[tuple[float, float, float, float]],
          margin: float) -> tuple[tuple[float, float, float, float], np.ndarray, np.ndarray]:
    """The bounds (the samples' range widened by ``margin`` unless given) and
    ``resolution`` grid points along each input."""
    if not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(_("plot_decision_boundary: resolution must be an integer >= 2, got "
                           "{value}").format(value=repr(resolution)))
    if bounds is None:
        lo, hi = pts.min(axis=0) - margin, pts.max(axis=0) + margin
        bounds = (lo[0], hi[0], lo[1], hi[1])
    return (bounds, np.linspace(bounds[0], bounds[1], resolution),
            np.linspace(bounds[2], bounds[3], resolution))


def _shade_output(ax: Any, x1: np.ndarray, x2: np.ndarray, outputs: np.ndarray,
                  threshold: Optional[float], levels: Any, colors: Optional[Sequence[str]],
                  cmap: str, colorbar: bool) -> np.ndarray:
    """One output: shade it, draw where it crosses the threshold; the predictions."""
    if threshold is None:
        predictions = np.zeros(outputs.shape, dtype=int)
    else:
        predictions = (outputs >= threshold).astype(int)
    if levels is None:
        lo, hi = float(outputs.min()), float(outputs.max())
        levels = (np.linspace(0.0, 1.0, 11) if lo >= 0.0 and hi <= 1.0 else
                  np.linspace(lo, hi if hi > lo else lo + 1.0, 13))
    if colors is not None:
        shade = ax.contourf(x1, x2, outputs, levels=levels, colors=list(colors))
    else:
        shade = ax.contourf(x1, x2, outputs, levels=levels, cmap=cmap)
    if threshold is not None and outputs.min() < threshold <= outputs.max():
        ax.contour(x1, x2, outputs, levels=[threshold], colors="#1f2933", linewidths=2)
    if colorbar:
        ax.figure.colorbar(shade, ax=ax, label=_("output"))
    return predictions


def _shade_classes(ax: Any, x1: np.ndarray, x2: np.ndarray, outputs: np.ndarray,
                   colors: Optional[Sequence[str]]) -> np.ndarray:
    """Several outputs: a region per class (the largest output); the predictions."""
    predictions = outputs.argmax(axis=-1)
    k = outputs.shape[-1]
    fills = list(colors) if colors is not None else list(CLASS_COLORS[:k])
    ax.contourf(x1, x2, predictions, levels=np.arange(k + 1) - 0.5, colors=fills)
    ax.contour(x1, x2, predictions, levels=np.arange(k - 1) + 0.5, colors="#1f2933",
               linewidths=1.5)
    return predictions


def _draw_samples(ax: Any, pts: np.ndarray, labels: Optional[np.ndarray], annotate: bool) -> None:
    """The samples on top, filled by their label (white without labels)."""
    if labels is None:
        ax.scatter(pts[:, 0], pts[:, 1], s=60, c="white", edgecolors="#111827", linewidths=1.5,
                   zorder=3)
        return
    fill = [POINT_COLORS[int(v) % len(POINT_COLORS)] if float(v).is_integer() and v >= 0
            else "#94a3b8" for v in labels]
    ax.scatter(pts[:, 0], pts[:, 1], s=180 if len(pts) <= 20 else 40, c=fill,
               edgecolors="#111827", linewidths=2 if len(pts) <= 20 else 1, zorder=3)
    if annotate:
        for (a, b), v in zip(pts, labels):
            ax.annotate(f"{v:g}", (a, b), xytext=(10, 8), textcoords="offset points",
                        fontsize=11, fontweight="bold")
