"""`compile`: a training step's graph recorded once, then replayed as generated code."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd import engine
from autograd.codegen import Graph, helper_sources, load
from autograd.engine import Node

__all__ = ["CompiledStep", "compile"]


class _Plan:
    """One recording: the generated function, its leaves and (for Tensors) its buffers."""

    def __init__(self, root: Node) -> None:
        graph = Graph(root, inputs="all", buffers=isinstance(root.data, np.ndarray))
        w = graph.writer
        self.leaves = graph.leaves
        self.reached = [n for n in graph.leaves if n in graph.grads and n.requires_grad]
        self.shapes = [(np.shape(n.data), getattr(n.data, "dtype", None)) for n in self.leaves]
        self.tensor = graph.kind == "tensor"
        # A leaf's gradient computed into a fresh array becomes its .grad as it is, with no
        # copy (a large weight's copy costs as much as an op); a shared one is copied.
        names = [w.text(graph.grads[n]) for n in self.reached]
        self.fresh = [self.tensor and names.count(name) == 1 and w.unbuffer(name) for name in names]
        buffers = [f"_b{i}" for i in range(len(w.buffers))]
        unpack = []
        if self.leaves:
            unpack.append(f"{', '.join(graph.names[n] for n in self.leaves)}, = L")
        if buffers:
            unpack.append(f"{', '.join(buffers)}, = B")
        grads = ", ".join(w.text(graph.grads[n]) for n in self.reached)
        lines = [*unpack, *w.lines, f"return {graph.names[root]}, ({grads}{',' if grads else ''})"]
        head = "import math\nimport numpy as np\n\n" + helper_sources(w)
        self.source = head + "\ndef step(L, B):\n" + "\n".join("    " + s for s in lines) + "\n"
        self.fn = load(self.source, "step", w.constants)
        self.buffers = w.buffers

    def fits(self) -> bool:
        """Whether every leaf still has its recorded shape and dtype."""
        return all(
            (np.shape(n.data), getattr(n.data, "dtype", None)) == s
            for n, s in zip(self.leaves, self.shapes, strict=True)
        )

    def run(self) -> float:
        out, grads = self.fn([n.data for n in self.leaves], self.buffers)
        with engine._grad_lock:
            for node, g, fresh in zip(self.reached, grads, self.fresh, strict=True):
                if (
                    fresh
                    and node.grad is None
                    and type(g) is np.ndarray
                    and g.dtype == node.data.dtype
                ):
                    node.grad = g
                else:
                    node._accumulate(g)
        return float(out)


class CompiledStep:
    """A step compiled by `compile`: call it to replay forward and backward."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._fn = fn
        self._plan: _Plan | None = None
        self.recordings = 0
        """How many times the step recorded its graph."""
        functools.update_wrapper(self, fn)

    @property
    def source(self) -> str:
        """The generated code of the current recording ("" before the first call)."""
        return "" if self._plan is None else self._plan.source

    def __call__(self) -> float:
        """Replay one step: the output as a float; gradients added into the leaves' ``.grad``."""
        plan = self._plan
        if plan is None or (plan.tensor and not plan.fits()):
            plan = self._plan = self._record()
        return plan.run()

    def _record(self) -> _Plan:
        root = self._fn()
        if not isinstance(root, Node) or np.size(root.data) != 1:
            what = (
                f"a {type(root).__name__} of shape {np.shape(root.data)}"
                if isinstance(root, Node)
                else f"a {type(root).__name__}"
            )
            raise ValueError(
                f"compile: the function must return a one-element output (a Value, or a "
                f"Tensor of size 1, e.g. a loss reduced with .sum() or .mean()); got {what}"
            )
        if not root.requires_grad:
            raise RuntimeError(
                "compile: nothing in the function's graph requires grad; create the leaves "
                "you want gradients for with requires_grad=True"
            )
        self.recordings += 1
        return _Plan(root)


def compile(fn: Callable[[], Any]) -> CompiledStep:  # noqa: A001 - the name API.md gives
    """A training step that records `fn`'s graph once and then replays it as generated code.

    `fn` takes no arguments and returns a one-element output (a loss) built from leaves it
    reads: a model's parameters, data arrays. The first call runs `fn` and records its
    graph; every call then replays forward and backward from the leaves' current ``.data``
    without building nodes, adds the gradients into each leaf's ``.grad`` exactly as
    ``backward()`` would (intermediate nodes get none), and returns the output as a float.
    Values replay as straight-line Python (bit-identical to the eager pass); Tensors as
    numpy calls into buffers allocated once. A Tensor leaf whose shape or dtype changed
    makes the step record again.

    What a replay cannot see: Python control flow in `fn` that depends on the data (an
    ``if loss > 1`` or a loop over a data-dependent count is taken as it was on the
    recording); leaves `fn` builds anew on each call from numbers or rebound arrays (the
    recorded ones are replayed, with their data as it was); hooks on the nodes. A Tensor
    leaf's data updated in place, or replaced by an array of the same shape, is seen.

    Args:
        fn: The step's forward pass, e.g. ``lambda: loss_fn(model(X), y)``.

    Returns:
        A `CompiledStep`: calling it runs one replay and returns the output as a float.

    Raises:
        ValueError: On the first call, when `fn` does not return a one-element output.

    Example:
        >>> from autograd import Value
        >>> w = Value(2.0)
        >>> step = compile(lambda: (w * w - 1.0).tanh())
        >>> loss = step()
        >>> w.grad == (1 - loss**2) * 4.0
        True
    """
    return CompiledStep(fn)
