"""`Value`: one scalar node. Each operator is one line over the primitives of `value_ops`."""

from __future__ import annotations

import math
import numbers
from typing import Any, ClassVar

import numpy as np

from autograd import value_ops
from autograd.engine import Node
from autograd.op import Operators, ValueOp, apply, raw
from autograd.value_ops import Cos, Pow, PowConst, Sin

__all__ = ["Value"]


class Value(Operators, Node):
    """A scalar that records how it was computed, so `backward` can apply the chain rule.

    Args:
        data: An int, float or numpy real scalar; stored as a Python float.
        label: A name shown in pictures.

    Raises:
        TypeError: For anything that is not a real number.

    Example:
        >>> x = Value(2.0, label="x")
        >>> y = x * x + 3 * x
        >>> y.backward()
        >>> x.grad
        7.0
    """

    __slots__ = ()
    _grad_start = 0.0
    primitives: ClassVar[Any] = value_ops
    data: float
    grad: float

    def __init__(self, data: Any, label: str = "") -> None:
        super().__init__(data if type(data) is float else _to_float(data), label)

    # ------------------------------------------------------------------ engine hooks
    def _ones(self) -> float:
        return 1.0

    def _zeros(self) -> float:
        return 0.0

    def _seed(self, grad: Any) -> float:
        return 1.0 if grad is None else _to_float(raw(grad))

    def _from_hook(self, g: Any, create_graph: bool) -> Any:
        if create_graph and isinstance(g, Value):
            return g
        try:
            v = _to_float(raw(g))
        except TypeError:
            raise TypeError(
                f"register_hook: the hook returned a {type(g).__name__}, expected None or a number"
            ) from None
        return Value(v) if create_graph else v

    _accumulate = Node._add_to_grad  # floats are immutable: the fast path adds inline

    @staticmethod
    def _all_finite(data: Any) -> bool:
        return math.isfinite(data)

    @classmethod
    def _lift(cls, x: Any, like: Node) -> Value:
        return cls(x)

    @classmethod
    def _wrap(cls, data: Any) -> Value:
        return cls(data)

    # ------------------------------------------------------- scalar-only operators
    def __pow__(self, other: Any) -> Value:
        out: Value = (
            apply(Pow, self, other)
            if isinstance(other, Value)
            else apply(PowConst, self, n=_to_float(other))
        )
        return out

    def __rpow__(self, other: Any) -> Value:
        out: Value = apply(Pow, other, self)
        return out

    def sin(self) -> Value:
        """Sine."""
        out: Value = apply(Sin, self)
        return out

    def cos(self) -> Value:
        """Cosine."""
        out: Value = apply(Cos, self)
        return out

    def item(self) -> float:
        """The data as a Python float (as ``Tensor.item``)."""
        return self.data

    def __float__(self) -> float:
        return self.data

    def __bool__(self) -> bool:
        return self.data != 0.0  # as a float's truth (without it, every Value was true)

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else str(self)  # f"{v:.3f}" formats the data

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"


ValueOp.bind(Value)


def _to_float(x: Any) -> float:
    """Check that `x` is a real number and return it as a float."""
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"Value: expected a real number, got bool ({x!r})")
    if isinstance(x, numbers.Real):
        return float(x)
    if isinstance(x, np.ndarray) and x.size == 1 and x.dtype.kind in "iuf":
        return float(x.reshape(()))
    kind = f"an array of shape {x.shape}" if isinstance(x, np.ndarray) else type(x).__name__
    raise TypeError(f"Value: expected an int, float or numpy real scalar, got {kind}")
