import math
import re

import numpy as np
import pytest

import nn
from autograd import Tensor, Value

RNG = np.random.default_rng(1234)
N, C = 6, 4
SCORES = RNG.normal(size=N)
TARGETS = RNG.normal(size=N)
PROBS = RNG.uniform(0.02, 0.98, size=N)
BITS = RNG.integers(0, 2, size=N).astype(float)
LOGITS = RNG.normal(scale=2.0, size=(N, C))
CLASSES = RNG.integers(0, C, size=N)
SOFT = RNG.dirichlet(np.ones(C), size=N)
SIGNS = np.where(RNG.random(N) < 0.5, -1.0, 1.0)


def _values(array):
    if array.ndim == 1:
        return [Value(float(x)) for x in array]
    return [[Value(float(x)) for x in row] for row in array]


def _grads(values):
    if isinstance(values[0], list):
        return np.array([[v.grad for v in row] for row in values])
    return np.array([v.grad for v in values])


def _torch_reference(torch, name, pred, target, dtype=None):
    functional = torch.nn.functional
    dtype = dtype or torch.float64
    p = torch.tensor(pred, dtype=dtype, requires_grad=True)
    t = torch.tensor(target)
    t = t if name == "cross_entropy" and t.dtype == torch.int64 else t.to(dtype)
    # hinge: no torch function; the formula, mean(relu(1 - y * s))
    loss_fn = getattr(functional, name, None) or (lambda s, y: torch.relu(1 - y * s).mean())
    loss = loss_fn(p, t)
    loss.backward()
    return loss.item(), p.grad.numpy()


LOSS_CASES = [
    ("mse_loss", SCORES, TARGETS),
    ("binary_cross_entropy", PROBS, BITS),
    ("binary_cross_entropy", PROBS, RNG.uniform(size=N)),  # soft targets
    ("cross_entropy", LOGITS, CLASSES),
    ("cross_entropy", LOGITS, SOFT),
    ("cross_entropy", LOGITS, np.eye(C)[CLASSES]),  # one-hot
    ("hinge_loss", SCORES, SIGNS),
]


@pytest.mark.parametrize(("name", "pred", "target"), LOSS_CASES)
@pytest.mark.parametrize("target_kind", ["array", "list"])
def test_value_losses_match_torch(name, pred, target, target_kind):
    torch = pytest.importorskip("torch")
    want_loss, want_grad = _torch_reference(torch, name, pred, target)
    values = _values(pred)
    loss = getattr(nn, name)(values, target if target_kind == "array" else target.tolist())
    assert isinstance(loss, Value)
    assert loss.data == pytest.approx(want_loss, rel=1e-12, abs=1e-12)
    loss.backward()
    np.testing.assert_allclose(_grads(values), want_grad, rtol=1e-10, atol=1e-12)


def test_value_mse_over_several_outputs_averages_every_element():
    torch = pytest.importorskip("torch")
    pred, target = LOGITS, SOFT
    want_loss, want_grad = _torch_reference(torch, "mse_loss", pred, target)
    values = _values(pred)
    loss = nn.mse_loss(values, target)
    loss.backward()
    assert loss.data == pytest.approx(want_loss, rel=1e-12)
    np.testing.assert_allclose(_grads(values), want_grad, rtol=1e-10)


def test_value_loss_of_one_value_and_a_number():
    p = Value(3.0)
    loss = nn.mse_loss(p, 1.0)
    loss.backward()
    assert loss.data == 4.0
    assert p.grad == 4.0  # d/dp (p - 1)^2 = 2 (p - 1)


def test_value_losses_accept_column_targets_for_a_list_of_scores():
    values = _values(SCORES)
    a = nn.mse_loss(values, TARGETS.reshape(N, 1)).data
    b = nn.mse_loss(values, TARGETS).data
    assert a == b


def test_value_bce_is_finite_at_saturated_probabilities_as_torch():
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    probs = np.array([0.0, 1.0, 0.0, 1.0, 1e-50, 1.0 - 1e-17])
    targets = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0])
    want = functional.binary_cross_entropy(
        torch.tensor(probs, dtype=torch.float64), torch.tensor(targets, dtype=torch.float64)
    ).item()
    got = nn.binary_cross_entropy(_values(probs), targets).data
    assert math.isfinite(got)
    assert got == pytest.approx(want, rel=1e-12)
    # 1 - 1e-17 rounds to 1.0; log(1e-50) = -115 is clamped to -100.
    assert got == pytest.approx((100 + 100 + 0 + 0 + 100 + 100) / 6)


def test_value_bce_after_a_saturated_sigmoid_does_not_raise():
    z = Value(40.0)
    p = z.sigmoid()
    assert p.data == 1.0
    loss = nn.binary_cross_entropy([p], [1.0])
    loss.backward()
    assert loss.data == 0.0
    assert math.isfinite(z.grad)


def test_value_cross_entropy_is_stable_for_large_logits():
    torch = pytest.importorskip("torch")
    logits = np.array([[1000.0, 0.0, -1000.0], [0.0, 800.0, 799.0]])
    target = np.array([2, 1])
    want_loss, want_grad = _torch_reference(torch, "cross_entropy", logits, target)
    values = _values(logits)
    loss = nn.cross_entropy(values, target)
    loss.backward()
    assert math.isfinite(loss.data)
    assert loss.data == pytest.approx(want_loss, rel=1e-12)
    assert loss.data == pytest.approx((2000.0 + math.log1p(math.exp(-1.0))) / 2, rel=1e-12)
    np.testing.assert_allclose(_grads(values), want_grad, atol=1e-12)


def test_value_cross_entropy_accepts_float_class_indices():
    a = nn.cross_entropy(_values(LOGITS), CLASSES.astype(float)).data
    b = nn.cross_entropy(_values(LOGITS), CLASSES).data
    assert a == b


def test_value_hinge_loss_matches_micrograd_formula_and_gradient():
    scores = _values(np.array([2.0, 0.5, -0.3]))
    loss = nn.hinge_loss(scores, [1, 1, -1])
    loss.backward()
    assert loss.data == pytest.approx((0.0 + 0.5 + 0.7) / 3)
    # d/ds relu(1 - y s) = -y where the margin is violated, else 0; mean over 3.
    assert [s.grad for s in scores] == pytest.approx([0.0, -1 / 3, 1 / 3])


def _escape(message):
    return "^" + re.escape(message)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: nn.mse_loss(_values(SCORES[:3]), [1.0, 2.0]),
            ValueError,
            "mse_loss: pred has shape (3,) but target has shape (2,); expected the same shape",
        ),
        (
            lambda: nn.binary_cross_entropy(_values(PROBS[:2]), np.zeros((2, 2))),
            ValueError,
            "binary_cross_entropy: pred has shape (2,) but target has shape (2, 2)",
        ),
        (
            lambda: nn.hinge_loss(_values(SCORES[:2]), [1, 1, 1]),
            ValueError,
            "hinge_loss: pred has shape (2,) but target has shape (3,)",
        ),
        (
            lambda: nn.hinge_loss(_values(SCORES[:2]), [0, 1]),
            ValueError,
            "hinge_loss: labels must be -1 or +1, got 0; map 0/1 labels with 2 * y - 1",
        ),
        (
            lambda: nn.binary_cross_entropy([Value(1.5)], [1.0]),
            ValueError,
            "binary_cross_entropy: expected probabilities in [0, 1], got 1.5",
        ),
        (
            lambda: nn.binary_cross_entropy([Value(-0.5)], [1.0]),
            ValueError,
            "binary_cross_entropy: expected probabilities in [0, 1], got -0.5",
        ),
        (
            lambda: nn.cross_entropy(_values(LOGITS), CLASSES[:3]),
            ValueError,
            "cross_entropy: logits have shape (6, 4) but target has shape (3,); "
            "expected 6 class indices or an array of shape (6, 4)",
        ),
        (
            lambda: nn.cross_entropy(_values(LOGITS[:2]), [0, 4]),
            ValueError,
            "cross_entropy: class indices must be integers in 0..3, got 4",
        ),
        (
            lambda: nn.cross_entropy(_values(LOGITS[:2]), [0, 1.5]),
            ValueError,
            "cross_entropy: class indices must be integers in 0..3, got 1.5",
        ),
        (
            lambda: nn.cross_entropy(_values(SCORES), CLASSES),
            ValueError,
            "cross_entropy: expected logits as a list of N lists of C Values, got shape (6,)",
        ),
        (
            lambda: nn.mse_loss([], []),
            ValueError,
            "mse_loss: got an empty batch",
        ),
        (
            lambda: nn.mse_loss("abc", [1.0]),
            TypeError,
            "mse_loss: expected a Tensor, a Value or a list of Values, got str",
        ),
        (
            lambda: nn.mse_loss([Value(1.0)], ["a"]),
            TypeError,
            "mse_loss: expected the target as numbers",
        ),
    ],
)
def test_loss_errors(call, error, message):
    with pytest.raises(error, match=_escape(message)):
        call()


# ---------------------------------------------------------------------- Tensor losses


@pytest.mark.parametrize(("name", "pred", "target"), LOSS_CASES)
@pytest.mark.parametrize("target_kind", ["array", "list", "tensor"])
def test_tensor_losses_match_torch(name, pred, target, target_kind):
    torch = pytest.importorskip("torch")
    want_loss, want_grad = _torch_reference(torch, name, pred, target)
    x = Tensor(pred, requires_grad=True)
    given = {"array": target, "list": target.tolist(), "tensor": Tensor(target)}[target_kind]
    loss = getattr(nn, name)(x, given)
    assert isinstance(loss, Tensor)
    assert loss.size == 1
    assert loss.item() == pytest.approx(want_loss, rel=1e-12, abs=1e-12)
    loss.backward()
    np.testing.assert_allclose(x.grad, want_grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["mse_loss", "binary_cross_entropy", "hinge_loss"])
def test_tensor_losses_accept_a_column_of_predictions_with_flat_targets(name):
    pred = {"mse_loss": SCORES, "binary_cross_entropy": PROBS, "hinge_loss": SCORES}[name]
    target = {"mse_loss": TARGETS, "binary_cross_entropy": BITS, "hinge_loss": SIGNS}[name]
    column = getattr(nn, name)(Tensor(pred.reshape(N, 1)), target).item()
    flat = getattr(nn, name)(Tensor(pred), target).item()
    assert column == flat
    assert getattr(nn, name)(_values(pred), target).data == pytest.approx(flat, rel=1e-12)


def test_tensor_losses_keep_float32():
    x = Tensor(PROBS.astype(np.float32), requires_grad=True)
    loss = nn.binary_cross_entropy(x, BITS)
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32
    logits = Tensor(LOGITS.astype(np.float32), requires_grad=True)
    assert nn.cross_entropy(logits, CLASSES).dtype == np.float32


def test_tensor_bce_is_finite_at_saturated_probabilities_as_torch():
    torch = pytest.importorskip("torch")
    probs = np.array([0.0, 1.0, 0.0, 1.0, 1e-50, 0.3])
    targets = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    want = torch.nn.functional.binary_cross_entropy(
        torch.tensor(probs, dtype=torch.float64), torch.tensor(targets, dtype=torch.float64)
    ).item()
    x = Tensor(probs, requires_grad=True)
    with np.errstate(all="raise"):  # no log(0) or divide warnings along the way
        loss = nn.binary_cross_entropy(x, targets)
        loss.backward()
    assert loss.item() == pytest.approx(want, rel=1e-12)
    assert np.all(np.isfinite(x.grad))
    # Away from the clamp the gradient is the usual (p - t) / (p (1 - p)) / N.
    assert x.grad[5] == pytest.approx((0.3 - 1.0) / (0.3 * 0.7) / 6, rel=1e-12)


def test_tensor_bce_after_a_saturated_sigmoid():
    z = Tensor([40.0, -800.0], requires_grad=True)
    loss = nn.binary_cross_entropy(z.sigmoid(), [0.0, 1.0])
    loss.backward()
    assert loss.item() == pytest.approx(100.0)  # both terms hit the -100 clamp
    assert np.all(np.isfinite(z.grad))


def test_tensor_cross_entropy_is_stable_for_large_logits():
    torch = pytest.importorskip("torch")
    logits = np.array([[1000.0, 0.0, -1000.0], [0.0, 800.0, 799.0]])
    target = np.array([2, 1])
    want_loss, want_grad = _torch_reference(torch, "cross_entropy", logits, target)
    x = Tensor(logits, requires_grad=True)
    loss = nn.cross_entropy(x, target)
    loss.backward()
    assert loss.item() == pytest.approx(want_loss, rel=1e-12)
    np.testing.assert_allclose(x.grad, want_grad, atol=1e-12)


def test_tensor_cross_entropy_gradient_is_softmax_minus_target_over_n():
    x = Tensor(LOGITS, requires_grad=True)
    nn.cross_entropy(x, SOFT).backward()
    e = np.exp(LOGITS - LOGITS.max(axis=1, keepdims=True))
    softmax = e / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(x.grad, (softmax - SOFT) / N, rtol=1e-12, atol=1e-15)


def test_tensor_loss_gradients_match_central_differences():
    for name, pred, target in LOSS_CASES:
        if name == "hinge_loss":
            continue  # piecewise linear: checked against torch above
        x = Tensor(pred, requires_grad=True)
        getattr(nn, name)(x, target).backward()
        eps = 1e-6
        numeric = np.zeros_like(pred)
        for idx in np.ndindex(pred.shape):
            d = np.zeros_like(pred)
            d[idx] = eps
            up = getattr(nn, name)(Tensor(pred + d), target).item()
            down = getattr(nn, name)(Tensor(pred - d), target).item()
            numeric[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(x.grad, numeric, rtol=1e-5, atol=1e-8, err_msg=name)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: nn.mse_loss(Tensor(np.zeros((4, 2))), np.zeros((2, 4))),
            "mse_loss: pred has shape (4, 2) but target has shape (2, 4); expected the same shape",
        ),
        (
            lambda: nn.binary_cross_entropy(Tensor([0.5, 0.5]), [1.0, 0.0, 1.0]),
            "binary_cross_entropy: pred has shape (2,) but target has shape (3,)",
        ),
        (
            lambda: nn.binary_cross_entropy(Tensor([0.5, 2.0]), [1.0, 0.0]),
            "binary_cross_entropy: expected probabilities in [0, 1], got 2; apply sigmoid",
        ),
        (
            lambda: nn.hinge_loss(Tensor(np.zeros((3, 1))), [0, 1, 1]),
            "hinge_loss: labels must be -1 or +1, got 0",
        ),
        (
            lambda: nn.cross_entropy(Tensor(np.zeros(3)), [0]),
            "cross_entropy: expected logits of shape (N, C) with N >= 1, got shape (3,)",
        ),
        (
            lambda: nn.cross_entropy(Tensor(np.zeros((2, 3))), np.zeros((2, 4))),
            "cross_entropy: logits have shape (2, 3) but target has shape (2, 4)",
        ),
        (
            lambda: nn.cross_entropy(Tensor(np.zeros((2, 3))), [0, -1]),
            "cross_entropy: class indices must be integers in 0..2, got -1",
        ),
        (
            lambda: nn.mse_loss(Tensor(np.zeros(0)), np.zeros(0)),
            "mse_loss: got an empty batch",
        ),
    ],
)
def test_tensor_loss_errors(call, message):
    with pytest.raises(ValueError, match=_escape(message)):
        call()


# ---------------------------------------------------------------------- huge logits


def _huge_cases(c):
    """Loss inputs of magnitude c: logits near c with ties, scores of ±c, saturated probs."""
    logits = np.array([[c, c, c - 1], [c, c - 2, c - 40], [-c, c, c]])
    probs = np.array([1.0, 0.0, 1.0, 0.0, 1e-20, 1.0 - 2**-53, 0.5])
    bits = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    return [
        ("cross_entropy", logits, np.array([0, 0, 1])),  # losses of order 1, not of c
        ("cross_entropy", logits, np.array([[0.5, 0.25, 0.25], [1.0, 0, 0], [0, 0.5, 0.5]])),
        ("mse_loss", np.array([c, c + 2**40, -c]), np.array([c + 2**41, c, -c])),
        ("l1_loss", np.array([c, c + 2**40, -c]), np.array([c + 2**41, c, -c])),
        ("hinge_loss", np.array([c, -c, c, 0.5]), np.array([1.0, 1.0, -1.0, -1.0])),
        ("binary_cross_entropy", probs, bits),
    ]


HUGE_CASES = [case for c in (1e12, 1e16) for case in _huge_cases(c)]


@pytest.mark.parametrize(("name", "pred", "target"), HUGE_CASES)
def test_tensor_losses_at_huge_logits_match_torch(name, pred, target):
    torch = pytest.importorskip("torch")
    want_loss, want_grad = _torch_reference(torch, name, pred, target)
    x = Tensor(pred, requires_grad=True)
    loss = getattr(nn, name)(x, target)
    loss.backward()
    assert loss.item() == pytest.approx(want_loss, rel=1e-12)
    np.testing.assert_allclose(x.grad, want_grad, rtol=1e-12, atol=1e-12 * np.abs(want_grad).max())


@pytest.mark.parametrize(("name", "pred", "target"), HUGE_CASES)
def test_value_losses_at_huge_logits_match_torch(name, pred, target):
    torch = pytest.importorskip("torch")
    want_loss, want_grad = _torch_reference(torch, name, pred, target)
    values = _values(pred)
    loss = getattr(nn, name)(values, target)
    loss.backward()
    assert loss.data == pytest.approx(want_loss, rel=1e-12)
    got = _grads(values)
    np.testing.assert_allclose(got, want_grad, rtol=1e-12, atol=1e-12 * np.abs(want_grad).max())


def test_value_cross_entropy_of_a_row_near_1e16_is_log_3():
    loss = nn.cross_entropy([[Value(1e16), Value(1e16), Value(1e16 - 1)]], [0])
    d = (1e16 - 1) - 1e16  # exact: 0.0, since 1e16 - 1 rounds to 1e16
    assert loss.data == pytest.approx(math.log(2 + math.exp(d)), rel=1e-15)  # log 3


@pytest.mark.parametrize(("name", "pred", "target"), _huge_cases(1e8))
def test_float32_tensor_losses_at_1e8_match_torch(name, pred, target):
    torch = pytest.importorskip("torch")
    pred32 = pred.astype(np.float32)
    want_loss, want = _torch_reference(torch, name, pred32, target, dtype=torch.float32)
    x = Tensor(pred32, requires_grad=True)
    loss = getattr(nn, name)(x, target)
    loss.backward()
    assert loss.dtype == np.float32
    assert loss.item() == pytest.approx(want_loss, rel=1e-5)
    np.testing.assert_allclose(x.grad, want, rtol=1e-5, atol=1e-5 * np.abs(want).max())
