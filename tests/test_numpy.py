"""numpy on Tensors and Values, and the ops of version 0.2: ties, limits, edges, errors.

The per-op forward and first-derivative checks live in the catalogue (tests/cases.py); here
are second derivatives, the edges the catalogue's random inputs never hit, the dispatch
tables themselves, and a tutorial's forward pass run unchanged.
"""

import math
import warnings

import numpy as np
import pytest
from cases import TENSOR_CASES, VALUE_CASES, Case

import autograd
from autograd import Tensor, Value, gradcheck
from autograd.numpy_functions import FUNCTIONS
from autograd.tensor_ops import UFUNCS

torch = pytest.importorskip("torch")

# The catalogue lines this issue added: from the first "/" case on Tensors with a constant.
_FIRST_NEW = next(i for i, c in enumerate(TENSOR_CASES) if c.op == "/" and c.arity == 1)
NEW_TENSOR_CASES = TENSOR_CASES[_FIRST_NEW:]


def _data(case: Case, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(case.low, case.high, size=shape) for shape in case.shapes]


@pytest.mark.parametrize("case", NEW_TENSOR_CASES, ids=lambda c: f"{c.op}{list(c.shapes)}")
def test_second_derivatives_match_torch(case: Case) -> None:
    arrays = _data(case, seed=5)
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    out = case.call(*xs)
    v = np.random.default_rng(6).standard_normal(out.shape)
    firsts = autograd.grad(out, xs, grad_output=v, create_graph=True)
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    tfirsts = torch.autograd.grad(case.ref(*ts), ts, torch.tensor(v), create_graph=True)
    ws = [np.random.default_rng(7 + i).standard_normal(a.shape) for i, a in enumerate(arrays)]
    total = sum((f * w).sum() for f, w in zip(firsts, ws, strict=True))
    ttotal = sum((f * torch.tensor(w)).sum() for f, w in zip(tfirsts, ws, strict=True))
    seconds = autograd.grad(total, xs)
    if not ttotal.requires_grad:  # piecewise-linear ops: the second derivative is 0
        for s in seconds:
            np.testing.assert_array_equal(s, 0.0)
        return
    tseconds = torch.autograd.grad(ttotal, ts, allow_unused=True)
    for s, t in zip(seconds, tseconds, strict=True):
        expected = np.zeros_like(s) if t is None else t.numpy(force=True)
        np.testing.assert_allclose(s, expected, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("case", VALUE_CASES[-4:], ids=str)
def test_numpy_ufuncs_on_values_make_values(case: Case) -> None:
    out = case.call(*[Value(0.7) for _ in range(case.arity)])
    assert type(out) is Value
    assert out.op in {"/", "tanh", "*", "**"}


# ------------------------------------------------------------------ ties and limits


def _both(fn_ours, fn_torch, *arrays):
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    fn_ours(*xs).sum().backward()
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    fn_torch(*ts).sum().backward()
    for x, t in zip(xs, ts, strict=True):
        np.testing.assert_array_equal(x.grad, t.grad.numpy())


def test_maximum_and_minimum_share_ties_as_torch() -> None:
    a, b = np.array([1.0, 2.0, 3.0, -1.0]), np.array([1.0, 0.0, 3.0, 5.0])
    _both(autograd.maximum, torch.maximum, a, b)
    _both(autograd.minimum, torch.minimum, a, b)
    _both(np.maximum, torch.maximum, a, b)


def test_min_and_max_share_ties_as_torch_amin() -> None:
    x = np.array([[1.0, 1.0, 3.0], [2.0, 0.0, 0.0]])
    _both(lambda t: t.min(axis=1), lambda t: t.amin(dim=1), x)
    _both(lambda t: t.min(), lambda t: t.amin(), x)


def test_clip_gradient_at_the_limits_matches_torch() -> None:
    x = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    _both(lambda t: t.clip(-0.5, 0.5), lambda t: t.clamp(-0.5, 0.5), x)
    _both(lambda t: t.clip(hi=0.0), lambda t: t.clamp(max=0.0), x)
    _both(lambda t: t.clip(0.5, -0.5), lambda t: t.clamp(0.5, -0.5), x)  # lo > hi


def test_pow_of_a_zero_base_has_torch_limits() -> None:
    x, y = np.array([0.0, 0.0, 2.0]), np.array([2.0, 0.0, 0.5])
    _both(lambda a, b: a**b, lambda a, b: a**b, x, y)


def test_division_by_zero() -> None:
    with pytest.raises(ZeroDivisionError, match=r"^/: division by zero"):
        Value(1.0) / Value(0.0)
    with pytest.raises(ZeroDivisionError, match=r"^/: division by zero"):
        Value(1.0) / 0
    with pytest.raises(ZeroDivisionError, match=r"^/: division by zero"):
        2 / Value(0.0)
    with np.errstate(divide="ignore"):  # Tensors follow numpy: inf
        assert (Tensor([1.0]) / Tensor([0.0])).data[0] == math.inf


def test_division_is_one_node_in_pictures_and_code() -> None:
    x, y = Value(3.0, label="x"), Value(2.0, label="y")
    z = x / y
    assert z.op == "/"
    assert z.parents == (x, y)
    t = Tensor([3.0], requires_grad=True) / 2.0
    assert t.op == "/"
    assert "/" in autograd.draw_graph(z).source


# ------------------------------------------------------------------------- edges


def test_empty_and_0d_shapes() -> None:
    e = Tensor(np.zeros((0, 3)), requires_grad=True)
    for out in [e.clip(0, 1), e.sin(), autograd.maximum(e, 0.0), e**e, e / 2.0, e.flatten()]:
        out.sum().backward()
    assert e.grad.shape == (0, 3)
    assert e.min(axis=1).shape == (0,)
    with pytest.raises(ValueError, match=r"^min: "):
        e.min(axis=0)
    s = Tensor(2.0, requires_grad=True)
    assert s.unsqueeze(-1).shape == (1,)
    assert s.squeeze().shape == ()
    assert float(s.std()) == 0.0
    assert s.argmax().shape == ()


def test_var_without_degrees_of_freedom_is_nan_like_numpy() -> None:
    x = Tensor([1.0])
    with pytest.warns(RuntimeWarning, match="^var: "):
        out = x.var(ddof=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(np.var(np.array([1.0]), ddof=1))
        assert np.isnan(out.data)


def test_argmax_argmin_and_comparisons_give_plain_arrays() -> None:
    data = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    t = Tensor(data, requires_grad=True)
    np.testing.assert_array_equal(t.argmax(axis=1), data.argmax(axis=1))
    np.testing.assert_array_equal(t.argmin(axis=-1), data.argmin(axis=-1))
    assert t.argmax().dtype.kind == "i"
    for got, expected in [
        (t > 2, data > 2),
        (t <= 2, data <= 2),
        (t < Tensor(data.T.T), data < data),
        (np.greater_equal(t, 5), data >= 5),
        (t > 2, data > 2),
        (data >= t, data >= data),
    ]:
        assert type(got) is np.ndarray
        assert got.dtype == bool
        np.testing.assert_array_equal(got, expected)
    assert (t == t) is True
    assert (t != Tensor(data)) is True
    assert {t: 1}[t] == 1


def test_value_comparisons_formats_and_conversions() -> None:
    a, b = Value(1.5), Value(2.0)
    assert a < b
    assert a <= 1.5
    assert b > 1
    assert b >= a
    assert sorted([b, a]) == [a, b]
    assert a.item() == 1.5
    assert float(a) == 1.5
    assert f"{a:.3f}" == "1.500"
    assert f"{a:>6.1f}" == "   1.5"
    assert f"{a}" == repr(a)


def test_tensor_conversions() -> None:
    t = Tensor([[1.0, 2.0]], requires_grad=True)
    assert t.tolist() == [[1.0, 2.0]]
    assert float(Tensor([[3.0]])) == 3.0
    with pytest.raises(TypeError, match=r"^float: expected a tensor with one element"):
        float(t)
    with pytest.raises(TypeError, match=r"^np.asarray: .*detach"):
        np.asarray(t)
    np.testing.assert_array_equal(np.asarray(t.detach()), t.data)


def test_astype_is_differentiable_across_dtypes() -> None:
    x = Tensor(np.array([0.5, 1.5]), requires_grad=True)
    y = x.astype(np.float32)
    assert y.dtype == np.float32
    assert y.op == "astype(float32)"
    (y * y).sum().backward()
    assert x.grad.dtype == np.float64
    tx = torch.tensor([0.5, 1.5], dtype=torch.float64, requires_grad=True)
    (tx.float() ** 2).sum().backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())
    with pytest.raises(TypeError, match=r"^astype: expected a floating dtype"):
        x.astype(int)


def test_requires_grad_() -> None:
    w = Tensor([1.0, 2.0])
    assert w.requires_grad_() is w
    assert w.requires_grad
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [2.0, 4.0])
    assert not w.requires_grad_(False).requires_grad
    with pytest.raises(RuntimeError, match=r"^requires_grad_: .*detach"):
        (Tensor([1.0], requires_grad=True) * 2).requires_grad_(False)


def test_squeeze_and_unsqueeze_errors() -> None:
    t = Tensor(np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"^squeeze: axis 0 .* has size 3"):
        t.squeeze(0)
    with pytest.raises(ValueError, match=r"^unsqueeze: axis 3 is out of range"):
        t.unsqueeze(3)
    with pytest.raises(ValueError, match=r"^clip: expected lo or hi"):
        t.clip()
    with pytest.raises(TypeError, match=r"^clip: .*autograd.maximum"):
        t.clip(Tensor(0.0, requires_grad=True), 1.0)


def test_constructors() -> None:
    assert autograd.zeros((2, 3)).data.tolist() == np.zeros((2, 3)).tolist()
    assert autograd.ones(3, dtype=np.float32).dtype == np.float32
    assert autograd.full((2,), 7.0).data.tolist() == [7.0, 7.0]
    np.testing.assert_array_equal(autograd.eye(3).data, np.eye(3))
    np.testing.assert_array_equal(autograd.arange(1, 4).data, [1.0, 2.0, 3.0])
    like = Tensor(np.ones((2, 2), np.float32))
    assert autograd.zeros_like(like).dtype == np.float32
    assert autograd.ones_like(np.arange(3)).dtype == np.float64
    a, b = autograd.randn(2, 3, seed=1), autograd.randn(2, 3, seed=1)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.data, np.random.default_rng(1).standard_normal((2, 3)))
    r = autograd.rand(4, seed=2, requires_grad=True)
    assert r.requires_grad
    assert ((r.data >= 0) & (r.data < 1)).all()
    assert autograd.maximum(1.0, np.array([0.0, 2.0])).data.tolist() == [1.0, 2.0]


# ------------------------------------------------------------------ the dispatch


def test_hooks_run_on_the_new_ops() -> None:
    x = Tensor(np.array([0.5, 2.0]), requires_grad=True)
    seen = []
    y = np.maximum(x, 1.0) / x.clip(0.0, 1.5)
    y.register_hook(lambda g: seen.append(g.copy()))
    z = np.sum(np.sin(y))
    z.backward()
    np.testing.assert_allclose(seen[0], np.cos(y.data))
    (gx,) = autograd.grad(z, [x])
    np.testing.assert_allclose(gx, x.grad)
    assert len(seen) == 2


def test_mixed_operands_on_either_side() -> None:
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    t = Tensor(np.array([[0.5, -1.0], [2.0, 1.0]]), requires_grad=True)
    for out, expected in [
        (a * t, a * t.data),
        (t * a, a * t.data),
        (a / t, a / t.data),
        (a - t, a - t.data),
        (a @ t, a @ t.data),
        (a**t, a**t.data),
        (np.float64(2.0) * t, 2.0 * t.data),
        (np.dot(a, t), a @ t.data),
        (np.dot(t, a), t.data @ a),
        (np.concatenate([a, t]), np.concatenate([a, t.data])),
        (np.where(a > 2, t, a), np.where(a > 2, t.data, a)),
        (np.maximum(a, t), np.maximum(a, t.data)),
    ]:
        assert type(out) is Tensor
        assert out.requires_grad
        np.testing.assert_allclose(out.data, expected)


def _samples(n: int = 2) -> list[Tensor]:
    rng = np.random.default_rng(0)
    return [Tensor(rng.uniform(0.5, 1.5, (3, 3)), requires_grad=True) for _ in range(n)]


def _call_ufunc(ufunc):
    x, y = _samples()
    return ufunc(*[x, y][: ufunc.nin])


_FUNCTION_CALLS = {
    np.concatenate: lambda f, x, y: f([x, y]),
    np.stack: lambda f, x, y: f([x, y]),
    np.where: lambda f, x, y: f(x > 1, x, y),
    np.clip: lambda f, x, y: f(x, 0.7, 1.2),
    np.reshape: lambda f, x, y: f(x, (9,)),
    np.expand_dims: lambda f, x, y: f(x, 0),
    np.dot: lambda f, x, y: f(x, y),
    np.allclose: lambda f, x, y: f(x, y),
    np.isclose: lambda f, x, y: f(x, y),
    np.array_equal: lambda f, x, y: f(x, y),
}


@pytest.mark.parametrize("ufunc", list(UFUNCS), ids=lambda u: u.__name__)
def test_no_ufunc_returns_an_object_array(ufunc) -> None:
    out = _call_ufunc(ufunc)
    assert isinstance(out, (Tensor, bool, np.bool_)) or (
        isinstance(out, np.ndarray) and out.dtype == bool
    ), f"np.{ufunc.__name__} returned {type(out).__name__}"


@pytest.mark.parametrize("function", list(FUNCTIONS), ids=lambda f: f.__name__)
def test_no_array_function_returns_an_object_array(function) -> None:
    x, y = _samples()
    out = _FUNCTION_CALLS.get(function, lambda f, x, y: f(x))(function, x, y)
    leaves = out if isinstance(out, tuple) else (out,)
    for leaf in leaves:
        assert not (isinstance(leaf, np.ndarray) and leaf.dtype == object)
        assert isinstance(leaf, (Tensor, np.ndarray, np.generic, bool, int, tuple))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda t: np.cumsum(t), r"^np.cumsum: no rule for Tensors.*a loop of \+"),
        (lambda t: np.sign(t), r"^np.sign: no rule for Tensors"),
        (lambda t: np.linalg.norm(t), r"^np.linalg.norm: no rule for Tensors.*sqrt"),
        (lambda t: np.sum(t, out=np.zeros(())), r"^np.sum: keyword argument\(s\) out"),
        (lambda t: np.exp(t, where=np.ones(3, bool)), r"^np.exp: keyword argument\(s\) where"),
        (lambda t: np.add.reduce(t), r"^np.add.reduce: no rule for Tensors"),
        (lambda t: np.dot(t, np.ones((2, 3, 4))), r"^np.dot: .*use a @ b"),
        (lambda t: np.sort(t), r"^np.sort: no rule for Tensors"),
    ],
)
def test_numpy_without_a_rule_raises_type_error(call, message) -> None:
    with pytest.raises(TypeError, match=message):
        call(Tensor(np.ones(3), requires_grad=True))


def test_in_place_numpy_on_a_tensor_is_refused() -> None:
    a = np.ones(3)
    with pytest.raises(TypeError, match=r"^np.add: keyword argument\(s\) out"):
        a += Tensor(np.ones(3), requires_grad=True)


def test_tutorial_forward_pass_runs_unchanged_and_matches_torch() -> None:
    rng = np.random.default_rng(0)
    x_data = rng.standard_normal((6, 2))
    y = np.arange(6) % 3
    params = {
        "W1": rng.standard_normal((2, 5)),
        "b1": np.zeros((1, 5)),
        "W2": rng.standard_normal((5, 3)),
        "b2": np.zeros((1, 3)),
    }
    ours = {k: Tensor(v, requires_grad=True) for k, v in params.items()}
    W1, b1, W2, b2 = ours["W1"], ours["b1"], ours["W2"], ours["b2"]  # noqa: N806
    # The tutorial's forward pass, word for word.
    z1 = np.dot(x_data, W1) + b1
    a1 = np.tanh(z1)
    z2 = np.dot(a1, W2) + b2
    exp_scores = np.exp(z2)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    loss = np.sum(-np.log(probs[range(6), y])) / 6
    loss.backward()

    theirs = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    tz2 = torch.tanh(torch.tensor(x_data) @ theirs["W1"] + theirs["b1"]) @ theirs["W2"]
    tloss = torch.nn.functional.cross_entropy(tz2 + theirs["b2"], torch.tensor(y))
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    for k in params:
        np.testing.assert_allclose(ours[k].grad, theirs[k].grad.numpy(), rtol=1e-10, atol=1e-13)
    assert gradcheck(lambda w: np.sum(np.tanh(np.dot(x_data, w))), [Tensor(params["W1"])])
