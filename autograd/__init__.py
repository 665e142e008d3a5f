"""chainrule's autograd: scalar `Value` and n-dimensional `Tensor` nodes on one graph walk."""

__version__ = "0.2.0"  # the one version number: the package metadata and the CLI read it

from autograd.install import check_install

check_install()  # before anything else: another package's files in this folder break imports

from autograd.codegen import Program, backward_code
from autograd.compiled import CompiledStep, compile  # noqa: A004 - the name API.md gives
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
from autograd.functions import (
    arange,
    eye,
    full,
    maximum,
    minimum,
    ones,
    ones_like,
    rand,
    randn,
    zeros,
    zeros_like,
)
from autograd.gradcheck import gradcheck
from autograd.page import Page, step_through
from autograd.tensor import Tensor
from autograd.value import Value
from autograd.viz import draw_graph

__all__ = [
    "CompiledStep",
    "Page",
    "Program",
    "Step",
    "Tensor",
    "Value",
    "arange",
    "backward_code",
    "backward_steps",
    "binary_cross_entropy",
    "compile",
    "concat",
    "detect_anomaly",
    "draw_graph",
    "eye",
    "full",
    "grad",
    "gradcheck",
    "maximum",
    "minimum",
    "no_grad",
    "ones",
    "ones_like",
    "rand",
    "randn",
    "softmax_cross_entropy",
    "stack",
    "step_through",
    "topological_order",
    "where",
    "zeros",
    "zeros_like",
]
