"""The shared graph walk: order, fan-out, accumulation, modes, deep graphs, higher order."""

import math
import random
import sys

import numpy as np
import pytest

from autograd import Tensor, Value, backward_steps, detect_anomaly, grad, no_grad, topological_order

torch = pytest.importorskip("torch")


def _combine(op: str, a: Value, b: Value) -> Value:
    if op == "+":
        return a + b
    if op == "*":
        return a * b
    if op == "-":
        return a - b
    return a.tanh() if op == "tanh" else a.sin()


def _random_graph(
    rng: random.Random, n_leaves: int = 4, n_ops: int = 40
) -> tuple[Value, list[Value]]:
    leaves = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(n_leaves)]
    nodes = list(leaves)
    for _ in range(n_ops):
        op = rng.choice(["+", "*", "tanh", "sin", "-"])
        nodes.append(_combine(op, rng.choice(nodes), rng.choice(nodes)))
    return nodes[-1] + sum(nodes[-5:]), leaves


def test_topological_order_puts_parents_first_and_root_last() -> None:
    rng = random.Random(0)
    for _ in range(20):
        root, _ = _random_graph(rng)
        order = topological_order(root)
        position = {id(n): i for i, n in enumerate(order)}
        assert order[-1] is root
        assert len(position) == len(order)  # each node once
        for node in order:
            for parent in node.parents:
                assert position[id(parent)] < position[id(node)]


def test_topological_order_holds_exactly_the_reachable_nodes() -> None:
    x, y, unused = Value(1.0), Value(2.0), Value(3.0)
    z = x * y + x
    _ = unused * 2
    reachable = {id(n) for n in topological_order(z)}
    assert reachable == {id(x), id(y), id(z), id(z.parents[0])}


def test_fan_out_sums_every_path() -> None:
    x = Value(0.7)
    y = x * x * x + x.tanh() * x  # x used five times
    y.backward()
    assert x.grad == pytest.approx(3 * 0.7**2 + (1 - math.tanh(0.7) ** 2) * 0.7 + math.tanh(0.7))


def test_node_used_many_times_matches_torch() -> None:
    x = Value(0.3)
    terms = [x * (i / 100) for i in range(1000)]
    total = sum(terms[1:], terms[0])
    y = total * x
    y.backward()
    xt = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    tt = sum((xt * (i / 100) for i in range(1000)), torch.tensor(0.0, dtype=torch.float64))
    (tt * xt).backward()
    assert x.grad == pytest.approx(xt.grad.item(), rel=1e-13)


def test_backward_twice_doubles_every_gradient_intermediates_included() -> None:
    rng = random.Random(1)
    root, _ = _random_graph(rng)
    order = topological_order(root)
    root.backward()
    once = [n.grad for n in order]
    root.backward()
    assert [n.grad for n in order] == [2 * g for g in once]
    assert root.grad == 2.0


def test_backward_fills_every_node_on_the_path() -> None:
    x, w, b = Value(2.0), Value(-3.0), Value(1.0)
    z = x * w + b
    out = z.tanh()
    out.backward()
    t = 1 - math.tanh(-5.0) ** 2
    assert (out.grad, z.grad, b.grad) == (1.0, pytest.approx(t), pytest.approx(t))
    assert (x.grad, w.grad) == (pytest.approx(-3 * t), pytest.approx(2 * t))


def test_tensor_backward_accumulates_too() -> None:
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    loss.backward()
    np.testing.assert_array_equal(w.grad, 2 * 2 * w.data)


def test_grad_does_not_touch_dot_grad_and_gives_zero_for_unused_inputs() -> None:
    x, y, unused = Value(1.5), Value(-2.0), Value(4.0)
    z = x * y
    assert grad(z, [x, y, unused]) == [-2.0, 1.5, 0.0]
    assert (x.grad, y.grad, z.grad) == (0.0, 0.0, 0.0)
    t = Tensor(np.ones(3), requires_grad=True)
    u = Tensor(np.ones(2), requires_grad=True)
    gt, gu = grad((t * 3).sum(), [t, u])
    np.testing.assert_array_equal(gt, [3, 3, 3])
    np.testing.assert_array_equal(gu, [0, 0])
    assert t.grad is None


def test_grad_output_scales_the_result() -> None:
    x = Value(2.0)
    assert grad(x * x, [x], grad_output=0.5) == [2.0]
    t = Tensor([1.0, 2.0], requires_grad=True)
    (g,) = grad(t * t, [t], grad_output=np.array([1.0, 10.0]))
    np.testing.assert_array_equal(g, [2.0, 40.0])


def test_no_grad_as_context_manager_and_decorator() -> None:
    x = Value(3.0)
    with no_grad():
        y = x * x
    assert y.parents == ()
    assert y.op == ""
    assert y.data == 9.0

    @no_grad()
    def square(v: Value) -> Value:
        return v * v

    assert square(x).parents == ()

    @no_grad
    def cube(v: Value) -> Value:
        return v * v * v

    assert cube(x).parents == ()
    assert cube(x).data == 27.0
    assert (x * x).parents == (x, x)  # recording is back on
    t = Tensor([1.0], requires_grad=True)
    with no_grad():
        assert not (t * 2).requires_grad


def test_deep_chain_of_a_million_nodes_at_the_default_recursion_limit() -> None:
    assert sys.getrecursionlimit() <= 10_000
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    assert len(topological_order(y)) == 2_000_001  # each op also lifts the constant 1.0
    y.backward()
    assert x.grad == 1.0
    (g,) = grad(y, [x])
    assert g == 1.0
    steps = backward_steps(y)
    assert len(steps) == 1_000_000


def test_second_derivatives_against_analytic_forms() -> None:
    x = Value(0.8)
    (d1,) = grad(x.sin() * x.exp(), [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x])
    s, c, e = math.sin(0.8), math.cos(0.8), math.exp(0.8)
    assert d1.data == pytest.approx(e * (s + c))
    assert d2.data == pytest.approx(2 * e * c)
    assert d3 == pytest.approx(2 * e * (c - s))


def test_mixed_second_derivative_matches_torch() -> None:
    x, y = Value(0.5), Value(-1.3)
    (dx,) = grad((x * y).tanh() + x**3 * y, [x], create_graph=True)
    dxy, dxx = grad(dx, [y, x])
    xt = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    yt = torch.tensor(-1.3, dtype=torch.float64, requires_grad=True)
    (tdx,) = torch.autograd.grad((xt * yt).tanh() + xt**3 * yt, [xt], create_graph=True)
    tdxy, tdxx = torch.autograd.grad(tdx, [yt, xt])
    assert dxy == pytest.approx(tdxy.item(), rel=1e-12)
    assert dxx == pytest.approx(tdxx.item(), rel=1e-12)


def test_backward_steps_sum_to_backward_and_follow_engine_order() -> None:
    rng = random.Random(3)
    for _ in range(10):
        root, _ = _random_graph(rng)
        steps = backward_steps(root)
        order = topological_order(root)
        assert all(n.grad == 0.0 for n in order)  # steps touch no .grad
        totals: dict[int, float] = {id(root): 1.0}
        for step in steps:
            assert step.grad == pytest.approx(totals[id(step.node)])  # complete on arrival
            for parent, local, added in step.contributions:
                assert added == pytest.approx(local * step.grad)
                totals[id(parent)] = totals.get(id(parent), 0.0) + added
        position = {id(n): i for i, n in enumerate(order)}
        indices = [position[id(s.node)] for s in steps]
        assert indices == sorted(indices, reverse=True)
        root.backward()
        for node in order:
            assert node.grad == pytest.approx(totals.get(id(node), 0.0), rel=1e-12, abs=1e-15)


def test_detect_anomaly_names_the_forward_op() -> None:
    x = Tensor([1.0, 0.0], requires_grad=True)
    with (
        detect_anomaly(),
        pytest.raises(FloatingPointError, match="'log'"),
        np.errstate(all="ignore"),
    ):
        x.log()
    with np.errstate(divide="ignore"):
        assert np.isneginf(x.log().data[1])  # outside the context: numpy semantics


def test_detect_anomaly_names_the_backward_op() -> None:
    x = Tensor([0.0, 4.0], requires_grad=True)
    y = x.sqrt().sum()  # finite forward, infinite derivative at 0
    with (
        detect_anomaly(),
        pytest.raises(FloatingPointError, match="'sqrt'"),
        np.errstate(divide="ignore"),
    ):
        y.backward()
    v = Value(0.0)
    with detect_anomaly(), pytest.raises(FloatingPointError, match="'sqrt'"):
        v.sqrt().backward()


def test_failed_backward_leaves_the_graph_clean() -> None:
    x = Tensor([0.0, 4.0], requires_grad=True)
    y = x.sqrt().sum()
    with detect_anomaly(), pytest.raises(FloatingPointError), np.errstate(divide="ignore"):
        y.backward()
    z = (x * 2).sum()
    z.backward()  # no stale gradient from the failed pass
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_a_failed_backward_pass_leaves_the_graph_reusable() -> None:
    x = Value(0.0)
    y = x.sqrt() * 2.0 + x * x
    order = topological_order(y)
    with detect_anomaly(), pytest.raises(FloatingPointError):
        y.backward()  # d sqrt(x)/dx is inf at 0
    assert topological_order(y) == order  # no node is left marked as visited
    x.grad = 0.0
    z = x * x + 3.0 * x  # d/dx = 2x + 3 = 3 at 0
    z.backward()
    assert x.grad == 3.0
    square = y.parents[1]  # the x * x node of y's graph takes part in a new pass
    assert grad(square + z, [x]) == [3.0]  # 2x + 2x + 3 at 0


def test_an_op_with_three_inputs_and_a_parameter_backpropagates_on_every_path() -> None:
    from autograd.op import ValueOp, apply

    class ScaledFma(ValueOp):
        """k * (x * y + z): three inputs and a keyword parameter, as a user might add."""

        name = "scaled_fma_for_test"

        @staticmethod
        def forward(x, y, z, k):
            return k * (x * y + z)

        @staticmethod
        def vjp(g, out, x, y, z, k):
            return g * k * y, g * k * x, g * k

    try:
        x, y, z = Value(2.0), Value(-3.0), Value(0.5)
        f = apply(ScaledFma, x, y, z, k=1.5) * x  # 1.5 (x y + z) x
        expected = [1.5 * (2 * 2.0 * -3.0 + 0.5), 1.5 * 2.0**2, 1.5 * 2.0]  # analytic, exact
        f.backward()  # the scalar pass
        assert [x.grad, y.grad, z.grad] == expected
        assert grad(f, [x, y, z]) == expected  # the general pass
        (dx,) = grad(f, [x], create_graph=True)  # d/dx = 1.5 (2 x y + z)
        assert grad(dx, [y, z]) == [1.5 * 2 * 2.0, 1.5]
    finally:
        del ValueOp.registry["scaled_fma_for_test"]
