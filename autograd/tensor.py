"""`Tensor`: one n-dimensional node over a numpy array, on the same engine as `Value`."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from autograd import composite, tensor_ops
from autograd.engine import Node
from autograd.numpy_functions import ACCEPTED, FUNCTIONS
from autograd.op import Operators, TensorOp, apply, raw, refusal
from autograd.tensor_ops import (
    AsType,
    Axis,
    Clip,
    Cos,
    Index,
    LogSumExp,
    MatMul,
    Max,
    Min,
    Pow,
    PowConst,
    Reshape,
    Sin,
    Sum,
    Transpose,
    check_int,
    sum_to_shape,
)

__all__ = ["Tensor"]

# The base class constructor, called directly: super() costs 0.3 µs per node.
_node_from_op = Node._from_op.__func__  # type: ignore[attr-defined]
_CONSTANT = (None, None, None, None, None)  # `_from_op`'s arguments after `data` for a constant


class Tensor(Operators, Node):
    """An array that records how it was computed, so `backward` can apply the chain rule.

    Args:
        data: Anything `numpy.asarray` takes. Python numbers, bools and integer arrays
            become float64; float32 stays float32 unless `dtype` says otherwise.
        requires_grad: Record the ops on this tensor and give it a ``.grad``.
        dtype: A floating dtype to convert the data to.
        label: A name shown in pictures.

    Raises:
        TypeError: For non-numeric data.

    A tensor's ``.grad`` is its own array, with its shape and dtype: changing it in place
    changes nothing else.

    Example:
        >>> w = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        >>> loss = (w @ np.array([1.0, 1.0])).sum()
        >>> loss.backward()
        >>> w.grad
        array([[1., 1.],
               [1., 1.]])
    """

    __slots__ = ()
    primitives: ClassVar[Any] = tensor_ops
    data: np.ndarray
    grad: np.ndarray | None

    def __init__(
        self, data: Any, requires_grad: bool = False, dtype: Any = None, label: str = ""
    ) -> None:
        super().__init__(_as_array(data, dtype), label)
        self.requires_grad = bool(requires_grad)

    @classmethod
    def _from_op(cls, data: Any, rule: Any, params: Any, left: Any, right: Any, more: Any) -> Any:
        if type(data) is not np.ndarray:  # numpy scalars from 0-d arithmetic
            data = np.asarray(data)
        t: Tensor = _node_from_op(cls, data, rule, params, left, right, more)
        t.requires_grad = left is not None  # constants and no_grad results need no gradient
        return t

    # ------------------------------------------------------------------ engine hooks
    def _ones(self) -> np.ndarray:
        return np.ones(self.data.shape, self.data.dtype)  # ones_like is a slower Python wrapper

    def _zeros(self) -> np.ndarray:
        return np.zeros(self.data.shape, self.data.dtype)

    def _fit(self, g: Any) -> Any:
        shape = self.data.shape
        return g if g.shape == shape else sum_to_shape(g, shape)  # most rules fit already

    def _accumulate(self, g: np.ndarray) -> None:
        if self.grad is None:
            if type(g) is np.ndarray and g.base is None and g.dtype is self.data.dtype:
                self.grad = g  # the engine's array: a leaf's is its own (see Node)
            else:  # a view of another gradient, a read-only broadcast, a numpy scalar
                self.grad = np.array(g, dtype=self.data.dtype)
        elif self._rule is None:
            self.grad += g  # a leaf's own array, in its own dtype
        else:  # an intermediate's array may be a neighbour's too
            self.grad = (self.grad + g).astype(self.data.dtype, copy=False)

    @staticmethod
    def _all_finite(data: Any) -> bool:
        return bool(np.isfinite(data).all())

    def _seed(self, grad: Any) -> np.ndarray:
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward: grad is required for a tensor of shape {self.shape}; "
                    "pass grad= with that shape, or reduce the output first (e.g. .sum())"
                )
            return self._ones()
        return self._as_gradient(grad, "backward: grad")

    def _from_hook(self, g: Any, create_graph: bool) -> Any:
        if create_graph and isinstance(g, Tensor):
            if g.shape != self.shape:
                self._as_gradient(g.data, "register_hook: the hook's gradient")  # raises
            return g
        out = self._as_gradient(g, "register_hook: the hook's gradient")
        return Tensor(out) if create_graph else out

    def _as_gradient(self, g: Any, what: str) -> np.ndarray:
        """`g` as a new array of this tensor's shape and dtype, or the error saying `what`."""
        try:
            out = np.array(raw(g), dtype=self.data.dtype)
        except (TypeError, ValueError) as e:
            raise TypeError(
                f"{what} must be numbers of shape {self.shape}, got {type(g).__name__} ({e})"
            ) from None
        if out.shape != self.shape:
            raise ValueError(f"{what} has shape {out.shape}, expected {self.shape}")
        return out

    def _own(self, g: Any) -> Any:
        dtype = self.data.dtype
        if isinstance(g, Tensor):  # a graph (create_graph): astype keeps it differentiable
            return g if g.data.dtype == dtype else g.astype(dtype)
        return np.asarray(g, dtype)

    @classmethod
    def _lift(cls, x: Any, like: Node) -> Tensor:
        if type(x) is np.ndarray and x.dtype.kind == "f":  # the common case: data arrays
            return cls._from_op(x, *_CONSTANT)  # type: ignore[no-any-return]
        if isinstance(x, (int, float)) and not isinstance(x, bool):
            # A Python number adapts to the other operand's dtype, as in numpy.
            return cls._from_op(np.asarray(x, like.data.dtype), *_CONSTANT)  # type: ignore[no-any-return]
        if isinstance(x, (Node, str, bytes)) or x is None:
            raise TypeError(
                f"Tensor: cannot combine a Tensor with a {type(x).__name__} ({x!r}); "
                "expected a Tensor, a numpy array or a number"
            )
        arr = np.asarray(x)
        if arr.dtype.kind in "biu":
            return cls(arr, dtype=like.data.dtype)
        return cls(arr)

    @classmethod
    def _wrap(cls, data: Any) -> Tensor:
        return cls(data)

    # ------------------------------------------------------------------- properties
    @property
    def shape(self) -> tuple[int, ...]:
        """The array's shape."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return self.data.ndim

    @property
    def size(self) -> int:
        """The number of elements."""
        return self.data.size

    @property
    def dtype(self) -> np.dtype[Any]:
        """The array's dtype."""
        return self.data.dtype

    @property
    def T(self) -> Tensor:  # noqa: N802 - numpy's name
        """The transpose (axes reversed)."""
        return self.transpose()

    def item(self) -> float:
        """The single element as a Python float."""
        if self.data.size != 1:
            raise ValueError(f"item: expected a tensor with one element, got shape {self.shape}")
        return float(self.data.reshape(()))

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def detach(self) -> Tensor:
        """A new leaf sharing this data, outside the graph."""
        return Tensor(self.data, label=self.label)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len: a 0-d tensor has no length; use t.size for its element count")
        return len(self.data)

    def __iter__(self) -> Any:
        """The rows along the first axis, each a node of the graph (as ``t[i]``)."""
        if self.data.ndim == 0:  # else Python would try t[0] and stop silently at its error
            raise TypeError("iter: a 0-d tensor has no rows to iterate over; use t.item()")
        return (self[i] for i in range(len(self.data)))

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"bool: the truth of a tensor of shape {self.shape} is ambiguous; use "
                "(t.data > 0).any() or .all()"
            )
        return bool(self.data.reshape(()))

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", precision=4, threshold=20)
        extra = ", requires_grad=True" if self.requires_grad else ""
        if self.data.dtype != np.float64:
            extra += f", dtype={self.data.dtype}"
        return f"Tensor({body}{extra})"

    # ------------------------------------------------------- tensor-only operators
    def __matmul__(self, other: Any) -> Tensor:
        out: Tensor = apply(MatMul, self, other)
        return out

    def __rmatmul__(self, other: Any) -> Tensor:
        out: Tensor = apply(MatMul, other, self)
        return out

    def __pow__(self, n: Any) -> Tensor:
        if isinstance(n, (Tensor, np.ndarray)):
            return self._power(self, n)
        if isinstance(n, Node) or not isinstance(n, (int, float, np.number)):
            raise TypeError(
                f"pow: expected a number, a Tensor or an array as the exponent, "
                f"got {type(n).__name__}"
            )
        out: Tensor = apply(PowConst, self, n=float(n))
        return out

    def __getitem__(self, key: Any) -> Tensor:
        out: Tensor = apply(Index, self, key=_index_key(key))
        return out

    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Sum over `axis` (all axes by default)."""
        out: Tensor = apply(Sum, self, axis=_axis(axis), keepdims=keepdims)
        return out

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Mean over `axis` (all axes by default)."""
        out: Tensor = composite.mean(self, _axis(axis), keepdims)
        return out

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Maximum over `axis`; tied maxima share the gradient equally."""
        out: Tensor = apply(Max, self, axis=_axis(axis), keepdims=keepdims)
        return out

    def logsumexp(self, axis: Axis = -1, keepdims: bool = False) -> Tensor:
        """The log of the sum of exponentials over `axis`, stable for large inputs."""
        out: Tensor = apply(LogSumExp, self, axis=_axis(axis), keepdims=keepdims)
        return out

    def softmax(self, axis: int = -1) -> Tensor:
        """exp(x) / sum(exp(x)) along `axis`, stable for large inputs."""
        out: Tensor = composite.softmax(self, axis)
        return out

    def log_softmax(self, axis: int = -1) -> Tensor:
        """The log of softmax along `axis`, stable for large inputs."""
        out: Tensor = composite.log_softmax(self, axis)
        return out

    def reshape(self, *shape: Any) -> Tensor:
        """The same data with a new shape (``reshape(2, 3)`` or ``reshape((2, 3))``)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        for n in shape:
            if type(n) is not int and not isinstance(n, np.integer):
                raise TypeError(f"reshape: size {n!r} is not an int; expected e.g. reshape(2, 3)")
        out: Tensor = apply(Reshape, self, shape=tuple(shape))
        return out

    def transpose(self, *axes: int) -> Tensor:
        """Permute the axes (reverse them when none are given)."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        out: Tensor = apply(Transpose, self, axes=tuple(axes) or None)
        return out

    # ------------------------------------------------------- more ops (numpy habits)
    @staticmethod
    def _power(base: Any, exponent: Any) -> Tensor:
        out: Tensor = apply(Pow, base, exponent)
        return out

    def __rpow__(self, base: Any) -> Tensor:
        return self._power(base, self)

    def sin(self) -> Tensor:
        """Sine."""
        out: Tensor = apply(Sin, self)
        return out

    def cos(self) -> Tensor:
        """Cosine."""
        out: Tensor = apply(Cos, self)
        return out

    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Minimum over `axis`; tied minima share the gradient equally."""
        out: Tensor = apply(Min, self, axis=_axis(axis), keepdims=keepdims)
        return out

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
        """The index of the maximum (of the flattened data when `axis` is None): an int array."""
        if axis is not None:
            _check_axis("argmax", axis, self.ndim)
        return np.asarray(np.argmax(self.data, axis=axis, keepdims=keepdims))

    def argmin(self, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
        """The index of the minimum (of the flattened data when `axis` is None): an int array."""
        if axis is not None:
            _check_axis("argmin", axis, self.ndim)
        return np.asarray(np.argmin(self.data, axis=axis, keepdims=keepdims))

    def var(self, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        """Variance over `axis`, dividing by ``count - ddof`` (numpy's default ddof=0)."""
        out: Tensor = composite.var(self, _axis(axis), keepdims, ddof)
        return out

    def std(self, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        """Standard deviation ``sqrt(var(...))``; its gradient is 0 where it is 0 (PyTorch's)."""
        out: Tensor = composite.std(self, _axis(axis), keepdims, ddof)
        return out

    def clip(self, lo: Any = None, hi: Any = None) -> Tensor:
        """`x` limited to [lo, hi]; the gradient is 1 where lo <= x <= hi, else 0 (PyTorch's).

        The limits are constants: for limits with gradients, use `autograd.maximum`/`minimum`.
        """
        if lo is None and hi is None:
            raise ValueError("clip: expected lo or hi (or both), got neither")
        for limit in (lo, hi):
            if isinstance(limit, Node) and limit.requires_grad:
                raise TypeError(
                    "clip: the limits are constants and would get no gradient; use "
                    "autograd.maximum(x, lo) and autograd.minimum(x, hi) for that"
                )
        out: Tensor = apply(Clip, self, lo=raw(lo), hi=raw(hi))
        return out

    def flatten(self) -> Tensor:
        """The data as one axis (a 0-d tensor gives shape (1,))."""
        return self.reshape(-1)

    def squeeze(self, axis: Axis = None) -> Tensor:
        """Drop axes of size 1: all of them, or those in `axis` (each must have size 1)."""
        shape = self.shape
        if axis is None:
            return self.reshape(tuple(n for n in shape if n != 1))
        given = _axis_tuple(axis)
        axes = {_check_axis("squeeze", a, len(shape)) for a in given}
        if len(axes) != len(given):
            raise ValueError(f"squeeze: axis {axis} names an axis twice")
        for a in sorted(axes):
            if shape[a] != 1:
                raise ValueError(
                    f"squeeze: axis {a} of a tensor of shape {shape} has size {shape[a]}, "
                    "expected size 1"
                )
        return self.reshape(tuple(n for i, n in enumerate(shape) if i not in axes))

    def unsqueeze(self, axis: int) -> Tensor:
        """Insert an axis of size 1 at `axis` (negative counts from the end, as in PyTorch)."""
        a = _check_axis("unsqueeze", axis, self.ndim + 1)
        return self.reshape((*self.shape[:a], 1, *self.shape[a:]))

    def astype(self, dtype: Any) -> Tensor:
        """The tensor in another floating dtype; the gradient flows back in this one."""
        if np.dtype(dtype).kind != "f":
            raise TypeError(
                f"astype: expected a floating dtype, got {np.dtype(dtype)}; for integers use "
                "t.data.astype(...), a constant outside the graph"
            )
        out: Tensor = apply(AsType, self, dtype=np.dtype(dtype))
        return out

    def tolist(self) -> Any:
        """The data as nested Python lists of floats (a float for a 0-d tensor)."""
        return self.data.tolist()

    def __float__(self) -> float:
        if self.data.size != 1:
            raise TypeError(f"float: expected a tensor with one element, got shape {self.shape}")
        return float(self.data.reshape(()))

    def requires_grad_(self, flag: bool = True) -> Tensor:
        """Set whether this leaf records the ops on it and gets a ``.grad``; returns self.

        Raises:
            RuntimeError: When switching off a tensor that an op made (use ``.detach()``).
        """
        if self._rule is not None and not flag:
            raise RuntimeError(
                f"requires_grad_: this tensor was made by '{self.op}', so it is part of a "
                "graph; use .detach() for a copy outside it"
            )
        self.requires_grad = bool(flag)
        return self

    # ---------------------------------------------------------- numpy's protocols
    def __array_function__(
        self, func: Any, types: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """Run a numpy function on Tensors (``np.dot``, ``np.sum``) by its rule in `FUNCTIONS`."""
        rule = FUNCTIONS.get(func)
        module = func.__module__.removeprefix("numpy").lstrip(".")
        name = f"{module}.{func.__name__}" if module else func.__name__
        if rule is None:
            raise refusal("Tensor", name)
        accepted = ACCEPTED[func]
        if kwargs and accepted is not None and not kwargs.keys() <= accepted:
            raise refusal("Tensor", name, kwargs=set(kwargs) - accepted)
        return rule(*args, **kwargs)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if self.requires_grad:
            raise TypeError(
                "np.asarray: this Tensor requires grad, and an array of it would leave the "
                "graph silently; use t.detach().numpy() (or t.data) for a constant array"
            )
        data = self.data if dtype is None else self.data.astype(dtype)
        return data.copy() if copy else data


TensorOp.bind(Tensor)


def _as_array(data: Any, dtype: Any) -> np.ndarray:
    """Check and convert constructor data: numeric only, floating point, never a graph."""
    if isinstance(data, Node):
        if data.requires_grad:
            name = type(data).__name__
            fix = (
                "Use Tensor(v.data) for a constant, or build the graph with Tensors to keep "
                "the gradient"
                if name == "Value"
                else "Use t.detach() for a constant copy, or the tensor itself to keep the gradient"
            )
            raise TypeError(
                f"Tensor: got a {name} that is part of a graph; Tensor(...) would cut it off "
                f"silently. {fix}"
            )
        data = data.data
    try:
        arr = np.asarray(data)
    except (ValueError, TypeError) as e:
        if _holds_nodes(data):
            raise _nodes_error() from None
        raise TypeError(f"Tensor: expected numeric data, got {type(data).__name__} ({e})") from e
    if arr.dtype == object and _holds_nodes(data):
        raise _nodes_error()
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"Tensor: expected numeric data (ints, floats, bools), got dtype {arr.dtype} "
            f"from {type(data).__name__}"
        )
    if dtype is not None:
        if np.dtype(dtype).kind != "f":
            raise TypeError(f"Tensor: expected a floating dtype, got {np.dtype(dtype)}")
        return arr.astype(dtype, copy=False)
    if arr.dtype.kind != "f":
        return arr.astype(np.float64)
    return arr


def _holds_nodes(data: Any) -> bool:
    """Whether nested lists or tuples hold a node (only asked once conversion has failed)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, Node):
            return True
        if isinstance(item, (list, tuple)):
            stack += item
    return False


def _nodes_error() -> TypeError:
    return TypeError(
        "Tensor: got a list holding Values or Tensors with gradients; Tensor(...) would cut "
        "them off the graph. Use autograd.stack(...) to join Tensors in the graph, or their "
        ".data for constants"
    )


def _axis(axis: Any) -> Any:
    """Normalise an axis argument: an int, a tuple of ints, or None."""
    if isinstance(axis, list):
        return tuple(axis)
    return axis


def _axis_tuple(axis: Any) -> tuple[Any, ...]:
    return tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)


def _check_axis(name: str, axis: Any, ndim: int) -> int:
    """`axis` as a non-negative int below `ndim` (negative counts from the end)."""
    check_int(name, axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis {axis!r} is out of range for {ndim} axes")
    return int(axis) % ndim


def _index_key(key: Any) -> Any:
    """Turn Tensors and lists inside an index into arrays numpy understands."""
    if isinstance(key, tuple):
        return tuple(_index_key(k) for k in key)
    if isinstance(key, Node):
        key = key.data
        return key.astype(np.intp) if key.dtype.kind == "f" and _is_integral(key) else key
    if isinstance(key, list):
        arr = np.asarray(key)
        return arr.astype(np.intp) if arr.size == 0 else arr  # [] selects nothing, as torch
    return key


def _is_integral(a: np.ndarray) -> bool:
    return bool(np.all(np.mod(a, 1) == 0))
