"""`Module`: the base of every model, with parameter discovery, state dicts and files.

A module finds its parameters by looking at its attributes in the order they were set:
a `Value`, a `Tensor` that requires grad, a sub-`Module`, or a list or tuple of these.
So ``self.w = [Value(...) ...]; self.b = Value(0.0)`` is all a subclass needs to do.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, TypeVar

import numpy as np

from autograd import Value
from autograd.engine import Node

__all__ = ["Module"]

M = TypeVar("M", bound="Module")


class Module:
    """Base class of models: subclasses set attributes in `__init__` and define `forward`.

    Parameters are discovered from attributes, in the order they were assigned: a `Value`
    (always a parameter), a `Tensor` with ``requires_grad=True``, a sub-`Module`, or a list
    or tuple of these (nested lists too). Their names join attribute names and list
    indices with dots, as in PyTorch: ``layers.0.neurons.1.w.0``, ``0.weight``.

    Example:
        >>> from autograd import Value
        >>> class Affine(Module):
        ...     def __init__(self) -> None:
        ...         self.w = Value(2.0)
        ...         self.b = Value(1.0)
        ...     def forward(self, x: float) -> Value:
        ...         return self.w * x + self.b
        >>> model = Affine()
        >>> model(3.0).data
        7.0
        >>> [name for name, _ in model.named_parameters()]
        ['w', 'b']
    """

    _repr_children: ClassVar[bool] = True
    """Whether `repr` lists the sub-modules (a `Layer` of 16 neurons prints one line)."""
    training: bool = True
    """Training mode (the default) or evaluation mode: see `train` and `eval`."""

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the module's output. Subclasses override this."""
        raise NotImplementedError(f"{type(self).__name__}: forward() is not implemented")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run `forward` on the arguments."""
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------------ discovery
    def _children(self) -> Iterator[tuple[str, Any]]:
        """The attributes searched for parameters, as (name, object), in definition order."""
        return iter(vars(self).items())

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """Every module in this tree, this one first (named ``prefix``), each once.

        Args:
            prefix: The name given to this module; sub-modules get dotted names below it.

        Yields:
            ``(name, module)`` pairs in definition order.
        """
        seen: set[int] = set()
        for name, obj in self._walk(prefix, seen, set()):
            if isinstance(obj, Module):
                yield name, obj

    def named_parameters(self) -> Iterator[tuple[str, Node]]:
        """Every parameter once, with its dotted name, in definition order.

        A parameter shared by two attributes (or two sub-modules) is listed once, under
        the name where it was first found.

        Yields:
            ``(name, parameter)`` pairs.
        """
        for name, obj in self._walk("", set(), set()):
            if not isinstance(obj, Module):
                yield name, obj

    def _walk(self, prefix: str, seen_modules: set[int], seen_params: set[int]) -> Iterator[Any]:
        """Depth-first walk yielding (name, module or parameter), each object once."""
        if id(self) in seen_modules:
            return
        seen_modules.add(id(self))
        yield prefix, self
        # An explicit stack instead of recursion into lists keeps the order obvious.
        stack: list[tuple[str, Any]] = list(reversed(list(self._children())))
        while stack:
            name, obj = stack.pop()
            full = f"{prefix}.{name}" if prefix else name
            if isinstance(obj, Module):
                yield from obj._walk(full, seen_modules, seen_params)
            elif isinstance(obj, Node):
                if obj.requires_grad and id(obj) not in seen_params:
                    seen_params.add(id(obj))
                    yield full, obj
            elif isinstance(obj, (list, tuple)):
                stack.extend(reversed([(f"{name}.{i}", item) for i, item in enumerate(obj)]))

    def parameters(self) -> list[Node]:
        """Every parameter once, in definition order (shared ones at their first place).

        Returns:
            The parameters: `Value` and `Tensor` nodes.
        """
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset gradients: a `Value` parameter's to 0.0, a `Tensor`'s to None (as PyTorch)."""
        for p in self.parameters():
            p.zero_grad()  # the node kind knows its empty gradient

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter's data, keyed by its name.

        Returns:
            ``{name: array}`` in definition order; a `Value` becomes a 0-d float64 array,
            a `Tensor` a copy of its data with its dtype.
        """
        return {name: np.array(p.data, copy=True) for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Copy `state` into the parameters, in place (the parameter objects stay the same).

        Args:
            state: ``{name: array or number}`` with exactly the names of
                `named_parameters` and the parameters' shapes.

        Raises:
            ValueError: Listing every missing name, every unexpected name and every name
                whose shape differs. Nothing is loaded then.
        """
        params = dict(self.named_parameters())
        missing = [name for name in params if name not in state]
        unexpected = [name for name in state if name not in params]
        wrong = []
        for name, p in params.items():
            if name in state:
                got, want = np.shape(state[name]), np.shape(p.data)
                if got != want:
                    wrong.append(f"{name} (expected shape {want}, got {got})")
        if missing or unexpected or wrong:
            parts = []
            if missing:
                parts.append("missing " + ", ".join(missing))
            if unexpected:
                parts.append("unexpected " + ", ".join(unexpected))
            if wrong:
                parts.append("wrong shape " + ", ".join(wrong))
            raise ValueError(
                f"load_state_dict: the state does not match {type(self).__name__}: "
                + "; ".join(parts)
                + ". Expected exactly the names and shapes of named_parameters()"
            )
        for name, p in params.items():
            if isinstance(p, Value):
                p.data = float(np.asarray(state[name]).reshape(()))
            else:
                p.data = np.array(state[name], dtype=p.data.dtype, copy=True)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write `state_dict` to a ``.npz`` file (numpy adds the suffix when it is missing).

        Args:
            path: The file to write.
        """
        np.savez(path, **self.state_dict())  # type: ignore[arg-type]

    def load(self: M, path: str | os.PathLike[str]) -> M:
        """Read a file written by `save` into this module's parameters, bit for bit.

        Build the model as it was built for saving, then load into it
        (``model = MLP(2, [16, 16, 1]).load("model.npz")``), as with PyTorch's
        ``model.load_state_dict(torch.load(path))``: the file holds the numbers, the code
        holds the architecture.

        Args:
            path: A ``.npz`` file written by `save`.

        Returns:
            This module, so a model can be built and loaded in one line.

        Raises:
            ValueError: When the file's names or shapes do not match this module.
        """
        with np.load(path, allow_pickle=False) as f:
            state = {name: f[name] for name in f.files}
        self.load_state_dict(state)
        return self

    # ------------------------------------------------------------------ modes
    def train(self: M, mode: bool = True) -> M:
        """Set training mode (evaluation mode for ``mode=False``) here and in every sub-module.

        `Dropout` drops elements only in training mode. Returns self.
        """
        for _, module in self.named_modules():
            module.training = bool(mode)
        return self

    def eval(self: M) -> M:
        """Set evaluation mode here and in every sub-module: ``train(False)``."""
        return self.train(False)

    # ------------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        """The text inside this module's parentheses in `repr` (empty by default)."""
        return ""

    def __repr__(self) -> str:
        head = f"{type(self).__name__}({self.extra_repr()}"
        children = []
        if self._repr_children:
            for name, obj in self._children():
                children.extend(_child_lines(name, obj))
        if not children:
            return head + ")"
        body = "".join(f"\n  {line}" for child in children for line in child.splitlines())
        return head + body + "\n)"


def _child_lines(name: str, obj: Any) -> list[str]:
    """``(name): repr`` for each sub-module in an attribute (lists expanded by index)."""
    if isinstance(obj, Module):
        return [f"({name}): {obj!r}"]
    if isinstance(obj, (list, tuple)):
        return [line for i, item in enumerate(obj) for line in _child_lines(f"{name}.{i}", item)]
    return []
