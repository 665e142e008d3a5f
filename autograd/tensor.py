"""`Tensor`: one n-dimensional node over a numpy array, on the same engine as `Value`."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from autograd import composite, tensor_ops
from autograd.engine import Node
from autograd.op import Operators, TensorOp, apply, raw
from autograd.tensor_ops import (
    Axis,
    Index,
    LogSumExp,
    MatMul,
    Max,
    PowConst,
    Reshape,
    Sum,
    Transpose,
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
        if self.grad is None:  # a copy: `g` may be another node's, a view, or another dtype
            self.grad = np.array(g, dtype=self.data.dtype)
        else:
            self.grad += g

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
        g = np.array(raw(grad), dtype=self.data.dtype)
        if g.shape != self.shape:
            raise ValueError(f"backward: grad has shape {g.shape}, expected {self.shape}")
        return g

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
        return len(self.data)

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
        if isinstance(n, Node) or not isinstance(n, (int, float, np.number)):
            raise TypeError(f"pow: expected a number as the exponent, got {type(n).__name__}")
        out: Tensor = apply(PowConst, self, n=float(n))
        return out

    @staticmethod
    def _inverse(constant: Any) -> Any:
        return 1.0 / np.asarray(constant)  # numpy's rules: 1 / 0 is inf, with a warning

    def __getitem__(self, key: Any) -> Tensor:
        out: Tensor = apply(Index, self, key=_index_key(key))
        return out

    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Sum over `axis` (all axes by default)."""
        out: Tensor = apply(Sum, self, axis=_axis(axis), keepdims=keepdims)
        return out

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Mean over `axis` (all axes by default)."""
        return composite.mean(self, _axis(axis), keepdims)

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
        return composite.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        """The log of softmax along `axis`, stable for large inputs."""
        return composite.log_softmax(self, axis)

    def reshape(self, *shape: Any) -> Tensor:
        """The same data with a new shape (``reshape(2, 3)`` or ``reshape((2, 3))``)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        out: Tensor = apply(Reshape, self, shape=tuple(shape))
        return out

    def transpose(self, *axes: int) -> Tensor:
        """Permute the axes (reverse them when none are given)."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        out: Tensor = apply(Transpose, self, axes=tuple(axes) or None)
        return out


TensorOp.bind(Tensor)


def _as_array(data: Any, dtype: Any) -> np.ndarray:
    """Check and convert constructor data: numeric only, floating point, never a graph."""
    if isinstance(data, Node):
        if data.requires_grad:
            name = type(data).__name__
            raise TypeError(
                f"Tensor: got a {name} that is part of a graph; Tensor(...) would cut it off "
                f"silently. Use x.detach() for a constant copy"
                + (" (x.data for a Value)" if name == "Value" else "")
                + ", or an op such as autograd.stack to keep the gradient"
            )
        data = data.data
    try:
        arr = np.asarray(data)
    except (ValueError, TypeError) as e:
        raise TypeError(f"Tensor: expected numeric data, got {type(data).__name__} ({e})") from e
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


def _axis(axis: Any) -> Any:
    """Normalise an axis argument: an int, a tuple of ints, or None."""
    if isinstance(axis, list):
        return tuple(axis)
    return axis


def _index_key(key: Any) -> Any:
    """Turn Tensors and lists inside an index into arrays numpy understands."""
    if isinstance(key, tuple):
        return tuple(_index_key(k) for k in key)
    if isinstance(key, Node):
        key = key.data
        return key.astype(np.intp) if key.dtype.kind == "f" and _is_integral(key) else key
    if isinstance(key, list):
        return np.asarray(key)
    return key


def _is_integral(a: np.ndarray) -> bool:
    return bool(np.all(np.mod(a, 1) == 0))
