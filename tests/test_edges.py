"""Edge inputs of the ops: axes of every sign and form, 0-d and empty tensors, huge logits,
powers at 0, and the inputs gradcheck perturbs. References: PyTorch float64 and closed forms."""

import itertools
import math

import numpy as np
import pytest

import autograd
from autograd import Tensor, Value, composite, grad

torch = pytest.importorskip("torch")


def _both(ours, theirs, shape, seed=0):
    """Forward and gradient of `ours` on a Tensor and `theirs` on a float64 torch tensor."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    x = Tensor(a, requires_grad=True)
    out = ours(x)
    g = rng.standard_normal(out.shape)
    out.backward(g)
    t = torch.tensor(a, requires_grad=True)
    ref = theirs(t)
    ref.backward(torch.tensor(g))
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    assert x.grad.shape == x.shape
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------------------------ axes


def _signed_permutations(ndim):
    """Every permutation of range(ndim), each axis written as i or i - ndim."""
    for perm in itertools.permutations(range(ndim)):
        for signs in itertools.product((0, 1), repeat=ndim):
            yield tuple(a - ndim * s for a, s in zip(perm, signs, strict=True))


@pytest.mark.parametrize(
    ("shape", "axes"),
    [(s, axes) for s in [(2, 3, 4), (3, 4), (5,)] for axes in _signed_permutations(len(s))],
)
def test_transpose_with_axes_of_either_sign_matches_torch(shape, axes) -> None:
    _both(lambda x: x.transpose(*axes), lambda t: t.permute(*axes), shape)


def test_transpose_with_mixed_sign_axes_matches_torch() -> None:
    _both(lambda x: x.transpose(-1, 0, 1), lambda t: t.permute(-1, 0, 1), (2, 3, 4))
    _both(lambda x: x.transpose((0, -1, -2)), lambda t: t.permute(0, -1, -2), (2, 3, 4))


def _axis_forms(ndim):
    """None, every int axis of either sign, and tuples of two axes of mixed signs."""
    yield None
    yield from range(-ndim, ndim)
    for pair in itertools.combinations(range(-ndim, ndim), 2):
        if pair[0] % ndim != pair[1] % ndim:
            yield pair


def _torch_dim(axis, ndim):
    return tuple(range(ndim)) if axis is None else axis


REDUCTIONS = {
    "sum": (lambda x, a, k: x.sum(axis=a, keepdims=k), lambda t, d, k: t.sum(dim=d, keepdim=k)),
    "mean": (lambda x, a, k: x.mean(axis=a, keepdims=k), lambda t, d, k: t.mean(dim=d, keepdim=k)),
    "max": (lambda x, a, k: x.max(axis=a, keepdims=k), lambda t, d, k: t.amax(dim=d, keepdim=k)),
    "min": (lambda x, a, k: x.min(axis=a, keepdims=k), lambda t, d, k: t.amin(dim=d, keepdim=k)),
    "var": (
        lambda x, a, k: x.var(axis=a, keepdims=k, ddof=1),
        lambda t, d, k: t.var(dim=d, keepdim=k, correction=1),
    ),
    "std": (
        lambda x, a, k: composite.std(x, axis=a, keepdims=k),
        lambda t, d, k: t.std(dim=d, keepdim=k, correction=0),
    ),
    "logsumexp": (
        lambda x, a, k: x.logsumexp(axis=a, keepdims=k),
        lambda t, d, k: t.logsumexp(dim=d, keepdim=k),
    ),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize(
    ("shape", "axis"), [(s, a) for s in [(2, 3, 4), (3, 4), (5,)] for a in _axis_forms(len(s))]
)
def test_reductions_take_every_axis_form_like_torch(name, keepdims, shape, axis) -> None:
    ours, theirs = REDUCTIONS[name]
    dim = _torch_dim(axis, len(shape))
    _both(lambda x: ours(x, axis, keepdims), lambda t: theirs(t, dim, keepdims), shape)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [None, 0, -1, (0,), (-1,)])
def test_reductions_of_a_0d_tensor_take_axis_0_and_minus_1_like_torch(name, keepdims, axis):
    ours, theirs = REDUCTIONS[name]
    _both(lambda x: ours(x, axis, keepdims), lambda t: theirs(t, _torch_dim(axis, 0), keepdims), ())


def test_std_of_a_constant_row_has_gradient_0_like_torch() -> None:
    _both(lambda x: (x * 0.0).std(axis=-1), lambda t: (t * 0.0).std(-1, correction=0), (2, 3))


def test_logsumexp_of_a_0d_tensor_over_all_axes_backpropagates() -> None:
    x = Tensor(2.0, requires_grad=True)
    out = x.logsumexp(axis=None)
    out.backward()
    assert out.item() == 2.0
    assert x.grad.shape == ()
    assert x.grad == 1.0  # d/dx log(exp(x)) = 1


def _int_axes(shapes):
    """(shape, axis) for every int axis of either sign (0 and -1 for a 0-d shape)."""
    return [(s, a) for s in shapes for a in range(-max(len(s), 1), max(len(s), 1))]


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize(("shape", "axis"), _int_axes([(2, 3, 4), (3, 4), (5,), ()]))
def test_softmax_family_takes_every_axis_of_either_sign_like_torch(op, shape, axis) -> None:
    _both(lambda x: getattr(x, op)(axis=axis), lambda t: getattr(t, op)(axis), shape)


@pytest.mark.parametrize(("shape", "axis"), _int_axes([(2, 3, 4), (3, 4), (5,)]))
def test_concat_takes_negative_axes_like_torch(shape, axis) -> None:
    _both(
        lambda x: autograd.concat([x, x * 2.0], axis=axis),
        lambda t: torch.cat([t, t * 2.0], dim=axis),
        shape,
    )


@pytest.mark.parametrize(
    ("shape", "axis"),
    [(s, a) for s in [(2, 3, 4), (3, 4), (5,), ()] for a in range(-len(s) - 1, len(s) + 1)],
)
def test_stack_takes_negative_axes_and_0d_tensors_like_torch(shape, axis) -> None:
    _both(
        lambda x: autograd.stack([x, x * 2.0], axis=axis),
        lambda t: torch.stack([t, t * 2.0], dim=axis),
        shape,
    )


def test_concat_with_axis_none_flattens_like_numpy() -> None:
    a = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = Tensor(np.arange(2.0), requires_grad=True)
    out = autograd.concat([a, b], axis=None)
    np.testing.assert_array_equal(out.data, np.concatenate([a.data, b.data], axis=None))
    g = np.arange(8.0) * 10
    out.backward(g)
    np.testing.assert_array_equal(a.grad, g[:6].reshape(2, 3))
    np.testing.assert_array_equal(b.grad, g[6:])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x: x.sum(axis=2), r"^sum: axis 2 is out of range for a tensor of shape \(2, 3\)"),
        (lambda x: x.max(axis=-3), r"^max: axis -3 is out of range for a tensor of shape"),
        (lambda x: x.logsumexp(axis=(0, 5)), r"^logsumexp: axis 5 is out of range"),
        (lambda x: x.mean(axis=(0, -2)), r"^mean: axis \(0, -2\) names an axis twice"),
        (lambda x: x.softmax(axis=2), r"^softmax: axis 2 is out of range"),
        (lambda x: x.log_softmax(axis=-3), r"^log_softmax: axis -3 is out of range"),
        (lambda x: autograd.concat([x, x], axis=2), r"^concat: axis 2 is out of range"),
        (lambda x: x.transpose(0, 0), r"^transpose: axes \(0, 0\) are not a permutation"),
        (lambda x: x.transpose(0, 2), r"^transpose: axes \(0, 2\) are not a permutation"),
        (lambda x: Tensor(np.zeros((0, 3))).max(), r"^max: cannot take the maximum of no"),
        (lambda x: Tensor(np.zeros((0, 3))).min(axis=0), r"^min: cannot take the minimum of no"),
        (lambda x: x.min(axis=2), r"^min: axis 2 is out of range for a tensor of shape"),
        (lambda x: x.var(axis=(1, -1)), r"^var: axis \(1, -1\) names an axis twice"),
        (lambda x: composite.std(x, axis=-3), r"^std: axis -3 is out of range"),
    ],
)
def test_bad_axes_raise_naming_the_op(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call(Tensor(np.ones((2, 3)), requires_grad=True))


# ------------------------------------------------------------------------------ empty tensors


EMPTY = [(0,), (0, 3), (3, 0)]


@pytest.mark.parametrize(
    ("shape", "axis"), [(s, a) for s in EMPTY for a in [None, 0, -1, (0, -1)][: 2 + len(s)]]
)
@pytest.mark.filterwarnings("ignore:mean. the mean of an empty")
def test_mean_of_an_empty_tensor_is_nan_like_torch(shape, axis) -> None:
    dim = _torch_dim(axis, len(shape))
    _both(lambda x: x.mean(axis=axis), lambda t: t.mean(dim=dim), shape)


def test_mean_of_an_empty_tensor_warns_like_numpy() -> None:
    with pytest.warns(RuntimeWarning, match="mean: the mean of an empty"):
        out = Tensor(np.zeros(0)).mean()
    assert math.isnan(out.item())


@pytest.mark.parametrize("op", ["logsumexp", "softmax", "log_softmax"])
@pytest.mark.parametrize(("shape", "axis"), _int_axes(EMPTY))
def test_logsumexp_and_softmax_of_empty_tensors_like_torch(op, shape, axis) -> None:
    _both(lambda x: getattr(x, op)(axis=axis), lambda t: getattr(t, op)(axis), shape)


# ------------------------------------------------------------------------------ huge logits

HUGE = {np.float64: [1e12, 1e16, -1e16], np.float32: [1e6, 1e8, -1e8]}
RTOL = {np.float64: 1e-12, np.float32: 1e-5}
TORCH = {np.float64: torch.float64, np.float32: torch.float32}


def _huge_rows(c, dtype):
    """Rows near c, with ties at the maximum and spreads far below it."""
    rows = [[c, c, c - 1, c - 2], [c, c - 3, c - 30, c - 700], [c, c, c, c], [c + 5, c, c, c]]
    return np.array(rows, dtype=np.float64).astype(dtype)


def _assert_close(ours, ref, rtol):
    """Agreement relative to the largest entry (entries far below it are rounding noise)."""
    ref = np.asarray(ref)
    scale = np.max(np.abs(ref)) if ref.size else 0.0
    np.testing.assert_allclose(ours, ref, rtol=rtol, atol=rtol * scale)


SOFTMAX_FAMILY = ["softmax", "log_softmax", "logsumexp"]


@pytest.mark.parametrize("op", SOFTMAX_FAMILY)
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_softmax_family_at_huge_logits_matches_torch(op, dtype) -> None:
    for c in HUGE[dtype]:
        data = _huge_rows(c, dtype)
        g = np.random.default_rng(0).standard_normal(
            data.shape[:1] if op == "logsumexp" else data.shape
        )
        x = Tensor(data, requires_grad=True)
        out = getattr(x, op)(axis=-1)
        out.backward(g.astype(dtype))
        t = torch.tensor(data, requires_grad=True)
        ref = getattr(t, op)(-1)
        ref.backward(torch.tensor(g, dtype=TORCH[dtype]))
        _assert_close(out.data, ref.detach().numpy(), RTOL[dtype])
        _assert_close(x.grad, t.grad.numpy(), RTOL[dtype])
        if op == "softmax":
            _assert_close(out.data.sum(axis=-1), np.ones(len(data)), RTOL[dtype])


@pytest.mark.parametrize("op", SOFTMAX_FAMILY)
def test_second_derivatives_of_the_softmax_family_at_huge_logits_match_torch(op) -> None:
    data = _huge_rows(1e16, np.float64)
    rng = np.random.default_rng(1)
    v = rng.standard_normal(data.shape)
    w = rng.standard_normal(data.shape[:1] if op == "logsumexp" else data.shape)
    x = Tensor(data, requires_grad=True)
    (g,) = grad((getattr(x, op)(axis=-1) * w).sum(), [x], create_graph=True)
    (hv,) = grad((g * v).sum(), [x])
    t = torch.tensor(data, requires_grad=True)
    (tg,) = torch.autograd.grad(
        (getattr(t, op)(-1) * torch.tensor(w)).sum(), [t], create_graph=True
    )
    (thv,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), [t])
    _assert_close(g.data, tg.detach().numpy(), 1e-12)
    _assert_close(hv, thv.numpy(), 1e-12)


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_the_max_shift_is_not_differentiated(op) -> None:
    # Tied maxima: a shift built from the differentiable max would send shares of the
    # gradient to the tied entries; softmax does not depend on the shift at all.
    data = np.array([[2.0, 2.0, -1.0], [0.5, 3.0, 3.0]])
    x = Tensor(data, requires_grad=True)
    out = getattr(x, op)()
    assert "max" not in {node.op for node in autograd.topological_order(out)}
    assert autograd.gradcheck(lambda t: getattr(t, op)(), [x])
    _both(lambda t: getattr(t, op)(), lambda t: getattr(t, op)(-1), (4, 3), seed=5)


# ------------------------------------------------------------------------------ fused loss


def _torch_ce(logits, target):
    t = torch.tensor(logits, requires_grad=True)
    c = logits.shape[-1]
    if target.shape == logits.shape:
        ref = torch.nn.functional.cross_entropy(
            t.reshape(-1, c), torch.tensor(target).reshape(-1, c)
        )
    else:
        ref = torch.nn.functional.cross_entropy(t.reshape(-1, c), torch.tensor(target).reshape(-1))
    ref.backward()
    return ref.item(), t.grad.numpy()


@pytest.mark.parametrize("shape", [(5, 3), (3,), (2, 3, 4), (1, 1)])
@pytest.mark.parametrize("kind", ["indices", "probabilities"])
def test_softmax_cross_entropy_matches_torch(shape, kind) -> None:
    rng = np.random.default_rng(7)
    logits = rng.standard_normal(shape) * 3
    if kind == "indices":
        target = rng.integers(0, shape[-1], size=shape[:-1])
    else:
        target = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    want, want_grad = _torch_ce(logits, target)
    x = Tensor(logits, requires_grad=True)
    loss = autograd.softmax_cross_entropy(x, target)
    loss.backward()
    assert loss.shape == ()
    assert loss.item() == pytest.approx(want, rel=1e-12)
    np.testing.assert_allclose(x.grad, want_grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
def test_softmax_cross_entropy_at_huge_logits_matches_torch(dtype) -> None:
    for c in HUGE[dtype]:
        logits = _huge_rows(c, dtype)
        target = np.array([0, 1, 2, 1])  # losses of order 1, far below c
        x = Tensor(logits, requires_grad=True)
        loss = autograd.softmax_cross_entropy(x, target)
        loss.backward()
        t = torch.tensor(logits, requires_grad=True)
        ref = torch.nn.functional.cross_entropy(t, torch.tensor(target))
        ref.backward()
        assert loss.dtype == dtype
        assert loss.item() == pytest.approx(ref.item(), rel=RTOL[dtype])
        _assert_close(x.grad, t.grad.numpy(), RTOL[dtype])


@pytest.mark.parametrize(
    ("logits", "target", "error", "message"),
    [
        (np.zeros((2, 3)), [0, 1], TypeError, "expected the logits as a Tensor, got ndarray"),
        (Tensor(np.zeros((0, 3))), [], ValueError, "at least one row and one class"),
        (Tensor(2.0), 0, ValueError, r"shape \(\.\.\., C\)"),
        (Tensor(np.zeros((2, 3))), [0, 3], ValueError, r"integers in 0\.\.2, got 3"),
        (Tensor(np.zeros((2, 3))), [0.5, 1], ValueError, r"integers in 0\.\.2, got 0\.5"),
        (Tensor(np.zeros((2, 3))), np.zeros((3, 2)), ValueError, r"target has shape \(3, 2\)"),
        (Tensor(np.zeros((2, 3))), ["a", "b"], TypeError, "expected the target as numbers"),
    ],
)
def test_softmax_cross_entropy_errors(logits, target, error, message) -> None:
    with pytest.raises(error, match="^softmax_cross_entropy: .*" + message):
        autograd.softmax_cross_entropy(logits, target)


def test_binary_cross_entropy_second_derivative_is_the_closed_form() -> None:
    p, t = Value(0.3), 0.8
    (first,) = grad(autograd.binary_cross_entropy(p, t), [p], create_graph=True)
    (second,) = grad(first, [p])
    assert first.data == pytest.approx((0.3 - t) / (0.3 * 0.7), rel=1e-15)
    assert second == pytest.approx((0.3**2 - 2 * 0.3 * t + t) / (0.3 * 0.7) ** 2, rel=1e-13)


@pytest.mark.parametrize("p", [0.0, 1.0, 1e-300, 1.0 - 2**-53])
@pytest.mark.parametrize("t", [0.0, 1.0, 0.25])
def test_binary_cross_entropy_at_saturated_probabilities_matches_torch(p, t) -> None:
    v = Value(p)
    out = autograd.binary_cross_entropy(v, t)
    out.backward()
    x = Tensor([p, p], requires_grad=True)
    autograd.binary_cross_entropy(x, t).sum().backward()
    tp = torch.tensor(p, dtype=torch.float64, requires_grad=True)
    ref = torch.nn.functional.binary_cross_entropy(tp, torch.tensor(t, dtype=torch.float64))
    ref.backward()
    assert out.data == pytest.approx(ref.item(), rel=1e-12)
    assert v.grad == pytest.approx(tp.grad.item(), rel=1e-12)
    np.testing.assert_allclose(x.grad, [tp.grad.item()] * 2, rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: autograd.binary_cross_entropy(0.5, 1.0), TypeError, "expected a Value or a"),
        (lambda: autograd.binary_cross_entropy(Value(1.5), 1.0), ValueError, "got 1.5; apply"),
        (lambda: autograd.binary_cross_entropy(Tensor([0.5, -1.0]), 1.0), ValueError, "got -1;"),
        (lambda: autograd.binary_cross_entropy(Tensor([np.nan]), 1.0), ValueError, "got nan;"),
    ],
)
def test_binary_cross_entropy_errors(call, error, message) -> None:
    with pytest.raises(error, match="^binary_cross_entropy: .*" + message):
        call()


# ------------------------------------------------------------------------------ powers at 0


def _torch_derivatives(f, x0, order):
    """[f(x0), f'(x0), ..., f^(order)(x0)] by repeated torch.autograd.grad in float64."""
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    out, values = f(x), []
    for _ in range(order):
        values.append(out.item())
        if not out.requires_grad:
            out = torch.zeros((), dtype=torch.float64)
            continue
        (out,) = torch.autograd.grad(out, [x], create_graph=True)
    values.append(out.item())
    return values


def _our_derivatives(f, x, order):
    out, values = f(x), []
    for _ in range(order):
        values.append(float(out.data))
        (out,) = grad(out, [x], create_graph=True)
    values.append(float(out.data))
    return values


@pytest.mark.parametrize(("n", "order"), [(0, 1), (1, 2), (2, 3), (3, 4), (0.5, 2), (1.5, 3)])
@pytest.mark.parametrize("kind", ["Value", "Tensor"])
def test_repeated_derivatives_of_powers_at_0_match_torch(n, order, kind) -> None:
    x = Value(0.0) if kind == "Value" else Tensor(0.0, requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):  # a Tensor follows numpy: 0 ** -0.5
        ours = _our_derivatives(lambda v: v**n, x, order)
    assert ours == _torch_derivatives(lambda t: t**n, 0.0, order)


def test_derivative_of_x_to_the_0_at_0_is_0_like_torch() -> None:
    x = Value(0.0)
    (x**0).backward()
    assert x.grad == 0.0
    t = Tensor([0.0, 2.0, -3.0], requires_grad=True)
    (t**0).sum().backward()
    np.testing.assert_array_equal(t.grad, [0.0, 0.0, 0.0])


@pytest.mark.parametrize("kind", ["Value", "Tensor"])
def test_sqrt_derivatives_at_0_are_infinite_with_create_graph_too(kind) -> None:
    x = Value(0.0) if kind == "Value" else Tensor(0.0, requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        ours = _our_derivatives(lambda v: v.sqrt(), x, 2)
    assert ours == _torch_derivatives(lambda t: t.sqrt(), 0.0, 2) == [0.0, math.inf, -math.inf]


def _torch_pow_grads(x0, y0, base_is_number=False):
    y = torch.tensor(y0, dtype=torch.float64, requires_grad=True)
    if base_is_number:
        return [None, torch.autograd.grad(x0**y, [y])[0].item()]
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    return [g.item() for g in torch.autograd.grad(x**y, [x, y])]


@pytest.mark.parametrize(("x0", "y0"), [(0.0, 0.0), (0.0, 0.5), (0.0, 1.0), (0.0, 2.0), (2.0, 0.0)])
def test_value_powers_with_value_exponents_at_0_match_torch(x0, y0) -> None:
    x, y = Value(x0), Value(y0)
    (x**y).backward()
    assert [x.grad, y.grad] == _torch_pow_grads(x0, y0)
    z = Value(y0)
    (x0**z).backward()  # a number as the base
    assert z.grad == _torch_pow_grads(x0, y0, base_is_number=True)[1]


def test_value_power_of_a_negative_base_gives_the_derivative_that_exists() -> None:
    x, y = Value(-2.0), Value(2.0)
    out = x**y
    assert grad(out, [x]) == [_torch_pow_grads(-2.0, 2.0)[0]] == [-4.0]
    (dx,) = grad(out, [x], create_graph=True)
    assert dx.data == -4.0
    # d/dy = x ** y log(x) is not real: wanted, it raises (torch gives nan).
    with pytest.raises(ValueError, match=r"^pow: d\(x \*\* y\)/dy is not real at x = -2"):
        out.backward()
    with pytest.raises(ValueError, match=r"^pow: d\(x \*\* y\)/dy is not real at x = -2"):
        grad(out, [y])  # asked for, so needed


def test_value_power_of_a_negative_base_through_an_exponent_branch() -> None:
    x, y = Value(-2.0), Value(1.0)
    (dx,) = grad(x ** (2.0 * y), [x], create_graph=True)
    assert grad(dx, [x]) == [2.0]  # torch: d2/dx2 x ** 2 = 2


def test_value_power_of_a_number_base_raises_only_when_the_exponent_gradient_is_wanted() -> None:
    y = Value(3.0)
    out = (-2.0) ** y
    assert out.data == -8.0
    with pytest.raises(ValueError, match=r"^pow: d\(x \*\* y\)/dy is not real at x = -2"):
        out.backward()


# ------------------------------------------------------------------------------ overflow


@pytest.mark.parametrize(
    ("make", "expected", "message"),
    [
        (lambda: Value(10) ** 1000, math.inf, r"^pow: 10 \*\* 1000 overflowed to inf"),
        (lambda: Value(-10) ** 1001, -math.inf, r"^pow: -10 \*\* 1001 overflowed to -inf"),
        (lambda: Value(10) ** Value(1000), math.inf, r"^pow: 10 \*\* 1000 overflowed to inf"),
        (lambda: 10 ** Value(1000), math.inf, r"^pow: 10 \*\* 1000 overflowed to inf"),
        (lambda: Value(1000).exp(), math.inf, r"^exp: exp\(1000\) overflowed to inf"),
    ],
)
def test_value_overflow_gives_inf_with_a_warning_like_numpy(make, expected, message) -> None:
    with pytest.warns(RuntimeWarning, match=message):
        out = make()
    assert out.data == expected


def test_value_overflow_in_a_derivative_warns_too() -> None:
    x = Value(0.1)
    out = x**-308  # about 1e308: finite; its derivative -308 * 0.1 ** -309 is not
    with pytest.warns(RuntimeWarning, match=r"^pow: 0\.1 \*\* -309 overflowed to inf"):
        (dx,) = grad(out, [x])
    t = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
    assert dx == torch.autograd.grad(t**-308, [t])[0].item() == -math.inf


def test_no_overflow_warning_for_finite_results() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (Value(10) ** 300).data == 1e300
        assert Value(709.0).exp().data == math.exp(709.0)
        assert Value(-1000.0).exp().data == 0.0


def test_overflow_warnings_point_at_the_callers_line() -> None:
    with pytest.warns(RuntimeWarning) as power:
        Value(10.0) ** 1000
    with pytest.warns(RuntimeWarning) as exp:
        Value(1e3).exp()
    assert [w.filename for w in [*power, *exp]] == [__file__] * 2


# ------------------------------------------------------------------------------ gradcheck


def test_gradcheck_restores_a_value_when_fn_raises() -> None:
    x = Value(5e-7)
    with pytest.raises(ValueError, match="log: expected a positive number, got -5e-07"):
        autograd.gradcheck(lambda v: v.log(), [x])
    assert x.data == 5e-7


def _positive_log(*ts):
    if any((t.data <= 0).any() for t in ts):
        raise ValueError("test: expected positive data")
    return sum((t.log() for t in ts[1:]), ts[0].log()).sum()


@pytest.mark.parametrize(("dtype", "eps"), [(np.float64, 1e-6), (np.float32, 1e-2)])
def test_gradcheck_restores_every_tensor_input_on_every_path(dtype, eps) -> None:
    a = Tensor(np.array([1.0, 2.0], dtype=dtype), requires_grad=True)
    b = Tensor(np.array([3.0, 5e-7], dtype=dtype), requires_grad=True)
    before = [(t, t.data, t.data.copy()) for t in (a, b)]
    with pytest.raises(ValueError, match="test: expected positive data"):
        autograd.gradcheck(_positive_log, [a, b], eps=eps)  # raises while bumping b[1]
    with pytest.raises(AssertionError, match="central differences give"):
        autograd.gradcheck(_wrong_gradient, [a], eps=eps)
    assert autograd.gradcheck(lambda t: (t * t).sum(), [a], eps=eps, atol=1e-2, rtol=1e-2)
    for t, data, copy in before:
        assert t.data is data
        np.testing.assert_array_equal(t.data, copy)


def _wrong_gradient(t):
    """sum(x * x), with 0.5 too much in its gradient (t - t.detach() is 0 but has slope 1)."""
    return (t * t + (t - t.detach()) * 0.5).sum()


@pytest.mark.parametrize("y0", [1.0, 2.0, 3.0])
def test_value_power_second_derivatives_at_base_0(y0) -> None:
    # 0 ** y is the constant 0 for y > 0, so its second derivative in y is 0; torch gets nan
    # there (0 * log 0 inside its masked rule). In x, torch's numbers.
    x, y = Value(0.0), Value(y0)
    dx, dy = grad(x**y, [x, y], create_graph=True)
    tx = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(y0, dtype=torch.float64, requires_grad=True)
    tdx, tdy = torch.autograd.grad(tx**ty, [tx, ty], create_graph=True)
    assert [dx.data, dy.data] == [tdx.item(), tdy.item()]
    assert grad(dx, [x]) == [torch.autograd.grad(tdx, [tx])[0].item()]
    assert grad(dy, [y]) == [0.0]


def test_softmax_cross_entropy_with_masked_logits_matches_torch() -> None:
    # A logit of -inf (a masked class) with target 0 counts 0, not 0 * -inf = nan.
    inf = math.inf
    logits = np.array([[-inf, 0.0, 1.0], [0.0, 2.0, -inf], [3.0, -inf, -inf]])
    classes = np.array([2, 1, 0])
    t = torch.tensor(logits, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(t, torch.tensor(classes))
    ref.backward()
    for target in (classes, np.eye(3)[classes]):  # indices, and the same as one-hot rows
        x = Tensor(logits, requires_grad=True)
        with np.errstate(all="raise"):
            loss = autograd.softmax_cross_entropy(x, target)
            loss.backward()
        assert loss.item() == pytest.approx(ref.item(), rel=1e-15)
        np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-15)


def test_mean_over_a_full_axis_of_an_empty_tensor_is_empty_without_a_warning() -> None:
    import warnings

    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = x.mean(axis=1)  # no row, each of 3 elements: nothing is a mean of nothing
        out.backward(np.zeros(0))
    assert out.shape == np.zeros((0, 3)).mean(axis=1).shape == (0,)
    assert x.grad.shape == (0, 3)
