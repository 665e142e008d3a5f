"""The engine's guarantees: reentrant and thread-safe passes, per-thread modes, hooks, the
node-kind contract (a third kind built here), and the fast path equal to the reference."""

import gc
import math
import threading
from contextlib import contextmanager
from fractions import Fraction
from typing import Any, ClassVar

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Tensor, Value, backward_steps, engine, grad, no_grad
from autograd.engine import Node
from autograd.op import Op, Operators, ValueOp, apply

torch = pytest.importorskip("torch")


@contextmanager
def reference_only():
    """Hold the fast path's slots, so every pass in this thread takes the reference."""
    with engine._scratch_owner:
        yield


# ------------------------------------------------------------ reentrancy and threads


class SquareViaGrad(ValueOp):
    """x ** 2 whose rule asks the engine, mid-pass, for d(w ** 3)/dw of a graph on `w`."""

    @classmethod
    def describe(cls, params: dict[str, Any]) -> str:  # no `name`: kept out of the registry
        return "square_via_grad"

    @staticmethod
    def forward(x: float, w: Any) -> float:
        return x * x

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, w: Any) -> tuple[Any]:
        (dw,) = grad(w * w * w, [w])  # a nested pass over a leaf the outer pass shares
        return (g * 2.0 * x * (dw / (3.0 * w.data**2)),)  # the ratio is 1


def test_a_rule_may_run_a_pass_on_a_graph_sharing_a_leaf() -> None:
    x, w = Value(3.0), Value(1.0)
    y = apply(SquareViaGrad, x, w=w) + w * 2.0
    y.backward()
    assert (x.grad, w.grad) == (6.0, 2.0)  # torch: d(x^2 + 2w) = (2x, 2)


def test_a_hook_may_run_backward_during_a_pass() -> None:
    x, w = Value(3.0), Value(2.0)
    inner_done = []

    def hook(g: float) -> None:
        (w * w).backward()  # adds 2w = 4 to w.grad, whatever the outer pass does
        inner_done.append(g)

    z = x * w
    z.register_hook(hook)
    (z * x).backward()  # d/dw = x^2 = 9, d/dx = 2xw = 12
    assert inner_done == [3.0]
    assert (x.grad, w.grad) == (12.0, 9.0 + 4.0)


def _shared_model(seed: int = 0) -> tuple[list[Tensor], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    params = [Tensor(rng.normal(size=s), requires_grad=True) for s in [(3, 4), (4,), (4, 1)]]
    return params, rng.normal(size=(5, 3)), rng.normal(size=(5, 1))


def _loss(params: list[Tensor], x: np.ndarray, y: np.ndarray) -> Tensor:
    w1, b1, w2 = params
    return (((x @ w1 + b1).tanh() @ w2 - y) ** 2).mean()


def test_threads_running_grad_backward_steps_and_backward_on_shared_leaves() -> None:
    params, x, y = _shared_model()
    expected = grad(_loss(params, x, y), params)
    expected_steps = len(backward_steps(_loss(params, x, y)))
    errors: list[str] = []
    start = threading.Barrier(8)

    def worker(k: int) -> None:
        start.wait()
        for i in range(100):
            loss = _loss(params, x, y)
            if (k + i) % 3 == 0:
                loss.backward()
            elif (k + i) % 3 == 1:
                got = grad(loss, params)
                if not all(np.array_equal(a, b) for a, b in zip(got, expected, strict=True)):
                    errors.append("grad differs")
            elif len(backward_steps(loss)) != expected_steps:
                errors.append("steps differ")

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    backwards = sum(1 for k in range(8) for i in range(100) if (k + i) % 3 == 0)
    for p, e in zip(params, expected, strict=True):
        np.testing.assert_allclose(p.grad, backwards * e, rtol=1e-12)


def test_threads_running_scalar_backward_lose_no_update() -> None:
    w = Value(1.5)
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        for _ in range(200):
            (w * w * 3.0).backward()  # d/dw = 6w = 9

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert w.grad == 8 * 200 * 9.0


# ----------------------------------------------------------------------- the modes


def test_no_grad_in_one_thread_does_not_stop_recording_in_another() -> None:
    inside, recorded = threading.Event(), []
    release = threading.Event()

    def quiet() -> None:
        with no_grad():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=quiet)
    t.start()
    inside.wait(5)
    x = Value(2.0)
    recorded.append((x * x).parents)
    release.set()
    t.join()
    assert len(recorded[0]) == 2


def test_no_grad_decorates_the_body_of_a_generator() -> None:
    x = Value(2.0)

    @no_grad()
    def squares(n: int) -> Any:
        for _ in range(n):
            yield x * x

    assert [y.parents for y in squares(2)] == [(), ()]
    assert len((x * x).parents) == 2  # recording is back on between and after


def test_one_no_grad_object_entered_twice_restores_recording() -> None:
    ng, x = no_grad(), Value(1.0)
    with ng:
        with ng:
            pass
        assert (x * x).parents == ()
    assert len((x * x).parents) == 2


def test_create_graph_records_inside_no_grad() -> None:
    x = Value(3.0)
    y = x * x * x
    with no_grad():
        (dx,) = grad(y, [x], create_graph=True)
    (d2x,) = grad(dx, [x])
    assert (dx.data, d2x) == (27.0, 18.0)  # 3x^2, 6x


# ---------------------------------------------------------------------------- hooks


@pytest.mark.parametrize("path", ["backward", "grad", "create_graph"])
def test_a_hook_sees_the_complete_gradient_and_may_replace_it(path: str) -> None:
    x = Value(2.0)
    z = x * x  # dz/dx = 4
    seen: list[float] = []
    handle = z.register_hook(lambda g: seen.append(float(getattr(g, "data", g))) or g * 10.0)
    y = z * 3.0 + z  # the hook sees dy/dz = 4 once, after both paths are summed
    if path == "backward":
        y.backward()
        got = x.grad
    else:
        (g,) = grad(y, [x], create_graph=path == "create_graph")
        got = float(getattr(g, "data", g))
    assert seen == [4.0]
    assert got == 4.0 * 10.0 * 4.0
    handle.remove()
    assert grad(z * 3.0 + z, [x]) == [16.0]


def test_a_tensor_hook_replaces_the_gradient_like_torch() -> None:
    x = Tensor([1.0, -2.0], requires_grad=True)
    y = x * 3.0
    y.register_hook(lambda g: g * np.array([1.0, 0.0]))
    (y**2).sum().backward()
    tx = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    ty = tx * 3.0
    ty.register_hook(lambda g: g * torch.tensor([1.0, 0.0], dtype=torch.float64))
    (ty**2).sum().backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())


# ------------------------------------------------------------------ leaf gradients


def test_a_float32_leaf_gets_a_float32_grad() -> None:
    w = Tensor(np.ones(3, np.float32), requires_grad=True)
    (w * np.arange(3.0)).sum().backward()
    assert w.grad is not None
    assert w.grad.dtype == np.float32


def test_leaves_meeting_in_add_own_their_grads() -> None:
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    (a + b).backward(np.array([1.0, 1.0]))
    assert a.grad is not None
    assert b.grad is not None
    a.grad *= 5.0
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


@pytest.mark.parametrize("leaf_first", [True, False])
def test_a_leaf_shares_its_grad_with_no_intermediate(leaf_first: bool) -> None:
    a = Tensor([1.0, 2.0], requires_grad=True)
    h = Tensor([3.0, 4.0], requires_grad=True) * 2.0  # an intermediate
    out = a + h if leaf_first else h + a  # + passes its gradient on unchanged to both
    out.backward(np.array([1.0, 1.0]))
    assert a.grad is not None
    assert h.grad is not None
    a.grad *= 10.0
    np.testing.assert_array_equal(h.grad, [1.0, 1.0])


def test_intermediates_that_share_a_gradient_accumulate_exactly_over_two_passes() -> None:
    x = Tensor([1.0, -1.0], requires_grad=True)
    u, v = x * 2.0, x * 3.0
    out = u + v  # u and v may receive one array: adding into it must not touch the other
    seed = np.array([1.0, 2.0])
    out.backward(seed)
    out.backward(seed)
    for node in (u, v):
        np.testing.assert_array_equal(node.grad, 2 * seed)
    np.testing.assert_array_equal(x.grad, 2 * seed * 5.0)


def test_backward_with_nothing_requiring_grad_raises() -> None:
    with pytest.raises(RuntimeError, match="nothing in this graph requires grad"):
        (Tensor([1.0]) * 2.0).sum().backward()


def test_grad_of_values_is_a_float_with_an_int_seed() -> None:
    x, y = Value(1.0), Value(2.0)
    (g,) = grad(x + y, [x], grad_output=2)
    assert type(g) is float
    assert g == 2.0


def test_grad_wants_a_list_of_inputs() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"grad\(y, \[x\]\)"):
        grad(x * x, x)  # type: ignore[arg-type]


def test_tensor_of_a_node_in_a_graph_raises_naming_the_fix() -> None:
    v, t = Value(1.5), Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"Tensor\(v\.data\)"):
        Tensor(v)
    with pytest.raises(TypeError, match=r"t\.detach\(\)"):
        Tensor(t)
    for constant, data in ((Tensor(v.data), v.data), (Tensor(t.detach()), t.data)):
        np.testing.assert_array_equal(constant.data, data)  # the named fix works
        assert not constant.requires_grad


# --------------------------------------------- a third node kind: exact Fractions


class Frac(Operators, Node):
    """Exact rational scalars, built outside the package on the documented hooks only."""

    __slots__ = ()
    _grad_start: ClassVar[Any] = Fraction(0)
    accumulated = 0

    def __init__(self, data: Any) -> None:
        super().__init__(Fraction(data))

    def _ones(self) -> Fraction:
        return Fraction(1)

    def _zeros(self) -> Fraction:
        return Fraction(0)

    def _accumulate(self, g: Fraction) -> None:
        type(self).accumulated += 1
        self.grad += g

    @classmethod
    def _lift(cls, x: Any, like: Node) -> "Frac":
        return cls(x)

    @classmethod
    def _wrap(cls, data: Any) -> "Frac":
        return cls(data)

    @staticmethod
    def _all_finite(data: Any) -> bool:
        return True

    def __pow__(self, n: Any) -> Any:
        raise NotImplementedError


class FracOp(Op):
    registry: ClassVar[dict[str, type[Op]]] = {}


class FAdd(FracOp):
    name = "+"

    @staticmethod
    def forward(x: Fraction, y: Fraction) -> Fraction:
        return x + y

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, y: Any) -> tuple[Any, Any]:
        return g, g


class FMul(FracOp):
    name = "*"

    @staticmethod
    def forward(x: Fraction, y: Fraction) -> Fraction:
        return x * y

    @staticmethod
    def vjp(g: Any, out: Any, x: Any, y: Any) -> tuple[Any, Any]:
        return g * y, g * x


class _FracPrimitives:
    Add, Mul, Sub, Neg = FAdd, FMul, None, None


Frac.primitives = _FracPrimitives
FracOp.bind(Frac)


@pytest.mark.parametrize("reference", [False, True])
def test_a_third_node_kind_works_through_every_path(reference: bool) -> None:
    x, y = Frac(Fraction(1, 3)), Frac(Fraction(2, 7))
    f = x * x * y + x  # df/dx = 2xy + 1 = 25/21, df/dy = x^2 = 1/9
    Frac.accumulated = 0
    if reference:
        with reference_only():
            f.backward()
    else:
        f.backward()
    assert (x.grad, y.grad) == (Fraction(25, 21), Fraction(1, 9))
    assert Frac.accumulated == 5  # every node of the graph, once
    assert grad(f, [x, y]) == [Fraction(25, 21), Fraction(1, 9)]
    (dx,) = grad(f, [x], create_graph=True)
    assert isinstance(dx, Frac)
    assert grad(dx, [y]) == [Fraction(2, 3)]  # d(2xy + 1)/dy = 2x


# ------------------------------------------------ the fast path equals the reference


_OPS = {
    "+": lambda a, b: a + b,
    "*": lambda a, b: a * b,
    "-": lambda a, b: a - b,
    "t": lambda a, b: a.tanh(),
    "s": lambda a, b: a.sin(),
    "q": lambda a, b: a**2,
}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("+*-tsq"), st.integers(0, 99), st.integers(0, 99))))
def test_fast_path_and_reference_give_identical_gradients(program: list) -> None:
    def build() -> tuple[Value, list[Value]]:
        leaves = [Value(v) for v in (0.3, -1.2, 0.7)]
        nodes = list(leaves)
        for op, i, j in program:
            nodes.append(_OPS[op](nodes[i % len(nodes)], nodes[j % len(nodes)]))
        return nodes[-1] + nodes[0], leaves

    root, fast = build()
    root.backward()
    root2, ref = build()
    with reference_only():
        root2.backward()
    assert [v.grad for v in fast] == [v.grad for v in ref]


def test_a_deep_chain_backpropagates_through_both_paths() -> None:
    x = Value(0.5)
    y = x
    for _ in range(20_000):
        y = y * 1.0001
    y.backward()
    assert math.isclose(x.grad, 1.0001**20_000, rel_tol=1e-9)
    with reference_only():
        (g,) = grad(y, [x])
    assert math.isclose(g, 1.0001**20_000, rel_tol=1e-9)


def test_a_node_freed_with_its_hook_on_gives_the_fast_path_back() -> None:
    before = engine._hook_count.count
    x = Value(1.0)
    y = x * 2.0
    y.register_hook(lambda g: g)  # never removed: its handle is dropped at once
    assert engine._hook_count.count == before + 1
    del x, y
    gc.collect()
    fast = []
    real = engine._fast_order

    def spy(*args: object) -> bool:
        fast.append(True)
        return real(*args)  # type: ignore[arg-type]

    engine._fast_order = spy  # type: ignore[assignment]
    try:
        a = Value(3.0)
        (a * a).backward()
    finally:
        engine._fast_order = real  # type: ignore[assignment]
    assert fast  # the plain backward took the fast path again
    assert engine._hook_count.count == before
    assert a.grad == 6.0
