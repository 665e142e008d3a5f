"""backward_code: the generated source runs and gives backward()'s (and torch's) gradients."""
# ruff: noqa: N806 - the tutorials' names: X, W1, W2

import ast
import math
import warnings

import numpy as np
import pytest
from cases import TENSOR_CASES, TENSOR_EDGES, VALUE_CASES, VALUE_EDGES

import autograd
from autograd import Tensor, Value, backward_code, softmax_cross_entropy
from autograd.op import apply


def _leaves_value(case, rng):
    return [
        Value(float(rng.uniform(case.low, case.high)), label=f"x{i}") for i in range(case.arity)
    ]


@pytest.mark.parametrize("case", VALUE_CASES, ids=str)
def test_value_case_matches_backward_bit_for_bit(case):
    rng = np.random.default_rng(1)
    xs = _leaves_value(case, rng)
    y = case.call(*xs)
    out, grads = backward_code(y)()
    y.backward()
    assert out == y.data
    assert {x.label: grads[x.label] for x in xs} == {x.label: x.grad for x in xs}


@pytest.mark.parametrize("case", VALUE_EDGES, ids=str)
def test_value_edge_matches_backward_or_raises_where_python_does(case):
    # The documented difference: plain Python raises where the engine gives inf, and a
    # zero may come out as -0.0 (== 0.0).
    for point in case.at:
        xs = [Value(v, label=f"x{i}") for i, v in enumerate(point)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = case.call(*xs)
            program = backward_code(y)
            try:
                y.backward()
            except ValueError:  # no derivative here: the code may not give one either
                with pytest.raises((ValueError, ArithmeticError)):
                    program()
                continue
        try:
            out, grads = program()
        except ArithmeticError:
            assert not all(math.isfinite(v) for v in (y.data, *(x.grad for x in xs))), point
            continue
        assert out == y.data or (math.isnan(out) and math.isnan(y.data)), point
        for x in xs:
            got = grads[x.label]
            assert got == x.grad or (math.isnan(got) and math.isnan(x.grad)), point


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # both sides warn at the edges
@pytest.mark.parametrize("case", TENSOR_CASES + TENSOR_EDGES, ids=str)
def test_tensor_case_matches_backward(case):
    rng = np.random.default_rng(2)
    arrays = (
        [np.asarray(a, dtype=np.float64) for a in case.at(np.float64)]
        if case.at is not None
        else [rng.uniform(case.low, case.high, size=s) for s in case.shapes]
    )
    xs = [Tensor(a, requires_grad=True, label=f"x{i}") for i, a in enumerate(arrays)]
    y = case.call(*xs)
    if y.size != 1:
        y = (y * Tensor(rng.normal(size=y.shape))).sum()
    out, grads = backward_code(y)()
    y.backward()
    np.testing.assert_allclose(out, y.data, rtol=1e-12)
    for x in xs:
        np.testing.assert_allclose(grads[x.label], x.grad, rtol=1e-12, atol=1e-14)


def _mlp_graph(rng, dtype=np.float64):
    X = Tensor(rng.normal(size=(5, 3)), dtype=dtype, label="X")
    y = np.eye(4, dtype=dtype)[[0, 1, 2, 3, 1]]
    W1 = Tensor(rng.normal(size=(3, 6)), requires_grad=True, dtype=dtype, label="W1")
    b1 = Tensor(rng.normal(size=6), requires_grad=True, dtype=dtype, label="b1")
    W2 = Tensor(rng.normal(size=(6, 4)), requires_grad=True, dtype=dtype, label="W2")
    b2 = Tensor(rng.normal(size=4), requires_grad=True, dtype=dtype, label="b2")
    h = (X @ W1 + b1).tanh()
    h.label = "h"
    logits = h @ W2 + b2
    loss = softmax_cross_entropy(logits, y) + (h[:, 0] * h[:, 1]).mean()
    return loss, (X, y, W1, b1, W2, b2)


def test_mlp_against_torch_with_new_inputs():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    loss, (X, y, W1, b1, W2, b2) = _mlp_graph(rng)
    program = backward_code(loss)
    assert set(program.inputs) == {"X", "W1", "b1", "W2", "b2"}
    new = {k: rng.normal(size=v.shape) for k, v in (("W1", W1), ("b2", b2), ("X", X))}
    out, grads = program(**new)
    assert set(grads) == {"W1", "b1", "W2", "b2"}
    t = {
        k: torch.tensor(new.get(k, v.data), requires_grad=True)
        for k, v in (("X", X), ("W1", W1), ("b1", b1), ("W2", W2), ("b2", b2))
    }
    th = torch.tanh(t["X"] @ t["W1"] + t["b1"])
    target = torch.tensor(y.argmax(axis=1))
    ref = torch.nn.functional.cross_entropy(th @ t["W2"] + t["b2"], target)
    ref = ref + (th[:, 0] * th[:, 1]).mean()
    ref.backward()
    np.testing.assert_allclose(out, ref.item(), rtol=1e-12)
    for k in grads:
        np.testing.assert_allclose(grads[k], t[k].grad.numpy(), rtol=1e-10, atol=1e-12)


def test_source_reads_like_the_hand_derivation():
    rng = np.random.default_rng(4)
    loss, _ = _mlp_graph(rng)
    source = str(backward_code(loss))
    assert "d_W1 = X.T @ " in source
    assert ".sum(axis=0)" in source  # the bias gradient summed back explicitly
    assert "d_h = d_h + " in source  # the fan-in of h, added where it meets
    assert "# h = np.tanh(" in source  # the forward line the block differentiates
    assert "(1.0 - h * h)" in source  # tanh' from its rule, reusing the output


def _imports(source):
    tree = ast.parse(source)
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append(node.module or "")
    return names


def test_source_imports_nothing_from_chainrule_and_is_short():
    x = Value(0.5, label="x")
    w = Value(-1.5, label="w")
    b = Value(0.25, label="b")
    z = x * w + b
    a = z.tanh()
    e = a - 1.0
    loss = e * e + w
    assert len(autograd.topological_order(loss)) == 10
    source = str(backward_code(loss))
    assert _imports(source) == ["math"]
    lines = [ln for ln in source.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    assert len(lines) <= 22  # import, def, 6 forward, seed, 10 backward, return
    rng = np.random.default_rng(5)
    loss_t, _ = _mlp_graph(rng)
    assert set(_imports(str(backward_code(loss_t)))) == {"numpy"}


def test_value_fan_in_against_finite_differences():
    def f(xv, yv):
        x, y = Value(xv, label="x"), Value(yv, label="y")
        s = x * y
        return (s * s + s.sin() * x + y.relu() + (x / y).exp()), x, y

    out, _, _ = f(0.7, -1.3)
    program = backward_code(out)
    _, grads = program(x=0.3, y=0.9)
    h = 1e-6
    for name, (dx, dy) in (("x", (h, 0)), ("y", (0, h))):
        fd = (f(0.3 + dx, 0.9 + dy)[0].data - f(0.3 - dx, 0.9 - dy)[0].data) / (2 * h)
        assert grads[name] == pytest.approx(fd, rel=1e-6)


def test_relu_branch_follows_new_data():
    x = Value(2.0, label="x")
    y = (x * 3.0).relu()
    program = backward_code(y)
    assert program(x=2.0)[1]["x"] == 3.0
    assert program(x=-2.0) == (0.0, {"x": 0.0})  # recorded on the positive side


def test_duplicate_labels_and_unknown_inputs_are_errors():
    a, b = Value(1.0, label="w"), Value(2.0, label="w")
    with pytest.raises(ValueError, match="backward_code: two leaves are labelled 'w'"):
        backward_code(a * b)
    program = backward_code(Value(1.0, label="x") * 2.0)
    with pytest.raises(TypeError, match="Program: unknown input 'z'"):
        program(z=1.0)


def test_an_op_the_stand_ins_cannot_write_is_named():
    from autograd.op import ValueOp

    class Opaque(ValueOp):
        name = "opaque_test_op"

        @staticmethod
        def forward(x):
            return float(x) + 1.0

        @staticmethod
        def vjp(g, out, x):
            return (g * float(x),)

    try:
        y = apply(Opaque, Value(2.0, label="x"))
        with pytest.raises(NotImplementedError, match="opaque_test_op"):
            backward_code(y)
    finally:
        ValueOp.registry.pop("opaque_test_op", None)


def test_labels_that_are_not_identifiers():
    x = Value(1.5, label="x[0]")
    y = Value(2.0, label="lambda")
    out = x * y
    out.label = "x 0"
    program = backward_code(out)
    assert program(**{"x[0]": 3.0}) == (6.0, {"x[0]": 2.0, "lambda": 3.0})


def test_float32_graph_keeps_its_dtype():
    rng = np.random.default_rng(6)
    loss, (_, _, W1, *_) = _mlp_graph(rng, np.float32)
    _, grads = backward_code(loss)()
    loss.backward()
    assert grads["W1"].dtype == np.float32
    np.testing.assert_allclose(grads["W1"], W1.grad, rtol=1e-6)
