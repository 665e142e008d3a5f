"""Every tensor op, per case and shape: forward and gradient against PyTorch and central
differences."""

import numpy as np
import pytest
from cases import TENSOR_CASES, TENSOR_EDGES, Case
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd
from autograd import Tensor, gradcheck
from autograd.op import TensorOp

torch = pytest.importorskip("torch")

TOLERANCE = {
    np.float64: {"rtol": 1e-10, "atol": 1e-12},
    np.float32: {"rtol": 2e-5, "atol": 2e-6},
}
TORCH_DTYPE = {np.float64: torch.float64, np.float32: torch.float32}
ALL_CASES = TENSOR_CASES + TENSOR_EDGES


def _id(case: Case) -> str:
    return f"{case}{list(case.shapes)}"


def _data(case: Case, dtype: type, seed: int = 0) -> list[np.ndarray]:
    if case.at is not None:
        return case.at(dtype)
    rng = np.random.default_rng(seed)
    return [rng.uniform(case.low, case.high, size=shape).astype(dtype) for shape in case.shapes]


def _run_both(case: Case, arrays: list[np.ndarray]) -> tuple[Tensor, list[Tensor], object, list]:
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    out = case.call(*xs)
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ref = case.ref(*ts)
    return out, xs, ref, ts


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("case", ALL_CASES, ids=_id)
# Edge inputs: numpy warns where it makes inf or nan (exp(1000), log(0), 0 ** -1), as torch
# computes them silently; the mean of no elements warns too.
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_forward_and_gradient_match_torch(case: Case, dtype: type) -> None:
    out, xs, ref, ts = _run_both(case, _data(case, dtype))
    assert out.dtype == dtype
    np.testing.assert_allclose(out.data, ref.detach().numpy(), **TOLERANCE[dtype])
    seed = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    out.backward(seed)
    ref.backward(torch.tensor(seed))
    for x, t in zip(xs, ts, strict=True):
        assert x.grad is not None
        assert x.grad.dtype == dtype
        assert x.grad.shape == x.shape
        np.testing.assert_allclose(x.grad, t.grad.numpy(), **TOLERANCE[dtype])


@pytest.mark.parametrize("case", [c for c in ALL_CASES if c.fd], ids=_id)
@pytest.mark.filterwarnings("ignore:mean. the mean of an empty:RuntimeWarning")
def test_gradient_matches_finite_differences(case: Case) -> None:
    xs = [Tensor(a, requires_grad=True) for a in _data(case, np.float64, seed=2)]
    assert gradcheck(case.call, xs)


def test_registry_has_a_case_for_every_tensor_op() -> None:
    covered = {case.op for case in TENSOR_CASES}
    missing = set(TensorOp.registry) - covered
    assert not missing, f"ops without a case in tests/cases.py: {sorted(missing)}"


# ------------------------------------------------------------------ broadcasting


@st.composite
def _broadcastable_pair(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    shapes = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3)
    )
    return shapes.input_shapes


BINARY = {
    "add": (lambda x, y: x + y, lambda x, y: x + y),
    "mul": (lambda x, y: x * y, lambda x, y: x * y),
    "sub": (lambda x, y: x - y, lambda x, y: x - y),
    "div": (lambda x, y: x / (y * y + 1), lambda x, y: x / (y * y + 1)),
    "where": (
        lambda x, y: autograd.where(x.data > 0, x, y),
        lambda x, y: torch.where(x > 0, x, y),
    ),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(shapes=_broadcastable_pair(), seed=st.integers(0, 2**16))
def test_broadcasting_in_both_directions_matches_torch(name, shapes, seed) -> None:
    ours, theirs = BINARY[name]
    rng = np.random.default_rng(seed)
    a, b = (rng.standard_normal(s) for s in shapes)
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = ours(x, y)
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    tout = theirs(tx, ty)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y.grad, ty.grad.numpy(), rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------ behaviour


def test_softmax_family_stays_finite_for_huge_inputs() -> None:
    data = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]])
    x = Tensor(data, requires_grad=True)
    for out, ref in [
        (x.softmax(), torch.tensor(data).softmax(-1)),
        (x.log_softmax(), torch.tensor(data).log_softmax(-1)),
        (x.logsumexp(), torch.tensor(data).logsumexp(-1)),
    ]:
        assert np.isfinite(out.data).all()
        np.testing.assert_allclose(out.data, ref.numpy(), rtol=1e-12)
    x.log_softmax().sum().backward()
    assert np.isfinite(x.grad).all()


def test_max_shares_the_gradient_among_ties() -> None:
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    y = Tensor([5.0, 5.0, 1.0, 5.0], requires_grad=True)
    y.max().backward()
    np.testing.assert_allclose(y.grad, [1 / 3, 1 / 3, 0, 1 / 3])


def test_repeated_integer_indices_add_up() -> None:
    x = Tensor(np.arange(4.0), requires_grad=True)
    x[[1, 1, 3, 1]].sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 3, 0, 1])


def test_boolean_mask_indexing_scatters_gradient() -> None:
    x = Tensor([[-1.0, 2.0], [3.0, -4.0]], requires_grad=True)
    (x[x.data > 0] * Tensor([10.0, 20.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 10], [20, 0]])


def test_no_graph_is_recorded_when_nothing_requires_grad() -> None:
    a, b = Tensor(np.ones(3)), Tensor(np.ones(3))
    c = (a * b + 1).exp().sum()
    assert c.parents == ()
    assert not c.requires_grad
    assert c.op == ""
    w = Tensor(np.ones(3), requires_grad=True)
    d = a * w
    assert d.requires_grad
    assert d.parents == (a, w)
    d.sum().backward()
    assert a.grad is None  # a constant gets no gradient
    np.testing.assert_array_equal(w.grad, a.data)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_through_python_numbers_and_int_arrays(dtype) -> None:
    x = Tensor(np.ones((2, 3), dtype=dtype), requires_grad=True)
    y = (2 * x + 1.5) / 3 - np.arange(3) + x**2
    y = (y @ np.ones((3, 2), dtype=dtype)).tanh().mean()
    assert y.dtype == dtype
    y.backward()
    assert x.grad.dtype == dtype


def test_constructor_conversions() -> None:
    assert Tensor(3).dtype == np.float64
    assert Tensor([1, 2]).dtype == np.float64
    assert Tensor(np.ones(2, np.float32)).dtype == np.float32
    assert Tensor(np.ones(2, np.float32), dtype=np.float64).dtype == np.float64
    t = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, label="w")
    assert (t.shape, t.ndim, t.size, len(t), t.label) == ((2, 2), 2, 4, 2, "w")
    assert t.T.data.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert Tensor([[7.0]]).item() == 7.0
    assert t.numpy() is t.data
    d = t.detach()
    assert d.data is t.data
    assert not d.requires_grad
    assert d.parents == ()
    assert "requires_grad=True" in repr(t)


def test_deep_tensor_chain_has_no_recursion_limit() -> None:
    x = Tensor(np.ones(2), requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.full(2, 1.0001**20_000), rtol=1e-9)


def test_hessian_vector_product_of_an_mlp_loss_matches_torch() -> None:
    rng = np.random.default_rng(0)
    x_data, w1_data, w2_data = (
        rng.standard_normal((8, 3)),
        rng.standard_normal((3, 5)),
        rng.standard_normal((5, 2)),
    )
    v1, v2 = rng.standard_normal((3, 5)), rng.standard_normal((5, 2))
    labels = np.arange(8) % 2

    w1, w2 = Tensor(w1_data, requires_grad=True), Tensor(w2_data, requires_grad=True)
    logits = (Tensor(x_data) @ w1).tanh() @ w2
    loss = -logits.log_softmax()[np.arange(8), labels].mean()
    g1, g2 = autograd.grad(loss, [w1, w2], create_graph=True)
    h1, h2 = autograd.grad((g1 * v1).sum() + (g2 * v2).sum(), [w1, w2])

    t1, t2 = torch.tensor(w1_data, requires_grad=True), torch.tensor(w2_data, requires_grad=True)
    tl = torch.nn.functional.cross_entropy(
        (torch.tensor(x_data) @ t1).tanh() @ t2, torch.tensor(labels)
    )
    tg1, tg2 = torch.autograd.grad(tl, [t1, t2], create_graph=True)
    th1, th2 = torch.autograd.grad(
        (tg1 * torch.tensor(v1)).sum() + (tg2 * torch.tensor(v2)).sum(), [t1, t2]
    )
    np.testing.assert_allclose(h1, th1.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(h2, th2.numpy(), rtol=1e-9, atol=1e-12)


def test_second_derivatives_of_fused_cross_entropy_match_composite() -> None:
    rng = np.random.default_rng(3)
    data = rng.standard_normal((4, 3))
    target = np.eye(3)[[0, 2, 1, 1]]
    x = Tensor(data, requires_grad=True)
    (g,) = autograd.grad(_fused(x, target), [x], create_graph=True)
    v = rng.standard_normal((4, 3))
    (hv,) = autograd.grad((g * v).sum(), [x])
    y = Tensor(data, requires_grad=True)
    (gc,) = autograd.grad(-(y.log_softmax() * target).sum() / 4, [y], create_graph=True)
    (hvc,) = autograd.grad((gc * v).sum(), [y])
    np.testing.assert_allclose(hv, hvc, rtol=1e-10, atol=1e-12)


def _fused(x: Tensor, target: np.ndarray) -> Tensor:
    return autograd.softmax_cross_entropy(x, target)


def test_the_gradient_of_a_0d_tensor_is_an_array() -> None:
    x = Tensor(2.0, requires_grad=True)
    (x * x * 3.0).backward()  # d/dx 3x^2 = 6x
    assert type(x.grad) is np.ndarray
    assert x.grad.shape == ()
    assert x.grad == 12.0
