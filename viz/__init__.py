"""Pictures of computation graphs and networks: the only place graphviz is used.

- :func:`draw_graph`: the computation graph, compact as on the slides (the
  named values, each edge its derivative) or with every operation (each edge
  its op's local derivative); data and grad in every box, the chain rule's
  paths to a node highlighted with their products, grouping into neurons or
  layers for big graphs; :func:`gradient_paths` gives the same paths as data.
- :func:`draw_network`: the slides' picture of a network (weights and grads on
  the edges, shared biases; a lone Neuron or Layer too; ``compact=True`` for
  tall columns); :class:`LiveTrainingView` shows it live while
  ``nn.train.fit`` trains. Models are read through nn's interface
  (:mod:`nn.views`: ``describe()`` and ``activations(batch)``), in
  :mod:`viz.reader` only.
- :func:`animate_backward` / :class:`BackwardStepper`: backward one edge at a
  time, as a self-contained page or inline in Jupyter; :func:`animate_steps` /
  :class:`ClassroomStepper`: a worked solution one named value at a time on
  the compact graph, for a projector (:mod:`viz.classroom`).
- :func:`plot_decision_boundary`: a model of two inputs over the plane, its
  decision boundary and the samples (matplotlib).
- :func:`save`: to .svg/.png/.pdf/.dot on any machine (system ``dot`` or the
  pip-installed ``graphviz-pure``); the returned digraphs also render by
  themselves (``.render()``, ``.pipe()``, inline in Jupyter).
- Chinese labels and names draw with a Chinese font on any machine (the
  system's, else the packaged Noto Sans SC); :func:`setup_matplotlib_fonts`
  does the same for your own matplotlib figures.
"""
from .animate import BackwardStepper, animate_backward, record_backward
from .fonts import setup_matplotlib_fonts
from .boundary import DecisionBoundary, model_on_grid, plot_decision_boundary
from .classroom import ClassroomStep, ClassroomStepper, animate_steps
from .graph import GraphTooLargeError, draw_graph, local_derivatives
from .grouping import assign_groups
from .live import LiveTrainingView, batch_activations
from .network import draw_network, layer_activations
from .paths import GradientPath, gradient_paths
from .render import Digraph, Renderer, RenderError, find_renderer, save

__all__ = [
    "BackwardStepper", "ClassroomStep", "ClassroomStepper", "DecisionBoundary", "Digraph",
    "GradientPath", "GraphTooLargeError", "LiveTrainingView", "RenderError", "Renderer",
    "animate_backward", "animate_steps", "assign_groups", "batch_activations", "draw_graph",
    "draw_network", "find_renderer", "gradient_paths", "layer_activations", "local_derivatives",
    "model_on_grid", "plot_decision_boundary", "record_backward", "save", "setup_matplotlib_fonts",
]

if "matplotlib" in __import__("sys").modules:
    # the notebooks import pyplot first: their own plots draw Chinese labels too (no cost,
    # and no matplotlib import, where it is not loaded)
    setup_matplotlib_fonts()

