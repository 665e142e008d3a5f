"""autograd.compile: replayed steps equal eager steps (bit for bit for Values)."""

import math
import random
import threading
import warnings

import numpy as np
import pytest
from cases import TENSOR_CASES, TENSOR_EDGES, VALUE_CASES, VALUE_EDGES

import autograd
import nn
from autograd import Tensor, Value, softmax_cross_entropy


def _scalar_model(seed):
    random.seed(seed)
    return nn.MLP(2, [6, 6, 1])


def _svm_loss(model, points, labels):
    scores = [model(list(map(Value, row))) for row in points]
    losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores, strict=True)]
    data = sum(losses) * (1.0 / len(losses))
    return data + 1e-4 * sum(p * p for p in model.parameters())


def _sgd(params, lr):
    for p in params:
        p.data -= lr * p.grad
        p.grad = type(p.grad)(0) if isinstance(p, Value) else None


def test_scalar_steps_are_bit_identical_to_eager_over_many_steps():
    X, y = nn.data.moons(20, noise=0.1, seed=0)  # noqa: N806
    points, labels = X.tolist(), (2.0 * y - 1.0).tolist()
    eager, replayed = _scalar_model(0), _scalar_model(0)
    step = autograd.compile(lambda: _svm_loss(replayed, points, labels))
    for _ in range(25):
        loss = _svm_loss(eager, points, labels)
        loss.backward()
        got = step()
        assert got == loss.data
        assert [p.grad for p in replayed.parameters()] == [p.grad for p in eager.parameters()]
        _sgd(eager.parameters(), 0.05)
        _sgd(replayed.parameters(), 0.05)
    assert step.recordings == 1


def test_scalar_step_adds_into_grad_like_backward():
    w = Value(0.3)
    b = Value(-0.2)
    step = autograd.compile(lambda: (w * 2.0 + b).tanh() * w)
    step()
    step()  # no zeroing in between: twice the derivative, as two backward() calls give
    w2, b2 = Value(0.3), Value(-0.2)
    for _ in range(2):
        ((w2 * 2.0 + b2).tanh() * w2).backward()
    assert (w.grad, b.grad) == (w2.grad, b2.grad)


def _tensor_problem(rng, dtype, batch=8):
    x = rng.normal(size=(batch, 3)).astype(dtype)
    onehot = np.eye(4, dtype=dtype)[rng.integers(0, 4, size=batch)]
    params = [rng.normal(size=s).astype(dtype) for s in ((3, 5), (5,), (5, 4), (4,))]
    return x, onehot, params


def _tensor_loss(x, onehot, params):
    w1, b1, w2, b2 = params
    h = (Tensor(x) @ w1 + b1).tanh()
    logits = h @ w2 + b2
    return softmax_cross_entropy(logits, onehot) + (h * h).mean() * 0.01


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tensor_steps_match_eager_over_many_steps(dtype):
    rng = np.random.default_rng(0)
    x, onehot, arrays = _tensor_problem(rng, dtype)
    eager = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    replayed = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    step = autograd.compile(lambda: _tensor_loss(x, onehot, replayed))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for _ in range(30):
        loss = _tensor_loss(x, onehot, eager)
        loss.backward()
        got = step()
        assert isinstance(got, float)
        assert got == pytest.approx(loss.item(), rel=tol)
        for a, b in zip(replayed, eager, strict=True):
            assert a.grad.dtype == dtype
            np.testing.assert_allclose(a.grad, b.grad, rtol=tol, atol=tol)
        _sgd(eager, 0.1)
        _sgd(replayed, 0.1)
    for a, b in zip(replayed, eager, strict=True):
        np.testing.assert_allclose(a.data, b.data, rtol=tol * 10, atol=tol * 10)


def test_tensor_step_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x, onehot, arrays = _tensor_problem(rng, np.float64)
    params = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    step = autograd.compile(lambda: _tensor_loss(x, onehot, params))
    got = step()
    t = [torch.tensor(a, requires_grad=True) for a in arrays]
    h = torch.tanh(torch.tensor(x) @ t[0] + t[1])
    ref = torch.nn.functional.cross_entropy(h @ t[2] + t[3], torch.tensor(onehot.argmax(1)))
    ref = ref + (h * h).mean() * 0.01
    ref.backward()
    assert got == pytest.approx(ref.item(), rel=1e-12)
    for p, tp in zip(params, t, strict=True):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_records_again_when_a_shape_changes():
    rng = np.random.default_rng(2)
    w = Tensor(rng.normal(size=(3, 2)), requires_grad=True)
    data = {"x": rng.normal(size=(4, 3))}
    step = autograd.compile(lambda: ((Tensor(data["x"]) @ w).tanh()).sum())
    step()
    w.grad = None
    data["x"] = rng.normal(size=(7, 3))  # a new batch size: the recorded graph does not fit
    step()
    assert step.recordings == 1  # the leaf recorded is the old Tensor: a rebound array is unseen
    w.data = rng.normal(size=(3, 5))  # a parameter of a new shape
    w.grad = None
    got = step()
    assert step.recordings == 2
    ref = np.tanh(data["x"] @ w.data)
    assert got == pytest.approx(ref.sum())
    np.testing.assert_allclose(w.grad, data["x"].T @ (1 - ref**2))


def test_records_again_when_a_dtype_or_an_in_place_shape_changes():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(4, 3))
    w = Tensor(rng.normal(size=(3, 2)), requires_grad=True)
    b = Tensor(rng.normal(size=2), requires_grad=True)
    step = autograd.compile(lambda: (Tensor(x) @ w + b).tanh().sum())
    step()
    w.data = w.data.astype(np.float32)  # the same shape, another dtype
    w.grad = b.grad = None
    step()
    assert step.recordings == 2
    assert w.grad.dtype == np.float32
    b.data.shape = (1, 2)  # the same array, reshaped in place
    w.grad = b.grad = None
    got = step()
    assert step.recordings == 3
    t = np.tanh(x @ w.data.astype(np.float64) + b.data)
    assert got == pytest.approx(t.sum())
    assert w.grad.dtype == np.float32
    np.testing.assert_allclose(w.grad, x.T @ (1 - t**2), rtol=1e-5)
    assert b.grad.shape == (1, 2)
    np.testing.assert_allclose(b.grad, (1 - t**2).sum(axis=0, keepdims=True))


def test_in_place_data_updates_are_seen():
    x = np.array([[1.0, 2.0]])
    w = Tensor([[0.5], [-0.25]], requires_grad=True)
    step = autograd.compile(lambda: (Tensor(x) @ w).sum())
    assert step() == 0.0
    x[0, 0] = 3.0
    w.grad = None
    assert step() == 1.0
    np.testing.assert_array_equal(w.grad, [[3.0], [2.0]])


def test_non_scalar_output_is_a_clear_error():
    w = Tensor(np.ones((2, 3)), requires_grad=True)
    step = autograd.compile(lambda: w * 2.0)
    with pytest.raises(ValueError, match="compile: the function must return a one-element"):
        step()
    with pytest.raises(ValueError, match=r"compile: .* got a float"):
        autograd.compile(lambda: 1.0)()


def test_fit_with_compile_matches_eager_fit():
    X, y = nn.data.moons(16, noise=0.1, seed=1)  # noqa: N806
    histories, weights = [], []
    for flag in (False, True):
        model = _scalar_model(3)
        opt = nn.SGD(model.parameters(), lr=0.05)
        histories.append(
            nn.fit(model, nn.mse_loss, opt, X, y, epochs=5, progress=False, compile=flag)
        )
        weights.append([p.data for p in model.parameters()])
    assert histories[0] == histories[1]
    assert weights[0] == weights[1]


def test_fit_compile_needs_the_full_batch():
    model = _scalar_model(4)
    X, y = nn.data.moons(8, noise=0.1, seed=1)  # noqa: N806
    with pytest.raises(ValueError, match="fit: compile=True"):
        nn.fit(
            model,
            nn.mse_loss,
            nn.SGD(model.parameters(), lr=0.1),
            X,
            y,
            1,
            batch_size=4,
            progress=False,
            compile=True,
        )


def test_a_kept_grad_is_not_overwritten_by_the_next_replay():
    x = np.arange(6.0).reshape(2, 3) / 6.0
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    step = autograd.compile(lambda: (Tensor(x) @ w).tanh().sum())
    step()
    first = w.grad
    expected = x.T @ (1 - np.tanh(x @ w.data) ** 2)
    w.grad = None
    w.data = w.data * -3.0
    step()
    np.testing.assert_allclose(first, expected)  # still the first step's gradient
    np.testing.assert_allclose(w.grad, x.T @ (1 - np.tanh(x @ w.data) ** 2))
    assert w.grad is not first


def test_scalar_gradient_summed_over_more_contributions_than_one_line_holds():
    xs = [0.01 * k - 1.5 for k in range(300)]  # w gets 300 contributions: several sum lines
    w, eager_w = Value(0.7), Value(0.7)
    step = autograd.compile(lambda: sum((w * x).tanh() for x in xs))
    got = step()
    loss = sum((eager_w * x).tanh() for x in xs)
    loss.backward()
    assert got == loss.data
    assert w.grad == eager_w.grad  # bit for bit: the same additions in the same order
    closed = math.fsum(x * (1 - math.tanh(0.7 * x) ** 2) for x in xs)
    assert w.grad == pytest.approx(closed, rel=1e-12)
    assert max(line.count(" + ") for line in step.source.splitlines()) < 70


def test_tensor_buffers_shared_between_dead_values_match_torch_over_steps():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x = rng.normal(size=(6, 4))
    w0, v0 = rng.normal(size=(4, 4)), rng.normal(size=(4, 4))
    w, v = Tensor(w0.copy(), requires_grad=True), Tensor(v0.copy(), requires_grad=True)

    def loss_of(x, w, v, tanh):
        h = tanh(x @ w)  # h, and its transpose (a view), live on past values that die
        z = h * h - h
        return ((z.T @ h) * 0.5).sum() + ((z @ v) * h).mean() + (h.T @ (1 - h * h)).sum()

    step = autograd.compile(lambda: loss_of(Tensor(x), w, v, lambda t: t.tanh()))
    tw, tv = torch.tensor(w0, requires_grad=True), torch.tensor(v0, requires_grad=True)
    for _ in range(4):  # the buffers are reused by every call
        got = step()
        ref = loss_of(torch.tensor(x), tw, tv, torch.tanh)
        ref.backward()
        assert got == pytest.approx(ref.item(), rel=1e-12)
        for p, tp in ((w, tw), (v, tv)):
            np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-10, atol=1e-12)
        with torch.no_grad():
            for p, tp in ((w, tw), (v, tv)):
                p.data -= 0.1 * p.grad
                tp -= 0.1 * tp.grad
                p.grad, tp.grad = None, None


def test_a_gradient_buffer_is_reused_once_let_go_and_replaced_while_held():
    x = np.arange(6.0).reshape(2, 3) / 6.0
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    step = autograd.compile(lambda: (Tensor(x) @ w).tanh().sum())
    step()
    assert step._plan is not None
    buffers = step._plan.buffers
    expected = x.T @ (1 - np.tanh(x @ w.data) ** 2)
    assert any(b is w.grad for b in buffers)  # handed over, no copy
    w.grad = None
    step()  # nobody holds it now: written again, handed over again
    assert any(b is w.grad for b in step._plan.buffers)
    np.testing.assert_allclose(w.grad, expected)
    held = w.grad
    w.grad = None
    step()
    assert w.grad is not held
    assert not any(b is held for b in step._plan.buffers)
    step()  # .grad kept, not zeroed: the replay adds into it, as backward() does
    np.testing.assert_allclose(w.grad, 2 * expected)
    np.testing.assert_allclose(held, expected)


def test_tensor_buffers_start_on_a_cache_line_also_when_renewed():
    x = np.arange(12.0, dtype=np.float32).reshape(4, 3) / 12.0
    w = Tensor(np.ones((3, 5), dtype=np.float32), requires_grad=True)
    step = autograd.compile(lambda: (Tensor(x) @ w).tanh().sum())
    step()
    assert step._plan is not None
    held = w.grad  # kept: the next replay renews its buffer
    w.grad = None
    step()
    buffers = step._plan.buffers
    assert not any(b is held for b in buffers)
    assert all(b.ctypes.data % 64 == 0 and b.flags.c_contiguous for b in buffers)
    assert all(b.dtype == np.float32 for b in buffers)
    np.testing.assert_allclose(w.grad, held)  # the same gradient, in the new buffer


@pytest.mark.parametrize(
    ("a_shape", "b_shape", "a_dtype", "b_dtype"),
    [
        ((4, 3), (3, 5), np.float32, np.float32),  # matrices of one float dtype: np.dot
        ((4, 3), (3, 5), np.float64, np.float64),
        ((2, 4, 3), (3, 5), np.float64, np.float64),  # a stack: dot would contract otherwise
        ((3,), (3, 5), np.float64, np.float64),  # a vector
        ((4, 3), (3, 5), np.float32, np.float64),  # mixed dtypes: matmul casts, dot would not
    ],
)
def test_matmul_replays_with_matmul_semantics(a_shape, b_shape, a_dtype, b_dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    a = Tensor(rng.normal(size=a_shape).astype(a_dtype), requires_grad=True)
    b = Tensor(rng.normal(size=b_shape).astype(b_dtype), requires_grad=True)
    step = autograd.compile(lambda: (a @ b).tanh().sum())
    step()
    for t in (a, b):
        t.grad = None
        t.data += 0.25  # in place: the replay reads the new values
    a.data = np.asfortranarray(a.data) if a.data.ndim == 2 else a.data  # another layout
    got = step()
    ta = torch.tensor(a.data.astype(np.float64), requires_grad=True)
    tb = torch.tensor(b.data.astype(np.float64), requires_grad=True)
    ref = torch.tanh(ta @ tb).sum()
    ref.backward()
    tol = 1e-5 if np.float32 in (a_dtype, b_dtype) else 1e-12
    assert got == pytest.approx(ref.item(), rel=tol)
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=tol, atol=tol)
    assert step.recordings == 1


# ------------------------------------------------------------------ every op of the catalogue


def _value_points(case):
    if case.at is not None:
        return list(case.at)
    rng = np.random.default_rng(3)
    return [tuple(float(rng.uniform(case.low, case.high)) for _ in range(case.arity))]


def _outcome(run):
    """(output, gradients) or the exception's type, warnings silenced (both sides warn)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return run()
        except Exception as e:
            return type(e)


@pytest.mark.parametrize("case", VALUE_CASES + VALUE_EDGES, ids=str)
def test_every_value_op_replays_bit_for_bit_also_at_its_edges(case):
    for point in _value_points(case):

        def eager(point=point):
            xs = [Value(v) for v in point]
            y = case.call(*xs)
            y.backward()
            return repr((y.data, [x.grad for x in xs]))

        def compiled(point=point):
            xs = [Value(v) for v in point]
            step = autograd.compile(lambda xs=xs: case.call(*xs))
            out = step()
            return repr((out, [x.grad for x in xs]))

        assert _outcome(compiled) == _outcome(eager), point


def _tensor_inputs(case, dtype):
    if case.at is not None:
        return [np.asarray(a, dtype=dtype) for a in case.at(dtype)]
    rng = np.random.default_rng(4)
    return [rng.uniform(case.low, case.high, size=s).astype(dtype) for s in case.shapes]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", TENSOR_CASES + TENSOR_EDGES, ids=str)
def test_every_tensor_op_replays_like_eager_also_at_its_edges(case, dtype):
    arrays = _tensor_inputs(case, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shape = np.shape(case.call(*[Tensor(a) for a in arrays]).data)
    weights = np.random.default_rng(5).normal(size=shape).astype(dtype)

    def loss(xs):
        return (case.call(*xs) * Tensor(weights)).sum()

    def run(compiled):
        xs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
        if compiled:
            step = autograd.compile(lambda: loss(xs))
            out = [step(), step()]  # the second call adds into the first's .grad
        else:
            out = []
            for _ in range(2):
                y = loss(xs)
                y.backward()
                out.append(float(y.data))
        return out, [x.grad for x in xs]

    eager, compiled = _outcome(lambda: run(False)), _outcome(lambda: run(True))
    if isinstance(eager, type):
        assert compiled is eager
        return
    tol = {"rtol": 1e-12, "atol": 1e-300} if dtype == np.float64 else {"rtol": 1e-5, "atol": 1e-6}
    np.testing.assert_allclose(compiled[0], eager[0], **tol)
    for got, want in zip(compiled[1], eager[1], strict=True):
        assert (got is None) == (want is None)
        if want is not None:
            assert got.dtype == want.dtype
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, **tol)


def test_a_replay_at_a_domain_edge_is_the_engines_step():
    x = Value(4.0)
    step = autograd.compile(lambda: x**0.5 + x.exp() * 0.0)
    step()
    x.grad = 0.0
    x.data = 0.0  # Python: 0.0 ** -0.5 raises; the engine's limit is inf
    assert step() == 0.0
    assert x.grad == math.inf
    x.grad, x.data = 0.0, 1000.0  # math.exp(1000) overflows; the engine gives inf
    with pytest.warns(RuntimeWarning, match="overflowed"):
        step()
    assert math.isnan(x.grad)  # inf * 0.0, as backward() gives
    x.grad, x.data = 0.0, -4.0  # Python's (-4.0) ** 0.5 is complex: no gradient may land
    with pytest.raises(ValueError, match="not a real number"):
        step()
    assert x.grad == 0.0
    x.data = 9.0
    assert step() == 3.0  # and the recording still replays
    assert x.grad == 0.5 / 3.0
    assert step.recordings == 1


def test_value_pow_value_compiles_with_its_undefined_derivative():
    x, y = Value(2.0), Value(3.0)
    step = autograd.compile(lambda: x**y)
    assert step() == 8.0
    assert (x.grad, y.grad) == (12.0, 8.0 * math.log(2.0))
    x.data, x.grad, y.grad = -2.0, 0.0, 0.0
    with pytest.raises(ValueError, match="not real at x = -2"):
        step()  # d/dy does not exist at a negative base, and y requires grad
    a, b = Value(-2.0), Value(3.0)
    with pytest.raises(ValueError, match="not real at x = -2"):
        (a**b).backward()
    assert (x.grad, y.grad) == (a.grad, b.grad)  # as far as backward() got


def test_a_step_shared_by_threads_gives_every_gradient():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(16, 8))
    w = Tensor(rng.normal(size=(8, 8)), requires_grad=True)
    step = autograd.compile(lambda: (Tensor(x) @ w).tanh().sum())
    step()
    once = w.grad.copy()
    w.grad = None

    def work():
        for _ in range(100):
            step()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    np.testing.assert_allclose(w.grad, 400 * once, rtol=1e-12)


def test_a_step_records_with_gradients_on_inside_no_grad():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    step = autograd.compile(lambda: (w * w).sum())
    with autograd.no_grad():
        assert step() == 5.0
    np.testing.assert_array_equal(w.grad, [2.0, 4.0])


def test_a_step_called_from_its_own_function_is_a_clear_error():
    w = Value(1.0)

    def fn():
        return step() * w

    step = autograd.compile(fn)
    with pytest.raises(RuntimeError, match="while its own function was being recorded"):
        step()
