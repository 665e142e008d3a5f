"""Every scalar op: forward and gradient against PyTorch float64 and central differences."""

import math
import random
from typing import Any

import pytest
from cases import VALUE_CASES, VALUE_EDGES, Case
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, gradcheck
from autograd.op import ValueOp

torch = pytest.importorskip("torch")

ALL_CASES = VALUE_CASES + VALUE_EDGES
# Edge inputs overflow on purpose (exp(1000), 1e308 + 1e308): inf, with a warning.
pytestmark = pytest.mark.filterwarnings("ignore:.*overflow:RuntimeWarning")


def _inputs(case: Case, rng: random.Random) -> list[float]:
    return [rng.uniform(case.low, case.high) for _ in range(case.arity)]


def _draws(case: Case, seed: Any, n: int) -> list[list[float]]:
    """The case's fixed points, or `n` random draws from its domain."""
    if case.at is not None:
        return [list(point) for point in case.at]
    rng = random.Random(seed)
    return [_inputs(case, rng) for _ in range(n)]


@pytest.mark.parametrize("case", ALL_CASES, ids=str)
def test_forward_and_gradient_match_torch(case: Case) -> None:
    for xs in _draws(case, case.op, 5):
        values = [Value(x) for x in xs]
        out = case.call(*values)
        out.backward()
        ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
        ref = case.ref(*ts)
        ref.backward()
        assert out.data == pytest.approx(ref.item(), rel=1e-13, abs=1e-15)
        for v, t in zip(values, ts, strict=True):
            assert v.grad == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("case", [c for c in ALL_CASES if c.fd], ids=str)
def test_gradient_matches_finite_differences(case: Case) -> None:
    (xs,) = _draws(case, 1, 1)
    assert gradcheck(case.call, [Value(x) for x in xs])


@pytest.mark.parametrize(
    ("case", "xs"),
    [(c, xs) for c in ALL_CASES if c.second_rtol is not None for xs in _draws(c, 2, 1)],
    ids=str,
)
def test_second_derivative_matches_torch(case: Case, xs: list[float]) -> None:
    from autograd import grad

    values = [Value(x) for x in xs]
    firsts = grad(case.call(*values), values, create_graph=True)
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    tfirsts = torch.autograd.grad(case.ref(*ts), ts, create_graph=True)
    for first, tfirst in zip(firsts, tfirsts, strict=True):
        assert first.data == pytest.approx(tfirst.item(), rel=1e-12, abs=1e-14)
        if not tfirst.requires_grad:  # piecewise-linear ops: the second derivative is 0
            assert grad(first, values) == [0.0] * len(values)
            continue
        seconds = grad(first, values)
        tseconds = torch.autograd.grad(tfirst, ts, allow_unused=True)
        for s, ts_ in zip(seconds, tseconds, strict=True):
            expected = 0.0 if ts_ is None else ts_.item()
            assert s == pytest.approx(expected, rel=case.second_rtol, abs=1e-12)


def test_registry_has_a_case_for_every_scalar_op() -> None:
    covered = {case.op for case in VALUE_CASES}
    missing = set(ValueOp.registry) - covered
    assert not missing, f"ops without a case in tests/cases.py: {sorted(missing)}"


def test_micrograd_sanity_example() -> None:
    # micrograd's own test, with PyTorch as the reference
    a, b = Value(-4.0), Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    at = torch.tensor(-4.0, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    ct = at + bt
    dt = at * bt + bt**3
    ct = ct + ct + 1
    ct = ct + 1 + ct + (-at)
    dt = dt + dt * 2 + (bt + at).relu()
    dt = dt + 3 * dt + (bt - at).relu()
    gt = (ct - dt) ** 2 / 2.0
    gt = gt + 10.0 / ((ct - dt) ** 2)
    gt.backward()
    assert g.data == pytest.approx(gt.item(), rel=1e-14)
    assert a.grad == pytest.approx(at.grad.item(), rel=1e-13)
    assert b.grad == pytest.approx(bt.grad.item(), rel=1e-13)


# ------------------------------------------------------- random expression trees


_UNARY = {
    "tanh": (lambda v: v.tanh(), lambda t: t.tanh()),
    "sigmoid": (lambda v: v.sigmoid(), lambda t: t.sigmoid()),
    "sin": (lambda v: v.sin(), lambda t: t.sin()),
    "exp": (lambda v: (v * 0.3).exp(), lambda t: (t * 0.3).exp()),
    "square": (lambda v: v**2, lambda t: t**2),
    "softlog": (lambda v: (v * v + 1).log(), lambda t: (t * t + 1).log()),
    "relu": (lambda v: v.relu(), lambda t: t.relu()),
}
_BINARY = {
    "+": (lambda a, b: a + b, lambda a, b: a + b),
    "-": (lambda a, b: a - b, lambda a, b: a - b),
    "*": (lambda a, b: a * b, lambda a, b: a * b),
    "/": (lambda a, b: a / (b * b + 1), lambda a, b: a / (b * b + 1)),
}


def _trees(depth: int) -> st.SearchStrategy:
    leaf = st.integers(0, 2).map(lambda i: ("var", i)) | st.floats(-2, 2).map(
        lambda c: ("const", c)
    )
    return st.recursive(
        leaf,
        lambda sub: (
            st.tuples(st.sampled_from(sorted(_UNARY)), sub)
            | st.tuples(st.sampled_from(sorted(_BINARY)), sub, sub)
        ),
        max_leaves=depth,
    )


def _eval(tree: tuple, xs: list, which: int) -> object:
    kind = tree[0]
    if kind == "var":
        return xs[tree[1]]
    if kind == "const":
        return Value(tree[1]) if which == 0 else torch.tensor(tree[1], dtype=torch.float64)
    if kind in _UNARY:
        return _UNARY[kind][which](_eval(tree[1], xs, which))
    return _BINARY[kind][which](_eval(tree[1], xs, which), _eval(tree[2], xs, which))


@settings(max_examples=150)
@given(tree=_trees(12), xs=st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3))
def test_random_expression_trees_match_torch(tree: tuple, xs: list[float]) -> None:
    values = [Value(x) for x in xs]
    out = _eval(tree, values, 0)
    out.backward()
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    ref = _eval(tree, ts, 1)
    if ref.requires_grad:
        ref.backward()
    assert math.isclose(out.data, ref.item(), rel_tol=1e-12, abs_tol=1e-12)
    for v, t in zip(values, ts, strict=True):
        expected = 0.0 if t.grad is None else t.grad.item()  # torch skips unused inputs
        assert math.isclose(v.grad, expected, rel_tol=1e-10, abs_tol=1e-10)
