"""chainrule's autograd: scalar `Value` and n-dimensional `Tensor` nodes on one graph walk."""

from autograd.composite import (
    binary_cross_entropy,
    concat,
    softmax_cross_entropy,
    stack,
    where,
)
from autograd.engine import (
    Step,
    backward_steps,
    detect_anomaly,
    grad,
    no_grad,
    topological_order,
)
from autograd.gradcheck import gradcheck
from autograd.tensor import Tensor
from autograd.value import Value
from autograd.viz import draw_graph

__all__ = [
    "Step",
    "Tensor",
    "Value",
    "backward_steps",
    "binary_cross_entropy",
    "concat",
    "detect_anomaly",
    "draw_graph",
    "grad",
    "gradcheck",
    "no_grad",
    "softmax_cross_entropy",
    "stack",
    "topological_order",
    "where",
]
