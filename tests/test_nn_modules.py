import math
import random
import re
import zipfile

import numpy as np
import pytest

import nn
from autograd import Tensor, Value, topological_order

# ---------------------------------------------------------------------- scalar modules


def test_mlp_2_16_16_1_has_337_parameters_in_micrograd_order():
    random.seed(0)
    model = nn.MLP(2, [16, 16, 1])
    params = model.parameters()
    assert len(params) == 337 == (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1) * 1
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    assert names[-1] == "layers.2.neurons.0.b"
    expected = [
        p for layer in model.layers for neuron in layer.neurons for p in [*neuron.w, neuron.b]
    ]
    assert all(a is b for a, b in zip(params, expected, strict=True))
    assert len(expected) == len(params)


def test_scalar_weights_uniform_in_minus_one_one_and_biases_zero():
    random.seed(3)
    model = nn.MLP(4, [64, 64, 1])
    weights = np.array([w.data for layer in model.layers for n in layer.neurons for w in n.w])
    biases = [n.b.data for layer in model.layers for n in layer.neurons]
    assert weights.min() >= -1.0
    assert weights.max() < 1.0
    assert abs(weights.mean()) < 0.05
    assert abs(weights.var() - 1 / 3) < 0.02  # the variance of U(-1, 1)
    assert biases == [0.0] * len(biases)


def test_seeding_python_random_reproduces_the_weights():
    random.seed(42)
    a = [p.data for p in nn.MLP(3, [4, 2]).parameters()]
    random.seed(42)
    b = [p.data for p in nn.MLP(3, [4, 2]).parameters()]
    assert a == b


def test_mlp_matches_micrograd_weights_outputs_and_gradients():
    micrograd_nn = pytest.importorskip("micrograd.nn")
    random.seed(7)
    ours = nn.MLP(3, [8, 8, 1])
    random.seed(7)
    theirs = micrograd_nn.MLP(3, [8, 8, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    x = [0.5, -1.25, 2.0]
    out_ours, out_theirs = ours(x), theirs(x)
    assert out_ours.data == out_theirs.data  # same graph, same summation order
    (out_ours * out_ours).backward()
    (out_theirs * out_theirs).backward()
    assert [p.grad for p in ours.parameters()] == pytest.approx(
        [p.grad for p in theirs.parameters()], rel=1e-12, abs=1e-15
    )


def test_mlp_gradients_match_central_differences():
    random.seed(11)
    model = nn.MLP(2, [5, 3], activation="tanh")
    x = [0.7, -0.4]

    def loss_value():
        out = model(x)
        return sum(o * o for o in out)

    loss = loss_value()
    model.zero_grad()
    loss.backward()
    eps = 1e-6
    for p in model.parameters():
        old = p.data
        p.data = old + eps
        up = loss_value().data
        p.data = old - eps
        down = loss_value().data
        p.data = old
        assert p.grad == pytest.approx((up - down) / (2 * eps), rel=1e-6, abs=1e-8)


@pytest.mark.parametrize(
    ("activation", "fn"),
    [
        ("relu", lambda z: max(z, 0.0)),
        ("tanh", math.tanh),
        ("sigmoid", lambda z: 1.0 / (1.0 + math.exp(-z))),
    ],
)
def test_neuron_activations_against_formulas(activation, fn):
    random.seed(1)
    n = nn.Neuron(3, activation=activation)
    n.b.data = 0.25
    for x in ([1.0, 2.0, -3.0], [-0.5, 0.1, 0.3]):
        z = 0.25 + sum(w.data * xi for w, xi in zip(n.w, x, strict=True))
        assert n(x).data == pytest.approx(fn(z), rel=1e-14, abs=1e-15)


def test_neuron_nonlin_false_is_linear_and_ignores_activation():
    random.seed(2)
    n = nn.Neuron(2, nonlin=False, activation="sigmoid")
    n.b.data = -3.0
    x = [4.0, 5.0]
    assert n(x).data == pytest.approx(-3.0 + n.w[0].data * 4.0 + n.w[1].data * 5.0)
    assert n(x).op == "+"


def test_neuron_forward_builds_few_nodes():
    random.seed(0)
    nin = 10
    out = nn.Neuron(nin)([float(i) for i in range(nin)])
    # nin weights, the bias, nin constant inputs, nin products, nin sums, one relu.
    assert len(topological_order(out)) == 4 * nin + 2


def test_mlp_last_layer_is_linear_and_hidden_layers_use_the_activation():
    random.seed(0)
    model = nn.MLP(2, [3, 3, 2], activation="tanh")
    assert [n.nonlin for n in model.layers[0].neurons] == [True] * 3
    assert [n.activation for n in model.layers[1].neurons] == ["tanh"] * 3
    assert [n.nonlin for n in model.layers[2].neurons] == [False] * 2
    out = model([1.0, 1.0])
    assert [o.op for o in out] == ["+", "+"]


def test_one_output_is_a_value_several_are_a_list():
    random.seed(0)
    assert isinstance(nn.MLP(2, [4, 1])([1.0, 2.0]), Value)
    out = nn.MLP(2, [4, 3])([1.0, 2.0])
    assert isinstance(out, list)
    assert len(out) == 3
    assert all(isinstance(o, Value) for o in out)
    assert isinstance(nn.Layer(2, 1)([1.0, 2.0]), Value)
    # A hidden layer of one neuron still feeds the next layer.
    assert isinstance(nn.MLP(2, [1, 2])([1.0, 2.0]), list)


def test_scalar_modules_accept_values_and_numpy_rows():
    random.seed(0)
    model = nn.MLP(2, [3, 1])
    row = np.array([0.5, -0.25])
    a = model(row).data
    b = model([Value(0.5), Value(-0.25)]).data
    c = model([0.5, -0.25]).data
    assert a == b == c


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: nn.Neuron(2, activation="gelu"),
            "Neuron: activation must be one of 'relu', 'tanh', 'sigmoid', got 'gelu'",
        ),
        (
            lambda: nn.MLP(2, [3, 1], activation="softplus"),
            "Neuron: activation must be one of 'relu', 'tanh', 'sigmoid', got 'softplus'",
        ),
        (lambda: nn.Neuron(0), "Neuron: nin must be a positive int, got 0"),
        (lambda: nn.Layer(2, 0), "Layer: nout must be a positive int, got 0"),
        (lambda: nn.MLP(2, []), "MLP: nouts must list at least one layer size, got []"),
        (lambda: nn.Neuron(3)([1.0, 2.0]), "Neuron: expected 3 inputs, got 2"),
        (lambda: nn.MLP(2, [3, 1])([1.0, 2.0, 3.0]), "Neuron: expected 2 inputs, got 3"),
    ],
)
def test_scalar_module_errors(call, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        call()


@pytest.mark.parametrize("nouts", [3, np.int64(3)])
def test_mlp_sizes_given_as_a_number_say_to_pass_a_list(nouts):
    with pytest.raises(TypeError) as info:
        nn.MLP(2, nouts)
    message = str(info.value)
    assert message.startswith("MLP: nouts must be a list of layer sizes, got the number 3")
    assert "nn.MLP(2, [3])" in message


def test_mlp_sizes_of_another_kind_are_refused_by_name():
    with pytest.raises(TypeError, match=r"^MLP: nouts must be a list of layer sizes, got str"):
        nn.MLP(2, "16")


@pytest.mark.parametrize(
    "batch",
    [
        np.zeros((5, 2)),
        [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0], [6.0, 7.0], [8.0, 9.0]],
        [np.zeros(2)] * 5,
        Tensor(np.zeros((5, 2))),
    ],
    ids=["ndarray", "list-of-lists", "list-of-rows", "Tensor"],
)
@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: nn.MLP(2, [3, 1]), "MLP"),
        (lambda: nn.Layer(2, 3), "Layer"),
        (lambda: nn.Neuron(2), "Neuron"),
    ],
    ids=["MLP", "Layer", "Neuron"],
)
def test_scalar_modules_given_a_batch_say_to_call_per_sample(batch, make, name):
    random.seed(0)
    module = make()
    with pytest.raises(ValueError, match=f"^{name}: got a batch of 5 samples") as info:
        module(batch)
    message = str(info.value)
    assert message.startswith(f"{name}: got a batch of 5 samples (shape (5, 2))")
    assert "one sample at a time" in message
    assert "[model(row) for row in X]" in message
    assert "nn.Linear" in message


def test_scalar_module_given_one_number_says_it_wants_a_sample():
    random.seed(0)
    with pytest.raises(TypeError, match=r"^MLP: expected one sample of 2 inputs, got float"):
        nn.MLP(2, [3, 1])(3.0)


def test_scalar_modules_still_take_one_sample_of_any_kind():
    random.seed(0)
    model = nn.MLP(2, [3, 1])
    reference = model([0.5, -0.25]).data
    for sample in ([0.5, -0.25], (0.5, -0.25), np.array([0.5, -0.25]), [Value(0.5), -0.25]):
        assert model(sample).data == reference
    assert model(np.array([[0.5, -0.25]])[0]).data == reference


def test_scalar_reprs():
    random.seed(0)
    assert repr(nn.Neuron(3)) == "Neuron(3, relu)"
    assert repr(nn.Neuron(3, nonlin=False)) == "Neuron(3, linear)"
    assert repr(nn.Layer(3, 4, activation="tanh")) == "Layer(3 -> 4, tanh)"
    assert repr(nn.MLP(2, [16, 1])) == (
        "MLP(\n  (layers.0): Layer(2 -> 16, relu)\n  (layers.1): Layer(16 -> 1, linear)\n)"
    )


# ---------------------------------------------------------------------- Module base


class Pair(nn.Module):
    def __init__(self, shared):
        self.a = Value(1.0)
        self.shared = shared
        self.items = [Value(2.0), [Value(3.0)], "not a parameter", 4.0]
        self.again = self.a

    def forward(self, x):
        return self.a * x + self.shared


class Outer(nn.Module):
    def __init__(self):
        self.s = Value(0.5)
        self.first = Pair(self.s)
        self.second = Pair(self.s)
        self.alias = self.first


def test_parameters_definition_order_each_once_even_when_shared():
    model = Outer()
    names = [name for name, _ in model.named_parameters()]
    assert names == [
        "s",
        "first.a",
        "first.items.0",
        "first.items.1.0",
        "second.a",
        "second.items.0",
        "second.items.1.0",
    ]
    params = model.parameters()
    assert len({id(p) for p in params}) == len(params) == 7
    assert params[0] is model.s
    assert params[1] is model.first.a


def test_named_modules_lists_each_module_once():
    model = Outer()
    assert [(name, type(m).__name__) for name, m in model.named_modules()] == [
        ("", "Outer"),
        ("first", "Pair"),
        ("second", "Pair"),
    ]


def test_call_runs_forward_and_base_forward_is_abstract():
    model = Pair(Value(10.0))
    assert model(3.0).data == 13.0
    with pytest.raises(NotImplementedError, match=r"^Module: forward"):
        nn.Module()(1.0)


def test_zero_grad_sets_value_gradients_to_zero():
    random.seed(0)
    model = nn.MLP(2, [3, 1])
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_roundtrip_restores_values_in_place():
    random.seed(0)
    model = nn.MLP(2, [3, 1])
    state = model.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    assert all(arr.shape == () and arr.dtype == np.float64 for arr in state.values())
    originals = model.parameters()
    before = [p.data for p in originals]
    for p in originals:
        p.data = 123.0
    model.load_state_dict(state)
    assert [p.data for p in model.parameters()] == before
    assert all(a is b for a, b in zip(model.parameters(), originals, strict=True))
    assert all(type(p.data) is float for p in model.parameters())
    # The state is a copy: changing the model later does not change it.
    originals[0].data = -5.0
    assert state["layers.0.neurons.0.w.0"] == before[0]


def test_load_state_dict_lists_every_mismatch():
    random.seed(0)
    model = nn.MLP(2, [2, 1])
    state = model.state_dict()
    del state["layers.0.neurons.0.w.1"]
    del state["layers.1.neurons.0.b"]
    state["layers.9.weight"] = np.zeros(3)
    state["layers.0.neurons.1.b"] = np.zeros(2)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match=r"^load_state_dict: ") as info:
        model.load_state_dict(state)
    message = str(info.value)
    assert message.startswith("load_state_dict: the state does not match MLP: ")
    assert "missing layers.0.neurons.0.w.1, layers.1.neurons.0.b" in message
    assert "unexpected layers.9.weight" in message
    assert "wrong shape layers.0.neurons.1.b (expected shape (), got (2,))" in message
    assert [p.data for p in model.parameters()] == before  # nothing loaded


def test_save_and_load_restore_every_bit(tmp_path):
    random.seed(5)
    model = nn.MLP(3, [4, 4, 2])
    for p in model.parameters():
        p.data = random.uniform(-1, 1) / 3.0  # full-precision values
    path = tmp_path / "model.npz"
    model.save(path)
    random.seed(99)
    fresh = nn.MLP(3, [4, 4, 2])
    assert fresh.load(path) is fresh
    assert [p.data.hex() for p in fresh.parameters()] == [p.data.hex() for p in model.parameters()]
    x = [0.1, 0.2, 0.3]
    assert [o.data for o in fresh(x)] == [o.data for o in model(x)]


@pytest.mark.parametrize("name", ["weights.bin", "weights", "weights.npz", "w.npy"])
def test_save_writes_exactly_the_path_it_is_given_and_load_reads_it(tmp_path, name):
    random.seed(0)
    model = nn.MLP(2, [2, 1])
    model.save(tmp_path / name)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    random.seed(1)
    fresh = nn.MLP(2, [2, 1]).load(str(tmp_path / name))
    assert [p.data for p in fresh.parameters()] == [p.data for p in model.parameters()]


def test_load_into_a_different_architecture_raises(tmp_path):
    random.seed(0)
    path = tmp_path / "small.npz"
    nn.MLP(2, [2, 1]).save(path)
    with pytest.raises(ValueError, match=rf"^load: {re.escape(str(path))} does not match MLP: "):
        nn.MLP(2, [3, 1]).load(path)


def _bad_files(tmp_path):
    """(path, message) for files that load must refuse, each named in its error."""
    random.seed(0)
    good = tmp_path / "good.npz"
    nn.MLP(2, [2, 1]).save(good)
    data = good.read_bytes()
    files = {
        "truncated.npz": (data[: len(data) // 2], "is not a .npz archive written by save"),
        "empty.npz": (b"", "is not a .npz archive written by save"),
        "text.npz": (b"layers.0.neurons.0.w.0 = 0.5\n", "is not a .npz archive written by save"),
    }
    for name, (content, _) in files.items():
        (tmp_path / name).write_bytes(content)
    cases = [(tmp_path / name, message) for name, (_, message) in files.items()]
    np.save(tmp_path / "one.npy", np.zeros(3))
    cases.append((tmp_path / "one.npy", "holds one array (a .npy file)"))
    with zipfile.ZipFile(tmp_path / "notes.zip", "w") as z:  # a zip, but of text
        z.writestr("layers.0.neurons.0.w.0", "not an array")
    cases.append((tmp_path / "notes.zip", "not real numbers layers.0.neurons.0.w.0 (got |S12)"))
    state = nn.MLP(2, [2, 1]).state_dict()
    np.savez(tmp_path / "missing.npz", **dict(list(state.items())[1:]))
    cases.append((tmp_path / "missing.npz", "missing layers.0.neurons.0.w.0"))
    np.savez(tmp_path / "extra.npz", **state, surplus=np.zeros(2))
    cases.append((tmp_path / "extra.npz", "unexpected surplus"))
    np.savez(tmp_path / "objects.npz", **{**state, "layers.1.neurons.0.b": np.array(None)})
    cases.append((tmp_path / "objects.npz", "is not a .npz archive written by save"))
    return cases


def test_load_refuses_bad_files_naming_the_file_and_loads_nothing(tmp_path):
    random.seed(3)
    model = nn.MLP(2, [2, 1])
    before = [p.data for p in model.parameters()]
    for path, message in _bad_files(tmp_path):
        with pytest.raises(ValueError, match="^load: " + re.escape(str(path))) as info:
            model.load(path)
        assert message in str(info.value), (path.name, str(info.value))
        assert [p.data for p in model.parameters()] == before, path.name


def test_load_of_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.MLP(2, [1]).load(tmp_path / "nothing.npz")


@pytest.mark.parametrize("bad", ["abc", None, np.array("x"), 1 + 2j, b"\x00"])
def test_load_state_dict_checks_every_entry_before_loading_any(bad):
    random.seed(0)
    model = nn.MLP(2, [2, 1])
    before = [p.data for p in model.parameters()]
    state = {name: np.asarray(7.0) for name in model.state_dict()}
    last = list(state)[-1]
    state[last] = bad  # the right name, a shape numpy calls (), but not a real number
    with pytest.raises(ValueError, match=r"^load_state_dict: the state does not match MLP: "):
        model.load_state_dict(state)
    assert [p.data for p in model.parameters()] == before  # not even the entries before it


def test_load_state_dict_names_non_numeric_tensor_entries():
    model = nn.Sequential(nn.Linear(2, 2, seed=0))
    before = {name: arr.copy() for name, arr in model.state_dict().items()}
    state = {"0.weight": np.ones((2, 2)), "0.bias": np.array(["a", "b"])}
    with pytest.raises(ValueError, match=re.escape("not real numbers 0.bias (got <U1)")):
        model.load_state_dict(state)
    for name, arr in model.state_dict().items():
        np.testing.assert_array_equal(arr, before[name])


def test_generic_module_repr_lists_children():
    model = Outer()
    text = repr(model)
    assert text.startswith("Outer(\n  (first): Pair()\n  (second): Pair()\n  (alias): Pair()")
    assert text.endswith("\n)")


# ---------------------------------------------------------------------- Tensor modules


def test_linear_init_is_pytorchs_uniform_bound_and_stores_nin_by_nout():
    layer = nn.Linear(50, 400, seed=0)
    bound = 1 / math.sqrt(50)
    assert layer.weight.shape == (50, 400)
    assert layer.bias.shape == (400,)
    assert layer.weight.dtype == np.float64
    assert layer.weight.requires_grad
    assert layer.bias.requires_grad
    for p in (layer.weight.numpy(), layer.bias.numpy()):
        assert p.min() >= -bound
        assert p.max() < bound
    w = layer.weight.numpy()
    assert abs(w.mean()) < 0.005
    assert abs(w.var() - bound**2 / 3) < 0.02 * bound**2  # the variance of U(-b, b)


def test_linear_seed_int_generator_and_none():
    a, b = nn.Linear(3, 4, seed=7), nn.Linear(3, 4, seed=7)
    np.testing.assert_array_equal(a.weight.numpy(), b.weight.numpy())
    np.testing.assert_array_equal(a.bias.numpy(), b.bias.numpy())
    assert not np.array_equal(a.weight.numpy(), nn.Linear(3, 4, seed=8).weight.numpy())
    rng = np.random.default_rng(7)
    first, second = nn.Linear(3, 4, seed=rng), nn.Linear(3, 4, seed=rng)
    np.testing.assert_array_equal(first.weight.numpy(), a.weight.numpy())
    assert not np.array_equal(first.weight.numpy(), second.weight.numpy())
    assert not np.array_equal(nn.Linear(3, 4).weight.numpy(), nn.Linear(3, 4).weight.numpy())


def test_linear_forward_and_gradients_match_torch():
    torch = pytest.importorskip("torch")
    layer = nn.Linear(3, 2, seed=1)
    tl = torch.nn.Linear(3, 2).double()
    with torch.no_grad():
        tl.weight.copy_(torch.tensor(layer.weight.numpy().T))
        tl.bias.copy_(torch.tensor(layer.bias.numpy()))
    x = np.random.default_rng(0).normal(size=(5, 3))
    out = layer(x)
    tout = tl(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-12, atol=1e-12)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    np.testing.assert_allclose(layer.weight.grad, tl.weight.grad.numpy().T, rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, tl.bias.grad.numpy(), rtol=1e-12)


def test_linear_accepts_tensors_arrays_lists_and_a_single_row():
    layer = nn.Linear(2, 3, seed=0)
    rows = [[1.0, 2.0], [3.0, -1.0]]
    want = np.array(rows) @ layer.weight.numpy() + layer.bias.numpy()
    for x in (rows, np.array(rows), Tensor(rows)):
        np.testing.assert_allclose(layer(x).numpy(), want, rtol=1e-14)
    np.testing.assert_allclose(layer([1.0, 2.0]).numpy(), want[0], rtol=1e-14)


def test_linear_without_bias():
    layer = nn.Linear(3, 2, bias=False, seed=0)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    x = np.ones((1, 3))
    np.testing.assert_allclose(layer(x).numpy(), x @ layer.weight.numpy())
    assert repr(layer) == "Linear(3, 2, bias=False)"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: nn.Linear(3, 2, seed=0)(np.ones((4, 2))),
            "Linear: expected input of shape (N, 3), got shape (4, 2)",
        ),
        (lambda: nn.Linear(0, 2), "Linear: nin must be a positive int, got 0"),
        (lambda: nn.Linear(2, -1), "Linear: nout must be a positive int, got -1"),
    ],
)
def test_linear_errors(call, message):
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        call()


@pytest.mark.parametrize(
    ("module", "fn", "name"),
    [
        (nn.ReLU(), lambda z: np.maximum(z, 0.0), "relu"),
        (nn.Tanh(), np.tanh, "tanh"),
        (nn.Sigmoid(), lambda z: 1.0 / (1.0 + np.exp(-z)), "sigmoid"),
    ],
)
def test_activation_modules_match_formulas_and_torch_gradients(module, fn, name):
    torch = pytest.importorskip("torch")
    z = np.random.default_rng(2).normal(scale=3.0, size=(4, 5))
    x = Tensor(z, requires_grad=True)
    out = module(x)
    np.testing.assert_allclose(out.numpy(), fn(z), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(module(z).numpy(), fn(z), rtol=1e-14, atol=1e-15)
    (out * out).sum().backward()
    tz = torch.tensor(z, requires_grad=True)
    tout = getattr(torch, name)(tz)
    (tout * tout).sum().backward()
    np.testing.assert_allclose(x.grad, tz.grad.numpy(), rtol=1e-12, atol=1e-15)
    assert module.parameters() == []


def test_sequential_names_indexing_and_forward_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(2, 4, seed=rng), nn.Tanh(), nn.Linear(4, 3, seed=rng))
    assert [name for name, _ in model.named_parameters()] == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
    ]
    assert len(model) == 3
    assert isinstance(model[1], nn.Tanh)
    assert [type(m).__name__ for m in model] == ["Linear", "Tanh", "Linear"]
    tmodel = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3))
    tmodel = tmodel.double()
    tstate = {
        k: torch.tensor(v.T.copy() if v.ndim == 2 else v) for k, v in model.state_dict().items()
    }
    tmodel.load_state_dict(tstate)  # same names as torch's Sequential
    x = rng.normal(size=(6, 2))
    np.testing.assert_allclose(
        model(x).numpy(), tmodel(torch.tensor(x)).detach().numpy(), rtol=1e-12
    )


def test_sequential_rejects_non_modules():
    with pytest.raises(TypeError, match=r"^Sequential: argument 1 must be a Module, got function"):
        nn.Sequential(nn.ReLU(), lambda x: x)


def test_sequential_repr():
    model = nn.Sequential(nn.Linear(2, 4, seed=0), nn.ReLU(), nn.Linear(4, 1, seed=0))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(2, 4, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(4, 1, bias=True)\n"
        ")"
    )


def test_zero_grad_sets_tensor_gradients_to_none():
    model = nn.Sequential(nn.Linear(2, 3, seed=0), nn.ReLU(), nn.Linear(3, 1, seed=1))
    model(np.ones((4, 2))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


class Mixed(nn.Module):
    def __init__(self):
        self.scale = Tensor(np.float32([1.5, -2.25]), requires_grad=True)
        self.buffer = Tensor([1.0, 2.0])  # requires_grad=False: not a parameter
        self.layers = [nn.Linear(2, 2, seed=0)]
        self.same = self.scale

    def forward(self, x):
        return self.layers[0](x) * self.scale


def test_tensor_parameters_discovery_skips_constants_and_keeps_shared_once():
    model = Mixed()
    assert [name for name, _ in model.named_parameters()] == [
        "scale",
        "layers.0.weight",
        "layers.0.bias",
    ]


def test_tensor_save_load_restores_every_bit_and_dtype(tmp_path):
    model = Mixed()
    model.scale.data = np.float32([np.pi, -np.e])
    model.layers[0].weight.data = np.random.default_rng(1).normal(size=(2, 2)) / 3
    model.save(tmp_path / "mixed.npz")
    fresh = Mixed()
    fresh.load(tmp_path / "mixed.npz")
    for (name, a), (_, b) in zip(model.named_parameters(), fresh.named_parameters(), strict=True):
        assert a.dtype == b.dtype, name
        assert a.numpy().tobytes() == b.numpy().tobytes(), name
    assert fresh.scale.dtype == np.float32


def test_load_state_dict_tensor_shape_mismatch_is_named():
    model = nn.Sequential(nn.Linear(2, 4, seed=0), nn.ReLU(), nn.Linear(4, 1, seed=0))
    state = model.state_dict()
    state["0.weight"] = state["0.weight"].T
    with pytest.raises(
        ValueError, match=re.escape("wrong shape 0.weight (expected shape (2, 4), got (4, 2))")
    ):
        model.load_state_dict(state)


def test_load_state_dict_copies_the_arrays():
    model = nn.Sequential(nn.Linear(2, 2, seed=0))
    state = {"0.weight": np.ones((2, 2)), "0.bias": np.zeros(2)}
    model.load_state_dict(state)
    state["0.weight"][0, 0] = 5.0
    assert model[0].weight.numpy()[0, 0] == 1.0
