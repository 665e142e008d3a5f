import math

import numpy as np
import pytest

import nn
from autograd import Tensor, Value

CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.2, "weight_decay": 0.1}),
    ("Adam", {}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.01, "betas": (0.3, 0.8), "eps": 1e-6}),
    ("Adam", {"lr": 0.02, "weight_decay": 0.05}),
]


def _grad_fn(w):
    """A fixed, non-trivial gradient field, computed identically for both sides."""
    return np.sin(3.0 * w) + 0.5 * w**3 - np.roll(w, 1)


W0 = np.array([0.3, -1.2, 2.0, 0.0, -0.7])


def _torch_trajectory(torch, kind, kwargs, steps, lr_schedule=None):
    p = torch.tensor(W0.copy(), dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, kind)([p], **kwargs)
    out = []
    for k in range(steps):
        if lr_schedule is not None:
            opt.param_groups[0]["lr"] = lr_schedule(k)
        p.grad = torch.tensor(_grad_fn(p.detach().numpy()), dtype=torch.float64)
        opt.step()
        out.append(p.detach().numpy().copy())
    return out


@pytest.mark.parametrize(("kind", "kwargs"), CONFIGS)
def test_value_params_match_torch_over_several_steps(kind, kwargs):
    torch = pytest.importorskip("torch")
    params = [Value(float(x)) for x in W0]
    opt = getattr(nn, kind)(params, **kwargs)
    expected = _torch_trajectory(torch, kind, kwargs, steps=8)
    for want in expected:
        grads = _grad_fn(np.array([p.data for p in params]))
        for p, g in zip(params, grads, strict=True):
            p.grad = float(g)
        opt.step()
        got = np.array([p.data for p in params])
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        assert all(type(p.data) is float for p in params)


def test_value_params_learning_rate_changed_between_steps_matches_torch():
    torch = pytest.importorskip("torch")

    def schedule(k):
        return 1.0 - 0.9 * k / 10

    params = [Value(float(x)) for x in W0]
    opt = nn.SGD(params, lr=1.0, momentum=0.5)
    for k, want in enumerate(
        _torch_trajectory(torch, "SGD", {"lr": 1.0, "momentum": 0.5}, 6, schedule)
    ):
        opt.lr = schedule(k)
        for p, g in zip(params, _grad_fn(np.array([p.data for p in params])), strict=True):
            p.grad = float(g)
        opt.step()
        np.testing.assert_allclose([p.data for p in params], want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("kind", "kwargs"), [CONFIGS[2], CONFIGS[7]])
def test_value_training_with_backward_matches_torch(kind, kwargs):
    torch = pytest.importorskip("torch")
    a = [Value(0.5), Value(-1.5)]
    ta = torch.tensor([0.5, -1.5], dtype=torch.float64, requires_grad=True)
    opt = getattr(nn, kind)(a, **kwargs)
    topt = getattr(torch.optim, kind)([ta], **kwargs)
    for _ in range(6):
        opt.zero_grad()
        loss = (a[0] * a[1] - 1.0) ** 2 + a[0].tanh() * 0.3
        loss.backward()
        opt.step()
        topt.zero_grad()
        tloss = (ta[0] * ta[1] - 1.0) ** 2 + ta[0].tanh() * 0.3
        tloss.backward()
        topt.step()
        np.testing.assert_allclose([p.data for p in a], ta.detach().numpy(), rtol=1e-12)


def test_sgd_first_steps_by_hand():
    w = Value(2.0)
    opt = nn.SGD([w], lr=0.1, momentum=0.9)
    w.grad = 1.0
    opt.step()
    assert w.data == pytest.approx(2.0 - 0.1 * 1.0)
    w.grad = 1.0
    opt.step()  # buffer 0.9 * 1 + 1
    assert w.data == pytest.approx(1.9 - 0.1 * 1.9)


def test_adam_first_step_moves_by_lr_in_the_gradient_sign():
    params = [Value(1.0), Value(-3.0), Value(0.5)]
    opt = nn.Adam(params, lr=0.01)
    for p, g in zip(params, [2.0, -50.0, 1e-3], strict=True):
        p.grad = g
    opt.step()
    # m/(1-b1) = g and sqrt(v/(1-b2)) = |g|, so the step is lr * g / (|g| + eps).
    expected = [1.0 - 0.01 * 2 / (2 + 1e-8), -3.0 + 0.01 * 50 / (50 + 1e-8)]
    expected.append(0.5 - 0.01 * 1e-3 / (1e-3 + 1e-8))
    np.testing.assert_allclose([p.data for p in params], expected, rtol=1e-12)


def test_zero_grad_resets_value_gradients_to_zero():
    a, b = Value(1.0), Value(2.0)
    (a * b).backward()
    opt = nn.SGD([a, b], lr=0.1)
    opt.zero_grad()
    assert a.grad == 0.0
    assert b.grad == 0.0


def test_optimizer_accepts_a_generator_and_keeps_shared_params_once():
    a, b = Value(1.0), Value(2.0)
    opt = nn.SGD(iter([a, b, a]), lr=0.5)
    assert opt.params == [a, b]
    a.grad = 1.0
    opt.step()
    assert a.data == 0.5  # updated once, not twice


def test_optimizer_takes_model_parameters():
    import random

    random.seed(0)
    model = nn.MLP(3, [4, 2])
    opt = nn.Adam(model.parameters(), lr=0.1)
    before = [p.data for p in model.parameters()]
    out = model([1.0, -2.0, 0.5])
    (out[0] + out[1]).backward()
    opt.step()
    after = [p.data for p in model.parameters()]
    moved = [
        x != y for x, y, p in zip(before, after, model.parameters(), strict=True) if p.grad != 0.0
    ]
    assert moved
    assert all(moved)
    # Adam's first step moves each parameter with a gradient by lr (up to eps).
    for x, y, p in zip(before, after, model.parameters(), strict=True):
        if p.grad != 0.0:
            assert abs(x - y) == pytest.approx(0.1, rel=1e-6)
        else:
            assert x == y


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda p: nn.SGD(p, lr=-0.1), ValueError, "SGD: lr must be a number >= 0, got -0.1"),
        (lambda p: nn.SGD(p, lr=0.1, momentum=-1), ValueError, "SGD: momentum must be a number"),
        (
            lambda p: nn.SGD(p, lr=0.1, weight_decay=-1e-3),
            ValueError,
            "SGD: weight_decay must be a number >= 0",
        ),
        (lambda p: nn.SGD(p, lr="fast"), ValueError, "SGD: lr must be a number >= 0, got 'fast'"),
        (lambda p: nn.Adam(p, lr=-1.0), ValueError, "Adam: lr must be a number >= 0"),
        (
            lambda p: nn.Adam(p, betas=(1.0, 0.999)),
            ValueError,
            r"Adam: betas\[0\] must be a number in \[0, 1\), got 1.0",
        ),
        (lambda p: nn.Adam(p, betas=(0.9, -0.1)), ValueError, r"Adam: betas\[1\] must be"),
        (lambda p: nn.Adam(p, betas=0.9), ValueError, r"Adam: betas must be a pair"),
        (lambda p: nn.Adam(p, eps=-1e-8), ValueError, "Adam: eps must be a number >= 0"),
        (lambda p: nn.Adam(p, weight_decay=-1.0), ValueError, "Adam: weight_decay must be"),
        (lambda p: nn.SGD([], lr=0.1), ValueError, "SGD: got an empty parameter list"),
        (lambda p: nn.Adam([], lr=0.1), ValueError, "Adam: got an empty parameter list"),
        (
            lambda p: nn.SGD([1.0], lr=0.1),
            TypeError,
            "SGD: expected Value or Tensor parameters, got float",
        ),
    ],
)
def test_optimizer_errors(call, error, message):
    with pytest.raises(error, match="^" + message):
        call([Value(1.0)])


def test_sgd_with_zero_lr_leaves_parameters_alone():
    w = Value(math.pi)
    opt = nn.SGD([w], lr=0.0, momentum=0.9)
    w.grad = 5.0
    opt.step()
    assert w.data == math.pi


# ---------------------------------------------------------------------- Tensor params


def _tensor_params():
    return [
        Tensor(W0[:3].copy(), requires_grad=True),
        Tensor(W0[3:].reshape(1, 2), requires_grad=True),
    ]


@pytest.mark.parametrize(("kind", "kwargs"), CONFIGS)
def test_tensor_params_match_torch_over_several_steps(kind, kwargs):
    torch = pytest.importorskip("torch")
    params = _tensor_params()
    opt = getattr(nn, kind)(params, **kwargs)
    for want in _torch_trajectory(torch, kind, kwargs, steps=8):
        grads = _grad_fn(np.concatenate([p.numpy().ravel() for p in params]))
        params[0].grad = grads[:3].copy()
        params[1].grad = grads[3:].reshape(1, 2).copy()
        opt.step()
        got = np.concatenate([p.numpy().ravel() for p in params])
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert params[1].shape == (1, 2)


@pytest.mark.parametrize("in_place", [False, True], ids=["set_to_none", "in_place"])
@pytest.mark.parametrize(("kind", "kwargs"), CONFIGS)
def test_tensor_training_with_backward_matches_torch(kind, kwargs, in_place):
    # In place: PyTorch's zero_grad(set_to_none=False); a momentum buffer that is the .grad
    # array itself would be zeroed with it (w = 0.368 after 3 steps instead of torch's 0.062).
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    a0, x = rng.normal(size=(3, 2)), rng.normal(size=(4, 3))
    a = Tensor(a0, requires_grad=True)
    ta = torch.tensor(a0, requires_grad=True)
    opt = getattr(nn, kind)([a], **kwargs)
    topt = getattr(torch.optim, kind)([ta], **kwargs)
    for _ in range(6):
        if in_place and a.grad is not None:
            a.grad[...] = 0.0
        else:
            opt.zero_grad()
        ((Tensor(x) @ a).tanh() ** 2).sum().backward()
        opt.step()
        topt.zero_grad(set_to_none=not in_place)
        ((torch.tensor(x) @ ta).tanh() ** 2).sum().backward()
        topt.step()
        np.testing.assert_allclose(a.numpy(), ta.detach().numpy(), rtol=1e-12, atol=1e-14)
    for buffer in opt.state[id(a)].values():
        assert not np.shares_memory(buffer, a.grad)


@pytest.mark.parametrize(("kind", "kwargs"), CONFIGS)
def test_step_never_writes_to_grad_arrays(kind, kwargs):
    p = Tensor(W0.copy(), requires_grad=True)
    q = Tensor(W0.copy(), requires_grad=True)
    shared = _grad_fn(W0)
    p.grad = shared
    q.grad = shared  # one array shared by two parameters, as a graph can leave it
    snapshot = shared.copy()
    opt = getattr(nn, kind)([p, q], **kwargs)
    opt.step()
    opt.step()
    np.testing.assert_array_equal(shared, snapshot)
    np.testing.assert_array_equal(p.numpy(), q.numpy())


def test_tensor_params_with_no_gradient_are_skipped():
    used = Tensor([1.0, 2.0], requires_grad=True)
    unused = Tensor([3.0, 4.0], requires_grad=True)
    opt = nn.Adam([used, unused], lr=0.1, weight_decay=0.5)
    (used * used).sum().backward()
    opt.step()
    assert unused.grad is None
    np.testing.assert_array_equal(unused.numpy(), [3.0, 4.0])  # not even weight decay
    assert not np.array_equal(used.numpy(), [1.0, 2.0])


def test_zero_grad_sets_tensor_gradients_to_none_and_values_to_zero():
    t = Tensor([1.0], requires_grad=True)
    v = Value(2.0)
    (t * 3.0).sum().backward()
    (v * 3.0).backward()
    opt = nn.SGD([t, v], lr=0.1)
    opt.zero_grad()
    assert t.grad is None
    assert v.grad == 0.0


def test_float32_parameters_stay_float32():
    p = Tensor(np.float32([1.0, -2.0]), requires_grad=True)
    opt = nn.Adam([p], lr=0.1)
    p.grad = np.float32([0.5, 0.5])
    opt.step()
    assert p.dtype == np.float32
    assert p.numpy().dtype == np.float32


def test_sgd_momentum_with_grads_zeroed_in_place_matches_torch():
    torch = pytest.importorskip("torch")
    w = Tensor([1.0], requires_grad=True)
    tw = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    opt, topt = nn.SGD([w], lr=0.1, momentum=0.9), torch.optim.SGD([tw], lr=0.1, momentum=0.9)
    for _ in range(3):
        (w * w).sum().backward()
        opt.step()
        w.grad[...] = 0.0
        (tw * tw).sum().backward()
        topt.step()
        topt.zero_grad(set_to_none=False)
    assert w.item() == pytest.approx(tw.item(), rel=1e-12)


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
def test_optimizer_given_a_module_says_to_pass_its_parameters(kind):
    with pytest.raises(TypeError, match=rf"^{kind}: expected parameters, got the module MLP; "):
        getattr(nn, kind)(nn.MLP(2, [1]), lr=0.1)
    with pytest.raises(TypeError, match=r"pass model\.parameters\(\)"):
        getattr(nn, kind)(nn.Sequential(nn.Linear(2, 1)), lr=0.1)


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
@pytest.mark.parametrize("param", [Tensor([1.0, 2.0], requires_grad=True), Value(1.0)])
def test_optimizer_given_one_parameter_says_to_pass_a_list(kind, param):
    # Iterating a Tensor yields its rows (new nodes): they would be updated, not the Tensor.
    name = type(param).__name__
    with pytest.raises(TypeError, match=rf"^{kind}: expected a list of parameters, got one {name}"):
        getattr(nn, kind)(param, lr=0.1)
