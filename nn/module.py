"""`Module`: the base of every model, with parameter discovery, state dicts and files.

A module finds its parameters by looking at its attributes in the order they were set:
a `Value`, a `Tensor` that requires grad, a sub-`Module`, or a list, tuple or dict of these.
So ``self.w = [Value(...) ...]; self.b = Value(0.0)`` is all a subclass needs to do.
"""

from __future__ import annotations

import os
import secrets
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO, ClassVar, TypeVar

import numpy as np

from autograd import Value
from autograd.engine import Node

__all__ = ["Module"]

M = TypeVar("M", bound="Module")


class Module:
    """Base class of models: subclasses set attributes in `__init__` and define `forward`.

    Parameters are discovered from attributes, in the order they were assigned: a `Value`
    (always a parameter), a `Tensor` with ``requires_grad=True``, a sub-`Module`, or a list,
    tuple or dict of these (nested too). Their names join attribute names, list indices and
    dict keys with dots, as in PyTorch: ``layers.0.neurons.1.w.0``, ``0.weight``,
    ``heads.a.weight``.

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
        seen_containers: set[int] = set()  # a list that holds itself is walked once
        while stack:
            name, obj = stack.pop()
            full = f"{prefix}.{name}" if prefix else name
            if isinstance(obj, Module):
                yield from obj._walk(full, seen_modules, seen_params)
            elif isinstance(obj, Node):
                if obj.requires_grad and id(obj) not in seen_params:
                    seen_params.add(id(obj))
                    yield full, obj
            elif id(obj) not in seen_containers:
                seen_containers.add(id(obj))
                stack.extend(reversed([(f"{name}.{key}", item) for key, item in _items(obj)]))

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

        Every entry is checked before any is loaded: nothing or all.

        Args:
            state: ``{name: array or number}`` with exactly the names of
                `named_parameters`, the parameters' shapes, and real numbers.

        Raises:
            TypeError: When `state` is not a mapping.
            ValueError: Listing every missing name, every unexpected name, every name whose
                shape differs, every entry that is not real numbers and every one too large
                for its parameter's dtype (1e300 for float32). Nothing is loaded then.
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                "load_state_dict: expected a mapping {name: array} such as state_dict() "
                f"returns, got {type(state).__name__}"
            )
        self._load(state, "load_state_dict: the state")

    def _load(self, state: Mapping[str, Any], what: str) -> None:
        """Check all of `state` against the parameters, then copy it in (`what` names it)."""
        params = dict(self.named_parameters())
        arrays: dict[str, np.ndarray] = {}
        problems: dict[str, list[str]] = {
            "missing": [name for name in params if name not in state],
            "unexpected": [name for name in state if name not in params],
            "wrong shape": [],
            "not real numbers": [],
            "too large for the dtype": [],
        }
        for name, p in params.items():
            if name not in state:
                continue
            entry = state[name]
            try:
                arr = np.asarray(entry.data if isinstance(entry, Node) else entry)
            except ValueError:  # a ragged list
                arr = np.asarray(None)
            if arr.dtype.kind not in "biuf":
                problems["not real numbers"].append(f"{name} (got {arr.dtype})")
            elif arr.shape != np.shape(p.data):
                want = np.shape(p.data)
                problems["wrong shape"].append(f"{name} (expected shape {want}, got {arr.shape})")
            elif _overflows(arr, p):
                problems["too large for the dtype"].append(f"{name} ({np.asarray(p.data).dtype})")
            else:
                arrays[name] = arr
        found = [f"{kind} {', '.join(names)}" for kind, names in problems.items() if names]
        if found:
            raise ValueError(
                f"{what} does not match {type(self).__name__}: {'; '.join(found)}. "
                "Expected exactly the names and shapes of named_parameters(), in real numbers"
            )
        for name, p in params.items():
            if isinstance(p, Value):
                p.data = float(arrays[name].reshape(()))
            else:
                p.data = np.array(arrays[name], dtype=p.data.dtype, copy=True)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write `state_dict` to `path` as a numpy ``.npz`` archive (no suffix is added).

        The archive is written beside `path` and then moved onto it, so a save that fails
        (a full disk) leaves any earlier file at `path` as it was.

        Args:
            path: The file to write, exactly as given; `load` reads it back.

        Raises:
            IsADirectoryError: When `path` is a directory.
            FileNotFoundError: When the folder of `path` does not exist.
        """
        target = os.fspath(path)
        if os.path.isdir(target):
            raise IsADirectoryError(
                f"save: {target} is a directory; pass a file in it, e.g. "
                f"{os.path.join(target, 'model.npz')}"
            )
        folder = os.path.dirname(target)
        if folder and not os.path.isdir(folder):
            raise FileNotFoundError(f"save: the folder {folder} of {target} does not exist")
        partial = f"{target}.{secrets.token_hex(4)}.partial"
        try:
            with open(partial, "xb") as f:  # a fresh name: no other save writes into it
                _write_npz(f, self.state_dict())
            os.replace(partial, target)
        finally:
            if os.path.exists(partial):
                os.remove(partial)

    def load(self: M, path: str | os.PathLike[str]) -> M:
        """Read a file written by `save` into this module's parameters, bit for bit.

        Build the model as it was built for saving, then load into it
        (``model = MLP(2, [16, 16, 1]).load("model.npz")``), as with PyTorch's
        ``model.load_state_dict(torch.load(path))``: the file holds the numbers, the code
        holds the architecture. Nothing is loaded unless all of the file fits.

        Args:
            path: The file written by ``save(path)``.

        Returns:
            This module, so a model can be built and loaded in one line.

        Raises:
            FileNotFoundError: When there is no such file.
            ValueError: Naming the file, when it is not a ``.npz`` archive of real numbers,
                or its names or shapes do not match this module.
        """
        self._load(_read_npz(path), f"load: {os.fspath(path)}")
        return self

    # ------------------------------------------------------------------ modes
    def train(self: M, mode: bool = True) -> M:
        """Set training mode (evaluation mode for ``mode=False``) here and in every sub-module.

        `Dropout` drops elements only in training mode. Returns self.

        Raises:
            ValueError: When `mode` is not a bool (as in PyTorch).
        """
        if not isinstance(mode, (bool, np.bool_)):  # bool("False") would be True
            raise ValueError(f"train: mode must be a bool, got {mode!r}")
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


def _write_npz(f: BinaryIO, state: dict[str, np.ndarray]) -> None:
    """Write `state` as an uncompressed ``.npz`` archive, one ``NAME.npy`` member per array.

    ``np.savez(f, **state)`` would take a parameter named ``file`` or ``allow_pickle`` for
    its own argument.
    """
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as archive:
        for name, arr in state.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, arr, allow_pickle=False)


def _read_npz(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` archive at `path`, or a ValueError naming the file."""
    name = os.fspath(path)
    try:
        loaded = np.load(path, allow_pickle=False)
        if isinstance(loaded, np.lib.npyio.NpzFile):
            with loaded:
                return {key: loaded[key] for key in loaded.files}
    except FileNotFoundError:
        raise
    except (ValueError, EOFError, OSError, zipfile.BadZipFile, zlib.error) as e:
        raise ValueError(  # numpy's own message may advise allow_pickle: not for a model file
            f"load: {name} is not a .npz archive written by save (numpy: {type(e).__name__})"
        ) from None
    raise ValueError(
        f"load: {name} holds one array (a .npy file), not the .npz archive of named arrays "
        "that save writes"
    )


def _overflows(arr: np.ndarray, p: Node) -> bool:
    """Whether finite numbers in `arr` would become inf in the dtype of `p` (float32)."""
    dtype = np.asarray(p.data).dtype
    if arr.dtype.kind != "f" or np.finfo(dtype).max >= np.finfo(arr.dtype).max:
        return False
    finite = arr[np.isfinite(arr)]
    return bool(finite.size) and bool(np.abs(finite).max() > np.finfo(dtype).max)


def _items(obj: Any) -> list[tuple[str, Any]]:
    """The (name, item) pairs inside a list, tuple or dict attribute ([] for anything else)."""
    if isinstance(obj, (list, tuple)):
        return [(str(i), item) for i, item in enumerate(obj)]
    if isinstance(obj, dict):
        return [(str(key), item) for key, item in obj.items()]
    return []


def _child_lines(name: str, obj: Any, seen: set[int] | None = None) -> list[str]:
    """``(name): repr`` for each sub-module in an attribute (lists expanded by index)."""
    if isinstance(obj, Module):
        return [f"({name}): {obj!r}"]
    seen = set() if seen is None else seen
    if id(obj) in seen:  # a list that holds itself
        return []
    seen.add(id(obj))
    return [line for key, item in _items(obj) for line in _child_lines(f"{name}.{key}", item, seen)]
