"""Hostile input for nn: bad files, edge batches, odd hyperparameters, training that diverges.

Each test is either a bug found by attacking the package (the input that went wrong is in
its name) or a guard on an edge that works and matters.
"""

import random
import re
import threading

import numpy as np
import pytest

import nn
from autograd import Tensor, Value


def tensor_model(dtype=np.float64, seed=0):
    return nn.Sequential(
        nn.Linear(2, 3, seed=seed, dtype=dtype),
        nn.ReLU(),
        nn.Linear(3, 1, seed=seed + 1, dtype=dtype),
    )


# ---------------------------------------------------------------------- save / load


@pytest.mark.parametrize("damage", ["truncated", "empty", "garbage"])
def test_load_of_a_damaged_file_names_it_and_loads_nothing(tmp_path, damage):
    path = tmp_path / "m.npz"
    tensor_model().save(path)
    raw = path.read_bytes()
    path.write_bytes(
        {"truncated": raw[: len(raw) // 2], "empty": b"", "garbage": b"\x93" * 999}[damage]
    )
    model = tensor_model(seed=5)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"^load: .*m\.npz is not a \.npz archive"):
        model.load(path)
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())


def test_load_or_save_of_a_directory_or_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r"^load: .* is not a .npz archive"):
        tensor_model().load(tmp_path)
    with pytest.raises(IsADirectoryError, match=r"^save: .* is a directory"):
        tensor_model().save(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"^save: the folder .*nope of .*m\.npz does not"):
        tensor_model().save(tmp_path / "nope" / "m.npz")
    assert list(tmp_path.iterdir()) == []


def test_save_load_round_trip_float32_unicode_path_in_eval_mode(tmp_path):
    path = tmp_path / "modèle_模型.npz"
    saved = tensor_model(np.float32, seed=0)
    saved.save(path)
    loaded = tensor_model(np.float32, seed=7).eval().load(str(path))
    assert not loaded.training
    assert not loaded[0].training
    for name, arr in saved.state_dict().items():
        got = loaded.state_dict()[name]
        assert got.dtype == np.float32
        assert arr.tobytes() == got.tobytes()


def test_load_state_dict_refuses_values_a_float32_model_cannot_hold():
    model = tensor_model(np.float32)
    state = model.state_dict()
    before = {k: v.copy() for k, v in state.items()}
    state["0.weight"] = np.full((2, 3), 1e300)  # finite in float64, inf in float32
    with pytest.raises(ValueError, match=r"0\.weight .*float32"):
        model.load_state_dict(state)
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())


def test_load_state_dict_keeps_non_finite_values_exactly():
    # A diverged model saved for inspection: nan and inf come back as they were (PyTorch too).
    model = tensor_model()
    state = model.state_dict()
    state["0.weight"][0, :] = [np.nan, np.inf, -np.inf]
    model.load_state_dict(state)
    got = model.state_dict()["0.weight"][0]
    assert np.isnan(got[0])
    assert got[1] == np.inf
    assert got[2] == -np.inf


@pytest.mark.parametrize("state", [[1, 2], None, "0.weight"])
def test_load_state_dict_of_a_non_mapping_names_what_it_got(state):
    with pytest.raises(TypeError, match=r"^load_state_dict: expected a mapping"):
        tensor_model().load_state_dict(state)


class _WithDict(nn.Module):
    def __init__(self) -> None:
        self.heads = {"a": nn.Linear(2, 1, seed=0), "b": nn.Dropout(0.5)}
        self.scale = {"s": Value(2.0)}

    def forward(self, x):
        return self.heads["b"](self.heads["a"](x)) * self.scale["s"].data


def test_modules_and_parameters_in_a_dict_attribute_are_found_saved_and_switched(tmp_path):
    model = _WithDict()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["heads.a.weight", "heads.a.bias", "scale.s"]
    model.eval()
    assert not model.heads["b"].training
    model.save(tmp_path / "d.npz")
    other = _WithDict()
    other.scale["s"].data = -1.0
    other.load(tmp_path / "d.npz")
    assert other.scale["s"].data == 2.0
    assert "(heads.a): Linear(2, 1, bias=True)" in repr(model)


# ---------------------------------------------------------------------- losses


@pytest.mark.parametrize("loss", [nn.mse_loss, nn.l1_loss, nn.binary_cross_entropy])
def test_loss_of_none_target_is_an_error_not_nan(loss):
    with pytest.raises(TypeError, match=rf"^{loss.__name__}: expected the target as numbers"):
        loss(Tensor(np.array([0.5])), None)
    with pytest.raises(TypeError, match=rf"^{loss.__name__}: expected the target as numbers"):
        loss([Value(0.5)], [None])


def test_loss_targets_of_fractions_are_numbers():
    from fractions import Fraction

    pred = [Value(1.0), Value(0.0)]
    assert nn.mse_loss(pred, [Fraction(1, 2), Fraction(-1, 4)]).data == (0.25 + 0.0625) / 2
    assert nn.mse_loss(Tensor(np.array([1.0])), [Fraction(3, 2)]).item() == 0.25


@pytest.mark.parametrize("loss", [nn.mse_loss, nn.l1_loss, nn.cross_entropy])
@pytest.mark.parametrize("kind", ["Value", "Tensor"])
def test_loss_refuses_a_target_that_requires_grad(loss, kind):
    pred = [[Value(0.1), Value(0.2)]] if loss is nn.cross_entropy else [Value(0.1), Value(0.2)]
    target = [[0.0, 1.0]] if loss is nn.cross_entropy else [0.0, 1.0]
    if kind == "Value":
        target = (
            [[Value(t) for t in row] for row in target]
            if loss is nn.cross_entropy
            else [Value(t) for t in target]
        )
    else:
        target = Tensor(np.array(target), requires_grad=True)
    with pytest.raises(TypeError, match=rf"^{loss.__name__}: the target .*detach"):
        loss(pred, target)
    with pytest.raises(TypeError, match=rf"^{loss.__name__}: the target .*detach"):
        loss(Tensor(np.array([[0.1, 0.2]])), target)


@pytest.mark.parametrize("target", [1.5, -0.5, np.nan])
def test_binary_cross_entropy_refuses_targets_outside_0_1_as_torch(target):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.nn.functional.binary_cross_entropy(
            torch.tensor([0.3], dtype=torch.float64), torch.tensor([target], dtype=torch.float64)
        )
    for prob in (Tensor(np.array([0.3])), [Value(0.3)]):
        with pytest.raises(ValueError, match=r"^binary_cross_entropy: targets must be in \[0, 1\]"):
            nn.binary_cross_entropy(prob, [target])


def test_cross_entropy_of_zero_classes_says_so():
    for logits in (Tensor(np.zeros((2, 0))), [[], []]):
        with pytest.raises(ValueError, match=r"^cross_entropy: .*at least one class"):
            nn.cross_entropy(logits, [0, 0])


@pytest.mark.parametrize(
    ("logits", "target"),
    [
        ([[1e16, 0.0, -1e16], [0.0, 1e16, 1e16]], [2, 0]),
        ([[3.0, -1.0]], [1]),  # a batch of one
        ([[1.0], [3.0]], [0, 0]),  # one class: the loss is 0 and so is the gradient
    ],
)
def test_cross_entropy_edges_match_torch(logits, target):
    torch = pytest.importorskip("torch")
    tx = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    tl = torch.nn.functional.cross_entropy(tx, torch.tensor(target))
    tl.backward()
    x = Tensor(np.array(logits), requires_grad=True)
    loss = nn.cross_entropy(x, target)
    loss.backward()
    values = [[Value(z) for z in row] for row in logits]
    vloss = nn.cross_entropy(values, target)
    vloss.backward()
    np.testing.assert_allclose(loss.item(), tl.item(), rtol=1e-12, atol=0)
    np.testing.assert_allclose(vloss.data, tl.item(), rtol=1e-12, atol=0)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose([[v.grad for v in r] for r in values], tx.grad.numpy(), atol=1e-15)


# ---------------------------------------------------------------------- optimizers


@pytest.mark.parametrize("opt", [nn.SGD, nn.Adam, nn.AdamW])
def test_step_with_a_gradient_of_the_wrong_shape_names_the_parameter(opt):
    w = Tensor(np.ones(2), requires_grad=True)
    optimizer = opt([w], lr=0.1)
    for grad in (np.ones(3), np.ones((1, 2))):
        w.grad = grad
        shape = re.escape(str(grad.shape))
        with pytest.raises(ValueError, match=rf"^{opt.__name__}: parameter 0 .*\(2,\).*{shape}"):
            optimizer.step()
        np.testing.assert_array_equal(w.data, [1.0, 1.0])  # nothing half-updated


def test_same_parameter_twice_and_lr_zero_match_torch():
    torch = pytest.importorskip("torch")
    tw = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    topt = torch.optim.SGD([tw], lr=0.1, momentum=0.9)
    w = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    opt = nn.SGD([w, w], lr=0.1, momentum=0.9)
    for lr in (0.1, 0.0, 0.1):
        topt.param_groups[0]["lr"] = opt.lr = lr
        for node, o in ((tw, topt), (w, opt)):
            o.zero_grad()
            (node * node * node).sum().backward()
            o.step()
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-15)


# ---------------------------------------------------------------------- data


@pytest.mark.parametrize("noise", [np.nan, np.inf])
@pytest.mark.parametrize("make", [nn.data.moons, nn.data.circles])
def test_toy_data_refuses_non_finite_noise(make, noise):
    with pytest.raises(ValueError, match=rf"^{make.__name__}: noise must be finite"):
        make(10, noise=noise)


def test_batches_of_a_0d_or_ragged_input_say_what_is_wrong():
    with pytest.raises(ValueError, match=r"^batches: X must have a first axis"):
        nn.data.batches(np.float64(1.0), np.float64(1.0), 2)
    with pytest.raises(ValueError, match=r"^batches: X must be a rectangular array"):
        nn.data.batches([[1.0, 2.0], [3.0]], [0, 1], 1)


def test_batches_edges_cover_every_row_once():
    x, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    assert [yb.tolist() for _, yb in nn.data.batches(x, y, 99, shuffle=False)] == [[0, 1, 2, 3, 4]]
    orders = [np.concatenate([yb for _, yb in nn.data.batches(x, y, 2, seed=3)]) for _ in range(2)]
    np.testing.assert_array_equal(orders[0], orders[1])
    assert sorted(orders[0].tolist()) == [0, 1, 2, 3, 4]
    assert list(nn.data.batches(np.zeros((0, 2)), np.zeros(0), 2)) == []


# ---------------------------------------------------------------------- fit


def scalar_model():
    random.seed(0)
    return nn.MLP(2, [4, 1])


@pytest.mark.filterwarnings("ignore:pow:RuntimeWarning")  # the overflow we provoke
@pytest.mark.parametrize("compile_", [False, True])
def test_fit_stops_at_a_non_finite_loss_before_the_step(compile_):
    model = scalar_model()
    x, y = nn.data.xor()
    opt = nn.SGD(model.parameters(), lr=1e6)
    seen = []
    with pytest.raises(FloatingPointError, match=r"^fit: the loss is (nan|inf) at epoch \d+"):
        nn.fit(
            model,
            nn.mse_loss,
            opt,
            x,
            y,
            60,
            progress=False,
            on_epoch=lambda epoch, loss: seen.append(loss),
            compile=compile_,
        )
    assert seen
    assert all(np.isfinite(seen))
    assert all(np.isfinite(p.data) for p in model.parameters())  # the bad step was not taken


def test_fit_refuses_what_is_not_a_model_or_an_optimizer():
    x, y = nn.data.xor()
    model = scalar_model()
    with pytest.raises(TypeError, match=r"^fit: model must be an nn.Module"):
        nn.fit(
            lambda v: v, nn.mse_loss, nn.SGD(model.parameters(), lr=0.1), x, y, 1, progress=False
        )
    with pytest.raises(TypeError, match=r"^fit: optimizer must be an optimizer"):
        nn.fit(model, nn.mse_loss, None, x, y, 1, progress=False)


def test_fit_with_an_optimizer_of_another_model_is_an_error():
    x, y = nn.data.xor()
    with pytest.raises(
        ValueError, match=r"^fit: the optimizer holds none of the model's parameters"
    ):
        nn.fit(
            scalar_model(),
            nn.mse_loss,
            nn.SGD(scalar_model().parameters(), lr=0.1),
            x,
            y,
            1,
            progress=False,
        )


def test_fit_with_a_loss_of_many_elements_says_reduce_it():
    model = nn.Sequential(nn.Linear(2, 1, seed=0))
    x, y = nn.data.xor()
    with pytest.raises(
        ValueError, match=r"^fit: loss_fn must return one element, got shape \(4, 1\)"
    ):
        nn.fit(
            model,
            lambda p, t: (p - Tensor(t.reshape(-1, 1) * 1.0)) ** 2,
            nn.SGD(model.parameters(), lr=0.1),
            x,
            y,
            1,
            progress=False,
        )


def test_fit_of_0d_input_says_what_is_wrong():
    model = scalar_model()
    with pytest.raises(ValueError, match=r"^fit: X must have a first axis, one row per sample"):
        nn.fit(model, nn.mse_loss, nn.SGD(model.parameters(), lr=0.1), 1.0, 1.0, 1, progress=False)


def test_fit_trains_in_training_mode_and_restores_the_mode():
    drop = nn.Dropout(0.5, seed=0)
    model = nn.Sequential(nn.Linear(2, 4, seed=0), drop, nn.Linear(4, 1, seed=1)).eval()
    modes = []
    model.forward = lambda v: (modes.append(drop.training), nn.Sequential.forward(model, v))[1]
    x, y = nn.data.xor()
    opt = nn.SGD(model.parameters(), lr=0.1)
    # an on_epoch that evaluates in eval mode and forgets model.train()
    nn.fit(model, nn.mse_loss, opt, x, y, 3, progress=False, on_epoch=lambda e, v: model.eval())
    assert modes == [True, True, True]
    assert not model.training
    assert not drop.training


def test_fit_with_a_callback_that_raises_keeps_the_finished_epochs():
    model = scalar_model()
    x, y = nn.data.xor()
    opt = nn.SGD(model.parameters(), lr=0.1)

    def stop(epoch, loss):
        if epoch == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        nn.fit(model, nn.mse_loss, opt, x, y, 5, progress=False, on_epoch=stop)
    reference = scalar_model()
    nn.fit(reference, nn.mse_loss, nn.SGD(reference.parameters(), lr=0.1), x, y, 2, progress=False)
    assert [p.data for p in model.parameters()] == [p.data for p in reference.parameters()]


def _training_run(kind, seed):
    """A model, its optimizer and fit's arguments; built up front (MLP draws from `random`)."""
    if kind == "tensor":
        model = nn.Sequential(nn.Linear(2, 8, seed=seed), nn.Tanh(), nn.Linear(8, 1, seed=seed + 1))
        opt, kwargs = nn.Adam(model.parameters(), lr=0.01), {"batch_size": 16}
    else:
        random.seed(seed)
        model = nn.MLP(2, [4, 1])
        opt, kwargs = nn.SGD(model.parameters(), lr=0.05, momentum=0.9), {"compile": True}
    x, y = nn.data.moons(32, seed=seed)
    return model, opt, x, y, kwargs


def _train(run, out, key):
    model, opt, x, y, kwargs = run
    losses = nn.fit(model, nn.mse_loss, opt, x, y, 15, progress=False, **kwargs)
    out[key] = (losses, model.state_dict())


@pytest.mark.parametrize("kind", ["tensor", "scalar compiled"])
def test_two_models_trained_in_two_threads_match_sequential_training(kind):
    sequential, parallel = {}, {}
    for seed in (0, 1):
        _train(_training_run(kind, seed), sequential, seed)
    runs = [_training_run(kind, seed) for seed in (0, 1)]
    threads = [threading.Thread(target=_train, args=(runs[s], parallel, s)) for s in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for seed in (0, 1):
        assert parallel[seed][0] == sequential[seed][0]
        for name, arr in sequential[seed][1].items():
            np.testing.assert_array_equal(parallel[seed][1][name], arr)


# ---------------------------------------------------------------------- modules


def test_scalar_modules_take_numpy_ints_and_refuse_bools():
    sizes = np.array([3, 1])
    model = nn.MLP(np.int64(2), list(sizes))
    assert len(model.parameters()) == 3 * 3 + 4
    for bad in (lambda: nn.Neuron(True), lambda: nn.Layer(2, True), lambda: nn.MLP(2, [True])):
        with pytest.raises(ValueError, match="must be a positive int, got True"):
            bad()


@pytest.mark.parametrize("eps", [-1.0, np.nan, np.inf, "a", None])
def test_layer_norm_refuses_an_eps_that_is_not_a_finite_number_ge_0(eps):
    with pytest.raises(ValueError, match=r"^LayerNorm: eps must be a finite number >= 0"):
        nn.LayerNorm(3, eps=eps)


def test_sequential_index_out_of_range_and_slices():
    model = tensor_model()
    with pytest.raises(IndexError, match=r"^Sequential: index 5 is out of range for 3 modules"):
        model[5]
    with pytest.raises(TypeError, match=r"^Sequential: index must be an int or a slice, got str"):
        model["0"]
    assert model[np.int64(-1)] is model.modules[2]
    head = model[:2]
    assert isinstance(head, nn.Sequential)
    assert head[0] is model[0]
    np.testing.assert_array_equal(
        head(np.ones((1, 2))).data, model[1](model[0](np.ones((1, 2)))).data
    )


def test_layer_norm_of_width_one_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.array([[3.0], [-5.0], [0.25]])
    w = np.arange(3.0).reshape(3, 1)
    ln = nn.LayerNorm(1)
    xt = Tensor(x, requires_grad=True)
    (ln(xt) * Tensor(w)).sum().backward()
    tln = torch.nn.LayerNorm(1).double()
    tx = torch.tensor(x, requires_grad=True)
    (tln(tx) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(ln.bias.grad, tln.bias.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(ln.weight.grad, tln.weight.grad.numpy(), atol=1e-12)


def test_dropout_p_one_drops_everything_and_passes_zero_gradient():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    nn.Dropout(1.0, seed=0)(x).sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros((2, 3)))


# ---------------------------------------------------------------------- round 2


class _NamedLikeSavezArguments(nn.Module):
    def __init__(self, value: float) -> None:
        self.file = Value(value)  # np.savez's own argument names
        self.allow_pickle = Value(value + 1)
        self.args = [Value(value + 2)]


def test_save_keeps_parameters_named_like_numpy_arguments(tmp_path):
    path = tmp_path / "m.npz"
    _NamedLikeSavezArguments(1.0).save(path)
    loaded = _NamedLikeSavezArguments(-5.0).load(path)
    assert [p.data for p in loaded.parameters()] == [1.0, 2.0, 3.0]


def test_a_save_that_fails_midway_leaves_the_old_file_and_no_debris(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    old = tensor_model(seed=0)
    old.save(path)
    calls = []
    real = np.lib.format.write_array

    def fail_on_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", fail_on_second)
    with pytest.raises(OSError, match="disk full"):
        tensor_model(seed=9).save(path)
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]
    loaded = tensor_model(seed=3).load(path)
    for name, arr in old.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[name], arr)


def test_fit_compile_refuses_dropout_whose_mask_a_replay_would_freeze():
    x, y = nn.data.xor()
    model = nn.Sequential(nn.Linear(2, 8, seed=0), nn.Dropout(0.5, seed=0), nn.Linear(8, 1))
    with pytest.raises(ValueError, match=r"^fit: compile=True .*Dropout"):
        nn.fit(model, nn.mse_loss, nn.SGD(model.parameters(), lr=0.1), x, y, 2, compile=True)
    # p = 0 draws no mask: compiled training is the eager one
    losses = []
    for compile_ in (False, True):
        model = nn.Sequential(nn.Linear(2, 8, seed=0), nn.Dropout(0.0), nn.Linear(8, 1, seed=1))
        opt = nn.SGD(model.parameters(), lr=0.1)
        losses.append(nn.fit(model, nn.mse_loss, opt, x, y, 3, compile=compile_, progress=False))
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-12)


@pytest.mark.parametrize("mode", ["False", None, 0.0])
def test_train_mode_must_be_a_bool(mode):
    with pytest.raises(ValueError, match=r"^train: mode must be a bool"):  # as PyTorch
        nn.Linear(2, 2).train(mode)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("SGD", {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01}),
        ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
        ("AdamW", {"lr": 0.05}),
    ],
)
def test_mixed_float32_float64_parameters_over_many_steps_match_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(6, 3)), rng.normal(size=6)
    ours = [Tensor(np.zeros(3, dtype=dt), requires_grad=True) for dt in (np.float32, np.float64)]
    theirs = [torch.zeros(3, dtype=dt, requires_grad=True) for dt in (torch.float32, torch.float64)]
    opt, topt = getattr(nn, name)(ours, **kwargs), getattr(torch.optim, name)(theirs, **kwargs)
    for step in range(100):
        opt.zero_grad()
        topt.zero_grad()
        if step == 50:  # a step without backward: no gradient, no change (torch skips it too)
            opt.step()
            topt.step()
            continue
        for w, tw in zip(ours, theirs, strict=True):
            dt = w.data.dtype
            r = Tensor(a.astype(dt)) @ w - Tensor(b.astype(dt))
            (r * r).mean().backward()
            tr = torch.tensor(a.astype(dt)) @ tw - torch.tensor(b.astype(dt))
            (tr * tr).mean().backward()
        opt.step()
        topt.step()
    assert ours[0].data.dtype == np.float32
    np.testing.assert_allclose(ours[0].data, theirs[0].detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours[1].data, theirs[1].detach().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("seed", [-1, 1.5, "a"])
@pytest.mark.parametrize(
    ("who", "make"),
    [
        ("Linear", lambda seed: nn.Linear(2, 2, seed=seed)),
        ("Dropout", lambda seed: nn.Dropout(0.5, seed=seed)),
        ("moons", lambda seed: nn.data.moons(10, seed=seed)),
        ("circles", lambda seed: nn.data.circles(10, seed=seed)),
        ("spiral", lambda seed: nn.data.spiral(10, seed=seed)),
        ("batches", lambda seed: nn.data.batches(np.ones((3, 1)), np.ones(3), 2, seed=seed)),
    ],
)
def test_a_seed_numpy_refuses_is_an_error_naming_the_function(who, make, seed):
    with pytest.raises(ValueError, match=rf"^{who}: seed must be an int >= 0"):
        make(seed)


def test_scalar_mlp_called_on_a_tensor_row_says_what_to_pass():
    random.seed(0)
    model = nn.MLP(2, [3, 1])
    row = np.array([0.5, -1.0])
    expected = model(row.tolist()).data
    with pytest.raises(TypeError, match=r"^MLP: got a Tensor; .*\.tolist\(\)"):
        model(Tensor(row))
    assert model(row).data == expected  # a numpy row works


class _ListHoldingItself(nn.Module):
    def __init__(self) -> None:
        self.w = Value(1.0)
        self.items = [self.w, Value(2.0)]
        self.items.append(self.items)
        self.again = self.items


def test_a_list_that_holds_itself_is_walked_once_not_forever():
    model = _ListHoldingItself()
    assert [name for name, _ in model.named_parameters()] == ["w", "items.1"]
    model.items.append(nn.Dropout(0.5))
    assert repr(model).splitlines() == [
        "_ListHoldingItself(",
        "  (items.3): Dropout(p=0.5)",
        "  (again.3): Dropout(p=0.5)",
        ")",
    ]
    assert not model.eval().items[3].training
