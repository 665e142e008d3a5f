import numpy as np
import pytest

import nn
from nn import data


def test_nn_exports_data_submodule():
    assert nn.data is data
    x, y = nn.data.moons(10)
    assert x.shape == (10, 2)
    assert y.shape == (10,)


@pytest.mark.parametrize("n", [1, 2, 7, 100])
def test_moons_shapes_dtypes_and_class_sizes(n):
    x, y = data.moons(n)
    assert x.shape == (n, 2)
    assert x.dtype == np.float64
    assert y.shape == (n,)
    assert y.dtype == np.int64
    assert np.sum(y == 0) == n // 2
    assert np.sum(y == 1) == n - n // 2


def test_moons_without_noise_lie_on_the_two_half_circles():
    x, y = data.moons(50, noise=0.0)
    upper, lower = x[y == 0], x[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-12)
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0, atol=1e-12)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)
    # The end points of both arcs are there: (1, 0), (-1, 0), (0, 0.5), (2, 0.5).
    for point in ([1.0, 0.0], [-1.0, 0.0]):
        assert np.min(np.linalg.norm(upper - point, axis=1)) < 1e-12
    for point in ([0.0, 0.5], [2.0, 0.5]):
        assert np.min(np.linalg.norm(lower - point, axis=1)) < 1e-12


def test_moons_noise_has_the_requested_standard_deviation():
    clean, y0 = data.moons(20000, noise=0.0, seed=3)
    noisy, y1 = data.moons(20000, noise=0.3, seed=3)
    # Same seed: same shuffle, so the rows line up and the difference is the noise.
    np.testing.assert_array_equal(y0, y1)
    residual = noisy - clean
    assert abs(residual.std() - 0.3) < 0.01
    assert abs(residual.mean()) < 0.01


def test_moons_is_reproducible_and_seed_dependent():
    a = data.moons(40, seed=5)
    b = data.moons(40, seed=5)
    c = data.moons(40, seed=6)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    # The default seed is 0.
    np.testing.assert_array_equal(data.moons(40)[0], data.moons(40, seed=0)[0])


def test_moons_is_shuffled():
    _, y = data.moons(100)
    assert np.sum(np.diff(y) != 0) > 10


def test_circles_radii_classes_and_reproducibility():
    x, y = data.circles(101, noise=0.0, factor=0.3)
    assert x.shape == (101, 2)
    assert y.dtype == np.int64
    radius = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0, atol=1e-12)
    np.testing.assert_allclose(radius[y == 1], 0.3, atol=1e-12)
    assert np.sum(y == 0) == 50
    assert np.sum(y == 1) == 51
    a, b = data.circles(30, seed=2), data.circles(30, seed=2)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], data.circles(30, seed=3)[0])


def test_circles_noise_standard_deviation():
    clean, _ = data.circles(20000, noise=0.0, seed=1)
    noisy, _ = data.circles(20000, noise=0.2, seed=1)
    assert abs((noisy - clean).std() - 0.2) < 0.01


def test_spiral_follows_cs231n_n_points_per_class():
    x, y = data.spiral(300, classes=3)
    assert x.shape == (900, 2)
    assert y.shape == (900,)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, np.repeat([0, 1, 2], 300))
    for j in range(3):
        arm = x[y == j]
        # x = r sin t, y = r cos t with r = linspace(0, 1, n).
        np.testing.assert_allclose(np.hypot(arm[:, 0], arm[:, 1]), np.linspace(0, 1, 300))
        t = np.arctan2(arm[:, 0], arm[:, 1])
        expected = np.linspace(4.0 * j, 4.0 * (j + 1), 300)
        # Angle noise, wrapped to (-pi, pi]; its std is 0.2 (the first point has r = 0).
        noise = np.angle(np.exp(1j * (t - expected)))[1:]
        assert abs(noise.std() - 0.2) < 0.03
        assert abs(noise.mean()) < 0.05


def test_spiral_classes_and_seed():
    x, y = data.spiral(10, classes=5, seed=1)
    assert x.shape == (50, 2)
    assert sorted(set(y.tolist())) == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(x, data.spiral(10, classes=5, seed=1)[0])
    assert not np.array_equal(x, data.spiral(10, classes=5, seed=2)[0])


def test_xor_and_and_gate_truth_tables():
    x, y = data.xor()
    np.testing.assert_array_equal(x, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, np.logical_xor(x[:, 0], x[:, 1]).astype(int))
    x, y = data.and_gate()
    np.testing.assert_array_equal(x, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, np.logical_and(x[:, 0], x[:, 1]).astype(int))
    assert x.dtype == np.float64
    assert y.dtype == np.int64


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: data.moons(0), "moons: n must be a positive int, got 0"),
        (lambda: data.moons(-3), "moons: n must be a positive int, got -3"),
        (lambda: data.moons(2.5), "moons: n must be a positive int, got 2.5"),
        (lambda: data.moons(10, noise=-1), "moons: noise must be a number >= 0, got -1"),
        (lambda: data.circles(0), "circles: n must be a positive int, got 0"),
        (lambda: data.circles(10, factor=1.0), "circles: factor must be in (0, 1), got 1.0"),
        (lambda: data.circles(10, noise=-0.1), "circles: noise must be a number >= 0"),
        (lambda: data.spiral(0), "spiral: n must be a positive int, got 0"),
        (lambda: data.spiral(5, classes=0), "spiral: classes must be a positive int, got 0"),
        (lambda: data.batches([[1]], [1], 0), "batches: batch_size must be a positive int"),
        (
            lambda: data.batches(np.zeros((3, 2)), np.zeros(4), 2),
            "batches: X and y must have the same number of rows, got 3 and 4",
        ),
    ],
)
def test_data_errors(call, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_batches_cover_every_row_once_with_aligned_targets():
    x = np.arange(20).reshape(10, 2)
    y = np.arange(10) * 10
    got = list(data.batches(x, y, 3))
    assert [len(yb) for _, yb in got] == [3, 3, 3, 1]
    rows = np.concatenate([yb for _, yb in got]) // 10
    assert sorted(rows.tolist()) == list(range(10))
    assert rows.tolist() != list(range(10))  # shuffled
    for xb, yb in got:
        np.testing.assert_array_equal(xb[:, 0], yb // 10 * 2)


def test_batches_in_order_and_reproducible():
    x = np.arange(5)
    y = np.arange(5)
    assert [b.tolist() for _, b in data.batches(x, y, 2, shuffle=False)] == [[0, 1], [2, 3], [4]]
    first = [b.tolist() for _, b in data.batches(x, y, 2, seed=4)]
    again = [b.tolist() for _, b in data.batches(x, y, 2, seed=4)]
    assert first == again
    orders = {
        tuple(np.concatenate([b for _, b in data.batches(x, y, 5, seed=s)])) for s in range(8)
    }
    assert len(orders) > 1


def test_batches_with_a_shared_generator_gives_new_orders_each_epoch():
    x = np.arange(50)
    y = x
    rng = np.random.default_rng(0)
    first = np.concatenate([b for _, b in data.batches(x, y, 50, seed=rng)])
    second = np.concatenate([b for _, b in data.batches(x, y, 50, seed=rng)])
    assert not np.array_equal(first, second)
    assert sorted(first.tolist()) == sorted(second.tolist()) == list(range(50))
