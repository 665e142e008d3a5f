"""The graph walk shared by every node kind: order, backpropagation, modes.

A node records its `parents` (in operand order), the op class that made it (`_op`) and the op's
keyword parameters. Backpropagation walks a topological order in reverse and asks each op for
its vector-Jacobian product. In a plain pass the rules run on raw data (floats or ndarrays),
so no nodes are built; with ``create_graph=True`` they run on nodes, so the gradients are
differentiable themselves. The node kinds differ only in the hooks `_ones`, `_zeros`, `_fit`,
`_accumulate` and `_lift`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

if TYPE_CHECKING:
    from autograd.op import Rule

__all__ = [
    "Node",
    "Step",
    "backprop",
    "backward_steps",
    "detect_anomaly",
    "grad",
    "no_grad",
    "topological_order",
]

F = TypeVar("F", bound=Callable[..., Any])


class _Mode:
    """Process-wide switches read on every op.

    One instance with slots: on Python 3.11 an instance slot is a fast attribute load,
    while a class attribute read through an instance or a class is a slow generic lookup.
    `plain` (recording on, no anomaly checks) is what the forward hot path reads.
    """

    __slots__ = ("_anomaly", "_grad_enabled", "plain")

    def __init__(self) -> None:
        self._grad_enabled = True
        self._anomaly = False
        self.plain = True

    @property
    def grad_enabled(self) -> bool:
        return self._grad_enabled

    @grad_enabled.setter
    def grad_enabled(self, on: bool) -> None:
        self._grad_enabled = on
        self.plain = on and not self._anomaly

    @property
    def anomaly(self) -> bool:
        return self._anomaly

    @anomaly.setter
    def anomaly(self, on: bool) -> None:
        self._anomaly = on
        self.plain = self._grad_enabled and not on


_mode = _Mode()


_new = object.__new__  # a global: read once per node, faster than the attribute


class Node:
    """Base of `Value` and `Tensor`: data, gradient and the record of how it was made."""

    __slots__ = ("_a", "_b", "_op", "_params", "_pass", "data", "grad", "label", "requires_grad")

    data: Any
    grad: Any
    _a: Any
    """The first parent (None for a leaf)."""
    _b: Any
    """The second parent, or a tuple of the parents after the first when there are more.

    Parents live in two slots rather than a tuple: a tuple per node would double the objects
    that the cyclic garbage collector tracks and traverses, and that are freed per node."""
    _op: Rule | None
    """The op that made this node, as a `Rule` (None for a leaf)."""
    _params: dict[str, Any] | None
    _pass: Any
    """This backward pass's gradient so far (None outside a pass)."""
    label: str
    requires_grad: bool
    _shaped: ClassVar[bool] = False
    """Whether gradients need `_fit` and `_accumulate` (Tensors: broadcasting, None before
    the first pass); a scalar graph's `backward` takes `_scalar_backward`, which skips them."""
    _grad_start: ClassVar[Any] = None
    """`.grad` before any backward pass reaches the node."""
    __array_ufunc__ = None  # numpy defers to our reflected operators: ndarray * node
    # Nodes keep object's identity == and hash, so they key the engine's sets and dicts
    # directly (faster than id()); a subclass must not define an elementwise ==.

    def __init__(self, data: Any, label: str = "") -> None:
        self.data = data
        self.requires_grad = True
        self.grad = self._grad_start
        self._a = self._b = None
        self._op = None
        self._params = None
        self._pass = None
        self.label = label

    @classmethod
    def _from_op(cls, data: Any, a: Any, b: Any, op: Rule | None, params: Any) -> Any:
        """The output node of an op (built without `__init__`'s checks: forward is trusted).

        `a` and `b` fill the parent slots `_a` and `_b` (None, None for a constant).
        """
        node = _new(cls)
        node.data = data
        node.requires_grad = True
        node.grad = cls._grad_start
        node._a = a
        node._b = b
        node._op = op
        node._params = params
        node._pass = None
        node.label = ""
        return node

    @property
    def parents(self) -> tuple[Node, ...]:
        """The nodes this one was computed from, in operand order (() for a leaf)."""
        a, b = self._a, self._b
        if b is None:
            return () if a is None else (a,)
        return (a, *b) if type(b) is tuple else (a, b)

    @property
    def op(self) -> str:
        """The name of the op that made this node ("" for a leaf)."""
        return "" if self._op is None else self._op.op.describe(self._params or {})

    # Hooks the node kinds fill in.
    def _ones(self) -> Any:
        """Raw data of ones shaped like this node: the seed of a backward pass."""
        raise NotImplementedError

    def _zeros(self) -> Any:
        """Raw zeros shaped like this node: the gradient of an input that is not reached."""
        raise NotImplementedError

    def _fit(self, g: Any) -> Any:
        """Shape an incoming gradient like this node (identity, or sum-to-shape)."""
        return g

    def _accumulate(self, g: Any) -> None:
        """Add one pass's raw gradient to `.grad`."""
        raise NotImplementedError

    @classmethod
    def _lift(cls, x: Any, like: Node) -> Node:
        """Wrap a non-node operand (a number or an array) as a constant node."""
        raise NotImplementedError

    @classmethod
    def _wrap(cls, data: Any) -> Node:
        """Wrap raw data as a constant node (used for seeds with ``create_graph``)."""
        raise NotImplementedError

    def backward(self, grad: Any = None) -> None:
        """Add d(self)/d(node) to the ``.grad`` of every node that self depends on.

        Each call adds exactly its own pass's gradients: calling it twice leaves every
        ``.grad`` at twice the derivative.

        Args:
            grad: The gradient of some final output with respect to self; defaults to ones.
        """
        backprop(self, self._seed(grad), accumulate=True)

    def _seed(self, grad: Any) -> Any:
        """Raw starting gradient for a backward pass from this node."""
        return self._ones() if grad is None else grad


@dataclass(frozen=True)
class Step:
    """One application of the chain rule during a backward pass.

    Attributes:
        node: The node whose gradient is propagated to its parents.
        grad: The gradient arriving at `node`, complete at this point.
        contributions: For each parent, ``(parent, local, added)``: the local derivative
            d(node)/d(parent) and the amount added to the parent's gradient (local x grad).
    """

    node: Node
    grad: Any
    contributions: tuple[tuple[Node, Any, Any], ...]


def topological_order(root: Node) -> list[Node]:
    """Every node that `root` depends on, inputs first and `root` last.

    Iterative depth-first search, so chains far deeper than the recursion limit work.

    Example:
        >>> from autograd import Value
        >>> x = Value(2.0, label="x")
        >>> [n.label for n in topological_order((x * x).tanh())]
        ['x', '', '']
    """
    order = _marked_order(root)
    for node in order:
        node._pass = None
    return order


_SEEN: Any = object()
"""The `_pass` of a node that a walk has put in order and no gradient has reached yet."""
_OPEN: Any = object()
"""The `_pass` of a node whose parents a walk is still putting in order."""


def _marked_order(root: Node) -> list[Node]:
    """`topological_order`, leaving each node's `_pass` at `_SEEN`.

    The marks cost less than a visited set; backpropagation replaces them with gradients.
    """
    order: list[Node] = []
    # Depth first. A node popped unmarked is opened: pushed back, its unmarked parents
    # above it. Popped again when open, all its parents are in `order`, so it goes next.
    # A node pushed twice before it is opened is still marked when its lower copy pops.
    stack = [root]
    push, pop, emit, seen, opened = stack.append, stack.pop, order.append, _SEEN, _OPEN
    try:
        while stack:
            node = pop()
            mark = node._pass
            if mark is None:
                node._pass = opened
                push(node)
                a, b = node._a, node._b
                if a is not None and a._pass is None:
                    push(a)
                if b is None:
                    continue
                if type(b) is tuple:
                    stack += [p for p in b if p._pass is None]
                elif b._pass is None:
                    push(b)
            elif mark is opened:
                node._pass = seen
                emit(node)
    except BaseException:  # e.g. KeyboardInterrupt: no node may stay marked
        for marked in order + stack:
            marked._pass = None
        raise
    return order


def backprop(
    root: Node,
    seed: Any,
    *,
    create_graph: bool = False,
    accumulate: bool = False,
    collect: dict[Node, Any] | None = None,
    on_step: Callable[[Node, Any, tuple[Any, ...]], None] | None = None,
) -> None:
    """Propagate `seed` from `root` to every node it depends on.

    Each node's gradient is complete when the reverse topological walk reaches it; it is
    then handed on (`accumulate`, `collect`) and the node's rule sends it to the parents.

    Args:
        root: The output node.
        seed: d(final)/d(root): raw data, or a node when `create_graph` is set.
        create_graph: Run the rules on nodes, so the gradients form a graph themselves.
        accumulate: Add each node's gradient to its ``.grad`` (what `backward` does).
        collect: A dict that receives each reached node's gradient.
        on_step: Called as ``on_step(node, grad, parent_grads)`` after each rule.
    """
    order = _marked_order(root)
    # This pass's gradients live in each node's `_pass` slot (reset to None as soon as the
    # node is visited): a slot is markedly cheaper than a dict on this hot loop.
    root._pass = seed
    options = create_graph or collect is not None or on_step is not None or _mode.anomaly
    try:
        if accumulate and not (options or root._shaped):
            _scalar_backward(order)
        else:
            _general_pass(order, create_graph, accumulate, collect, on_step)
    except BaseException:
        for node in order:
            node._pass = None
        raise


def _scalar_backward(order: list[Node]) -> None:
    """The pass of a scalar's `backward`: `_general_pass` with only `accumulate`, on floats.

    The path of every scalar training step, so it is written out on its own: float gradients
    need no `_fit` and are added without the `_accumulate` call, and no other option needs a
    check (those checks were a quarter of the loop's instructions on Python 3.11). Binary and
    unary ops are unpacked by hand; a zip loop or a helper call costs ~10% of the pass.
    """
    seen = _SEEN  # a local: read on every node
    for node in reversed(order):
        g = node._pass
        node._pass = None
        if g is seen:  # no gradient reached it
            continue
        node.grad += g
        rule = node._op
        if rule is None:
            continue
        p, q = node._a, node._b
        if node._params or type(q) is tuple:
            _send(node, _vjp(node, g))
        elif q is None:
            (r,) = rule.vjp(g, node.data, p.data)
            if r is not None and p.requires_grad:
                p._pass = r if p._pass is seen else p._pass + r
        else:
            r, s = rule.vjp(g, node.data, p.data, q.data)
            if r is not None and p.requires_grad:
                p._pass = r if p._pass is seen else p._pass + r
            if s is not None and q.requires_grad:
                q._pass = s if q._pass is seen else q._pass + s


def _general_pass(
    order: list[Node],
    create_graph: bool,
    accumulate: bool,
    collect: dict[Node, Any] | None,
    on_step: Callable[[Node, Any, tuple[Any, ...]], None] | None,
) -> None:
    """The reverse walk of `backprop` with every option (see there); any node kind."""
    seen = _SEEN
    anomaly = _mode.anomaly
    for node in reversed(order):
        g = node._pass
        node._pass = None
        if g is seen:  # no gradient reached it
            continue
        if accumulate:
            node._accumulate(g)
        if collect is not None:
            collect[node] = g
        rule = node._op
        if rule is None:
            continue
        # Rules run on raw data (fast) or on nodes (differentiable). Unary and binary ops,
        # most nodes, are called and unpacked by hand (a zip loop costs more).
        p, q, params = node._a, node._b, node._params
        if create_graph:
            results = rule.vjp(g, node, *node.parents, **(params or {}))
        elif type(q) is tuple:
            results = _vjp(node, g)
        elif q is None:
            results = rule.vjp(g, node.data, p.data, **(params or {}))
        elif params:
            results = rule.vjp(g, node.data, p.data, q.data, **params)
        else:
            results = rule.vjp(g, node.data, p.data, q.data)
        if anomaly:
            _check_backward(node, results)
        if on_step is not None:
            on_step(node, g, results)
        if type(q) is tuple:
            _send(node, results)
            continue
        r = results[0]
        if r is not None and p.requires_grad:
            r = p._fit(r)
            p._pass = r if p._pass is seen else p._pass + r
        if q is not None:
            s = results[1]
            if s is not None and q.requires_grad:
                s = q._fit(s)
                q._pass = s if q._pass is seen else q._pass + s


def _vjp(node: Node, g: Any) -> tuple[Any, ...]:
    """The node's rule on raw data: for each parent, the gradient `g` sends it (or None)."""
    assert node._op is not None
    datas = [x.data for x in node.parents]
    return node._op.vjp(g, node.data, *datas, **(node._params or {}))


def _send(node: Node, results: tuple[Any, ...]) -> None:
    """Add a rule's `results`, one per parent (None: none), to each parent's `_pass`."""
    seen = _SEEN
    for parent, r in zip(node.parents, results):  # noqa: B905 - a keyword costs too
        if r is not None and parent.requires_grad:
            r = parent._fit(r)
            parent._pass = r if parent._pass is seen else parent._pass + r


def grad(
    output: Node,
    inputs: Sequence[Node],
    grad_output: Any = None,
    create_graph: bool = False,
) -> list[Any]:
    """d(output)/d(input) for each input, without touching any ``.grad``.

    Args:
        output: The node to differentiate.
        inputs: The nodes to differentiate with respect to.
        grad_output: The seed gradient (defaults to ones, as in `backward`).
        create_graph: Return nodes in a graph, so they can be differentiated again.

    Returns:
        One gradient per input: raw data (a float or an ndarray), or nodes with
        `create_graph`. An input that `output` does not depend on gets zeros.

    Example:
        >>> from autograd import Value
        >>> x = Value(3.0)
        >>> grad(x * x * x, [x])
        [27.0]
        >>> (dx,) = grad(x * x * x, [x], create_graph=True)
        >>> grad(dx, [x])
        [18.0]
    """
    seed = output._seed(grad_output)
    if create_graph:
        seed = seed if isinstance(seed, Node) else output._wrap(seed)
    else:
        seed = seed.data if isinstance(seed, Node) else seed
    grads: dict[Node, Any] = {}
    backprop(output, seed, create_graph=create_graph, collect=grads)
    results = []
    for x in inputs:
        g = grads.get(x)
        if g is None:
            g = x._wrap(x._zeros()) if create_graph else x._zeros()
        results.append(g)
    return results


def backward_steps(root: Node) -> list[Step]:
    """The backward pass from `root` as data, in the order the engine applies the chain rule.

    Touches no ``.grad``. Each step's contributions, summed per node, equal what
    ``root.backward()`` adds to that node's ``.grad``.

    Example:
        >>> from autograd import Value
        >>> x = Value(3.0, label="x")
        >>> steps = backward_steps(x * 2.0)
        >>> [(c[0].label, c[2]) for c in steps[0].contributions]
        [('x', 2.0), ('', 3.0)]
    """
    steps: list[Step] = []

    def record(node: Node, g: Any, results: tuple[Any, ...]) -> None:
        local = _local_derivatives(node)
        steps.append(
            Step(
                node,
                g,
                tuple(
                    (parent, parent._fit(d), parent._fit(r))
                    for parent, d, r in zip(node.parents, local, results, strict=True)
                    if r is not None and parent.requires_grad
                ),
            )
        )

    backprop(root, root._seed(None), on_step=record)
    return steps


def _local_derivatives(node: Node) -> tuple[Any, ...]:
    """d(node)/d(parent) for each parent: the node's rule applied to a gradient of ones."""
    return tuple(_vjp(node, node._ones()))


def _check_backward(node: Node, results: tuple[Any, ...]) -> None:
    from autograd.op import is_finite

    for parent, r in zip(node.parents, results, strict=True):
        if r is not None and not is_finite(r):
            raise FloatingPointError(
                f"detect_anomaly: the backward rule of '{node.op}' produced a non-finite "
                f"gradient for an input of shape {_shape(parent)}"
            )


def _shape(node: Node) -> Any:
    return getattr(node, "shape", ())


class no_grad:  # noqa: N801 - named like torch.no_grad, used as a context manager
    """Context manager and decorator: ops inside record no parents.

    Example:
        >>> from autograd import Value
        >>> x = Value(2.0)
        >>> with no_grad():
        ...     y = x * x
        >>> y.parents
        ()
    """

    def __new__(cls, fn: Any = None) -> Any:
        """``no_grad()`` makes a context manager; bare ``@no_grad`` decorates `fn` directly."""
        self = super().__new__(cls)
        return self if fn is None else self(fn)

    def __enter__(self) -> None:
        self._prev = _mode.grad_enabled
        _mode.grad_enabled = False

    def __exit__(self, *exc: object) -> None:
        _mode.grad_enabled = self._prev

    def __call__(self, fn: F) -> F:
        """Use as a decorator: the function runs with recording off."""

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with no_grad():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise `FloatingPointError` naming the op when a nan or inf is produced.

    Checks every op's output in the forward pass and every gradient in the backward pass.

    Example:
        >>> from autograd import Tensor
        >>> x = Tensor([0.0, 1.0], requires_grad=True)
        >>> with detect_anomaly():
        ...     x.log()
        Traceback (most recent call last):
        ...
        FloatingPointError: detect_anomaly: 'log' produced a non-finite value ...
    """
    prev = _mode.anomaly
    _mode.anomaly = True
    try:
        yield
    finally:
        _mode.anomaly = prev
