"""chainrule's autograd: scalar `Value` and n-dimensional `Tensor` nodes on one graph walk."""

__version__ = "0.2.0"  # the one version number: the package metadata and the CLI read it

from autograd.composite import concat, stack, where
from autograd.engine import (
    Step,
    backward_steps,
    detect_anomaly,
    grad,
    no_grad,
    topological_order,
)
from autograd.gradcheck import gradcheck
from autograd.page import Page, step_through
from autograd.tensor import Tensor
from autograd.value import Value
from autograd.viz import draw_graph

__all__ = [
    "Page",
    "Step",
    "Tensor",
    "Value",
    "backward_steps",
    "concat",
    "detect_anomaly",
    "draw_graph",
    "grad",
    "gradcheck",
    "no_grad",
    "stack",
    "step_through",
    "topological_order",
    "where",
]
