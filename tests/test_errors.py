"""Each documented error: its type, and a message that names the op and what was wrong."""

from typing import Any

import numpy as np
import pytest

import autograd
from autograd import Tensor, Value, gradcheck


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ("1.0", "str"),
        (None, "NoneType"),
        (1 + 2j, "complex"),
        (True, "bool"),
        ([1.0], "list"),
        (np.ones(3), "array of shape (3,)"),
        (np.bool_(True), "bool"),
    ],
)
def test_value_rejects_non_numbers(data, kind) -> None:
    with pytest.raises(TypeError, match="Value: expected") as err:
        Value(data)
    assert kind in str(err.value)


def test_value_accepts_ints_floats_numpy_scalars_and_one_element_arrays() -> None:
    for data in (3, 3.0, np.float32(3.0), np.int64(3), np.array([3.0])):
        v = Value(data)
        assert type(v.data) is float
        assert v.data == 3.0


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Value(-2.0).log(), r"log: expected a positive number, got -2\.0"),
        (lambda: Value(0.0).log(), r"log: expected a positive number, got 0\.0"),
        (lambda: Value(-1.0).sqrt(), r"sqrt: expected a non-negative number, got -1\.0"),
        (lambda: Value(0.0) ** -1, r"pow: 0\.0 \*\* -1 is undefined"),
        (lambda: Value(0.0) ** Value(-2.0), r"pow: 0\.0 \*\* -2 is undefined"),
        (lambda: Value(-8.0) ** (1 / 3), r"pow: -8 \*\* 0\.333.* is not a real number"),
    ],
)
def test_value_domain_errors_name_the_op_and_the_value(make, match) -> None:
    with pytest.raises(ValueError, match=match):
        make()


def test_value_pow_gradient_in_the_exponent_needs_a_positive_base() -> None:
    y = Value(-2.0) ** Value(2.0)
    assert y.data == 4.0
    with pytest.raises(ValueError, match=r"pow: d\(x \*\* y\)/dy is not real at x = -2"):
        y.backward()


def test_value_edge_values_follow_pytorch_not_errors() -> None:
    with pytest.warns(RuntimeWarning, match="overflowed"):
        assert Value(1000.0).exp().data == float("inf")
    with pytest.warns(RuntimeWarning, match="overflowed"):
        assert (Value(10.0) ** 400).data == float("inf")
    with pytest.warns(RuntimeWarning, match="overflowed"):
        assert (Value(-10.0) ** 401).data == float("-inf")
    s = Value(0.0)
    r = s.sqrt()
    r.backward()
    assert (r.data, s.grad) == (0.0, float("inf"))
    assert Value(-1000.0).sigmoid().data == pytest.approx(0.0)
    assert Value(1000.0).sigmoid().data == 1.0


def test_value_operators_reject_other_types() -> None:
    with pytest.raises(TypeError, match="Value: expected"):
        Value(1.0) + "a"
    with pytest.raises(TypeError, match="Value: expected"):
        Value(1.0) * Tensor([1.0, 2.0])


@pytest.mark.parametrize("data", ["abc", ["a", "b"], {"a": 1}, None, np.array([1 + 1j])])
def test_tensor_rejects_non_numeric_data(data) -> None:
    with pytest.raises(TypeError, match="Tensor: expected numeric data"):
        Tensor(data)


def test_tensor_rejects_a_non_float_dtype() -> None:
    with pytest.raises(TypeError, match="Tensor: expected a floating dtype, got int64"):
        Tensor([1, 2], dtype=np.int64)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda a, b: a + b, r"\+: shapes \(2, 3\) and \(4,\) do not fit"),
        (lambda a, b: a * b, r"\*: shapes \(2, 3\) and \(4,\) do not fit"),
        (lambda a, b: a @ b, r"@: shapes \(2, 3\) and \(4,\) do not fit"),
        (
            lambda a, b: autograd.where(np.ones((2, 3), bool), a, b),
            r"where: shapes \(2, 3\) and \(4,\)",
        ),
        (lambda a, b: autograd.concat([a, b]), r"concat: shapes \(2, 3\) and \(4,\)"),
        (lambda a, b: autograd.stack([a, b]), r"stack: expected tensors of one shape"),
        (
            lambda a, b: a.reshape(4, 2),
            r"reshape: cannot reshape a tensor of shape \(2, 3\) to \(4, 2\)",
        ),
    ],
)
def test_shape_errors_name_the_op_and_both_shapes(make, match) -> None:
    a, b = Tensor(np.ones((2, 3)), requires_grad=True), Tensor(np.ones(4))
    with pytest.raises(ValueError, match=match):
        make(a, b)


def test_backward_on_a_multi_element_tensor_needs_grad() -> None:
    t = Tensor(np.ones((3, 2)), requires_grad=True) * 2
    with pytest.raises(
        ValueError, match=r"backward: grad is required for a tensor of shape \(3, 2\)"
    ):
        t.backward()
    with pytest.raises(ValueError, match=r"backward: grad has shape \(2,\), expected \(3, 2\)"):
        t.backward(np.ones(2))


def test_tensor_pow_needs_a_number_or_a_tensor() -> None:
    t = Tensor([1.0])
    with pytest.raises(TypeError, match="pow: expected a number, a Tensor or an array as the ex"):
        t ** "2"


def test_item_needs_one_element() -> None:
    with pytest.raises(
        ValueError, match=r"item: expected a tensor with one element, got shape \(2,\)"
    ):
        Tensor([1.0, 2.0]).item()


def test_concat_and_stack_need_tensors() -> None:
    with pytest.raises(ValueError, match="concat: expected at least one tensor"):
        autograd.concat([])
    with pytest.raises(ValueError, match="stack: expected at least one tensor"):
        autograd.stack([])


def test_gradcheck_names_input_element_and_both_numbers() -> None:
    from autograd.op import TensorOp

    class BadSquare(TensorOp):
        """x ** 2 with a wrong derivative (3x instead of 2x)."""

        name = "bad_square_for_test"

        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def vjp(g, out, x):
            return (g * 3 * x,)

    try:
        from autograd.op import apply

        x = Tensor([1.0, 2.0], requires_grad=True, label="w")
        with pytest.raises(
            AssertionError,
            match=r"input 0 \('w'\)\[0\]: autograd gives 3\.0, central differences give 2\.0",
        ):
            gradcheck(lambda t: apply(BadSquare, t).sum(), [x])
    finally:
        del TensorOp.registry["bad_square_for_test"]


def test_gradcheck_rejects_a_non_node_output() -> None:
    with pytest.raises(TypeError, match="gradcheck: fn must return a Value or Tensor, got float"):
        gradcheck(lambda v: 1.0, [Value(1.0)])


def test_backward_steps_needs_a_one_element_root_like_backward() -> None:
    from autograd import backward_steps

    with pytest.raises(ValueError, match=r"grad is required for a tensor of shape \(3,\)"):
        backward_steps(Tensor(np.ones(3), requires_grad=True) * 2)


def test_an_unnamed_subclass_of_an_op_runs_its_own_rules() -> None:
    from autograd.op import apply
    from autograd.value_ops import Mul

    class Twice(Mul):
        """x * y * 2, without a name of its own (shown as '*')."""

        @staticmethod
        def forward(x: float, y: float) -> float:
            return 2.0 * x * y

        @staticmethod
        def vjp(g: Any, out: Any, x: Any, y: Any) -> tuple[Any, Any]:
            return 2.0 * g * y, 2.0 * g * x

    x, y = Value(3.0), Value(5.0)
    z = apply(Twice, x, y)
    z.backward()
    assert (z.data, x.grad, y.grad) == (30.0, 10.0, 6.0)  # d(2xy)/dx = 2y, d/dy = 2x


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda v: autograd.stack([v, Value(2.0)]), "stack"),
        (lambda v: autograd.concat([v, v]), "concat"),
        (lambda v: autograd.stack([Tensor(1.0), v]), "stack"),
        (lambda v: autograd.concat([Tensor([1.0]), v]), "concat"),
        (lambda v: autograd.where(np.array(True), v, Tensor(0.0)), "where"),
    ],
)
def test_joining_values_into_a_tensor_raises_instead_of_making_constants(call, name) -> None:
    v = Value(1.0)
    with pytest.raises(TypeError, match=rf"^{name}: expected Tensors, got a Value") as err:
        call(v)
    assert r"Tensor(v.data)" in str(err.value)
