"""Hostile inputs to the engine and its ops, as an outside tester tries them.

Each test is a bug that was found (the input that went wrong) or an edge that matters;
references are PyTorch float64, numpy's own rules and closed forms.
"""

import copy
import pickle
import warnings

import numpy as np
import pytest

import autograd
from autograd import Tensor, Value, grad

torch = pytest.importorskip("torch")


# ------------------------------------------------------------------------- axes


@pytest.mark.parametrize("axis", [(-1, -2), (-2, -1), (0, -1), (-4, -3), (1, -1), 2])
def test_np_expand_dims_places_every_axis_as_numpy_does(axis) -> None:
    data = np.arange(6.0).reshape(2, 3)
    x = Tensor(data, requires_grad=True)
    out = np.expand_dims(x, axis)
    assert out.shape == np.expand_dims(data, axis).shape
    out.sum().backward()
    assert x.grad.shape == (2, 3)


@pytest.mark.parametrize("axis", [(0, 0), (0, -4), (4,), (-5,), (1.0,)])
def test_np_expand_dims_rejects_repeated_and_out_of_range_axes(axis) -> None:
    x = Tensor(np.ones((2, 3)))
    with pytest.raises((ValueError, TypeError), match=r"^expand_dims: "):
        np.expand_dims(x, axis)
    with pytest.raises((ValueError, TypeError)):  # numpy refuses them too
        np.expand_dims(x.data, axis)


@pytest.mark.parametrize("method", ["sum", "mean", "max", "min", "logsumexp", "var", "std"])
@pytest.mark.parametrize("axis", [1.0, "a", (0, 1.5)])
def test_a_non_integer_axis_is_an_error_naming_the_op(method, axis) -> None:
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(TypeError, match=f"^{method}: axis .* expected an int"):
        getattr(x, method)(axis=axis)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda x: autograd.concat([x, x], axis=(0,)), "concat"),
        (lambda x: autograd.stack([x, x], axis=1.5), "stack"),
        (lambda x: x.softmax(axis=1.0), "softmax"),
        (lambda x: x.squeeze(axis=1.0), "squeeze"),
        (lambda x: x.unsqueeze("a"), "unsqueeze"),
    ],
)
def test_a_non_integer_axis_of_a_shape_op_is_an_error_naming_it(call, name) -> None:
    with pytest.raises(TypeError, match=f"^{name}: axis .* expected an int"):
        call(Tensor(np.ones((2, 3))))


@pytest.mark.parametrize("method", ["sum", "mean", "max", "min", "logsumexp"])
def test_axis_empty_tuple_reduces_nothing_as_numpy(method) -> None:
    data = np.random.default_rng(0).standard_normal((2, 3))
    x = Tensor(data, requires_grad=True)
    out = getattr(x, method)(axis=())
    np.testing.assert_allclose(out.data, data)
    out.backward(np.arange(6.0).reshape(2, 3))
    np.testing.assert_allclose(x.grad, np.arange(6.0).reshape(2, 3))


# ------------------------------------------------------------------------- dtypes


def test_grad_returns_each_input_in_its_own_dtype_as_torch() -> None:
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    y = (x * np.arange(3.0)).sum()  # a float64 constant: the output is float64
    (g,) = grad(y, [x])
    tx = torch.ones(3, dtype=torch.float32, requires_grad=True)
    (tg,) = torch.autograd.grad((tx * torch.arange(3.0, dtype=torch.float64)).sum(), [tx])
    assert g.dtype == np.float32 == tg.numpy().dtype
    np.testing.assert_array_equal(g, tg.numpy())
    (gg,) = grad(y, [x], create_graph=True)
    assert gg.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32  # as backward already did


def test_grad_of_a_0d_input_is_a_0d_array() -> None:
    x = Tensor(2.0, requires_grad=True)
    (g,) = grad((x * np.ones(3)).sum(), [x])
    assert type(g) is np.ndarray
    assert g.shape == ()
    assert g == 3.0


def test_float16_float32_and_float64_promote_as_torch() -> None:
    for a, b in [(np.float16, np.float32), (np.float32, np.float64), (np.float16, np.float64)]:
        x = Tensor(np.ones(3, a), requires_grad=True)
        y = Tensor(np.ones(3, b), requires_grad=True)
        out = (x * y).sum()
        out.backward()
        tx = torch.ones(3, dtype=getattr(torch, np.dtype(a).name), requires_grad=True)
        ty = torch.ones(3, dtype=getattr(torch, np.dtype(b).name), requires_grad=True)
        (tx * ty).sum().backward()
        assert out.dtype.name == str((tx * ty).dtype).removeprefix("torch.")
        assert x.grad.dtype == a
        assert y.grad.dtype == b
        assert str(tx.grad.dtype) == f"torch.{np.dtype(a).name}"


@pytest.mark.parametrize(
    "data", [np.ones(2, complex), [Value(1.0), Value(2.0)], np.array([1.0, 2.0], dtype=object)]
)
def test_tensor_refuses_complex_object_and_value_data(data) -> None:
    with pytest.raises(TypeError, match=r"^Tensor: "):
        Tensor(data, requires_grad=True)


def test_a_list_of_tensors_with_gradients_points_to_stack() -> None:
    with pytest.raises(TypeError, match=r"^Tensor: .*autograd.stack"):
        Tensor([Tensor(1.0, requires_grad=True), Tensor(2.0)])


# ---------------------------------------------------------------- huge magnitudes


def test_std_of_float32_near_its_limit_is_finite_as_torch() -> None:
    # 1e30 squared overflows float32, but the standard deviation 5e29 does not.
    data = np.array([1e30, 0.0], np.float32)
    x = Tensor(data, requires_grad=True)
    out = x.std()
    out.backward()
    t = torch.tensor(data, requires_grad=True)
    ref = t.std(correction=0)
    ref.backward()
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_std_at_huge_magnitudes_matches_torch(dtype) -> None:
    big = 1e300 if dtype == np.float64 else 1e36
    data = np.array([[big, -big, 0.0], [big, big, big], [big, 2 * big, 4 * big]], dtype)
    x = Tensor(data, requires_grad=True)
    out = x.std(axis=-1)
    g = np.array([1.0, 2.0, 3.0], dtype)
    out.backward(g)
    # std(x) = big * std(x / big), so its gradient is that of std at x / big: torch's
    # own float64 std of x overflows here (to inf, a gradient of nan).
    t = torch.tensor(data.astype(np.float64) / big, requires_grad=True)
    ref = t.std(dim=-1, correction=0)
    ref.backward(torch.tensor(g, dtype=torch.float64))
    np.testing.assert_allclose(out.data, ref.detach().numpy() * big, rtol=1e-6)
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-6, atol=1e-30)
    assert out.dtype == dtype
    assert x.grad.dtype == dtype


def test_std_keeps_its_exact_digits_and_third_derivative() -> None:
    data = np.random.default_rng(1).standard_normal((3, 4)) * 1e-3
    x = Tensor(data, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    (g1,) = grad(x.std(axis=1, ddof=1).sum(), [x], create_graph=True)
    w = np.random.default_rng(2).standard_normal((3, 4))
    (g2,) = grad((g1 * w).sum(), [x])
    (t1,) = torch.autograd.grad(t.std(dim=1).sum(), [t], create_graph=True)
    (t2,) = torch.autograd.grad((t1 * torch.tensor(w)).sum(), [t])
    np.testing.assert_allclose(x.std(axis=1, ddof=1).data, t.std(dim=1).detach(), rtol=1e-14)
    np.testing.assert_allclose(g2, t2.numpy(), rtol=1e-10)


# ------------------------------------------------------------------------ nan


def _exactly_as_torch(ours, theirs, data):
    """Run `ours` and `theirs` on `data`, backward through their sums; both must agree exactly."""
    x = Tensor(data, requires_grad=True)
    out = ours(x)
    out.sum().backward()
    t = torch.tensor(data, requires_grad=True)
    ref = theirs(t)
    ref.sum().backward()
    np.testing.assert_array_equal(out.data, ref.detach().numpy())
    np.testing.assert_array_equal(x.grad, t.grad.numpy())
    return out, x.grad


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda x: x.relu(), lambda x: x.relu()),
        (lambda x: x.abs(), lambda x: x.abs()),
        (
            lambda x: autograd.maximum(x, 0.5),
            lambda x: torch.maximum(x, torch.tensor(0.5).double()),
        ),
        (
            lambda x: autograd.minimum(0.5, x),
            lambda x: torch.minimum(torch.tensor(0.5).double(), x),
        ),
        (lambda x: x.clip(0.0, 1.0), lambda x: x.clamp(0.0, 1.0)),
        (lambda x: x.max(), lambda x: x.amax()),
    ],
)
def test_a_nan_input_routes_the_gradient_as_torch(ours, theirs) -> None:
    _exactly_as_torch(ours, theirs, np.array([np.nan, 2.0, -1.0, 0.0, 0.5]))


def test_maximum_and_minimum_give_both_sides_the_gradient_at_nan_as_torch() -> None:
    a = np.array([np.nan, 1.0, np.nan, 2.0, 3.0])
    b = np.array([0.5, np.nan, np.nan, 2.0, -1.0])
    for ours, theirs in [(autograd.maximum, torch.maximum), (autograd.minimum, torch.minimum)]:
        x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
        ours(x, y).sum().backward()
        tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        theirs(tx, ty).sum().backward()
        np.testing.assert_array_equal(x.grad, tx.grad.numpy())
        np.testing.assert_array_equal(y.grad, ty.grad.numpy())


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda x: x.relu(), lambda x: x.relu()),
        (lambda x: x.abs(), lambda x: x.abs()),
    ],
)
def test_a_nan_value_routes_the_gradient_as_torch(ours, theirs) -> None:
    x = Value(float("nan"))
    out = ours(x)
    out.backward()
    t = torch.tensor(float("nan"), dtype=torch.float64, requires_grad=True)
    ref = theirs(t)
    ref.backward()
    assert np.isnan(out.data)
    assert np.isnan(ref.item())
    assert x.grad == t.grad.item()


# ------------------------------------------------------------------------ hooks


def test_a_hook_returning_the_wrong_shape_is_an_error_naming_the_hook() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.register_hook(lambda g: np.ones(5))
    with pytest.raises(ValueError, match=r"^register_hook: .*shape \(5,\).*\(2,\)"):
        (h * h).sum().backward()


def test_a_hook_returning_a_non_number_is_an_error_naming_the_hook() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: "abc")
    with pytest.raises(TypeError, match=r"^register_hook: "):
        (x * x).sum().backward()


def test_a_hook_returning_a_number_on_a_tensor_is_a_shape_error_as_torch() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: 5.0)
    with pytest.raises(ValueError, match=r"^register_hook: .*shape \(\)"):
        (x * x).sum().backward()
    t = torch.ones(2, dtype=torch.float64, requires_grad=True)
    t.register_hook(lambda g: torch.tensor(5.0, dtype=torch.float64))
    with pytest.raises(RuntimeError):
        (t * t).sum().backward()
    z = Tensor(1.0, requires_grad=True)  # a 0-d tensor takes a number
    z.register_hook(lambda g: 5.0)
    (z * z).backward()
    assert type(z.grad) is np.ndarray
    assert z.grad == 5.0


def test_a_hook_returning_a_node_in_a_plain_pass_keeps_the_grad_raw() -> None:
    x = Value(2.0)
    x.register_hook(lambda g: Value(3.0))
    (x * x).backward()
    assert type(x.grad) is float
    assert x.grad == 3.0
    t = Tensor([1.0], requires_grad=True)
    t.register_hook(lambda g: Tensor(g) * 2)
    (t * t).sum().backward()
    assert type(t.grad) is np.ndarray
    assert t.grad[0] == 4.0


def test_a_hook_returning_raw_data_in_create_graph_still_gives_a_node() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.register_hook(lambda g: np.ones(2))
    (g,) = grad((h * h).sum(), [x], create_graph=True)
    assert isinstance(g, Tensor)
    np.testing.assert_array_equal(g.data, [3.0, 3.0])


def test_a_hook_that_raises_leaves_the_graph_usable() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    handle = h.register_hook(lambda g: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        (h * h).sum().backward()
    handle.remove()
    x.zero_grad()
    (h * h).sum().backward()
    np.testing.assert_array_equal(x.grad, 18 * x.data)


def test_detect_anomaly_checks_what_a_hook_returns() -> None:
    x = Tensor([1.0], requires_grad=True)
    h = x * 2
    h.register_hook(lambda g: g * np.nan)
    with autograd.detect_anomaly(), pytest.raises(FloatingPointError, match=r"hook"):
        h.sum().backward()


# ----------------------------------------------------------- copies of deep graphs


def _chain(n):
    x = Tensor([0.5, -0.25], requires_grad=True)
    y = x
    for _ in range(n):
        y = (y * 1.0001).tanh()
    return x, y.sum()


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_copies_of_a_deep_graph_do_not_recurse_and_keep_their_gradients(how) -> None:
    x, y = _chain(10_000)
    (expected,) = grad(y, [x])
    if how == "pickle":
        x2, y2 = pickle.loads(pickle.dumps((x, y)))
    else:
        x2, y2 = copy.deepcopy((x, y))
    assert x2 is not x
    assert x2.data is not x.data
    (again,) = grad(y2, [x2])  # the copy's leaf is the copied graph's own leaf
    np.testing.assert_array_equal(again, expected)
    y2.backward()
    np.testing.assert_array_equal(x2.grad, expected)
    assert x.grad is None


def test_a_copied_graph_is_independent_and_shows_the_same_ops() -> None:
    x = Value(0.5, label="x")
    y = (x * x).tanh()
    y2 = copy.deepcopy(y)
    assert y2.op == "tanh"
    assert y2.parents[0].op == "*"
    y2.backward()
    assert x.grad == 0.0
    leaf = y2.parents[0].parents[0]
    assert leaf.label == "x"
    assert leaf is not x
    assert leaf.grad == pytest.approx(2 * 0.5 * (1 - np.tanh(0.25) ** 2), rel=1e-15)


def test_a_copied_node_with_a_hook_still_runs_it() -> None:
    x = Tensor([1.0], requires_grad=True)
    seen = []
    x.register_hook(seen.append)
    before = autograd.engine._hook_count.count
    x2 = copy.deepcopy(x)
    # The fast backward skips hooks while the count is 0: the copy's hook must count.
    assert autograd.engine._hook_count.count == before + 1
    (x2 * 2).sum().backward()
    assert len(seen) == 1


def test_copy_copy_is_still_shallow() -> None:
    x = Tensor([1.0], requires_grad=True)
    y = x * 2
    y2 = copy.copy(y)
    assert y2.parents[0] is x


# --------------------------------------------------------------------- gradcheck


def test_gradcheck_needs_a_list_of_nodes() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"^gradcheck: expected a list"):
        autograd.gradcheck(lambda a: a.sum(), x)
    with pytest.raises(TypeError, match=r"^gradcheck: input 0 is a ndarray"):
        autograd.gradcheck(lambda a: a.sum(), [np.ones(2)])


@pytest.mark.parametrize("eps", [0.0, -1e-6, float("nan"), float("inf")])
def test_gradcheck_needs_a_positive_finite_step(eps) -> None:
    with pytest.raises(ValueError, match=r"^gradcheck: eps"):
        autograd.gradcheck(lambda a: (a * a).sum(), [Tensor([1.0], requires_grad=True)], eps=eps)


def test_gradcheck_still_catches_a_detached_output() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(AssertionError, match=r"autograd gives 0.0"):
        autograd.gradcheck(lambda a: Tensor(a.data.sum()), [x])


# ---------------------------------------------------------------------- indexing


@pytest.mark.parametrize(
    "key", [3, -4, (0, 4), [0, 5], np.array([True, False]), (0, 0, 0), 1.0, "a"]
)
def test_a_bad_index_is_an_error_naming_the_op_and_the_shape(key) -> None:
    x = Tensor(np.ones((3, 4)), requires_grad=True)
    with pytest.raises(IndexError, match=r"^index: .*\(3, 4\)"):
        x[key]


def test_an_empty_list_index_selects_nothing_as_torch() -> None:
    x = Tensor(np.ones((3, 4)), requires_grad=True)
    out = x[[]]
    t = torch.ones((3, 4), dtype=torch.float64, requires_grad=True)
    assert out.shape == tuple(t[[]].shape) == (0, 4)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros((3, 4)))


def test_iterating_a_0d_tensor_is_an_error_not_an_empty_loop() -> None:
    with pytest.raises(TypeError, match=r"^iter: "):
        list(Tensor(1.0))
    rows = list(Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True))
    assert [r.shape for r in rows] == [(2,)] * 3


def test_len_of_a_0d_tensor_names_the_fix() -> None:
    with pytest.raises(TypeError, match=r"^len: "):
        len(Tensor(1.0))


def test_truth_of_a_tensor_follows_numpy() -> None:
    assert not Tensor([0.0])
    assert Tensor(2.0)
    with pytest.raises(ValueError, match=r"^bool: .*any\(\)"):
        bool(Tensor([1.0, 2.0]))
    assert not Value(0.0)
    assert Value(-1.0)


@pytest.mark.parametrize(
    ("key", "tkey"),
    [
        ((None, [0, 0, 2], slice(None)), (None, [0, 0, 2], slice(None))),
        ((slice(None), [3, 3, -1]), (slice(None), [3, 3, -1])),
        ((np.array([True, False, True]), np.array([1, 1])), None),
        ((Ellipsis, None, -1), (Ellipsis, None, -1)),
    ],
)
def test_indexing_gradients_accumulate_as_torch(key, tkey) -> None:
    data = np.random.default_rng(2).standard_normal((3, 4))
    if tkey is None:
        tkey = tuple(torch.tensor(k) for k in key)
    x = Tensor(data, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    out, ref = x[key], t[tkey]
    w = np.random.default_rng(3).standard_normal(out.shape)
    (g1,) = grad((out**3 * w).sum(), [x], create_graph=True)
    (g2,) = grad((g1 * g1).sum(), [x])
    (t1,) = torch.autograd.grad((ref**3 * torch.tensor(w)).sum(), [t], create_graph=True)
    (t2,) = torch.autograd.grad((t1 * t1).sum(), [t])
    np.testing.assert_allclose(g1.data, t1.detach().numpy(), rtol=1e-13)
    np.testing.assert_allclose(g2, t2.numpy(), rtol=1e-13)


# --------------------------------------------------------- guards: engine edges


def test_a_long_chain_backward_and_create_graph_do_not_recurse() -> None:
    x = Tensor([0.5], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    y = (y * y).sum()
    (g,) = grad(y, [x], create_graph=True)
    (g2,) = grad(g.sum(), [x])
    np.testing.assert_array_equal(g.data, [1.0])
    np.testing.assert_array_equal(g2, [2.0])
    y.backward()
    np.testing.assert_array_equal(x.grad, [1.0])


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda x: x.tanh(), lambda x: x.tanh()),
        (lambda x: x.sigmoid(), lambda x: x.sigmoid()),
        (lambda x: x.exp(), lambda x: x.exp()),
        (lambda x: (x * x + 1) ** 2.5, lambda x: (x * x + 1) ** 2.5),
        (lambda x: x.softmax() * np.arange(4.0), lambda x: x.softmax(-1) * torch.arange(4.0)),
        (lambda x: x.logsumexp() * 3, lambda x: x.logsumexp(-1) * 3),
    ],
)
def test_third_derivatives_match_torch(ours, theirs) -> None:
    data = np.array([0.3, -1.2, 2.0, 0.0])
    x = Tensor(data, requires_grad=True)
    (g1,) = grad(ours(x).sum(), [x], create_graph=True)
    (g2,) = grad(g1.sum(), [x], create_graph=True)
    (g3,) = grad(g2.sum(), [x])
    t = torch.tensor(data, requires_grad=True)
    (t1,) = torch.autograd.grad(theirs(t).sum(), [t], create_graph=True)
    (t2,) = torch.autograd.grad(t1.sum(), [t], create_graph=True)
    (t3,) = torch.autograd.grad(t2.sum(), [t])
    np.testing.assert_allclose(g3, t3.numpy(), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize(
    ("sx", "sy"), [((0, 1), (1, 3)), ((1, 0), (3, 1)), ((), (0,)), ((1,), ()), ((2, 1, 1), (0, 1))]
)
@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**", "maximum", "minimum"])
def test_broadcast_gradients_sum_back_to_size_0_and_size_1_shapes(op, sx, sy) -> None:
    fns = {
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "/": lambda a, b: a / b,
        "**": lambda a, b: a**b,
    }
    ours = fns.get(op, getattr(autograd, op, None))
    theirs = fns.get(op, getattr(torch, op, None))
    rng = np.random.default_rng(4)
    a, b = rng.random(sx) + 0.5, rng.random(sy) + 0.5
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    ours(x, y).sum().backward()
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    theirs(tx, ty).sum().backward()
    assert x.grad.shape == sx
    assert y.grad.shape == sy
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(y.grad, ty.grad.numpy(), rtol=1e-14)


def test_repr_of_huge_0d_and_empty_tensors_is_short_and_exact() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(repr(Tensor(np.zeros((1000, 1000))))) < 1000
    assert repr(Tensor(3.0, requires_grad=True)) == "Tensor(3., requires_grad=True)"
    assert repr(Tensor(np.zeros((0, 3), np.float32))) == "Tensor([], dtype=float32)"


# ------------------------------------------------------------- more hostile inputs


@pytest.mark.parametrize("method", ["sin", "cos"])
@pytest.mark.parametrize("at", [float("inf"), -float("inf")])
def test_value_sin_and_cos_of_infinity_name_the_op(method, at) -> None:
    assert np.isnan(getattr(torch.tensor(at), method)().item())  # no real number
    with pytest.raises(ValueError, match=rf"^{method}: .*inf"):
        getattr(Value(at), method)()


@pytest.mark.parametrize(
    "loss",
    [
        lambda x, t: autograd.softmax_cross_entropy(x, t),
        lambda x, t: autograd.binary_cross_entropy(x.sigmoid(), t),
    ],
)
def test_a_loss_target_with_a_gradient_is_an_error_not_silently_detached(loss) -> None:
    x = Tensor(np.zeros((2, 3)), requires_grad=True)
    target = Tensor(np.eye(3)[:2], requires_grad=True)
    with pytest.raises(TypeError, match=r"target .*detach"):
        loss(x, target)
    loss(x, target.detach())  # a constant target is fine


def test_a_computed_value_target_of_binary_cross_entropy_is_an_error() -> None:
    with pytest.raises(TypeError, match=r"target .*\.data"):
        autograd.binary_cross_entropy(Value(0.5), Value(0.5) * 2.0)
    label = Value(1.0)  # a leaf label is a constant, as a number is
    assert autograd.binary_cross_entropy(Value(0.5), label).data == pytest.approx(np.log(2))


def test_grad_of_a_non_node_and_backward_with_text_name_the_function() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(TypeError, match=r"^grad: .*output, got float"):
        grad(3.0, [x])
    with pytest.raises(TypeError, match=r"^backward: .*shape \(3,\), got str"):
        (x * 2).backward("abc")


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda x: x.reshape(2.0, 3), "reshape"),
        (lambda x: x.transpose(1.0, 0.0), "transpose"),
        (lambda x: x.argmax(axis=5), "argmax"),
        (lambda x: x.argmin(axis=1.0), "argmin"),
    ],
)
def test_a_bad_shape_or_axis_of_a_shape_op_names_it(call, name) -> None:
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises((TypeError, ValueError), match=rf"^{name}: "):
        call(x)
    with pytest.raises((TypeError, ValueError)):  # numpy refuses them too
        call(x.data)


def test_squeeze_refuses_a_repeated_axis_as_numpy() -> None:
    x = Tensor(np.ones((1, 3, 1)), requires_grad=True)
    with pytest.raises(ValueError, match=r"^squeeze: .*twice"):
        x.squeeze((0, -3))
    with pytest.raises(ValueError, match="duplicate value"):  # numpy refuses it too
        np.squeeze(x.data, (0, -3))
    assert x.squeeze((0, -1)).shape == (3,)


@pytest.mark.parametrize("bad", [2.0, -1.0, float("nan")])
def test_binary_cross_entropy_refuses_a_target_outside_0_1_as_torch(bad) -> None:
    p = torch.tensor([0.3, 0.7], dtype=torch.float64)
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        torch.nn.functional.binary_cross_entropy(p, torch.tensor([bad, 1.0], dtype=torch.float64))
    with pytest.raises(ValueError, match=r"^binary_cross_entropy: expected targets in \[0, 1\]"):
        autograd.binary_cross_entropy(Tensor([0.3, 0.7], requires_grad=True), [bad, 1.0])
    with pytest.raises(ValueError, match=r"^binary_cross_entropy: expected targets in \[0, 1\]"):
        autograd.binary_cross_entropy(Value(0.3), bad)


def test_register_hook_needs_a_callable_at_once() -> None:
    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"^register_hook: expected a function"):
        x.register_hook(5)


def test_gradcheck_of_float32_data_says_to_use_float64() -> None:
    x = Tensor([1.0, 2.0], dtype=np.float32, requires_grad=True)
    with pytest.raises(AssertionError, match=r"float32.*float64"):
        autograd.gradcheck(lambda a: (a * a).sum(), [x])


def test_many_threads_differentiate_one_shared_graph_as_one_thread_does() -> None:
    import threading

    x = Tensor(np.linspace(-1.0, 1.0, 16), requires_grad=True)
    y = x
    for _ in range(50):
        y = (y * 1.01).tanh() * x
    y = y.sum()
    (first,) = grad(y, [x])
    (g,) = grad(y, [x], create_graph=True)
    (second,) = grad(g.sum(), [x])
    wrong: list[str] = []

    def run(i: int) -> None:
        for _ in range(10):
            if i % 3 == 0:
                y.backward()
            elif i % 3 == 1 and not np.array_equal(grad(y, [x])[0], first):
                wrong.append("grad")
            elif i % 3 == 2:
                (h,) = grad(y, [x], create_graph=True)
                if not np.array_equal(grad(h.sum(), [x])[0], second):
                    wrong.append("create_graph")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []
    np.testing.assert_allclose(x.grad, 30 * first, rtol=1e-12)  # 3 threads x 10 backward


def test_two_copied_outputs_share_their_leaves() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = (y * 3).sum()
    y2, z2 = copy.deepcopy([y, z])
    leaf = y2.parents[0]
    assert z2.parents[0].parents[0].parents[0] is leaf
    z2.backward()
    np.testing.assert_array_equal(leaf.grad, [6.0, 6.0])


def test_mean_and_var_of_float16_accumulate_as_torch() -> None:
    data = np.array([[60000.0, 60000.0], [1.0, 3.0]], np.float16)  # a row's sum overflows
    for ours, theirs in [
        (lambda x: x.mean(axis=-1), lambda t: t.mean(-1)),
        (lambda x: x.var(axis=-1), lambda t: t.var(-1, correction=0)),
        (lambda x: x.mean(), lambda t: t.mean()),
    ]:
        out, g = _exactly_as_torch(ours, theirs, data)
        assert out.dtype == np.float16
        assert g.dtype == np.float16
