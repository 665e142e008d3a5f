import random
import re
import warnings

import numpy as np
import pytest

import nn
from autograd import Tensor, Value

# ---------------------------------------------------------------------- helpers


def torch_mlp_like(torch, layers):
    """A float64 torch MLP with the given (weight (nin, nout), bias) pairs, ReLU between."""
    mods = []
    for i, (w, b) in enumerate(layers):
        lin = torch.nn.Linear(*w.shape).double()
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(w.T))
            lin.bias.copy_(torch.tensor(b))
        mods.append(lin)
        if i < len(layers) - 1:
            mods.append(torch.nn.ReLU())
    return torch.nn.Sequential(*mods)


def scalar_layers(model):
    """The (weight (nin, nout), bias) arrays of a scalar MLP."""
    out = []
    for layer in model.layers:
        w = np.array([[p.data for p in n.w] for n in layer.neurons]).T
        b = np.array([n.b.data for n in layer.neurons])
        out.append((w, b))
    return out


def torch_epoch_losses(torch, tmodel, x, y, epochs, lr, batch_size=None, schedule=None):
    """The reference loop: SGD on the mean squared error, fit's batch order.

    `schedule(epoch)`, when given, is the learning rate of each epoch.
    """
    opt = torch.optim.SGD(tmodel.parameters(), lr=lr)
    rng = np.random.default_rng(0)  # fit's documented shuffling generator
    losses = []
    for epoch in range(epochs):
        if schedule is not None:
            opt.param_groups[0]["lr"] = schedule(epoch)
        steps = [(x, y)] if batch_size is None else nn.data.batches(x, y, batch_size, seed=rng)
        batch_losses = []
        for xb, yb in steps:
            opt.zero_grad()
            pred = tmodel(torch.tensor(xb))
            loss = torch.nn.functional.mse_loss(pred, torch.tensor(yb, dtype=torch.float64))
            loss.backward()
            opt.step()
            batch_losses.append(loss.item())
        losses.append(float(np.mean(batch_losses)))
    return losses


X, Y = nn.data.moons(12, noise=0.1, seed=3)
Y_COL = (2.0 * Y - 1.0).reshape(-1, 1)


# ---------------------------------------------------------------------- fit vs torch


@pytest.mark.parametrize("batch_size", [None, 5])
def test_fit_tensor_model_matches_a_torch_training_loop(batch_size):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(2, 8, seed=rng), nn.ReLU(), nn.Linear(8, 1, seed=rng))
    tmodel = torch_mlp_like(
        torch,
        [
            (model[0].weight.numpy(), model[0].bias.numpy()),
            (model[2].weight.numpy(), model[2].bias.numpy()),
        ],
    )
    opt = nn.SGD(model.parameters(), lr=0.05)
    got = nn.fit(model, nn.mse_loss, opt, X, Y_COL, epochs=6, batch_size=batch_size, progress=False)
    want = torch_epoch_losses(torch, tmodel, X, Y_COL, 6, 0.05, batch_size)
    assert len(got) == 6
    np.testing.assert_allclose(got, want, rtol=1e-10)
    np.testing.assert_allclose(
        model[2].weight.numpy(), tmodel[2].weight.detach().numpy().T, rtol=1e-10
    )


@pytest.mark.parametrize("halving", [False, True])
@pytest.mark.parametrize("batch_size", [None, 5])
def test_fit_scalar_model_feeds_rows_and_matches_torch(batch_size, halving):
    torch = pytest.importorskip("torch")
    random.seed(4)
    model = nn.MLP(2, [6, 1])
    tmodel = torch_mlp_like(torch, scalar_layers(model))
    opt = nn.SGD(model.parameters(), lr=0.05)
    calls = []

    def halve(epoch, loss):  # a learning-rate schedule through on_epoch
        calls.append((epoch, loss))
        opt.lr = 0.05 * 0.5 ** (epoch + 1)

    schedule = halve if halving else None
    got = nn.fit(
        model, nn.mse_loss, opt, X, Y_COL, 4, batch_size, progress=False, on_epoch=schedule
    )
    rates = (lambda k: 0.05 * 0.5**k) if halving else None
    want = torch_epoch_losses(torch, tmodel, X, Y_COL, 4, 0.05, batch_size, schedule=rates)
    assert calls == (list(enumerate(got)) if halving else [])  # after each epoch, its loss
    np.testing.assert_allclose(got, want, rtol=1e-10)
    np.testing.assert_allclose(
        scalar_layers(model)[1][0], tmodel[2].weight.detach().numpy().T, rtol=1e-10
    )


def test_fit_passes_a_list_of_values_and_the_batch_targets_to_scalar_losses():
    random.seed(0)
    model = nn.MLP(2, [3, 2])
    seen = []

    def loss_fn(pred, target):
        seen.append((pred, target))
        return nn.mse_loss(pred, np.eye(2)[target])

    nn.fit(model, loss_fn, nn.SGD(model.parameters(), lr=0.0), X, Y, epochs=1, progress=False)
    ((pred, target),) = seen
    assert len(pred) == len(X)
    assert all(isinstance(p, list) and all(isinstance(v, Value) for v in p) for p in pred)
    np.testing.assert_array_equal(target, Y)
    # lr 0: the outputs are those of the untouched model, row by row.
    assert [v.data for v in pred[3]] == [v.data for v in model(X[3].tolist())]


def test_fit_passes_a_tensor_batch_to_tensor_models():
    seen = []

    def loss_fn(pred, target):
        seen.append(pred)
        return nn.mse_loss(pred, target)

    model = nn.Sequential(nn.Linear(2, 1, seed=0))
    nn.fit(model, loss_fn, nn.SGD(model.parameters(), lr=0.1), X, Y_COL, 1, progress=False)
    assert isinstance(seen[0], Tensor)
    assert seen[0].shape == (len(X), 1)


def test_fit_with_zero_epochs_returns_an_empty_history():
    model = nn.Sequential(nn.Linear(2, 1, seed=0))
    before = model.state_dict()
    assert nn.fit(model, nn.mse_loss, nn.SGD(model.parameters(), lr=1.0), X, Y_COL, 0) == []
    np.testing.assert_array_equal(model.state_dict()["0.weight"], before["0.weight"])


def test_fit_shows_a_progress_bar_with_the_loss(capsys):
    model = nn.Sequential(nn.Linear(2, 1, seed=0))
    losses = nn.fit(model, nn.mse_loss, nn.SGD(model.parameters(), lr=0.1), X, Y_COL, 3)
    err = capsys.readouterr().err
    assert "3/3" in err
    assert f"loss={losses[-1]:.4g}" in err
    nn.fit(model, nn.mse_loss, nn.SGD(model.parameters(), lr=0.1), X, Y_COL, 3, progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"epochs": -1}, ValueError, "fit: epochs must be an int >= 0, got -1"),
        ({"epochs": 2.5}, ValueError, "fit: epochs must be an int >= 0, got 2.5"),
        ({"batch_size": 0}, ValueError, "fit: batch_size must be a positive int or None, got 0"),
        (
            {"y": Y_COL[:5]},
            ValueError,
            "fit: X and y must have the same number of rows, got 12 and 5",
        ),
        (
            {"loss_fn": lambda pred, target: 1.0},
            TypeError,
            "fit: loss_fn must return a Value or a one-element Tensor, got float",
        ),
    ],
)
def test_fit_errors(kwargs, error, message):
    model = nn.Sequential(nn.Linear(2, 1, seed=0))
    args = {
        "model": model,
        "loss_fn": nn.mse_loss,
        "optimizer": nn.SGD(model.parameters(), lr=0.1),
        "X": X,
        "y": Y_COL,
        "epochs": 1,
        "progress": False,
    }
    args.update(kwargs)
    with pytest.raises(error, match="^" + re.escape(message)):
        nn.fit(**args)


# ---------------------------------------------------------------------- real training


@pytest.mark.slow
def test_scalar_mlp_learns_moons_like_the_micrograd_demo():
    # micrograd's demo: MLP(2, [16, 16, 1]), hinge loss + 1e-4 L2, SGD with the learning
    # rate decaying from 1.0 to 0.1 over 100 steps. Each step uses 10 random points of
    # the 100 (the demo's batch_size option), which keeps this test at a few seconds.
    random.seed(1337)
    x, y = nn.data.moons(100, noise=0.1)
    labels = 2 * y - 1
    model = nn.MLP(2, [16, 16, 1])
    opt = nn.SGD(model.parameters(), lr=1.0)
    rng = np.random.default_rng(1337)
    steps = 100
    for k in range(steps):
        rows = rng.permutation(len(x))[:10]
        scores = [model(row) for row in x[rows].tolist()]
        reg = 1e-4 * sum(p * p for p in model.parameters())
        loss = nn.hinge_loss(scores, labels[rows]) + reg
        model.zero_grad()
        loss.backward()
        opt.lr = 1.0 - 0.9 * k / steps
        opt.step()
    scores = np.array([model(row).data for row in x.tolist()])
    accuracy = np.mean((scores > 0) == (labels > 0))
    assert accuracy >= 0.95


def test_sequential_mlp_learns_the_spiral_with_adam():
    x, y = nn.data.spiral(300, classes=3)  # 300 points per class
    rng = np.random.default_rng(0)
    model = nn.Sequential(
        nn.Linear(2, 32, seed=rng),
        nn.ReLU(),
        nn.Linear(32, 32, seed=rng),
        nn.ReLU(),
        nn.Linear(32, 3, seed=rng),
    )
    opt = nn.Adam(model.parameters(), lr=0.01)
    losses = nn.fit(model, nn.cross_entropy, opt, x, y, epochs=40, batch_size=64, progress=False)
    accuracy = np.mean(np.argmax(model(x).numpy(), axis=1) == y)
    assert accuracy >= 0.95
    assert losses[-1] < 0.2 < losses[0]


@pytest.mark.parametrize("batch_size", [None, 4])
@pytest.mark.parametrize("scalar", [False, True])
def test_fit_on_empty_data_raises_the_same_error_for_every_batch_size(batch_size, scalar):
    model = nn.MLP(2, [1]) if scalar else nn.Sequential(nn.Linear(2, 1, seed=0))
    opt = nn.SGD(model.parameters(), lr=0.1)
    empty_x, empty_y = np.zeros((0, 2)), np.zeros((0, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 'mean of empty slice' on the way
        with pytest.raises(ValueError, match=r"^fit: got no data \(X and y have 0 rows\)"):
            nn.fit(model, nn.mse_loss, opt, empty_x, empty_y, 2, batch_size, progress=False)
