"""chainrule's autograd: scalar `Value` and n-dimensional `Tensor` nodes on one graph walk."""

from autograd.engine import (
    Step,
    backward_steps,
    detect_anomaly,
    grad,
    no_grad,
    topological_order,
)
from autograd.value import Value

__all__ = [
    "Step",
    "Value",
    "backward_steps",
    "detect_anomaly",
    "grad",
    "no_grad",
    "topological_order",
]
