"""chainrule's autograd engine: Value (scalar) and Tensor (numpy) nodes that
record every operation and back-propagate with the chain rule."""
from .backward import (
    BackwardStep,
    GradientAccumulationWarning,
    backward_from,
    count_paths,
    derivative,
    derivatives,
)
from .format import format_number
from .functional import GradcheckResult, grad, gradcheck
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
    "Node", "Op", "Path", "Paths", "ShapeError", "Tensor", "Value", "backward_from",
    "count_paths", "derivative", "derivatives", "detect_anomaly", "edges_below",
    "enable_grad", "format_number", "grad", "gradcheck", "is_grad_enabled",
    "local_derivatives", "no_grad", "paths", "set_grad_enabled", "topological_order",
    "zero_grad",
]
