"""`Value`: one scalar node. Each operator is one line over the primitives of `value_ops`."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from autograd.engine import Node
from autograd.op import ValueOp, apply
from autograd.value_ops import (
    Abs,
    Add,
    Cos,
    Exp,
    Log,
    Mul,
    Pow,
    PowConst,
    Relu,
    Sigmoid,
    Sin,
    Sqrt,
    Tanh,
)

__all__ = ["Value"]


class Value(Node):
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
    requires_grad = True  # a Value always records its parents
    data: float
    grad: float

    def __init__(self, data: Any, label: str = "") -> None:
        self.data = data if type(data) is float else _to_float(data)
        self.grad = 0.0
        self.parents = ()
        self._op = None
        self._params = None
        self._pass = None
        self.label = label

    @classmethod
    def _from_op(
        cls,
        data: float,
        parents: tuple[Node, ...],
        op: type[ValueOp] | None,
        params: dict[str, Any] | None,
    ) -> Value:
        v = object.__new__(cls)
        v.data = data
        v.grad = 0.0
        v.parents = parents
        v._op = op
        v._params = params
        v._pass = None
        v.label = ""
        return v

    # ------------------------------------------------------------------ engine hooks
    def _ones(self) -> float:
        return 1.0

    def _zeros(self) -> float:
        return 0.0

    def _accumulate(self, g: float) -> None:
        self.grad += g

    @classmethod
    def _lift(cls, x: Any, like: Node) -> Value:
        return cls(x)

    @classmethod
    def _wrap(cls, data: Any) -> Value:
        return cls(data)

    # --------------------------------------------------------------------- operators
    def __add__(self, other: Any) -> Value:
        return apply(Add, self, other)

    def __radd__(self, other: Any) -> Value:
        return apply(Add, other, self)

    def __mul__(self, other: Any) -> Value:
        return apply(Mul, self, other)

    def __rmul__(self, other: Any) -> Value:
        return apply(Mul, other, self)

    def __pow__(self, other: Any) -> Value:
        if isinstance(other, Value):
            return apply(Pow, self, other)
        return apply(PowConst, self, n=_to_float(other))

    def __rpow__(self, other: Any) -> Value:
        return apply(Pow, other, self)

    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Any) -> Value:
        return apply(Add, self, -other)

    def __rsub__(self, other: Any) -> Value:
        return apply(Add, other, -self)

    def __truediv__(self, other: Any) -> Value:
        return self * (other**-1 if isinstance(other, Value) else 1.0 / _to_float(other))

    def __rtruediv__(self, other: Any) -> Value:
        return apply(Mul, other, self**-1)

    # ----------------------------------------------------------------------- methods
    def exp(self) -> Value:
        """The exponential, e ** self; overflows to inf."""
        return apply(Exp, self)

    def log(self) -> Value:
        """Natural logarithm; raises ValueError for a non-positive number."""
        return apply(Log, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        return apply(Tanh, self)

    def sigmoid(self) -> Value:
        """Logistic sigmoid 1 / (1 + e ** -self)."""
        return apply(Sigmoid, self)

    def relu(self) -> Value:
        """max(0, self)."""
        return apply(Relu, self)

    def sqrt(self) -> Value:
        """Square root; raises ValueError for a negative number."""
        return apply(Sqrt, self)

    def sin(self) -> Value:
        """Sine."""
        return apply(Sin, self)

    def cos(self) -> Value:
        """Cosine."""
        return apply(Cos, self)

    def abs(self) -> Value:
        """Absolute value."""
        return apply(Abs, self)

    def __abs__(self) -> Value:
        return self.abs()

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"


ValueOp.node_type = Value


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
