"""Tensor primitives: `forward` on ndarrays, `vjp` on ndarrays or on Tensors.

A rule returns each input's gradient in the output's shape when the op broadcasts; the
engine sums it back to the input's shape. Rules are written with operators, methods that
ndarrays and Tensors share (``reshape``, ``sum``, ``T``) and the helpers below, so one line
serves the fast plain backward and ``create_graph``.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np

from autograd import value_ops
from autograd.engine import Node
from autograd.op import TensorOp, apply, binary, raw

Shape = tuple[int, ...]
Axis = int | tuple[int, ...] | None

# ----------------------------------------------------------------- helpers for the rules


def _exp(x: Any) -> Any:
    if isinstance(x, (np.ndarray, np.generic)):  # raw data: 0-d arithmetic gives numpy scalars
        return np.exp(x)
    return x.exp()


def _swap_last(x: Any) -> Any:
    """Swap the last two axes (the matrix transpose of a batch)."""
    if x.ndim == 2:
        return x.T
    axes = (*range(x.ndim - 2), x.ndim - 1, x.ndim - 2)
    return x.transpose(*axes)


def expand(g: Any, shape: Shape) -> Any:
    """Broadcast `g` to `shape` (raw data: a new, writable array)."""
    if isinstance(g, Node):
        return apply(BroadcastTo, g, shape=shape)
    out = np.empty(shape, dtype=g.dtype)
    out[...] = g  # cheaper than np.broadcast_to, and the result can become a .grad as it is
    return out


def sum_to_shape(g: Any, shape: Shape) -> Any:
    """Sum a broadcast gradient back to `shape`: over leading axes and axes of size 1."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if g.shape[lead:] == shape:  # only leading axes were added (a bias): no reshape needed
        return g.sum(axis=0 if lead == 1 else tuple(range(lead)))
    kept = tuple(lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    return g.sum(axis=tuple(range(lead)) + kept, keepdims=True).reshape(shape)


def axes_of(name: str, axis: Axis, shape: Shape) -> tuple[int, ...] | None:
    """`axis` (None, an int or a tuple of ints) as sorted non-negative axes; None means all.

    Negative axes count from the end. A 0-d tensor takes axis 0 and -1 (reducing nothing),
    as in PyTorch.

    Raises:
        TypeError: Naming `name`, for an axis that is not an int (a float, a bool, a string).
        ValueError: Naming `name`, for an axis out of range or one named twice.
    """
    if axis is None:
        return None
    axes = (axis,) if not isinstance(axis, (tuple, list)) else tuple(axis)
    bound = max(len(shape), 1)
    for a in axes:
        check_int(name, a, axis)
        if not -bound <= a < bound:
            raise ValueError(f"{name}: axis {a} is out of range for a tensor of shape {shape}")
    normal = tuple(sorted({int(a) % bound for a in axes}))
    if len(normal) != len(axes):
        raise ValueError(f"{name}: axis {axis} names an axis twice")
    return normal if shape else ()


def check_int(name: str, a: Any, axis: Any = None) -> None:
    """Raise the TypeError naming `name` unless `a` is an int (1.0 would pass as axis 1)."""
    if type(a) is not int and not isinstance(a, np.integer):
        shown = a if axis is None else axis
        raise TypeError(f"{name}: axis {shown!r} is not an axis; expected an int or ints")


def _keepdims_shape(shape: Shape, axes: tuple[int, ...] | None) -> Shape:
    """The shape of a reduction over `axes` (as `axes_of` gives them) with ``keepdims=True``."""
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def shift(x: np.ndarray, axes: tuple[int, ...] | None) -> np.ndarray:
    """The maximum over `axes` (kept as size 1), 0 where it is not finite or the axis empty.

    Subtracted before ``exp`` so that it never overflows; softmax, log_softmax and
    logsumexp do not depend on the shift, so it is a constant of the graph.
    """
    m = np.max(x, axis=axes, keepdims=True, initial=-np.inf)
    return np.where(np.isfinite(m), m, 0.0).astype(x.dtype, copy=False)


def _shape_error(name: str, inputs: tuple[Any, ...], error: ValueError) -> ValueError:
    shapes = " and ".join(str(x.shape) for x in inputs)
    return ValueError(f"{name}: shapes {shapes} do not fit ({error})")


class _ShapedOp(TensorOp):
    """Base of the ops that combine shapes: a numpy ValueError names the op and the shapes."""

    @classmethod
    def explain(
        cls, error: ValueError, inputs: tuple[Node, ...], params: dict[str, Any]
    ) -> Exception:
        return _shape_error(cls.describe(params), inputs, error)


# ------------------------------------------------------------------- elementwise, binary


class Add(_ShapedOp):
    """x + y with broadcasting; both derivatives are 1."""

    name = "+"
    forward = staticmethod(np.add)
    vjp = staticmethod(value_ops.Add.vjp)  # the scalar rule, elementwise


class Sub(_ShapedOp):
    """x - y with broadcasting; d/dx = 1, d/dy = -1."""

    name = "-"
    forward = staticmethod(np.subtract)
    vjp = staticmethod(value_ops.Sub.vjp)  # the scalar rule, elementwise


class Neg(TensorOp):
    """-x; its derivative is -1."""

    name = "neg"
    forward = staticmethod(np.negative)
    vjp = staticmethod(value_ops.Neg.vjp)  # the scalar rule, elementwise


class Mul(_ShapedOp):
    """x * y with broadcasting; d/dx = y, d/dy = x."""

    name = "*"
    forward = staticmethod(np.multiply)
    vjp = staticmethod(value_ops.Mul.vjp)  # the scalar rule, elementwise


class PowConst(TensorOp):
    """x ** n for a constant n; its derivative is n * x ** (n - 1)."""

    name = "**n"
    describe = value_ops.PowConst.describe  # "**2": the same name as the scalar op

    @staticmethod
    def forward(x: np.ndarray, n: float) -> Any:
        return np.power(x, n)

    vjp = staticmethod(value_ops.PowConst.vjp)  # the scalar rule, elementwise


class MatMul(_ShapedOp):
    """x @ y for 1-D, 2-D and batched operands; d/dx = g @ y.T, d/dy = x.T @ g."""

    name = "@"
    needs_mask = True  # skip the product for an input that needs no gradient (the data)
    forward = staticmethod(np.matmul)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, y: Any, needs: tuple[bool, bool]) -> tuple[Any, Any]:
        if x.ndim == 2 and y.ndim == 2:  # the common case, without reshapes
            return (g @ y.T if needs[0] else None), (x.T @ g if needs[1] else None)
        # A 1-D x acts as a row (1, k) and a 1-D y as a column (k, 1); g gets those axes too.
        x1, y1 = x.ndim == 1, y.ndim == 1
        g_shape = list(g.shape) + [1] * y1
        if x1:
            g_shape.insert(len(g_shape) - 1, 1)
        g = g.reshape(tuple(g_shape))
        dx = dy = None
        if needs[0]:
            dx = g @ _swap_last(y.reshape(-1, 1) if y1 else y)
            dx = dx.reshape((*dx.shape[:-2], dx.shape[-1])) if x1 else dx
        if needs[1]:
            dy = _swap_last(x.reshape(1, -1) if x1 else x) @ g
            dy = dy.reshape(dy.shape[:-1]) if y1 else dy
        return dx, dy


# -------------------------------------------------------------------- elementwise, unary


class Exp(TensorOp):
    """exp(x); its derivative is exp(x)."""

    name = "exp"
    forward = staticmethod(np.exp)
    vjp = staticmethod(value_ops.Exp.vjp)  # the scalar rule, elementwise


class Log(TensorOp):
    """log(x); its derivative is 1 / x. Follows numpy: log(0) = -inf."""

    name = "log"
    forward = staticmethod(np.log)
    vjp = staticmethod(value_ops.Log.vjp)  # the scalar rule, elementwise


class Tanh(TensorOp):
    """tanh(x); its derivative is 1 - tanh(x) ** 2."""

    name = "tanh"
    forward = staticmethod(np.tanh)
    vjp = staticmethod(value_ops.Tanh.vjp)  # the scalar rule, elementwise


class Sigmoid(TensorOp):
    """1 / (1 + exp(-x)); its derivative is s * (1 - s)."""

    name = "sigmoid"

    @staticmethod
    def forward(x: np.ndarray) -> Any:
        # exp of a non-positive number never overflows: use exp(-|x|) on both sides.
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))

    vjp = staticmethod(value_ops.Sigmoid.vjp)  # the scalar rule, elementwise


class Relu(TensorOp):
    """max(0, x); its derivative is 1 where x > 0, else 0 (1 at nan, where relu is nan: torch's)."""

    name = "relu"

    @staticmethod
    def forward(x: np.ndarray) -> Any:
        return np.maximum(x, 0)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g * (raw(out) != 0),)  # out is x where x > 0, 0 below, nan at nan


class Sqrt(TensorOp):
    """sqrt(x); its derivative is 1 / (2 sqrt(x)). Follows numpy: sqrt(-1) = nan."""

    name = "sqrt"
    forward = staticmethod(np.sqrt)
    vjp = staticmethod(value_ops.Sqrt.vjp)  # the scalar rule, elementwise


class Abs(TensorOp):
    """|x|; its derivative is sign(x), 0 at 0 and at nan (as in PyTorch, and `Value.abs`)."""

    name = "abs"
    forward = staticmethod(np.abs)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g * np.nan_to_num(np.sign(raw(x)), copy=False),)


# ------------------------------------------------------------------------- reductions


class Sum(TensorOp):
    """Sum over `axis`; the gradient is g broadcast back to x's shape."""

    name = "sum"

    @staticmethod
    def forward(x: np.ndarray, axis: Axis, keepdims: bool) -> Any:
        return x.sum(axis=axes_of("sum", axis, x.shape), keepdims=keepdims)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, axis: Axis, keepdims: bool) -> tuple[Any]:
        if axis is not None and not keepdims:  # put the summed axes back as size 1
            g = g.reshape(_keepdims_shape(x.shape, axes_of("sum", axis, x.shape)))
        return (expand(g, x.shape),)


class Max(TensorOp):
    """Maximum over `axis`; tied maxima share the gradient equally."""

    name = "max"

    @staticmethod
    def forward(x: np.ndarray, axis: Axis, keepdims: bool) -> Any:
        return _extreme("max", "maximum", np.maximum, x, axis, keepdims)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, axis: Axis, keepdims: bool) -> tuple[Any]:
        axes = axes_of("max", axis, x.shape)
        shape = _keepdims_shape(x.shape, axes)
        mask = (raw(x) == raw(out).reshape(shape)).astype(raw(x).dtype)
        share = mask / mask.sum(axis=axes, keepdims=True)
        return (g.reshape(shape) * share,)


def _extreme(name: str, what: str, ufunc: Any, x: np.ndarray, axis: Axis, keepdims: bool) -> Any:
    """The forward of `Max` and `Min`: ``ufunc.reduce`` over `axis`, never over no elements."""
    axes = axes_of(name, axis, x.shape)
    if any(x.shape[a] == 0 for a in (range(x.ndim) if axes is None else axes)):
        raise ValueError(
            f"{name}: cannot take the {what} of no elements (axis {axis} of a tensor of "
            f"shape {x.shape}); expected a non-empty axis"
        )
    return ufunc.reduce(x, axis=axes, keepdims=keepdims)


class LogSumExp(TensorOp):
    """log(sum(exp(x))) over `axis`; its derivative is softmax(x)."""

    name = "logsumexp"

    @staticmethod
    def forward(x: np.ndarray, axis: Axis, keepdims: bool) -> Any:
        axes = axes_of("logsumexp", axis, x.shape)
        m = shift(x, axes)
        with np.errstate(divide="ignore"):  # log(0) = -inf: an empty axis, or a row of -inf
            out = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
        return out if keepdims else np.squeeze(out, axis=axes)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, axis: Axis, keepdims: bool) -> tuple[Any]:
        shape = _keepdims_shape(x.shape, axes_of("logsumexp", axis, x.shape))
        return (g.reshape(shape) * _exp(x - out.reshape(shape)),)


class SoftmaxCrossEntropy(TensorOp):
    """mean over rows of -sum(target * log_softmax(x)); its derivative is softmax(x) - target.

    Fused so the backward pass is one subtraction (the ``probs - onehot`` of the tutorials)
    instead of a chain of ops. `target` holds one-hot rows or probabilities, shaped like x.
    """

    name = "cross_entropy"

    saves = True  # the softmax, which the backward pass needs

    @staticmethod
    def forward(x: np.ndarray, target: np.ndarray) -> tuple[Any, np.ndarray]:
        # The ufuncs' reduce methods: the ndarray methods add a Python wrapper per call.
        # In place where the arrays are our own: tiny batches pay more per allocation.
        shifted = x - np.maximum.reduce(x, axis=-1, keepdims=True)  # exp never overflows
        probs = np.exp(shifted)
        total = np.add.reduce(probs, axis=-1, keepdims=True)
        probs /= total
        shifted -= np.log(total, out=total)  # now log_softmax(x)
        if math.isinf(np.add.reduce(shifted, axis=None)):  # a logit of -inf: a masked class
            shifted[target == 0] = 0.0  # count each 0 * log(0) as 0, its limit (as torch)
        shifted *= target  # (a sum, not np.errstate, decides: the context costs 1 µs)
        return -np.add.reduce(shifted, axis=None) / (x.size // x.shape[-1]), probs

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, target: np.ndarray, saved: np.ndarray) -> tuple[Any]:
        rows = x.size // x.shape[-1]
        if not isinstance(x, np.ndarray):  # differentiable: recompute softmax from x
            return ((x.softmax(axis=-1) - target) * (g / rows),)
        return ((saved - target) * (g / rows),)


class BinaryCrossEntropy(TensorOp):
    """Elementwise binary cross-entropy with PyTorch's clamps (the scalar op, elementwise)."""

    name = "binary_cross_entropy"

    @staticmethod
    def forward(p: np.ndarray, target: np.ndarray) -> Any:
        bad = p[~((p >= 0) & (p <= 1))]  # nan is bad too
        if bad.size:
            raise value_ops.probability_error(float(bad.ravel()[0]))
        with np.errstate(divide="ignore"):  # log(0) = -inf, clamped just below
            log_p = np.maximum(np.log(p), value_ops._LOG_FLOOR)
            log_q = np.maximum(np.log1p(-p), value_ops._LOG_FLOOR)
        return -(target * log_p + (1 - target) * log_q)

    vjp = staticmethod(value_ops.BinaryCrossEntropy.vjp)  # the scalar rule, elementwise


# --------------------------------------------------------------------------- shapes


class Reshape(TensorOp):
    """x viewed with a new shape; the gradient is g reshaped back."""

    name = "reshape"

    @staticmethod
    def forward(x: np.ndarray, shape: Shape) -> Any:
        return np.reshape(x, shape)

    @classmethod
    def explain(
        cls, error: ValueError, inputs: tuple[Any, ...], params: dict[str, Any]
    ) -> Exception:
        return ValueError(
            f"reshape: cannot reshape a tensor of shape {inputs[0].shape} to {params['shape']}"
        )

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, shape: Shape) -> tuple[Any]:
        return (g.reshape(x.shape),)


class Transpose(TensorOp):
    """x with permuted axes; the gradient is g permuted back."""

    name = "transpose"

    @staticmethod
    def forward(x: np.ndarray, axes: tuple[int, ...] | None) -> Any:
        return np.transpose(x, None if axes is None else _permutation(axes, x.shape))

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, axes: tuple[int, ...] | None) -> tuple[Any]:
        if axes is None:  # reversed axes are their own inverse
            return (g.transpose(),)
        inverse = np.argsort(_permutation(axes, x.shape))
        return (g.transpose(*[int(i) for i in inverse]),)


def _permutation(axes: tuple[int, ...], shape: Shape) -> tuple[int, ...]:
    """`axes` with negative axes counted from the end: a permutation of ``range(ndim)``."""
    n = len(shape)
    for a in axes:
        check_int("transpose", a, axes)
    normal = tuple(int(a) + n if -n <= a < 0 else int(a) for a in axes)
    if sorted(normal) != list(range(n)):
        raise ValueError(
            f"transpose: axes {axes} are not a permutation of the {n} axes of a tensor of "
            f"shape {shape}"
        )
    return normal


class BroadcastTo(TensorOp):
    """x broadcast to `shape`; the gradient is g summed back to x's shape."""

    name = "broadcast"

    @staticmethod
    def forward(x: np.ndarray, shape: Shape) -> Any:
        return np.broadcast_to(x, shape)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, shape: Shape) -> tuple[Any]:
        return (sum_to_shape(g, x.shape),)


class Index(TensorOp):
    """x[key]; the gradient scatters g back, adding where an index repeats."""

    name = "index"

    @classmethod
    def describe(cls, params: dict[str, Any]) -> str:
        return "[]"

    @staticmethod
    def forward(x: np.ndarray, key: Any) -> Any:
        try:
            return x[key]
        except IndexError as e:  # (an IndexError still: iteration stops at one)
            raise IndexError(f"index: {e}, in a tensor of shape {x.shape}") from None

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, key: Any) -> tuple[Any]:
        return (scatter(g, x.shape, key),)


class Scatter(TensorOp):
    """zeros(shape) with g added at `key`: the gradient of indexing; its own is g[key]."""

    name = "scatter"

    @staticmethod
    def forward(g: np.ndarray, shape: Shape, key: Any) -> Any:
        out = np.zeros(shape, dtype=g.dtype)
        if _has_integer_array(key):
            np.add.at(out, key, g)  # repeated indices must add up, not overwrite
        else:
            out[key] = g
        return out

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, shape: Shape, key: Any) -> tuple[Any]:
        return (g[key],)


def scatter(g: Any, shape: Shape, key: Any) -> Any:
    """zeros(shape) with g added at key (raw data or a Tensor)."""
    if isinstance(g, Node):
        return apply(Scatter, g, shape=shape, key=key)
    return Scatter.forward(g, shape, key)


def _has_integer_array(key: Any) -> bool:
    parts = key if isinstance(key, tuple) else (key,)
    return any(
        isinstance(k, (list, np.ndarray)) and np.asarray(k).dtype.kind in "iu" for k in parts
    )


class Concat(_ShapedOp):
    """Join tensors along `axis` (None: flattened, as numpy); each gets its slice of g."""

    name = "concat"

    @staticmethod
    def forward(*xs: np.ndarray, axis: int | None) -> Any:
        return np.concatenate(xs, axis=axis)

    @staticmethod
    def vjp(g: Any, out: Any, *xs: Any, axis: int | None) -> tuple[Any, ...]:
        grads = []
        start = 0
        for x in xs:
            if axis is None:
                grads.append(g[start : start + x.size].reshape(x.shape))
                start += x.size
                continue
            key = [slice(None)] * g.ndim
            key[axis] = slice(start, start + x.shape[axis])
            grads.append(g[tuple(key)])
            start += x.shape[axis]
        return tuple(grads)


class Where(_ShapedOp):
    """cond ? x : y elementwise; g goes to x where cond holds, to y elsewhere."""

    name = "where"

    @staticmethod
    def forward(x: np.ndarray, y: np.ndarray, cond: np.ndarray) -> Any:
        return np.where(cond, x, y)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, y: Any, cond: np.ndarray) -> tuple[Any, Any]:
        return g * cond, g * ~cond


# ------------------------------------------------------------ more ops (numpy habits)


def _where(cond: np.ndarray, x: Any, y: Any) -> Any:
    """`cond` ? x : y for a rule: raw arrays, or nodes (x a node) with ``create_graph``."""
    if isinstance(x, Node):
        return apply(Where, x, y, cond=cond)
    return np.where(cond, x, y)


def _cos(x: Any) -> Any:
    return np.cos(x) if isinstance(x, (np.ndarray, np.generic)) else x.cos()


def _sin(x: Any) -> Any:
    return np.sin(x) if isinstance(x, (np.ndarray, np.generic)) else x.sin()


def _log(x: Any) -> Any:
    return np.log(x) if isinstance(x, (np.ndarray, np.generic)) else x.log()


class Div(_ShapedOp):
    """x / y with broadcasting; d/dx = 1 / y, d/dy = -x / y ** 2. Follows numpy: 1 / 0 = inf."""

    name = "/"
    needs_mask = True  # a constant divisor (``x / 2``) gets no gradient computed

    forward = staticmethod(np.divide)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, y: Any, needs: tuple[bool, bool]) -> tuple[Any, Any]:
        return (g / y if needs[0] else None), (-(g * out) / y if needs[1] else None)


class Pow(_ShapedOp):
    """x ** y for tensors; d/dx = y * x ** (y - 1), d/dy = x ** y * log(x).

    As in PyTorch, d/dx is 0 where y = 0, d/dy is 0 where x = 0 and y >= 0 (the limits), and
    d/dy is nan for a negative x.
    """

    name = "**"
    needs_mask = True  # ``2 ** x`` needs no gradient for its base, ``x ** y_data`` none for y

    forward = staticmethod(np.power)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, y: Any, needs: tuple[bool, bool]) -> tuple[Any, Any]:
        dx = dy = None
        if needs[0]:
            flat = raw(y) == 0  # x ** 0 is 1 everywhere, also at x = 0 where x ** -1 is inf
            if flat.any():
                with np.errstate(divide="ignore", invalid="ignore"):  # the masked inf
                    dx = g * _where(~flat, y * x ** (y - 1), 0.0)
            else:
                dx = g * (y * x ** (y - 1))
        if needs[1]:
            limit = (raw(x) == 0) & (raw(y) >= 0)  # log(x) is replaced where the limit is 0
            dy = g * (out * _log(_where(limit, x + 1, x) if limit.any() else x))
        return dx, dy


class Sin(TensorOp):
    """sin(x); its derivative is cos(x)."""

    name = "sin"
    forward = staticmethod(np.sin)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g * _cos(x),)


class Cos(TensorOp):
    """cos(x); its derivative is -sin(x)."""

    name = "cos"
    forward = staticmethod(np.cos)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any) -> tuple[Any]:
        return (g * -_sin(x),)


class Clip(TensorOp):
    """x limited to [lo, hi] (None: no limit); its derivative is 1 where lo <= x <= hi, else 0.

    Inclusive at both limits, as PyTorch's ``clamp``.
    """

    name = "clip"

    @staticmethod
    def forward(x: np.ndarray, lo: Any, hi: Any) -> Any:
        return np.clip(x, lo, hi)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, lo: Any, hi: Any) -> tuple[Any]:
        inside = np.ones(x.shape, dtype=bool)
        if lo is not None:
            inside &= raw(x) >= lo
        if hi is not None:
            inside &= raw(x) <= hi
        return (g * inside,)


class Maximum(_ShapedOp):
    """The elementwise larger of x and y; where they tie, each gets half (as in PyTorch).

    Where either is nan (so is the result), both get the gradient, as in PyTorch.
    """

    name = "maximum"
    forward = staticmethod(np.maximum)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, y: Any) -> tuple[Any, Any]:
        a, b = raw(x), raw(y)
        half = 0.5 * (a == b)
        return g * (1.0 - half - (a < b)), g * (1.0 - half - (a > b))


class Minimum(_ShapedOp):
    """The elementwise smaller of x and y; where they tie, each gets half (as in PyTorch)."""

    name = "minimum"
    forward = staticmethod(np.minimum)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, y: Any) -> tuple[Any, Any]:
        # Where y wins maximum(y, x), x wins minimum(x, y): the same shares, in turn.
        return Maximum.vjp(g, out, y, x)


class Min(Max):
    """Minimum over `axis`; tied minima share the gradient equally (`Max`'s rule)."""

    name = "min"

    @staticmethod
    def forward(x: np.ndarray, axis: Axis, keepdims: bool) -> Any:
        return _extreme("min", "minimum", np.minimum, x, axis, keepdims)


class AsType(TensorOp):
    """x converted to another floating dtype; the gradient is g converted back."""

    name = "astype"

    @classmethod
    def describe(cls, params: dict[str, Any]) -> str:
        return f"astype({np.dtype(params['dtype'])})"

    @staticmethod
    def forward(x: np.ndarray, dtype: Any) -> Any:
        return x.astype(dtype)

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, dtype: Any) -> tuple[Any]:
        return (g.astype(x.dtype),)


# ------------------------------------------------------------------ numpy's ufuncs


def _ufunc_power(x: Any, y: Any) -> Any:
    if isinstance(y, (int, float, np.number)):
        return apply(PowConst, x, n=float(y))
    return binary(Pow, x, y)


UFUNCS = {
    **value_ops.ufunc_rules(globals()),
    np.power: _ufunc_power,
    np.matmul: partial(binary, MatMul),
    np.maximum: partial(binary, Maximum),
    np.minimum: partial(binary, Minimum),
}
"""The rule for each numpy ufunc on a Tensor (`Operators.__array_ufunc__` reads it)."""
