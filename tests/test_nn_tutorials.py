"""The five tutorial networks named in the README, rebuilt with chainrule.

Each tutorial derives its gradients by hand in numpy. Here the same network is built from
nn modules with the tutorial's weights, and the gradients chainrule takes from the graph
are compared with the tutorial's formulas, written out below as the tutorial writes them.
Where a tutorial's hand derivation slips, the test shows the slip against chainrule and
against central finite differences.
"""

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor, Value

TOL = 1e-10


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def set_scalar_layer(layer, weight, bias=None):
    """Copy a (nin, nout) weight matrix (and bias) into a scalar nn.Layer or nn.Neuron."""
    neurons = layer.neurons if isinstance(layer, nn.Layer) else [layer]
    for j, neuron in enumerate(neurons):
        for i, w in enumerate(neuron.w):
            w.data = float(weight[i, j])
        neuron.b.data = 0.0 if bias is None else float(bias[j])


def scalar_weight_grads(layer):
    """The (nin, nout) gradient matrix of a scalar layer's weights."""
    neurons = layer.neurons if isinstance(layer, nn.Layer) else [layer]
    return np.array([[w.grad for w in n.w] for n in neurons]).T


def scalar_bias_grads(layer):
    neurons = layer.neurons if isinstance(layer, nn.Layer) else [layer]
    return np.array([n.b.grad for n in neurons])


def as_list(out):
    return out if isinstance(out, list) else [out]


# ------------------------------------------------------------------ 000: tanh -> softmax MLP


def tutorial_000_grads(x, y, weights1, bias1, weights2, bias2):
    """The tutorial's MLP.forward and MLP.backward, without the update."""
    z1 = np.dot(x, weights1) + bias1
    a1 = np.tanh(z1)
    z2 = np.dot(a1, weights2) + bias2
    a2 = np.exp(z2) / np.sum(np.exp(z2), axis=1, keepdims=True)
    delta3 = a2 - y
    d_weights2 = np.dot(a1.T, delta3)
    d_bias2 = np.sum(delta3, axis=0, keepdims=True)
    delta2 = np.dot(delta3, weights2.T) * (1 - np.power(a1, 2))
    d_weights1 = np.dot(x.T, delta2)
    d_bias1 = np.sum(delta2, axis=0)
    loss = -np.mean(y * np.log(a2))
    return loss, d_weights1, d_bias1, d_weights2, d_bias2


def setup_000():
    rng = np.random.default_rng(0)
    n, nin, hidden, classes = 6, 3, 5, 3
    x = rng.normal(size=(n, nin))
    y = np.eye(classes)[rng.integers(0, classes, size=n)]
    weights1 = rng.standard_normal((nin, hidden))  # the tutorial's np.random.randn
    weights2 = rng.standard_normal((hidden, classes))
    bias1 = np.zeros((1, hidden))  # the tutorial's zero biases, shape (1, size)
    bias2 = np.zeros((1, classes))
    return x, y, weights1, bias1, weights2, bias2


def test_000_softmax_mlp_tensor_gradients_equal_the_hand_derived_deltas():
    x, y, weights1, bias1, weights2, bias2 = setup_000()
    n, classes = y.shape
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 3))
    model.load_state_dict(
        {"0.weight": weights1, "0.bias": bias1[0], "2.weight": weights2, "2.bias": bias2[0]}
    )
    logits = model(x)
    # delta3 = a2 - y is the gradient of the summed cross-entropy: n times nn's batch mean.
    loss = nn.cross_entropy(logits, y) * n
    loss.backward()
    want_loss, d_weights1, d_bias1, d_weights2, d_bias2 = tutorial_000_grads(
        x, y, weights1, bias1, weights2, bias2
    )
    # The tutorial prints -mean(y * log(a2)), a mean over all n * classes entries.
    assert loss.item() / (n * classes) == pytest.approx(want_loss, rel=1e-12)
    np.testing.assert_allclose(model[0].weight.grad, d_weights1, atol=TOL, rtol=0)
    np.testing.assert_allclose(model[0].bias.grad, d_bias1, atol=TOL, rtol=0)
    np.testing.assert_allclose(model[2].weight.grad, d_weights2, atol=TOL, rtol=0)
    np.testing.assert_allclose(model[2].bias.grad, d_bias2[0], atol=TOL, rtol=0)


def test_000_softmax_mlp_scalar_gradients_equal_the_hand_derived_deltas():
    x, y, weights1, bias1, weights2, bias2 = setup_000()
    model = nn.MLP(3, [5, 3], activation="tanh")
    set_scalar_layer(model.layers[0], weights1, bias1[0])
    set_scalar_layer(model.layers[1], weights2, bias2[0])
    logits = [model(row) for row in x.tolist()]
    loss = nn.cross_entropy(logits, y) * len(x)
    loss.backward()
    _, d_weights1, d_bias1, d_weights2, d_bias2 = tutorial_000_grads(
        x, y, weights1, bias1, weights2, bias2
    )
    np.testing.assert_allclose(scalar_weight_grads(model.layers[0]), d_weights1, atol=TOL, rtol=0)
    np.testing.assert_allclose(scalar_bias_grads(model.layers[0]), d_bias1, atol=TOL, rtol=0)
    np.testing.assert_allclose(scalar_weight_grads(model.layers[1]), d_weights2, atol=TOL, rtol=0)
    np.testing.assert_allclose(scalar_bias_grads(model.layers[1]), d_bias2[0], atol=TOL, rtol=0)


def test_000_training_follows_the_tutorials_fit():
    x, y, weights1, bias1, weights2, bias2 = setup_000()
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 3))
    model.load_state_dict(
        {"0.weight": weights1, "0.bias": bias1[0], "2.weight": weights2, "2.bias": bias2[0]}
    )
    opt = nn.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(100):  # the tutorial's fit(epochs, learning_rate=0.1)
        loss, d_weights1, d_bias1, d_weights2, d_bias2 = tutorial_000_grads(
            x, y, weights1, bias1, weights2, bias2
        )
        losses.append(loss)
        weights1 -= 0.1 * d_weights1
        bias1 -= 0.1 * d_bias1
        weights2 -= 0.1 * d_weights2
        bias2 -= 0.1 * d_bias2
        opt.zero_grad()
        (nn.cross_entropy(model(x), y) * len(x)).backward()
        opt.step()
    np.testing.assert_allclose(model[0].weight.data, weights1, atol=1e-9, rtol=0)
    np.testing.assert_allclose(model[2].weight.data, weights2, atol=1e-9, rtol=0)
    np.testing.assert_allclose(model[2].bias.data, bias2[0], atol=1e-9, rtol=0)
    assert losses[-1] < losses[0] / 2


# ------------------------------------------------------------------ 001: one sigmoid unit

X_001 = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
Y_001 = np.array([[0], [1], [1], [0]])


def weights_001():
    np.random.seed(1)  # the tutorial's seed and draw  # noqa: NPY002
    return np.random.randn(X_001.shape[1], 1)  # noqa: NPY002


def tutorial_001_step(weights):
    """One iteration of the tutorial's backpropagation(): the gradient d_weights."""
    z = np.dot(X_001, weights)
    y_pred = sigmoid(z)
    error = y_pred - Y_001
    return np.dot(X_001.T, error * (sigmoid(z) * (1 - sigmoid(z))))


def test_001_sigmoid_unit_tensor_gradient_is_xt_error_times_sigmoid_prime():
    w = weights_001()
    model = nn.Sequential(nn.Linear(3, 1, bias=False), nn.Sigmoid())
    model.load_state_dict({"0.weight": w})
    pred = model(X_001)
    # The gradient the tutorial uses is that of 1/2 * sum(error ** 2) = n/2 * mse.
    loss = nn.mse_loss(pred, Y_001) * (len(X_001) / 2)
    loss.backward()
    err = sigmoid(X_001 @ w) - Y_001
    assert loss.item() == pytest.approx(0.5 * np.sum(err**2), rel=1e-12)
    np.testing.assert_allclose(model[0].weight.grad, tutorial_001_step(w), atol=TOL, rtol=0)


def test_001_sigmoid_unit_scalar_gradient():
    w = weights_001()
    neuron = nn.Neuron(3, activation="sigmoid")
    set_scalar_layer(neuron, w)
    pred = [neuron(row) for row in X_001.tolist()]
    (nn.mse_loss(pred, Y_001) * 2.0).backward()
    np.testing.assert_allclose(scalar_weight_grads(neuron), tutorial_001_step(w), atol=TOL)


def test_001_training_matches_the_tutorial_and_cannot_fit_xor_labels():
    w = weights_001()
    model = nn.Sequential(nn.Linear(3, 1, bias=False), nn.Sigmoid())
    model.load_state_dict({"0.weight": w})
    opt = nn.SGD(model.parameters(), lr=0.1)
    for _ in range(2000):
        w = w - 0.1 * tutorial_001_step(w)
        opt.zero_grad()
        (nn.mse_loss(model(X_001), Y_001) * 2.0).backward()
        opt.step()
    np.testing.assert_allclose(model[0].weight.data, w, atol=1e-9, rtol=0)
    # y is XOR of the first two columns: no single linear unit separates it, so at
    # least one of the four predictions stays on the wrong side of 1/2.
    pred = model(X_001).numpy()
    assert np.any((pred > 0.5) != (Y_001 > 0.5))


# ------------------------------------------------------------------ 002: perceptron

X_002 = np.array([[1, 1], [-1, 1], [-1, -0.5], [-1, 1.5]])
T_002 = np.array([0, 1, 0, 1])


def tutorial_002_forward(x, w, b):
    val = np.matmul(x, w.T) + b
    y_pre = np.zeros_like(val)
    for i in range(x.shape[0]):
        y_pre[i] = 1 if val[i] > 0 else 0
    return y_pre, val


def tutorial_002_loss(y_pre, w, b):
    val = np.matmul(X_002, w.T) + b
    return -(np.matmul(T_002 - y_pre, val) / 4)


def tutorial_002_grads(y_pre):
    grad_w = -(np.matmul(T_002 - y_pre, X_002)) / 4.0
    one = np.ones_like(T_002 - y_pre).T
    grad_b = -(np.matmul(T_002 - y_pre, one) / 4.0)
    return grad_w, grad_b


def perceptron_criterion(w, b):
    """The perceptron criterion on Tensors: y = step(xw + b) is held constant."""
    with autograd.no_grad():
        y = np.where((Tensor(X_002) @ w + b).numpy() > 0, 1.0, 0.0)
    z = Tensor(X_002) @ w + b
    return ((Tensor(T_002 - y) * z).sum() * -0.25), y


def step_output_derivative(w, b, eps=1e-6):
    """Central differences of the step outputs with respect to w, one column per weight."""
    cols = []
    for i in range(2):
        dw = np.eye(2)[i] * eps
        up, _ = tutorial_002_forward(X_002, w + dw, b)
        down, _ = tutorial_002_forward(X_002, w - dw, b)
        cols.append((up - down) / (2 * eps))
    return np.stack(cols, axis=1)


def test_002_step_activation_has_zero_derivative():
    # After the tutorial's first update (w = [0.55, 1], b = 0) no sample sits on the
    # threshold: the step output is flat around w, its derivative is zero, so no gradient
    # could reach w through it. Hence the perceptron criterion as the loss.
    np.testing.assert_array_equal(step_output_derivative(np.array([0.55, 1.0]), 0.0), 0.0)
    # At the tutorial's start w = [1, 1], sample (-1, 1) has xw + b = 0 exactly: the step
    # jumps there and has no derivative at all (the difference quotient blows up).
    jump = step_output_derivative(np.array([1.0, 1.0]), 0.0)
    assert np.abs(jump[1]).max() >= 1e5
    np.testing.assert_array_equal(jump[[0, 2, 3]], 0.0)


def test_002_perceptron_criterion_gradient_tensor():
    w = Tensor([1.0, 1.0], requires_grad=True)
    b = Tensor(0.0, requires_grad=True)
    loss, y = perceptron_criterion(w, b)
    loss.backward()
    y_pre, _ = tutorial_002_forward(X_002, np.array([1, 1]), 0)
    np.testing.assert_array_equal(y, y_pre)
    assert loss.item() == pytest.approx(tutorial_002_loss(y_pre, np.array([1, 1]), 0))
    grad_w, grad_b = tutorial_002_grads(y_pre)
    np.testing.assert_allclose(w.grad, grad_w, atol=TOL, rtol=0)
    np.testing.assert_allclose(b.grad, grad_b, atol=TOL, rtol=0)
    # Written out: grad_w = -(t - y) x / 4 summed over samples, grad_b = -sum(t - y) / 4.
    np.testing.assert_allclose(w.grad, -((T_002 - y_pre) @ X_002) / 4, atol=TOL)


def test_002_perceptron_criterion_gradient_scalar():
    neuron = nn.Neuron(2, nonlin=False)  # z = x . w + b
    set_scalar_layer(neuron, np.array([[1.0], [1.0]]))
    z = [neuron(row) for row in X_002.tolist()]
    y = [1.0 if zi.data > 0 else 0.0 for zi in z]  # constants: no graph through the step
    loss = sum(((t - yi) * zi for t, yi, zi in zip(T_002, y, z, strict=True)), Value(0.0)) * -0.25
    loss.backward()
    grad_w, grad_b = tutorial_002_grads(np.array(y))
    np.testing.assert_allclose(scalar_weight_grads(neuron)[:, 0], grad_w, atol=TOL)
    assert neuron.b.grad == pytest.approx(grad_b, abs=TOL)


def test_002_training_until_the_loss_is_zero_follows_the_tutorial():
    # The tutorial's main loop, lr 0.9.
    w_init, b_init, lr = np.array([1, 1]), 0, 0.9
    y_pre, _ = tutorial_002_forward(X_002, w_init, b_init)
    loss_result = tutorial_002_loss(y_pre, w_init, b_init)
    history = []
    while loss_result != 0:
        grad_w, grad_b = tutorial_002_grads(y_pre)
        w_init, b_init = w_init - lr * grad_w, b_init - lr * grad_b
        y_pre, _ = tutorial_002_forward(X_002, w_init, b_init)
        loss_result = tutorial_002_loss(y_pre, w_init, b_init)
        history.append((w_init, b_init))
    # chainrule: the criterion as the loss, SGD with the same lr.
    w = Tensor([1.0, 1.0], requires_grad=True)
    b = Tensor(0.0, requires_grad=True)
    opt = nn.SGD([w, b], lr=0.9)
    ours = []
    loss, _ = perceptron_criterion(w, b)
    while loss.item() != 0 and len(ours) < 100:
        opt.zero_grad()
        loss.backward()
        opt.step()
        ours.append((w.numpy().copy(), float(b.item())))
        loss, _ = perceptron_criterion(w, b)
    assert len(ours) == len(history) == 4
    for (w_ours, b_ours), (w_tut, b_tut) in zip(ours, history, strict=True):
        np.testing.assert_allclose(w_ours, w_tut, atol=1e-12)
        assert b_ours == pytest.approx(b_tut, abs=1e-12)


# ------------------------------------------------------------------ 003: worked example

X_003 = np.array([[1, 2], [2, 3]])  # samples are columns: (1, 2) and (2, 3)
W1_003 = np.array([[0.3, 0.4], [0.5, 0.5]])
B1_003 = 0.5
W2_003 = np.array([2, 3])
B2_003 = 0.5
Y_003 = np.array([0, 1])


def tutorial_003_hand_deltas():
    """The tutorial's derivation (section 2), with sigma'(z1) = a1 (1 - a1)."""
    z_1 = np.dot(W1_003, X_003) + B1_003
    a_1 = sigmoid(z_1)
    a_2 = sigmoid(np.dot(W2_003, a_1) + B2_003)
    delta_2 = a_2 - Y_003  # dL/dz2 = y' - y
    grad_w2 = np.dot(a_1, delta_2)  # dL/dw2 = delta2 a1, summed over the samples
    grad_b2 = np.sum(delta_2)
    delta_1 = np.outer(W2_003, delta_2) * (a_1 * (1 - a_1))  # delta2 w2 . sigma'(z1)
    grad_w1 = np.dot(delta_1, X_003.T)  # dL/dW1 = delta1 a0
    grad_b1 = np.sum(delta_1, axis=1)
    return z_1, a_1, delta_2, delta_1, grad_w1, grad_b1, grad_w2, grad_b2


def net_003():
    """The worked example as nn modules: samples as rows, weights transposed."""
    model = nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1), nn.Sigmoid())
    model.load_state_dict(
        {
            "0.weight": W1_003.T,
            "0.bias": np.full(2, B1_003),
            "2.weight": W2_003.reshape(2, 1),
            "2.bias": np.array([B2_003]),
        }
    )
    return model


def test_003_forward_reproduces_the_tutorials_printed_numbers():
    model = net_003()
    a_2 = model(X_003.T)
    np.testing.assert_allclose(a_2.numpy()[:, 0], [0.99188931, 0.99437826], atol=5e-9)
    loss = nn.binary_cross_entropy(a_2, Y_003)
    assert loss.item() == pytest.approx(2.4101046854144412, rel=1e-12)


def test_003_tensor_gradients_equal_the_derivation():
    model = net_003()
    # The derivation's delta2 = y' - y is per sample: the loss summed over the 2 samples.
    loss = nn.binary_cross_entropy(model(X_003.T), Y_003) * 2
    loss.backward()
    *_, grad_w1, grad_b1, grad_w2, grad_b2 = tutorial_003_hand_deltas()
    np.testing.assert_allclose(model[0].weight.grad, grad_w1.T, atol=TOL, rtol=0)
    np.testing.assert_allclose(model[0].bias.grad, grad_b1, atol=TOL, rtol=0)
    np.testing.assert_allclose(model[2].weight.grad[:, 0], grad_w2, atol=TOL, rtol=0)
    np.testing.assert_allclose(model[2].bias.grad, [grad_b2], atol=TOL, rtol=0)
    # The tutorial's b1 is one number shared by both units: its gradient is the sum.
    assert model[0].bias.grad.sum() == pytest.approx(grad_b1.sum(), abs=TOL)


def test_003_scalar_gradients_equal_the_derivation():
    layer = nn.Layer(2, 2, activation="sigmoid")
    out = nn.Neuron(2, activation="sigmoid")
    set_scalar_layer(layer, W1_003.T, [B1_003, B1_003])
    set_scalar_layer(out, W2_003.reshape(2, 1), [B2_003])
    pred = [out(layer(row)) for row in X_003.T.tolist()]
    (nn.binary_cross_entropy(pred, Y_003) * 2).backward()
    *_, grad_w1, grad_b1, grad_w2, grad_b2 = tutorial_003_hand_deltas()
    np.testing.assert_allclose(scalar_weight_grads(layer), grad_w1.T, atol=TOL)
    np.testing.assert_allclose(scalar_bias_grads(layer), grad_b1, atol=TOL)
    np.testing.assert_allclose(scalar_weight_grads(out)[:, 0], grad_w2, atol=TOL)
    assert out.b.grad == pytest.approx(grad_b2, abs=TOL)


def loss_003_of_z1(z_1):
    """The summed cross-entropy as a function of the first layer's pre-activation."""
    a_2 = sigmoid(np.dot(W2_003, sigmoid(z_1)) + B2_003)
    return np.sum(-Y_003 * np.log(a_2) - (1 - Y_003) * np.log(1 - a_2))


def test_003_step_by_step_code_slips_sigmoid_prime():
    z_1, _, delta_2, delta_1, *_ = tutorial_003_hand_deltas()
    # chainrule's dL/dz1, from a graph that exposes z1.
    x = Tensor(X_003.T)
    w1 = Tensor(W1_003.T, requires_grad=True)
    b1 = Tensor(np.full(2, B1_003), requires_grad=True)
    z1 = x @ w1 + b1
    a2 = (z1.sigmoid() @ Tensor(W2_003.reshape(2, 1), requires_grad=True) + B2_003).sigmoid()
    loss = nn.binary_cross_entropy(a2, Y_003) * 2
    (true_delta_1,) = autograd.grad(loss, [z1])
    true_delta_1 = true_delta_1.T  # back to the tutorial's layout: units x samples
    # It equals the correct formula delta2 w2 * a1 (1 - a1) ...
    np.testing.assert_allclose(true_delta_1, delta_1, atol=TOL, rtol=0)
    # ... and central finite differences of the loss.
    eps = 1e-6
    numeric = np.zeros_like(z_1)
    for idx in np.ndindex(z_1.shape):
        dz = np.zeros_like(z_1)
        dz[idx] = eps
        numeric[idx] = (loss_003_of_z1(z_1 + dz) - loss_003_of_z1(z_1 - dz)) / (2 * eps)
    np.testing.assert_allclose(true_delta_1, numeric, rtol=1e-6, atol=1e-9)
    # The step-by-step code multiplies by (1 - z1) * z1 instead of sigma'(z1):
    slip = np.outer(W2_003, delta_2) * (1 - z_1) * z_1
    assert np.max(np.abs(slip - true_delta_1)) > 1.0
    assert np.all(np.sign(slip[:, 0]) != np.sign(true_delta_1[:, 0]))


def test_003_the_tutorials_printed_delta_1_is_not_the_gradient():
    # The tutorial's backward2(), verbatim: it also updates w_2 first (to a 2 x 2 array,
    # since delta_2 * a_1 does not sum over the samples) and then uses it.
    lr = 0.01
    z_1 = np.dot(W1_003, X_003) + B1_003
    a_1 = sigmoid(z_1)
    delta_2 = sigmoid(np.dot(W2_003, a_1) + B2_003) - Y_003
    grad_w = delta_2 * a_1
    w_2 = W2_003 - lr * grad_w
    delta_1 = np.dot(delta_2, w_2) * (1 - z_1) * z_1
    printed = np.array([[-1.88582254, -8.8469707], [-3.92879696, -17.75311845]])
    np.testing.assert_allclose(delta_1, printed, atol=5e-8)
    *_, true_delta_1, _, _, _, _ = tutorial_003_hand_deltas()
    assert not np.allclose(delta_1, true_delta_1, atol=1e-3)
    # True delta_1 is tiny: sigma'(z1) = a1 (1 - a1) <= 1/4 and delta2 ~ 1.
    assert np.max(np.abs(true_delta_1)) < 0.5 < np.max(np.abs(delta_1))


# ------------------------------------------------------------------ 003: FC-layer version

X_AND, Y_AND = nn.data.and_gate()
Y_AND = Y_AND.reshape(-1, 1).astype(float)


def weights_003_fc(seed):
    rng = np.random.default_rng(seed)
    return rng.random((2, 4)), np.zeros(4), rng.random((4, 1)), np.zeros(1)  # np.random.rand


def net_003_fc(w1, b1, w2, b2):
    model = nn.Sequential(nn.Linear(2, 4), nn.Sigmoid(), nn.Linear(4, 1), nn.Sigmoid())
    model.load_state_dict({"0.weight": w1, "0.bias": b1, "2.weight": w2, "2.bias": b2})
    return model


def tutorial_003_fc_backward(w1, b1, w2, b2, update_before_passing_back):
    """The tutorial's Loss and FC classes; lr 0.1 as in its Net(2, 4, 1, 0.1)."""
    lr = 0.1
    top1 = sigmoid(np.dot(X_AND, w1) + b1)
    top2 = sigmoid(np.dot(top1, w2) + b2)
    delta = -Y_AND / top2 + (1 - Y_AND) / (1 - top2)  # Loss.backward
    residual_z2 = delta * top2 * (1 - top2)  # fc2.backward
    grad_w2 = np.dot(top1.T, residual_z2)
    w2_used = w2 - lr * grad_w2 if update_before_passing_back else w2
    residual_x = np.dot(residual_z2, w2_used.T)
    residual_z1 = residual_x * top1 * (1 - top1)  # fc1.backward
    grad_w1 = np.dot(X_AND.T, residual_z1)
    return grad_w1, residual_z1.sum(axis=0), grad_w2, residual_z2.sum(axis=0)


def test_003_fc_gradients_and_the_update_before_passing_back_slip():
    w1, b1, w2, b2 = weights_003_fc(0)
    model = net_003_fc(w1, b1, w2, b2)
    # Loss.backward's -y/t + (1-y)/(1-t) differentiates the cross-entropy summed over
    # the 4 samples.
    (nn.binary_cross_entropy(model(X_AND), Y_AND) * 4).backward()
    grad_w1, grad_b1, grad_w2, grad_b2 = tutorial_003_fc_backward(w1, b1, w2, b2, False)
    np.testing.assert_allclose(model[0].weight.grad, grad_w1, atol=TOL, rtol=0)
    np.testing.assert_allclose(model[0].bias.grad, grad_b1, atol=TOL, rtol=0)
    np.testing.assert_allclose(model[2].weight.grad, grad_w2, atol=TOL, rtol=0)
    np.testing.assert_allclose(model[2].bias.grad, grad_b2, atol=TOL, rtol=0)
    # FC.backward updates w before computing residual_x with it: the first layer then
    # gets a gradient that is not the loss's.
    slipped_w1, *_ = tutorial_003_fc_backward(w1, b1, w2, b2, True)
    assert not np.allclose(slipped_w1, model[0].weight.grad, rtol=1e-3, atol=1e-6)


def test_003_fc_learns_the_and_gate():
    model = net_003_fc(*weights_003_fc(0))
    opt = nn.SGD(model.parameters(), lr=0.1)
    for _ in range(1000):
        opt.zero_grad()
        # The tutorial's gradient is that of the summed cross-entropy (4 x the mean).
        (nn.binary_cross_entropy(model(X_AND), Y_AND) * 4).backward()
        opt.step()
    out = model(X_AND).numpy()[:, 0]
    np.testing.assert_allclose(out, [0, 0, 0, 1], atol=0.1)


# ------------------------------------------------------------------ 004: 3 -> 4 -> 1, no bias

X_004 = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1], [0, 0, 1]])
Y_004 = np.array([[0], [1], [1], [0], [0]])


def weights_004():
    np.random.seed(1)  # noqa: NPY002
    w0 = 2 * np.random.random(size=(3, 4)) - 1  # noqa: NPY002
    w1 = 2 * np.random.random(size=(4, 1)) - 1  # noqa: NPY002
    return w0, w1


def tutorial_004_deltas(w0, w1):
    """One iteration of the tutorial's loop, up to the weight update."""
    l0 = X_004
    l1 = sigmoid(np.dot(l0, w0))
    l2 = sigmoid(np.dot(l1, w1))
    l2_error = (l2 - Y_004) ** 2 / 2
    l2_delta = (l2 - Y_004) * (l2 * (1 - l2))
    l1_error = np.dot(l2_delta, w1.T)
    l1_delta = l1_error * (l1 * (1 - l1))
    return np.dot(l0.T, l1_delta), np.dot(l1.T, l2_delta), np.mean(l2_error)


def net_004(w0, w1):
    model = nn.Sequential(
        nn.Linear(3, 4, bias=False), nn.Sigmoid(), nn.Linear(4, 1, bias=False), nn.Sigmoid()
    )
    model.load_state_dict({"0.weight": w0, "2.weight": w1})
    return model


def half_sum_squared_error(pred, target):
    return nn.mse_loss(pred, target) * (len(X_004) / 2)


def test_004_three_layer_tensor_gradients_equal_the_deltas():
    w0, w1 = weights_004()
    model = net_004(w0, w1)
    loss = half_sum_squared_error(model(X_004), Y_004)
    loss.backward()
    d_w0, d_w1, mean_error = tutorial_004_deltas(w0, w1)
    assert loss.item() / len(X_004) == pytest.approx(mean_error, rel=1e-12)
    np.testing.assert_allclose(model[0].weight.grad, d_w0, atol=TOL, rtol=0)
    np.testing.assert_allclose(model[2].weight.grad, d_w1, atol=TOL, rtol=0)


def test_004_three_layer_scalar_gradients_equal_the_deltas():
    w0, w1 = weights_004()
    hidden = nn.Layer(3, 4, activation="sigmoid")
    out = nn.Neuron(4, activation="sigmoid")
    set_scalar_layer(hidden, w0)
    set_scalar_layer(out, w1)
    pred = [out(hidden(row)) for row in X_004.tolist()]
    half_sum_squared_error(pred, Y_004).backward()
    d_w0, d_w1, _ = tutorial_004_deltas(w0, w1)
    np.testing.assert_allclose(scalar_weight_grads(hidden), d_w0, atol=TOL)
    np.testing.assert_allclose(scalar_weight_grads(out), d_w1, atol=TOL)


def test_004_training_follows_the_tutorial():
    w0, w1 = weights_004()
    model = net_004(w0, w1)
    opt = nn.SGD(model.parameters(), lr=0.1)
    errors = []
    for _ in range(1000):
        d_w0, d_w1, mean_error = tutorial_004_deltas(w0, w1)
        errors.append(mean_error)
        w1 = w1 - 0.1 * d_w1
        w0 = w0 - 0.1 * d_w0
        opt.zero_grad()
        half_sum_squared_error(model(X_004), Y_004).backward()
        opt.step()
    np.testing.assert_allclose(model[0].weight.data, w0, atol=1e-9, rtol=0)
    np.testing.assert_allclose(model[2].weight.data, w1, atol=1e-9, rtol=0)
    assert errors[-1] < errors[0]
