"""The backward pass as code: a recorded graph written out as one readable Python function.

Every rule is written with operators, so `backward_code` runs each rule on symbolic
stand-ins (`Sym`) that record the operations they take part in instead of computing them.
The code therefore holds no second copy of any derivative, and a new op appears in it with
nothing added here. A stand-in also carries an example array, so rules may read shapes;
a Python ``if`` on a stand-in is traced down both branches and becomes a conditional
expression. Domain checks that raise are left out of the code (Python's math raises its own
errors), and the code is specialised to the recorded shapes.

`compiled.py` uses the same writer for `autograd.compile`.
"""

from __future__ import annotations

import keyword
import math
import re
import threading
import types
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from autograd import tensor_ops, value_ops
from autograd.engine import Node, Undefined, topological_order

__all__ = ["Program", "Sym", "backward_code"]


class UnsupportedError(NotImplementedError):
    """A rule did something a stand-in cannot record (read a number out of it, write in place)."""


# ------------------------------------------------------------------------- stand-ins

# Python's precedence levels, highest binding last.
_ATOM, _POW, _UNARY, _MUL, _ADD = 20, 16, 15, 14, 13
_BITAND, _BITXOR, _BITOR, _CMP, _IFELSE = 11, 10, 9, 8, 4
_OPERATORS: dict[Any, tuple[str, int]] = {
    np.add: ("+", _ADD),
    np.subtract: ("-", _ADD),
    np.multiply: ("*", _MUL),
    np.divide: ("/", _MUL),
    np.floor_divide: ("//", _MUL),
    np.remainder: ("%", _MUL),
    np.matmul: ("@", _MUL),
    np.power: ("**", _POW),
    np.greater: (">", _CMP),
    np.greater_equal: (">=", _CMP),
    np.less: ("<", _CMP),
    np.less_equal: ("<=", _CMP),
    np.equal: ("==", _CMP),
    np.not_equal: ("!=", _CMP),
    np.bitwise_and: ("&", _BITAND),
    np.bitwise_xor: ("^", _BITXOR),
    np.bitwise_or: ("|", _BITOR),
}
_UNARY_OPS: dict[Any, str] = {np.negative: "-", np.positive: "+", np.invert: "~"}
_MATH = {"absolute": "abs", "fabs": "abs"}  # ufuncs a Value's code spells differently
_DEFAULTS = {"axis": None, "keepdims": False}  # keyword arguments not worth printing


class Sym:
    """A symbolic stand-in for a float or an array: a variable, or an operation on others.

    `op` is None for a variable (`name` set), else a ufunc, ``("reduce", ufunc)``,
    ``("func", f)``, ``("method", name)``, ``("attr", name)``, ``"getitem"``, ``"ifelse"``
    or ``("call", text)``. `value` is an example of the data (arrays only; None for Values),
    so rules may read ``shape``, ``ndim`` and ``dtype``.
    """

    __slots__ = ("args", "kind", "kwargs", "name", "op", "value")
    __array_priority__ = 1000

    def __init__(
        self,
        op: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any] | None,
        value: Any,
        kind: str,
        name: str = "",
    ) -> None:
        self.op, self.args, self.kwargs = op, args, kwargs or {}
        self.value, self.kind, self.name = value, kind, name

    @classmethod
    def var(cls, name: str, value: Any, kind: str) -> Sym:
        """A variable of the generated code."""
        return cls(None, (), None, value, kind, name)

    # ------------------------------------------------------------- building operations
    def _make(self, op: Any, args: tuple[Any, ...], kwargs: dict[str, Any] | None = None) -> Sym:
        value = None
        if self.kind == "tensor":
            value = _example(op, args, kwargs or {})
        return Sym(op, args, kwargs, value, self.kind)

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if "out" in kwargs:
            raise UnsupportedError(
                f"{ufunc.__name__}(out=...): a stand-in cannot be written in place"
            )
        if method == "__call__":
            return self._make(ufunc, inputs, kwargs)
        if method == "reduce":
            return self._make(("reduce", ufunc), inputs, kwargs)
        raise UnsupportedError(f"np.{ufunc.__name__}.{method}")

    def __array_function__(self, func: Any, types_: Any, args: Any, kwargs: Any) -> Any:
        return self._make(("func", func), tuple(args), dict(kwargs))

    def __bool__(self) -> bool:
        return _decide(self)

    def __float__(self) -> float:
        raise UnsupportedError("float() of a stand-in")

    def __index__(self) -> int:
        raise UnsupportedError("an index from a stand-in")

    def __iter__(self) -> Iterator[Any]:
        raise UnsupportedError("iterating over a stand-in")

    def __len__(self) -> int:
        raise UnsupportedError("len() of a stand-in")

    def __format__(self, spec: str) -> str:
        return f"<{self.name or 'value'}>"

    __hash__ = object.__hash__

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or self.value is None:
            raise AttributeError(name)
        if name in ("shape", "ndim", "size", "dtype", "itemsize"):
            return getattr(self.value, name)
        if name in ("T", "real", "imag"):
            return self._make(("attr", name), (self,))
        if not callable(getattr(self.value, name, None)):
            raise UnsupportedError(f"attribute {name!r} of a stand-in")
        return lambda *a, **k: self._make(("method", name), (self, *a), k)

    def __getitem__(self, key: Any) -> Sym:
        return self._make("getitem", (self, key))


def _binary(ufunc: Any, reflected: bool = False) -> Callable[[Sym, Any], Sym]:
    def method(self: Sym, other: Any) -> Sym:
        return self._make(ufunc, (other, self) if reflected else (self, other))

    return method


for _ufunc, (_symbol, _) in _OPERATORS.items():
    _dunder = {
        "+": "add",
        "-": "sub",
        "*": "mul",
        "/": "truediv",
        "//": "floordiv",
        "%": "mod",
        "@": "matmul",
        "**": "pow",
        ">": "gt",
        ">=": "ge",
        "<": "lt",
        "<=": "le",
        "==": "eq",
        "!=": "ne",
        "&": "and",
        "^": "xor",
        "|": "or",
    }[_symbol]
    setattr(Sym, f"__{_dunder}__", _binary(_ufunc))
    if _OPERATORS[_ufunc][1] != _CMP:  # a comparison reflects by itself: 0 < x is x > 0
        setattr(Sym, f"__r{_dunder}__", _binary(_ufunc, reflected=True))
# Unary operators, and the methods the rules' helpers call on anything that is not a float.
_METHODS = {
    "__neg__": np.negative,
    "__pos__": np.positive,
    "__invert__": np.invert,
    "__abs__": np.absolute,
    "abs": np.absolute,
    "exp": np.exp,
    "log": np.log,
    "tanh": np.tanh,
    "sin": np.sin,
    "cos": np.cos,
    "sqrt": np.sqrt,
}
for _name, _ufunc in _METHODS.items():
    setattr(Sym, _name, lambda self, u=_ufunc: self._make(u, (self,)))


def _concrete(x: Any) -> Any:
    if isinstance(x, Sym):
        return x.value
    if isinstance(x, (tuple, list)):
        return type(x)(_concrete(v) for v in x)
    return x


def _example(op: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The example value of an operation, computed on the arguments' examples."""
    a = [_concrete(x) for x in args]
    k = {n: _concrete(v) for n, v in kwargs.items()}
    with np.errstate(all="ignore"):
        if op == "getitem":
            return a[0][a[1]]
        if op == "ifelse":
            return a[1]
        if isinstance(op, tuple):
            how, what = op
            if how == "reduce":
                return what.reduce(*a, **k)
            if how == "func":
                return what(*a, **k)
            if how == "method":
                return getattr(a[0], what)(*a[1:], **k)
            if how == "attr":
                return getattr(a[0], what)
            if how == "scatter":
                return tensor_ops.Scatter.forward(*a)
            raise UnsupportedError(str(op))
        return op(*a, **k)


# ------------------------------------------------------------------- tracing branches


class _Paths(threading.local):
    """The branch decisions of the trace running in this thread (None outside a trace)."""

    def __init__(self) -> None:
        self.taken: list[tuple[Sym, bool]] | None = None
        self.forced: list[bool] = []


_paths = _Paths()


def _decide(cond: Sym) -> bool:
    taken = _paths.taken
    if taken is None:
        raise UnsupportedError("the truth value of a stand-in outside a trace")
    i = len(taken)
    choice = _paths.forced[i] if i < len(_paths.forced) else True
    taken.append((cond, choice))
    return choice


_MAX_PATHS = 16


def trace(call: Callable[[], Any]) -> Any:
    """Run `call` down every branch it takes on a stand-in; join the results with ifelse.

    Paths that raise ValueError or ArithmeticError (domain checks) are left out.

    Raises:
        UnsupportedError: When every path raises, or there are too many paths.
    """
    results: list[tuple[list[tuple[Sym, bool]], Any]] = []
    pending: list[list[bool]] = [[]]
    while pending:
        forced = pending.pop()
        saved = _paths.taken, _paths.forced
        _paths.taken, _paths.forced = [], forced
        try:
            outcome: Any = call()
            ok = True
        except (ValueError, ArithmeticError):
            ok = False
        finally:
            taken = _paths.taken
            _paths.taken, _paths.forced = saved
        pending += [
            [c for _, c in taken[:i]] + [not taken[i][1]] for i in range(len(forced), len(taken))
        ]
        if ok:
            results.append((taken, outcome))
        if len(results) + len(pending) > _MAX_PATHS:
            raise UnsupportedError("too many branches on the data")
    if not results:
        raise UnsupportedError("every path raises")
    return _join(results, 0)


def _join(results: list[tuple[list[tuple[Sym, bool]], Any]], depth: int) -> Any:
    """The results of the paths that share their first `depth` decisions, as one value."""
    if len(results) == 1 or depth >= len(results[0][0]):
        return results[0][1]
    cond = results[0][0][depth][0]
    yes = [r for r in results if r[0][depth][1]]
    no = [r for r in results if not r[0][depth][1]]
    if not yes or not no:  # the other side raised
        return _join(yes or no, depth + 1)
    return _ifelse(cond, _join(yes, depth + 1), _join(no, depth + 1))


def _ifelse(cond: Sym, yes: Any, no: Any) -> Any:
    if isinstance(yes, tuple):
        return tuple(_ifelse(cond, a, b) for a, b in zip(yes, no, strict=True))
    if yes is None and no is None:
        return None
    yes, no = (0.0 if yes is None else yes), (0.0 if no is None else no)
    value = yes.value if isinstance(yes, Sym) else yes
    return Sym("ifelse", (cond, yes, no), None, value, cond.kind)


# -------------------------------------------------- helpers the rules call, on stand-ins


def _expand(g: Any, shape: tuple[int, ...]) -> Any:
    if isinstance(g, Sym):
        return g._make(("func", np.broadcast_to), (g, shape))
    return tensor_ops.expand(g, shape)


def _scatter(g: Any, shape: tuple[int, ...], key: Any) -> Any:
    if isinstance(g, Sym):
        return g._make(("scatter", None), (g, shape, key))
    return tensor_ops.scatter(g, shape, key)


def _float_pow(x: Any, n: Any, strict: bool = True) -> Any:
    if isinstance(x, Sym) or isinstance(n, Sym):
        return x**n
    return value_ops._float_pow(x, n, strict)


def _at_least(x: Any, low: float) -> Any:
    if isinstance(x, Sym):
        if x.kind == "tensor":
            return x._make(("func", np.maximum), (x, low))
        return Sym(("call", "max"), (x, low), None, None, x.kind)
    return value_ops._at_least(x, low)


class _SymMath(types.ModuleType):
    """`math` for traced scalar code: a function of a stand-in records a call."""

    def __getattr__(self, name: str) -> Any:
        real = getattr(math, name)
        if not callable(real):
            return real

        def call(*args: Any) -> Any:
            if any(isinstance(a, Sym) for a in args):
                sym = next(a for a in args if isinstance(a, Sym))
                return Sym(("call", f"math.{name}"), args, None, None, sym.kind)
            return real(*args)

        return call


_HELPERS: dict[Any, Any] = {
    getattr(module, name): swap
    for module, name, swap in (
        (tensor_ops, "expand", _expand),
        (tensor_ops, "scatter", _scatter),
        (value_ops, "_float_pow", _float_pow),
        (value_ops, "_at_least", _at_least),
    )
    if hasattr(module, name)  # helpers may be renamed: their rules then fail by name
}
_HELPERS[math] = _SymMath("math")
_swapped: dict[int, dict[str, Any]] = {}


def _globals_for(module: dict[str, Any]) -> dict[str, Any]:
    """A copy of a module's globals with the helpers swapped, its functions rebuilt on it."""
    if id(module) in _swapped:
        return _swapped[id(module)]
    new = dict(module)
    _swapped[id(module)] = new
    for k, v in module.items():
        if _is_helper(v):
            new[k] = _HELPERS[v]
        elif isinstance(v, types.FunctionType) and v.__globals__ is module:
            new[k] = _rebuild(v, new)  # so the helpers' own calls reach the swapped ones
    return new


def _rebuild(fn: types.FunctionType, namespace: dict[str, Any]) -> types.FunctionType:
    out = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, fn.__closure__)
    out.__kwdefaults__ = fn.__kwdefaults__
    return out


def traceable(fn: Any) -> Any:
    """`fn` with the helpers it calls swapped for their stand-in versions."""
    if isinstance(fn, types.FunctionType):
        return (
            _globals_for(fn.__globals__).get(fn.__name__)
            if _is_own(fn)
            else _rebuild(fn, _globals_for(fn.__globals__))
        )
    if getattr(fn, "__self__", None) is math:  # a C function of math, e.g. math.tanh
        return getattr(_HELPERS[math], fn.__name__)
    return fn


def _is_own(fn: types.FunctionType) -> bool:
    return fn.__globals__.get(fn.__name__) is fn


def _is_helper(v: Any) -> bool:
    try:
        return v in _HELPERS
    except TypeError:
        return False


# ---------------------------------------------------------------------- the op rules


def _ce_forward(x: Sym, target: Any) -> tuple[Sym, Sym]:
    """The fused cross-entropy's forward, readable (its own forward works in place)."""
    shifted = x - x.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=-1, keepdims=True)
    rows = x.size // x.shape[-1]
    loss = -np.vdot(target, shifted - np.log(total)) / rows
    return loss, e / total


_FORWARDS: dict[Any, Callable[..., Any]] = {
    tensor_ops.SoftmaxCrossEntropy: _ce_forward,
    tensor_ops.Scatter: _scatter,
}
"""Forwards written here because the op's own one writes into its arrays in place."""


def run_forward(node: Node, inputs: Sequence[Any], params: dict[str, Any]) -> Any:
    """The traced forward of `node`'s op on stand-ins: a Sym, or (Sym, saved) for `saves`."""
    rule = node._rule
    assert rule is not None
    op = rule.op_class
    fn = _FORWARDS.get(op) or traceable(rule.forward)
    try:
        return trace(lambda: fn(*inputs, **params))
    except (UnsupportedError, TypeError, AttributeError) as e:
        raise NotImplementedError(
            f"backward_code: the forward of op '{node.op}' ({op.__name__}) cannot be "
            f"written as code ({e}); give it an entry in autograd.codegen._FORWARDS"
        ) from None


def run_vjp(node: Node, g: Sym, out: Sym, inputs: Sequence[Any], params: dict[str, Any]) -> Any:
    """The traced rule of `node`'s op: one Sym (or None, or a constant) per input.

    A rule that picks its path by the type of an input (an ndarray for the plain pass) is
    run again with that input's example array, when the result does not depend on it.
    """
    rule = node._rule
    assert rule is not None
    fn = traceable(rule.vjp)
    try:
        return trace(lambda: fn(g, out, *inputs, **params))
    except (UnsupportedError, TypeError, AttributeError) as e:
        first = e
    examples = [x.value if isinstance(x, Sym) and x.value is not None else x for x in inputs]
    try:
        results = trace(lambda: fn(g, out, *examples, **params))
    except (UnsupportedError, TypeError, AttributeError):
        results = None
    if results is not None and not _uses(results, [x.value for x in inputs if isinstance(x, Sym)]):
        return results
    raise NotImplementedError(
        f"backward_code: the rule of op '{node.op}' ({rule.op_class.__name__}) cannot be "
        f"written as code ({first})"
    ) from None


def _uses(results: Any, arrays: list[Any]) -> bool:
    """Whether any of `arrays` (by identity) appears as a constant inside `results`."""
    ids = {id(a) for a in arrays if a is not None}
    stack = [results]
    while stack:
        x = stack.pop()
        if id(x) in ids:
            return True
        if isinstance(x, Sym):
            stack += [*x.args, *x.kwargs.values()]
        elif isinstance(x, (tuple, list)):
            stack += list(x)
    return False


# ----------------------------------------------------------------------- the writer

_IDENT = re.compile(r"[^0-9a-zA-Z_]")


def identifier(label: str, fallback: str) -> str:
    """A Python name made from a label ("x[0]" -> "x_0_"); `fallback` when nothing is left."""
    name = _IDENT.sub("_", label).strip("_") if label else ""
    if not name:
        return fallback
    if name[0].isdigit() or keyword.iskeyword(name) or name in ("np", "math"):
        name = "_" + name
    return name


class Writer:
    """Renders stand-ins as Python source lines, hoisting shared subexpressions.

    Args:
        kind: "value" (plain floats, `math`) or "tensor" (numpy).
        buffers: Write every array operation as its own line into a preallocated buffer
            (``out=``), for `compile`; the buffers collect in `self.buffers`.
    """

    def __init__(self, kind: str, buffers: bool = False) -> None:
        self.kind = kind
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self._constant_names: dict[int, str] = {}
        self.uses_scatter = False
        self.uses_undefined = False
        self._temps = 0
        self.flat = buffers
        self.buffers: list[np.ndarray] = []
        self.buffer_of: dict[str, int] = {}  # temp -> the buffer its line writes
        self.elementwise: set[int] = set()  # buffers written by an elementwise ufunc
        self.origin: dict[str, str] = {}  # variable -> the temp assigned to it

    # ------------------------------------------------------------------- statements
    def assign(self, name: str, expr: Any, comment: str = "") -> Sym:
        """Emit ``name = expr`` (after any hoisted lines) and return the variable."""
        self._hoist([expr])
        text, _ = self.render(expr)
        if text in self.buffer_of:
            self.origin[name] = text
        self.lines.append(f"{name} = {text}" + (f"  # {comment}" if comment else ""))
        return Sym.var(name, _concrete(expr), self.kind)

    def buffer_named(self, name: str) -> int | None:
        """The buffer the line that computes variable `name` writes (None: it allocates)."""
        return self.buffer_of.get(self.origin.get(name, name))

    def prepare(self, exprs: Sequence[Any]) -> None:
        """Hoist the subexpressions that `exprs` share into lines of their own."""
        self._hoist(list(exprs))

    def temp(self, prefix: str = "_t") -> str:
        """A fresh temporary name."""
        self._temps += 1
        return f"{prefix}{self._temps}"

    def _hoist(self, exprs: list[Any]) -> None:
        counts: dict[int, int] = {}
        order: list[Sym] = []
        stack = list(exprs)
        while stack:  # count each operation's uses outside conditional branches
            x = stack.pop()
            if isinstance(x, (tuple, list)):
                stack += list(x)
                continue
            if not isinstance(x, Sym) or x.op is None:
                continue
            counts[id(x)] = counts.get(id(x), 0) + 1
            if counts[id(x)] == 1:
                order.append(x)
                args = x.args[:1] if x.op == "ifelse" else x.args
                stack += [*args, *x.kwargs.values()]
        for x in reversed(order):  # arguments before the operations that use them
            if x.op is not None and (counts[id(x)] > 1 or self._needs_line(x)):
                self._line(x)

    def _needs_line(self, x: Sym) -> bool:
        if self.flat:
            return x.op != "ifelse" and isinstance(x.value, np.ndarray)
        return bool(x.op == ("scatter", None))

    def _line(self, x: Sym) -> None:
        name = self.temp()
        count = len(self.buffers)
        text = self._render_into(x)
        if len(self.buffers) > count:
            self.buffer_of[name] = count
            if isinstance(x.op, np.ufunc) and x.op.signature is None:
                self.elementwise.add(count)
        self.lines.append(f"{name} = {text}")
        x.op, x.args, x.kwargs, x.name = None, (), {}, name

    def _render_into(self, x: Sym) -> str:
        """`x` rendered as a statement's right side, into a buffer when writing flat."""
        if x.op == ("scatter", None):
            self.uses_scatter = True
            g, shape, key = x.args
            return f"_scatter({self.text(g)}, {shape!r}, {self._key(key)})"
        if not self.flat or not isinstance(x.value, np.ndarray):
            return self.render(x)[0]
        buf = self._buffer(x.value)
        op = x.op
        if _is_blas_matmul(x):  # np.dot: the same product with ~0.5 µs less overhead
            a, b = (self.text(a) for a in x.args)
            self.constants["_np_dot"] = np.dot
            return f"_np_dot({a}, {b}, {buf})"
        # Each ufunc is a global of the code, and `out` positional: ~0.1 µs less per call
        # (but not for maximum and minimum, where numpy deprecates a positional `out`).
        if isinstance(op, np.ufunc) and not x.kwargs and op not in (np.maximum, np.minimum):
            args = ", ".join(self.text(a) for a in x.args)
            return f"{self._alias(op, '')}({args}, {buf})"
        if isinstance(op, np.ufunc):
            args = ", ".join(self.text(a) for a in x.args)
            return f"{self._alias(op, '')}({args}{self._kw(x.kwargs)}, out={buf})"
        reduce = _as_reduce(x)
        if reduce is not None:
            ufunc, array, kw = reduce
            if set(kw) <= {"axis", "dtype", "keepdims"}:  # all positional: reduce(a, axis, ...)
                axis, dtype = self.text(kw.get("axis")), self.text(kw.get("dtype"))
                keepdims = self.text(kw.get("keepdims", False))
                args = f"{self.text(array)}, {axis}, {dtype}, {buf}, {keepdims}"
                return f"{self._alias(ufunc, 'reduce')}({args})"
            args = f"{self.text(array)}{self._kw(kw, 'all')}, out={buf}"
            return f"{self._alias(ufunc, 'reduce')}({args})"
        self.buffers.pop()  # views and the rest allocate as they like
        return self.render(x)[0]

    def _alias(self, ufunc: Any, method: str) -> str:
        name = f"_np_{ufunc.__name__}" + (f"_{method}" if method else "")
        self.constants[name] = getattr(ufunc, method) if method else ufunc
        return name

    def _buffer(self, example: np.ndarray) -> str:
        self.buffers.append(np.empty(example.shape, example.dtype))
        return f"_b{len(self.buffers) - 1}"

    # -------------------------------------------------------------------- rendering
    def text(self, x: Any) -> str:
        """`x` as source text."""
        return self.render(x)[0]

    def render(self, x: Any) -> tuple[str, int]:
        """`x` as source text and its precedence."""
        if not isinstance(x, Sym):
            return self._constant(x)
        if x.op is None:
            return x.name, _ATOM
        op, args = x.op, x.args
        if op in _OPERATORS and len(args) == 2 and not x.kwargs:
            symbol, p = _OPERATORS[op]
            right_assoc = symbol == "**"
            left = self._wrap(args[0], p + (1 if right_assoc or p == _CMP else 0))
            right = self._wrap(args[1], p + (0 if right_assoc else 1))
            return f"{left} {symbol} {right}", p
        if op in _UNARY_OPS and len(args) == 1 and not x.kwargs:
            return f"{_UNARY_OPS[op]}{self._wrap(args[0], _UNARY)}", _UNARY
        if op == "ifelse":
            cond, yes, no = args
            if self.text(yes) == self.text(no):  # both branches alike: no condition
                return self.render(yes)
            return (
                f"{self._wrap(yes, _IFELSE + 1)} if {self._wrap(cond, _IFELSE + 1)} "
                f"else {self._wrap(no, _IFELSE)}",
                _IFELSE,
            )
        if op == "getitem":
            return f"{self._wrap(args[0], _ATOM)}[{self._key(args[1], bare=True)}]", _ATOM
        if op == ("scatter", None):
            self.uses_scatter = True
            g, shape, key = args
            return f"_scatter({self.text(g)}, {shape!r}, {self._key(key)})", _ATOM
        how, what = op if isinstance(op, tuple) else ("ufunc", op)
        if how == "attr":
            return f"{self._wrap(args[0], _ATOM)}.{what}", _ATOM
        if how == "method":
            rest = ", ".join(self.text(a) for a in args[1:])
            kw = self._kw(x.kwargs, "", bool(rest))
            return f"{self._wrap(args[0], _ATOM)}.{what}({rest}{kw})", _ATOM
        if how == "call":
            return f"{what}({', '.join(self.text(a) for a in args)})", _ATOM
        if how == "reduce":
            name = f"np.{what.__name__}.reduce"
        elif how == "func":
            name = _function_name(what)
        elif self.kind == "value":
            name = _MATH.get(what.__name__, f"math.{what.__name__}")
        else:
            name = f"np.{what.__name__}"
        rest = ", ".join(self.text(a) for a in args)
        keep = "all" if how == "reduce" else ""  # ufunc.reduce's axis defaults to 0, not None
        return f"{name}({rest}{self._kw(x.kwargs, keep, bool(rest))})", _ATOM

    def _wrap(self, x: Any, at_least: int) -> str:
        text, p = self.render(x)
        return text if p >= at_least else f"({text})"

    def _kw(self, kwargs: dict[str, Any], keep: str = "", lead: bool = True) -> str:
        items = [
            f"{k}={self.text(v)}"
            for k, v in kwargs.items()
            if keep == "all" or k not in _DEFAULTS or _DEFAULTS[k] != v
        ]
        if not items:
            return ""
        return (", " if lead else "") + ", ".join(items)

    def _key(self, key: Any, bare: bool = False) -> str:
        parts = key if isinstance(key, tuple) else (key,)
        texts = [self._key_part(k) for k in parts]
        inner = ", ".join(texts) + ("," if isinstance(key, tuple) and len(key) == 1 else "")
        if not inner:  # the empty key: x[()] (a 0-d array's element)
            return "()"
        return inner if bare else f"np.s_[{inner}]"

    def _key_part(self, k: Any) -> str:
        if isinstance(k, slice):
            parts = ["" if v is None else self.text(v) for v in (k.start, k.stop, k.step)]
            return ":".join(parts[:2]) + (f":{parts[2]}" if parts[2] else "")
        if k is Ellipsis:
            return "..."
        if k is None:
            return "None"
        return self.text(k)

    def _constant(self, x: Any) -> tuple[str, int]:
        if isinstance(x, (bool, np.bool_)) or x is None:
            return repr(None if x is None else bool(x)), _ATOM
        if isinstance(x, (int, np.integer)):
            return repr(int(x)), (_UNARY if x < 0 else _ATOM)
        if isinstance(x, (float, np.floating)) or (
            isinstance(x, np.ndarray) and x.ndim == 0 and x.dtype.kind == "f"
        ):
            return self._float(x)
        if isinstance(x, tuple):
            inner = ", ".join(self.text(v) for v in x) + ("," if len(x) == 1 else "")
            return f"({inner})", _ATOM
        if isinstance(x, np.dtype) or (isinstance(x, type) and issubclass(x, np.generic)):
            return f"np.{np.dtype(x).name}", _ATOM
        if isinstance(x, slice):
            return f"np.s_[{self._key_part(x)}]", _ATOM
        if isinstance(x, (np.ndarray, list)):
            return self.constant(np.asarray(x)), _ATOM
        if isinstance(x, Undefined):  # a derivative that does not exist: raise if used
            self.uses_undefined = True
            return f"_undefined({x.message!r})", _ATOM
        raise UnsupportedError(f"a constant of type {type(x).__name__}")

    def _float(self, x: Any) -> tuple[str, int]:
        if self.flat and hasattr(x, "dtype"):  # a numpy scalar: a literal would lose its
            return self.constant(np.asarray(x)), _ATOM  # methods (.reshape) and its dtype
        v = float(x)
        if math.isnan(v):
            return ("math.nan" if self.kind == "value" else "np.nan"), _ATOM
        if math.isinf(v):
            text = "math.inf" if self.kind == "value" else "np.inf"
            return ("-" + text, _UNARY) if v < 0 else (text, _ATOM)
        dtype = getattr(x, "dtype", np.dtype(np.float64))
        text = (
            repr(v)
            if dtype == np.float64
            else f"np.{dtype.name}({np.format_float_positional(x)!s})"
        )
        return text, (_UNARY if v < 0 or text.startswith("-") else _ATOM)

    def constant(self, array: np.ndarray, name: str = "") -> str:
        """The name of a recorded array in the code (one name per array)."""
        if id(array) in self._constant_names:
            return self._constant_names[id(array)]
        name = name or f"c{len(self.constants) + 1}"
        while name in self.constants:
            name += "_"
        self.constants[name] = array
        self._constant_names[id(array)] = name
        return name


def _as_reduce(x: Sym) -> tuple[Any, Any, dict[str, Any]] | None:
    """`x` as ``ufunc.reduce(array, **kwargs)`` (a reduction or a ``sum``/``max``/``min``)."""
    op, args, kw = x.op, x.args, dict(x.kwargs)
    if isinstance(op, tuple) and op[0] == "reduce":
        ufunc = op[1]
        kw.setdefault("axis", 0)  # ufunc.reduce's default
    elif isinstance(op, tuple) and op[0] == "method" and op[1] in ("sum", "max", "min"):
        ufunc = {"sum": np.add, "max": np.maximum, "min": np.minimum}[op[1]]
        kw.setdefault("axis", None)
    else:
        return None
    if len(args) > 2 or (len(args) == 2 and "axis" in x.kwargs):
        return None
    if len(args) == 2:
        kw["axis"] = args[1]
    return ufunc, args[0], kw


def _function_name(f: Any) -> str:
    module = getattr(f, "__module__", "") or "numpy"
    module = "np" + module[len("numpy") :] if module.startswith("numpy") else module
    if module.startswith("np._") or module.startswith("np.core") or module.startswith("np.lib"):
        module = "np"
    return f"{module}.{f.__name__}"


SCATTER_SOURCE = '''\
def _scatter(g, shape, key):
    """zeros(shape) with g added at key (the gradient of indexing)."""
    out = np.zeros(shape, dtype=g.dtype)
    np.add.at(out, key, g)
    return out
'''

UNDEFINED_SOURCE = '''\
def _undefined(message):
    """A derivative that does not exist here, such as d(x ** y)/dy at x < 0."""
    raise ValueError(message)
'''


def _is_blas_matmul(x: Sym) -> bool:
    """Whether `x` is a matmul of two matrices of its float dtype, which np.dot does alike."""
    if x.op is not np.matmul or x.kwargs or len(x.args) != 2:
        return False
    values = [getattr(a, "value", a) for a in x.args]
    return x.value.dtype in (np.float32, np.float64) and all(
        isinstance(v, np.ndarray) and v.ndim == 2 and v.dtype == x.value.dtype for v in values
    )


def helper_sources(writer: Any) -> str:
    """The small functions a generated source calls, defined at its top."""
    parts = [SCATTER_SOURCE] * writer.uses_scatter + [UNDEFINED_SOURCE] * writer.uses_undefined
    return "".join("\n" + part + "\n" for part in parts)


# ------------------------------------------------------------------ writing a graph


class Graph:
    """A recorded graph written as forward and backward lines.

    Args:
        root: The output node.
        inputs: "labelled" (readable code: labelled leaves are the function's arguments,
            other leaves constants) or "all" (every leaf is an argument, for `compile`).
        buffers: Write array operations into preallocated buffers (`compile`).
    """

    def __init__(self, root: Node, inputs: str = "labelled", buffers: bool = False) -> None:
        self.root = root
        self.order = topological_order(root)
        self.kind = "tensor" if isinstance(root.data, np.ndarray) else "value"
        self.writer = Writer(self.kind, buffers)
        self.readable = inputs == "labelled"
        self.leaves: list[Node] = []  # the function's arguments, in order
        self.names: dict[Node, str] = {}
        self.syms: dict[Node, Any] = {}
        self.saved: dict[Node, Any] = {}
        self.forward_lines: dict[Node, str] = {}
        self._taken: set[str] = set()
        self._parents: dict[Node, tuple[Node, ...]] = {}  # scalar compile: per op node
        self._texts: dict[Node, tuple[str, list[tuple[str, int] | None]]] = {}
        self._name_leaves(inputs)
        self._write_forward()
        self.grads = self._write_backward()

    # ------------------------------------------------------------------------ names
    def _name(self, node: Node, fallback: str) -> str:
        return self._free(identifier(node.label, fallback) if self.readable else fallback)

    def _free(self, name: str) -> str:
        """`name`, or `name_2`, `name_3`, ... when it is taken."""
        base, k = name, 1
        while name in self._taken:
            k += 1
            name = f"{base}_{k}"
        self._taken.add(name)
        return name

    def _name_leaves(self, inputs: str) -> None:
        labels: dict[str, Node] = {}
        for node in self.order:
            if node._rule is not None:
                continue
            if self.readable and node.label:
                if node.label in labels:
                    raise ValueError(
                        f"backward_code: two leaves are labelled {node.label!r}; give each "
                        "input its own label"
                    )
                labels[node.label] = node
            scalar_constant = self.kind == "value" or node.data.ndim == 0
            if self.readable and not node.label and scalar_constant:
                self.syms[node] = node.data  # a literal in the code
                continue
            if self.kind == "tensor" and node.data.ndim == 0 and not node.requires_grad:
                self.syms[node] = node.data  # a lifted number: a literal
                continue
            name = self._name(
                node, f"c{len(self.leaves)}" if self.readable else f"x{len(self.leaves)}"
            )
            self.leaves.append(node)
            self.names[node] = name
            self.syms[node] = Sym.var(name, self._example(node), self.kind)

    def _example(self, node: Node) -> Any:
        return node.data if self.kind == "tensor" else None

    # ---------------------------------------------------------------------- forward
    def _params(self, node: Node) -> dict[str, Any]:
        params = dict(node._params or {})
        params.pop("saved", None)
        if self.readable:  # recorded arrays get names from their parameter
            for k, v in params.items():
                if isinstance(v, np.ndarray) and v.ndim > 0:
                    params[k] = Sym.var(self.writer.constant(v, k), v, self.kind)
        return params

    def _write_forward(self) -> None:
        if self.kind == "value" and not self.readable:
            self._write_scalar_forward()
            return
        count = 0
        for node in self.order:
            if node._rule is None:
                continue
            count += 1
            inputs = [self.syms[p] for p in node.parents]
            params = self._params(node)
            params.pop("needs", None)  # for the rule only
            result = run_forward(node, inputs, params)
            if node._rule.op_class.saves:
                result, saved = result
                self.saved[node] = self._keep(saved, f"{self.names.get(node, 't')}_saved")
            name = self._name(node, f"t{count}" if self.readable else f"v{count}")
            self.names[node] = name
            self.syms[node] = self.writer.assign(name, result)
            self.forward_lines[node] = self.writer.lines[-1]

    def _keep(self, saved: Any, name: str) -> Any:
        if isinstance(saved, Sym) and saved.op is not None:
            return self.writer.assign(self._free(name), saved)
        return saved

    # --------------------------------------------------------------------- backward
    def _write_backward(self) -> dict[Node, Any]:
        w = self.writer
        root = self.root
        seed = root._ones()
        grads: dict[Node, Any] = {}
        if self.readable:
            w.lines.append("")
            w.lines.append("# backward: d_name is d(output)/d(name)")
        if self.kind == "tensor" and w.flat:  # a constant: what depends on it only is folded
            grads[root] = seed
        else:
            if self.kind == "tensor":  # an array, never a bare float: rules call its methods
                seed = Sym(("func", np.ones_like), (self.syms[root],), None, seed, self.kind)
            grads[root] = w.assign(self._grad_name(root), seed)
        if self.kind == "value" and not self.readable:
            return self._write_scalar_backward(grads)
        for node in reversed(self.order):
            g = grads.get(node)
            if g is None or node._rule is None:
                continue
            params = self._params(node)
            if node in self.saved:
                params["saved"] = self.saved[node]
            inputs = [self.syms[p] for p in node.parents]
            results = run_vjp(node, g, self.syms[node], inputs, params)
            if self.readable:
                w.lines.append(f"# {self.forward_lines[node]}")
            todo = []
            for parent, r in zip(node.parents, results, strict=True):
                if r is None or not parent.requires_grad or parent not in self.names:
                    continue
                todo.append((parent, parent._fit(r)))
            w.prepare([r for _, r in todo])
            for parent, r in todo:
                if parent in grads:
                    total = _add(grads[parent], r)
                    grads[parent] = w.assign(self._grad_name(parent), total)
                elif not self.readable and isinstance(r, Sym) and r.op is None:
                    grads[parent] = r  # an alias: no line (its own name on a later sum)
                else:
                    grads[parent] = w.assign(self._grad_name(parent), r)
        return grads

    # A scalar graph for `compile` has tens of thousands of nodes but a handful of distinct
    # ops: each op's code is traced once into a template, then filled in per node.
    def _write_scalar_forward(self) -> None:
        # A value used once in the forward pass and never by the backward pass is written
        # inline where it is used: a neuron's sum of products becomes one line.
        ops = [n for n in self.order if n._rule is not None]
        self._parents = parents_of = {n: n.parents for n in ops}
        self._texts = texts = {n: self._template(n, len(parents_of[n])) for n in ops}
        marks: dict[int, tuple[bool, list[int], tuple[int, int, int]]] = {}
        uses: dict[Node, int] = {}
        kept = {self.root}
        for node in ops:
            text, parents = texts[node], parents_of[node]
            mark = marks.get(id(text))
            if mark is None:
                mark = marks[id(text)] = _marks(text, len(parents))
                self.writer.uses_undefined |= any("_undefined(" in o[0] for o in text[1] if o)
            if mark[0]:
                kept.add(node)
            for p in parents:
                uses[p] = uses.get(p, 0) + 1
            for i in mark[1]:
                kept.add(parents[i])
        lines, names = self.writer.lines, self.names
        inline: dict[Node, tuple[str, int, int]] = {}  # text, precedence, nesting depth
        for count, node in enumerate(ops, 1):
            text = texts[node]
            prec, left, right = marks[id(text)][2]
            args, depth = [], 0
            for i, parent in enumerate(parents_of[node]):
                got = inline.get(parent)
                if got is None:
                    args.append(names[parent])
                    continue
                a, q, d = got
                args.append(a if q >= (right if i else left) else f"({a})")
                depth = max(depth, d)
            expr = text[0].format(*args)
            names[node] = name = f"v{count}"
            if node in kept or uses.get(node, 0) != 1 or depth >= 32:  # Python caps nesting
                lines.append(f"{name} = {expr}")
            else:
                inline[node] = (expr, prec, depth + 1)

    def _write_scalar_backward(self, grads: dict[Node, Any]) -> dict[Node, Any]:
        # A gradient's contributions are written as one sum, ``d = t1 + t2 + ...``, when the
        # gradient is first read (or at the end, for a leaf): the same additions in the same
        # order as ``d = t1; d = d + t2; ...``, so bit for bit the same, in fewer lines.
        text: dict[Node, str] = {n: g.name for n, g in grads.items()}
        names, parents_of, templates = self.names, self._parents, self._texts
        pending: dict[Node, list[tuple[str, int]]] = {}  # contributions not yet written
        for node in reversed(self.order):
            if node._rule is None:
                continue
            if node in pending:
                text[node] = self._sum_line(node, pending.pop(node))
            g = text.get(node)
            if g is None:
                continue
            parents = parents_of[node]
            fill = [names[p] for p in parents]
            for parent, out in zip(parents, templates[node][1], strict=True):
                if out is None or not parent.requires_grad:
                    continue
                r = out[0].format(*fill, g=g, o=names[node])
                terms = pending.setdefault(parent, [])
                terms.append((r, out[1]))
                if len(terms) == _MAX_TERMS:  # a bounded expression: the compiler recurses
                    pending[parent] = [(self._sum_line(parent, terms), _ATOM)]
        for node, terms in pending.items():
            text[node] = self._sum_line(node, terms)
        return {n: Sym.var(text[n], None, "value") for n in self.leaves if n in text}

    def _sum_line(self, node: Node, terms: list[tuple[str, int]]) -> str:
        """Write ``d<node> = term + term + ...`` (or nothing, for one bare name): its text."""
        (first, prec), rest = terms[0], terms[1:]
        if not rest and prec == _ATOM and first.isidentifier():
            return first  # an alias: no line
        parts = [first if not rest or prec >= _ADD else f"({first})"]
        parts += [r if p > _ADD else f"({r})" for r, p in rest]
        mine = "d" + self.names[node]
        self.writer.lines.append(f"{mine} = {' + '.join(parts)}")
        return mine

    def _template(self, node: Node, arity: int) -> tuple[str, list[tuple[str, int] | None]]:
        """The forward text and the rule's per-input texts of `node`'s op, with fields."""
        rule = node._rule
        assert rule is not None
        params = node._params or {}
        key: Any = (rule, tuple(sorted(params.items())) if params else (), arity)
        try:
            template = _templates.get(key)
        except TypeError:  # an unhashable parameter
            key = template = None
        if template is not None:
            return template
        w = Writer("value")
        inputs = [Sym.var(f"{{{i}}}", None, "value") for i in range(arity)]
        forward = w.text(run_forward(node, inputs, dict(params)))
        g, out = Sym.var("{g}", None, "value"), Sym.var("{o}", None, "value")
        results = run_vjp(node, g, out, inputs, dict(params))
        # Not prepared: a subexpression the outputs share is written in each (a template
        # fills one line per use; the same operations, so the same bits).
        outputs = [None if r is None else w.render(r) for r in results]
        if w.lines:
            raise NotImplementedError(
                f"compile: the rule of op '{node.op}' needs lines of its own; not supported"
            )
        template = (forward, outputs)
        if key is not None:
            _templates[key] = template
        return template

    def _grad_name(self, node: Node) -> str:
        name = self.names[node]
        return f"d_{name}" if self.readable else f"d{name}"


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, Sym):
        return a + b
    if isinstance(b, Sym):
        return b.__radd__(a)
    return a + b


_templates: dict[Any, tuple[str, list[tuple[str, int] | None]]] = {}
_MAX_TERMS = 64  # contributions per line of a scalar gradient's sum


def _marks(
    template: tuple[str, list[tuple[str, int] | None]], arity: int
) -> tuple[bool, list[int], tuple[int, int, int]]:
    """What a scalar op's template needs from the code around it.

    Returns:
        Whether its own value is kept (the backward reads it), the inputs kept (read twice,
        or by the backward), and (its precedence, the precedences its left and right inputs
        need to go without parentheses).
    """
    forward, outputs = template
    backward = " ".join(o[0] for o in outputs if o is not None)
    kept = [i for i in range(arity) if forward.count(f"{{{i}}}") > 1 or f"{{{i}}}" in backward]
    precs = (0, _ATOM + 1, _ATOM + 1)  # unknown: every input in parentheses
    for symbol, p in _OPERATORS.values():
        if p in (_ADD, _MUL) and forward == f"{{0}} {symbol} {{1}}":  # left-associative
            precs = (p, p, p + 1)
    return "{o}" in backward, kept, precs


# --------------------------------------------------------------------------- Program


class Program:
    """The forward and backward pass of a recorded graph as readable Python source.

    ``str(program)`` is the source of one function; ``program(**values)`` runs it.

    Attributes:
        inputs: The leaf labels the function takes as keyword arguments.
        source: The function's source (also ``str(program)``).
    """

    def __init__(self, root: Node) -> None:
        graph = Graph(root)
        w = graph.writer
        self._kind = graph.kind
        self._leaves = {n.label: n for n in graph.leaves if n.label}
        self.inputs: list[str] = list(self._leaves)
        self._grad_labels = [n.label for n in graph.leaves if n.label and n.requires_grad]
        self._constants = {graph.names[n]: n.data for n in graph.leaves if not n.label}
        self._constants.update(w.constants)
        args = [graph.names[n] for n in graph.leaves] + [
            k for k in w.constants if k not in {graph.names[n] for n in graph.leaves}
        ]
        out = graph.names[root]
        returned = []
        for label in self._grad_labels:
            node = self._leaves[label]
            g = graph.grads.get(node)
            text = (
                w.text(g)
                if g is not None
                else ("0.0" if graph.kind == "value" else f"np.zeros_like({graph.names[node]})")
            )
            returned.append(f"{label!r}: {text}")
        head = "import math\n\n" if graph.kind == "value" else "import numpy as np\n\n"
        head += helper_sources(w)
        body = "\n".join(("    " + line) if line else "" for line in w.lines)
        self.source = (
            f"{head}\ndef forward_backward({', '.join(args)}):\n"
            f"    # forward\n{body}\n    return {out}, {{{', '.join(returned)}}}\n"
        )
        self._arg_names = args
        self._by_name = {graph.names[n]: n for n in graph.leaves}
        self._fn = load(self.source, "forward_backward")

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        return f"Program(inputs={self.inputs})"

    def __call__(self, **values: Any) -> tuple[Any, dict[str, Any]]:
        """Run the code: keyword arguments by leaf label replace the recorded data.

        Returns:
            ``(output, grads)``: the output's data and, per labelled leaf that requires
            grad, its gradient.

        Raises:
            TypeError: For a keyword that is not one of `inputs`.
        """
        unknown = sorted(set(values) - set(self.inputs))
        if unknown:
            raise TypeError(
                f"Program: unknown input {unknown[0]!r}; expected labels among {self.inputs}"
            )
        args = []
        for name in self._arg_names:
            node = self._by_name.get(name)
            if node is None or not node.label:
                args.append(self._constants[name])
                continue
            v = values.get(node.label, node.data)
            if self._kind == "value":
                args.append(float(v))
            else:
                args.append(np.asarray(getattr(v, "data", v), dtype=node.data.dtype))
        out, grads = self._fn(*args)
        return out, grads


def load(source: str, name: str, constants: dict[str, Any] | None = None) -> Any:
    """Execute generated source (with `constants` as globals) and return the function `name`."""
    namespace: dict[str, Any] = dict(constants or {})
    exec(compile(source, f"<chainrule {name}>", "exec"), namespace)
    return namespace[name]


def backward_code(root: Node) -> Program:
    """The forward and backward pass of `root`'s graph as one readable Python function.

    The code is plain Python and numpy, so at the edge of an op's domain it does what they
    do: for Values, ``0.0 ** -0.5`` raises ZeroDivisionError and ``math.exp(1000)``
    OverflowError where ``backward()`` gives inf, and a zero gradient may come out as -0.0.
    (`compile` replays such a step through the engine instead.)

    Args:
        root: A Value, or a Tensor with one element.

    Returns:
        A `Program`: ``str(program)`` is the source, ``program(**values)`` runs it.

    Raises:
        ValueError: When two leaves share a label.
        NotImplementedError: Naming an op whose rule cannot be written as code.

    Example:
        >>> from autograd import Value
        >>> x = Value(3.0, label="x")
        >>> y = (x * x).tanh()
        >>> y.label = "y"
        >>> program = backward_code(y)
        >>> program(x=0.5)[1]["x"] == (lambda t: (1 - t * t) * 2 * 0.5)(math.tanh(0.25))
        True
    """
    return Program(root)
