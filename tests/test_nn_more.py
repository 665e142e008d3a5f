"""nn additions of version 0.2, each against the PyTorch module, loss or optimizer."""

import numpy as np
import pytest

import nn
from autograd import Tensor, Value

torch = pytest.importorskip("torch")


def test_layer_norm_matches_torch() -> None:
    rng = np.random.default_rng(0)
    data, weight, bias = rng.standard_normal((4, 3, 5)), rng.normal(size=5), rng.normal(size=5)
    for dtype, tol in [(np.float64, 1e-12), (np.float32, 1e-5)]:
        ours = nn.LayerNorm(5, dtype=dtype)
        ours.weight.data[...] = weight
        ours.bias.data[...] = bias
        theirs = torch.nn.LayerNorm(5, dtype=torch.float64 if dtype == np.float64 else None)
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor(weight))
            theirs.bias.copy_(torch.tensor(bias))
        x = Tensor(data.astype(dtype), requires_grad=True)
        tx = torch.tensor(data.astype(dtype), requires_grad=True)
        out, tout = ours(x), theirs(tx)
        assert out.dtype == dtype
        np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=tol, atol=tol)
        g = rng.standard_normal(out.shape).astype(dtype)
        out.backward(g)
        tout.backward(torch.tensor(g))
        for mine, ref in [(x, tx), (ours.weight, theirs.weight), (ours.bias, theirs.bias)]:
            np.testing.assert_allclose(mine.grad, ref.grad.numpy(), rtol=10 * tol, atol=10 * tol)
    with pytest.raises(ValueError, match=r"^LayerNorm: expected input of shape \(\.\.\., 5\)"):
        nn.LayerNorm(5)(np.ones((2, 4)))


def test_dropout_scales_kept_elements_and_is_the_identity_in_eval() -> None:
    x = Tensor(np.ones((200, 50)), requires_grad=True)
    drop = nn.Dropout(0.3, seed=0)
    out = drop(x)
    keep = out.data != 0
    np.testing.assert_allclose(out.data, np.where(keep, 1 / 0.7, 0.0))  # torch's formula
    n = keep.size
    assert abs(keep.sum() - 0.7 * n) < 5 * np.sqrt(n * 0.7 * 0.3)  # five binomial sigmas
    out.sum().backward()
    np.testing.assert_allclose(x.grad, out.data)
    np.testing.assert_array_equal(nn.Dropout(0.3, seed=0)(x).data, out.data)  # seedable
    assert nn.Dropout(0.3, seed=0).eval()(x) is x
    theirs = torch.nn.Dropout(0.3).eval()
    np.testing.assert_array_equal(theirs(torch.ones(3)).numpy(), drop.eval()(np.ones(3)).data)
    np.testing.assert_array_equal(
        nn.Dropout(1.0)(x).data, torch.nn.Dropout(1.0)(torch.ones(2, 2))[0, 0]
    )
    with pytest.raises(ValueError, match=r"^Dropout: p must be a probability"):
        nn.Dropout(1.5)


def test_train_and_eval_reach_every_sub_module() -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Dropout(0.5), nn.Tanh()))
    assert model.training
    assert model.eval() is model
    assert [m.training for _, m in model.named_modules()] == [False] * 5
    model.train()
    assert all(m.training for _, m in model.named_modules())
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias"]


def test_flatten_matches_torch() -> None:
    data = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(
        nn.Flatten()(data).data, torch.nn.Flatten()(torch.tensor(data)).numpy()
    )
    assert nn.Flatten()(np.zeros((0, 3, 2))).shape == (0, 6)


def test_linear_dtype_float32_matches_torch() -> None:
    layer = nn.Linear(3, 2, seed=0, dtype=np.float32)
    assert layer.weight.dtype == np.float32
    assert layer.bias.dtype == np.float32
    theirs = torch.nn.Linear(3, 2)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(layer.weight.data.T))
        theirs.bias.copy_(torch.tensor(layer.bias.data))
    data = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    out = layer(data)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, theirs(torch.tensor(data)).detach().numpy(), rtol=1e-6)


def test_l1_loss_matches_torch() -> None:
    rng = np.random.default_rng(2)
    pred, target = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    pred[0, 0] = target[0, 0]  # a zero difference: gradient 0, as torch
    x = Tensor(pred, requires_grad=True)
    loss = nn.l1_loss(x, target)
    loss.backward()
    tx = torch.tensor(pred, requires_grad=True)
    tloss = torch.nn.functional.l1_loss(tx, torch.tensor(target))
    tloss.backward()
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-14)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-14)
    values = [Value(p) for p in pred[:, 0]]
    scalar = nn.l1_loss(values, target[:, 0])
    assert scalar.data == pytest.approx(np.abs(pred[:, 0] - target[:, 0]).mean(), rel=1e-14)


@pytest.mark.parametrize("weight_decay", [0.0, 1e-2, 0.5])
def test_adamw_matches_torch(weight_decay: float) -> None:
    rng = np.random.default_rng(3)
    start, target = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    w = Tensor(start.copy(), requires_grad=True)
    opt = nn.AdamW([w], lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=weight_decay)
    tw = torch.tensor(start.copy(), requires_grad=True)
    topt = torch.optim.AdamW([tw], lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=weight_decay)
    for _ in range(6):
        opt.zero_grad()
        ((w - target) ** 4).sum().backward()
        opt.step()
        topt.zero_grad()
        ((tw - torch.tensor(target)) ** 4).sum().backward()
        topt.step()
        np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-12, atol=1e-14)
    assert nn.AdamW([Tensor([1.0], requires_grad=True)]).weight_decay == 1e-2
    with pytest.raises(ValueError, match=r"^AdamW: weight_decay"):
        nn.AdamW([w], weight_decay=-1.0)
    with pytest.raises(ValueError, match=r"^AdamW: betas\[0\]"):
        nn.AdamW([w], betas=(2.0, 0.9))  # errors name the class the user called
