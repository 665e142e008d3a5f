"""chainrule's autograd: scalar `Value` and n-dimensional `Tensor` nodes on one graph walk."""

from autograd.codegen import Program, backward_code
from autograd.compiled import CompiledStep, compile  # noqa: A004 - the name API.md gives
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
from autograd.tensor import Tensor
from autograd.value import Value
from autograd.viz import draw_graph

__all__ = [
    "CompiledStep",
    "Program",
    "Step",
    "Tensor",
    "Value",
    "backward_code",
    "backward_steps",
    "compile",
    "concat",
    "detect_anomaly",
    "draw_graph",
    "grad",
    "gradcheck",
    "no_grad",
    "stack",
    "topological_order",
    "where",
]
