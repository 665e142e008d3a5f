"""Scalar primitives: `forward` on Python floats, `vjp` on floats or on Values.

Each rule is written with operators and the helpers below, which accept raw data as well
as nodes, so one line serves the fast plain backward and ``create_graph``. Where the math is
the same for arrays, `tensor_ops` reuses the rule.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from autograd.engine import Node
from autograd.op import ValueOp, apply, binary, raw

# ----------------------------------------------------------------- helpers for the rules


def _cos(x: Any) -> Any:
    return math.cos(x) if isinstance(x, float) else x.cos()


def _sin(x: Any) -> Any:
    return math.sin(x) if isinstance(x, float) else x.sin()


def _log(x: Any) -> Any:
    return math.log(x) if isinstance(x, float) else x.log()


def _power(x: Any, n: Any) -> Any:
    """Power for a rule: on a raw float 0 with a negative exponent, the limit inf, not an error."""
    if isinstance(x, float):
        return _float_pow(x, n, "pow", strict=False)
    return x**n


def _float_pow(x: float, n: float, name: str, strict: bool = True) -> float:
    """Power on floats, with overflow to inf and clear domain errors."""
    try:
        out = x**n
    except ZeroDivisionError:
        if strict:
            raise ValueError(
                f"{name}: 0.0 ** {n:g} is undefined (division by zero); "
                "expected a non-zero base for a negative exponent"
            ) from None
        return math.inf
    except OverflowError:
        negative = x < 0 and float(n).is_integer() and int(n) % 2 == 1
        return -math.inf if negative else math.inf
    if not isinstance(out, float):  # a negative base to a fractional power is complex
        raise ValueError(
            f"{name}: {x:g} ** {n:g} is not a real number; "
            "expected a non-negative base for a non-integer exponent"
        )
    return out


# ----------------------------------------------------------------------- the primitives


class Add(ValueOp):
    """x + y; both derivatives are 1."""

    name = "+"
    forward = staticmethod(operator.add)  # a C function: no Python frame on the hot path

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, y: Any) -> tuple[Any, Any]:
        return g, g


class Sub(ValueOp):
    """x - y; d/dx = 1, d/dy = -1."""

    name = "-"
    forward = staticmethod(operator.sub)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, y: Any) -> tuple[Any, Any]:
        return g, -g


class Neg(ValueOp):
    """-x; its derivative is -1."""

    name = "neg"
    forward = staticmethod(operator.neg)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (-g,)


class Mul(ValueOp):
    """x * y; d/dx = y, d/dy = x."""

    name = "*"
    forward = staticmethod(operator.mul)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, y: Any) -> tuple[Any, Any]:
        return g * y, g * x


class PowConst(ValueOp):
    """x ** n for a constant n; its derivative is n * x ** (n - 1)."""

    name = "**n"

    @classmethod
    def describe(cls, params: dict[str, Any]) -> str:
        return f"**{params['n']:g}"

    @staticmethod
    def forward(x: float, n: float) -> float:
        return _float_pow(x, n, "pow")

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, n: float) -> tuple[Any]:
        return (g * (n * _power(x, n - 1)),)


class Pow(ValueOp):
    """x ** y for two Values; d/dx = y * x ** (y - 1), d/dy = x ** y * log(x)."""

    name = "**"

    @staticmethod
    def forward(x: float, y: float) -> float:
        return _float_pow(x, y, "pow")

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, y: Any) -> tuple[Any, Any]:
        if raw(x) > 0:
            dy = g * (out * _log(x))
        elif raw(out) == 0:  # 0 ** y with y > 0: the limit of x ** y * log(x) is 0
            dy = g * 0.0
        else:
            raise ValueError(
                f"pow: d(x ** y)/dy is not real at x = {raw(x):g}; "
                "expected a positive base when the exponent is a Value"
            )
        return g * (y * _power(x, y - 1)), dy


class Exp(ValueOp):
    """exp(x); its derivative is exp(x). Overflows to inf."""

    name = "exp"

    @staticmethod
    def forward(x: float) -> float:
        try:
            return math.exp(x)
        except OverflowError:
            return math.inf

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g * out,)


class Log(ValueOp):
    """log(x) for x > 0; its derivative is 1 / x."""

    name = "log"

    @staticmethod
    def forward(x: float) -> float:
        if x <= 0:
            raise ValueError(f"log: expected a positive number, got {x!r}")
        return math.log(x)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g / x,)


class Tanh(ValueOp):
    """tanh(x); its derivative is 1 - tanh(x) ** 2."""

    name = "tanh"
    forward = staticmethod(math.tanh)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g * (1.0 - out * out),)


class Sigmoid(ValueOp):
    """1 / (1 + exp(-x)); its derivative is s * (1 - s)."""

    name = "sigmoid"

    @staticmethod
    def forward(x: float) -> float:
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)  # for x < 0 this form never overflows
        return e / (1.0 + e)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g * (out * (1.0 - out)),)


class Relu(ValueOp):
    """max(0, x); its derivative is 1 for x > 0, else 0 (as in PyTorch)."""

    name = "relu"

    @staticmethod
    def forward(x: float) -> float:
        return x if x > 0 else 0.0

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g * (1.0 if raw(x) > 0 else 0.0),)


class Sqrt(ValueOp):
    """sqrt(x) for x >= 0; its derivative is 1 / (2 sqrt(x)), +inf at 0 as in PyTorch."""

    name = "sqrt"

    @staticmethod
    def forward(x: float) -> float:
        if x < 0:
            raise ValueError(f"sqrt: expected a non-negative number, got {x!r}")
        return math.sqrt(x)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g * (0.5 * _power(out, -1.0)),)


class Sin(ValueOp):
    """sin(x); its derivative is cos(x)."""

    name = "sin"

    @staticmethod
    def forward(x: float) -> float:
        return math.sin(x)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g * _cos(x),)


class Cos(ValueOp):
    """cos(x); its derivative is -sin(x)."""

    name = "cos"

    @staticmethod
    def forward(x: float) -> float:
        return math.cos(x)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g * -_sin(x),)


class Abs(ValueOp):
    """|x|; its derivative is sign(x), 0 at 0 (as in PyTorch)."""

    name = "abs"

    @staticmethod
    def forward(x: float) -> float:
        return abs(x)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        v = raw(x)
        return (g * (1.0 if v > 0 else -1.0 if v < 0 else 0.0),)


# ------------------------------------------------------------ more ops (numpy habits)


class Div(ValueOp):
    """x / y; d/dx = 1 / y, d/dy = -x / y ** 2 (written -out / y, reusing the output)."""

    name = "/"

    @staticmethod
    def forward(x: float, y: float) -> float:
        try:
            return x / y
        except ZeroDivisionError:
            raise ZeroDivisionError(
                f"/: division by zero ({x!r} / {y!r}); expected a non-zero divisor"
            ) from None

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, y: Any) -> tuple[Any, Any]:
        return g / y, -(g * out) / y


# ------------------------------------------------------------------ numpy's ufuncs


def _ufunc_power(x: Any, y: Any) -> Any:
    if isinstance(y, Node):
        return binary(Pow, x, y)
    return apply(PowConst, x, n=float(y))


def compare(ufunc: Any) -> Callable[[Any, Any], Any]:
    """A comparison ufunc on the operands' data: a bool or a boolean array, no node."""
    return lambda x, y: ufunc(raw(x), raw(y))


def same(x: Any, y: Any) -> bool:
    """``np.equal`` on a node: identity, as ``==`` (nodes key dicts and sets)."""
    return x is y


def different(x: Any, y: Any) -> bool:
    """``np.not_equal`` on a node: identity, as ``!=``."""
    return x is not y


_BINARY = {np.add: "Add", np.subtract: "Sub", np.multiply: "Mul", np.divide: "Div"}
_UNARY = {
    np.negative: "Neg",
    np.exp: "Exp",
    np.log: "Log",
    np.tanh: "Tanh",
    np.sqrt: "Sqrt",
    np.absolute: "Abs",
    np.sin: "Sin",
    np.cos: "Cos",
}


def ufunc_rules(ops: dict[str, Any]) -> dict[Any, Callable[..., Any]]:
    """The ufunc rules shared by both node kinds, over the op classes named in `ops`."""
    rules: dict[Any, Callable[..., Any]] = {
        np.square: partial(apply, ops["PowConst"], n=2.0),
        np.greater: compare(np.greater),
        np.greater_equal: compare(np.greater_equal),
        np.less: compare(np.less),
        np.less_equal: compare(np.less_equal),
        np.equal: same,
        np.not_equal: different,
    }
    rules.update({u: partial(binary, ops[name]) for u, name in _BINARY.items()})
    rules.update({u: partial(apply, ops[name]) for u, name in _UNARY.items()})
    return rules


UFUNCS = {**ufunc_rules(globals()), np.power: _ufunc_power}
"""The rule for each numpy ufunc on a Value (`Operators.__array_ufunc__` reads it)."""
