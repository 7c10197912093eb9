"""chainrule's autograd engine: Value (scalar) and Tensor (numpy) nodes that
record every operation and back-propagate with the chain rule.

Where things are: ops.py, the op table (each op's forward rule and local
derivative; "adding an op" at its top); backward.py, the chain rule, written
once, with its two labelled fast paths; paths.py, the chain rule's paths between
two nodes; node.py, the graph core (nodes, no_grad, topological order);
value.py and tensor.py, the two kinds of node; functional.py, grad,
gradcheck and check_local_derivative (a hand-written local derivative run
through the engine and marked); i18n.py, the language every package speaks
(nn.set_language is its set_language; the engine's messages: autograd/locale).
Everything users need is exported here: code outside autograd/ uses these names
only (tests/test_engine_boundary.py holds nn/, viz/ and bench/ to it).
"""
from .backward import (
    BackwardStep,
    GradientAccumulationWarning,
    backward_from,
    count_paths,
    derivative,
    derivatives,
)
from .format import format_number
from .functional import (
    GradcheckResult,
    LocalDerivativeCheck,
    LocalDerivativeMark,
    check_local_derivative,
    grad,
    gradcheck,
)
from .node import (
    AnomalyError,
    Node,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
    topological_order,
    zero_grad,
)
from .ops import Op
from .paths import Edge, Path, Paths, edges_below, local_derivatives, paths
from .value import Value
from .tensor import ShapeError, Tensor

__all__ = [
    "AnomalyError", "BackwardStep", "Edge", "GradcheckResult", "GradientAccumulationWarning",
    "LocalDerivativeCheck", "LocalDerivativeMark", "Node", "Op", "Path", "Paths", "ShapeError",
    "Tensor", "Value", "backward_from", "check_local_derivative", "count_paths", "derivative",
    "derivatives", "detect_anomaly", "edges_below",
    "enable_grad", "format_number", "grad", "gradcheck", "is_grad_enabled",
    "local_derivatives", "no_grad", "paths", "set_grad_enabled", "topological_order",
    "zero_grad",
]
