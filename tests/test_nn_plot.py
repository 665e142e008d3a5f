"""nn.plot.decision_boundary: the picture's size, the classes it paints, its errors."""

from __future__ import annotations

import io
import os
import random
import re
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nn
from autograd import Tensor, Value
from nn.plot import COLORS, decision_boundary

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
X, Y = nn.data.moons(40, noise=0.1, seed=2)


def png_size(fig: Figure, dpi: int) -> tuple[int, int]:
    """(width, height) in pixels, read from the PNG header."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    data = buffer.getvalue()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def painted_grid(fig: Figure) -> tuple[np.ndarray, np.ndarray]:
    """The grid points at the pixel centres of the regions image, and the class of each."""
    (image,) = fig.axes[0].images
    classes = np.asarray(image.get_array())
    rows, cols = classes.shape
    left, right, bottom, top = image.get_extent()
    xs = left + (np.arange(cols) + 0.5) * (right - left) / cols
    ys = bottom + (np.arange(rows) + 0.5) * (top - bottom) / rows
    grid = np.column_stack([np.tile(xs, rows), np.repeat(ys, cols)])
    return grid, classes.reshape(-1)


def boundary_points(fig: Figure) -> np.ndarray:
    """The vertices of the boundary lines drawn."""
    (ax,) = fig.axes
    lines = [c for c in ax.collections if isinstance(c, ContourSet)]
    return np.concatenate([path.vertices for c in lines for path in c.get_paths()])


def scalar_mlp(activation: str, nouts: list[int]) -> nn.MLP:
    random.seed(3)
    model = nn.MLP(2, nouts, activation=activation)
    for p in model.parameters():  # nonzero biases, so they count
        if p.label == "b":
            p.data = random.uniform(-0.5, 0.5)
    return model


def test_a_new_figure_has_the_default_size_and_one_regions_image() -> None:
    model = nn.Sequential(nn.Linear(2, 1, seed=0))
    fig = decision_boundary(model, X, Y, resolution=30, title="moons")
    assert isinstance(fig, Figure)
    assert png_size(fig, dpi=50) == (320, 240)  # 6.4 x 4.8 inches
    (ax,) = fig.axes
    assert ax.get_title() == "moons"
    assert np.asarray(ax.images[0].get_array()).shape == (30, 30)
    # The grid spans the points plus the padding.
    assert ax.get_xlim() == pytest.approx((X[:, 0].min() - 0.5, X[:, 0].max() + 0.5))
    assert ax.get_ylim() == pytest.approx((X[:, 1].min() - 0.5, X[:, 1].max() + 0.5))


def test_it_draws_into_a_given_axes_and_returns_its_figure() -> None:
    fig = Figure(figsize=(3, 2))
    left, right = fig.subplots(1, 2)
    model = nn.Sequential(nn.Linear(2, 1, seed=0))
    assert decision_boundary(model, X, Y, ax=right, resolution=10) is fig
    assert len(right.images) == 1
    assert len(left.images) == 0
    assert png_size(fig, dpi=100) == (300, 200)


@pytest.mark.parametrize(
    ("activation", "nouts"),
    [("relu", [8, 1]), ("tanh", [5, 4, 1]), ("sigmoid", [6, 1]), ("relu", [1])],
)
def test_scalar_mlp_regions_are_the_models_own_predictions(activation, nouts) -> None:
    model = scalar_mlp(activation, nouts)
    fig = decision_boundary(model, X, Y, resolution=15)
    grid, painted = painted_grid(fig)
    scores = np.array([model(row).data for row in grid.tolist()])  # the Value graph itself
    np.testing.assert_array_equal(painted, scores > 0.0)
    # The boundary line is the zero level of the same scores.
    assert fig.axes[0].collections[0].levels.tolist() == [0.0]


def test_scalar_multiclass_and_custom_scalar_modules() -> None:
    model = scalar_mlp("relu", [6, 3])
    fig = decision_boundary(model, X, Y, resolution=12)
    grid, painted = painted_grid(fig)
    outs = np.array([[v.data for v in model(row)] for row in grid.tolist()])
    np.testing.assert_array_equal(painted, outs.argmax(axis=1))

    class Doubled(nn.Module):  # not an MLP: evaluated point by point
        def __init__(self) -> None:
            self.inner = scalar_mlp("tanh", [4, 1])

        def forward(self, x: list[float]) -> Value:
            return 2.0 * self.inner(x) - 0.3

    doubled = Doubled()
    grid, painted = painted_grid(decision_boundary(doubled, X, Y, resolution=12))
    np.testing.assert_array_equal(painted, [doubled(row).data > 0 for row in grid.tolist()])


def test_tensor_model_multiclass_regions_are_the_argmax() -> None:
    x, y = nn.data.spiral(20, classes=3, seed=0)
    model = nn.Sequential(nn.Linear(2, 16, seed=1), nn.Tanh(), nn.Linear(16, 3, seed=2))
    fig = decision_boundary(model, x, y, resolution=40)
    grid, painted = painted_grid(fig)
    np.testing.assert_array_equal(painted, model(Tensor(grid)).data.argmax(axis=1))
    assert len(set(painted.tolist())) > 1  # the test sees more than one class
    # The lines run where the two largest outputs tie.
    top = np.sort(model(Tensor(boundary_points(fig))).data, axis=1)
    spread = np.ptp(model(Tensor(grid)).data)
    assert np.abs(top[:, -1] - top[:, -2]).max() < 0.01 * spread


def test_probabilities_split_at_the_threshold_and_functions_work() -> None:
    w = np.array([1.5, -2.0])

    def probability(points: np.ndarray) -> Tensor:
        return (Tensor(points) @ w + 0.2).sigmoid()

    fig = decision_boundary(probability, X, Y, threshold=0.5, resolution=25)
    grid, painted = painted_grid(fig)
    np.testing.assert_array_equal(painted, 1 / (1 + np.exp(-(grid @ w + 0.2))) > 0.5)
    # The boundary line runs where the probability is 0.5.
    line = boundary_points(fig)
    assert len(line) > 10
    np.testing.assert_allclose(1 / (1 + np.exp(-(line @ w + 0.2))), 0.5, atol=1e-3)


@pytest.mark.parametrize("labels", [Y, 2 * Y - 1, Y.reshape(-1, 1)])
def test_points_take_the_colour_of_their_class(labels) -> None:
    model = nn.Sequential(nn.Linear(2, 1, seed=0))
    ax = decision_boundary(model, X, labels, resolution=10).axes[0]
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(points) == 2
    negative, positive = points  # in label order
    assert negative.get_facecolor()[0].tolist() == list(to_rgba(COLORS[0]))
    assert positive.get_facecolor()[0].tolist() == list(to_rgba(COLORS[1]))
    np.testing.assert_array_equal(positive.get_offsets(), X[np.ravel(labels) > 0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"X": np.zeros((5, 3))}, "decision_boundary: X must have shape (N, 2), got (5, 3)"),
        ({"y": Y[:5]}, "decision_boundary: y must have one label per point: 40 points, 5 labels"),
        ({"resolution": 1}, "decision_boundary: resolution must be an int >= 2, got 1"),
        ({"y": np.arange(40) % 3}, "decision_boundary: a model with one output separates two"),
        ({"y": Y + 1}, "decision_boundary: the two label values [1, 2] must lie on either side"),
        ({"model": lambda p: np.ones(3)}, "decision_boundary: the model must give one output"),
        (
            {"model": lambda p: np.zeros((len(p), 2)), "y": Y + 1},
            "decision_boundary: a model with 2 outputs needs y to hold class indices 0 to 1",
        ),
    ],
)
def test_errors_name_the_problem(kwargs, message) -> None:
    args = {"model": nn.Sequential(nn.Linear(2, 1, seed=0)), "X": X, "y": Y, "resolution": 10}
    args.update(kwargs)
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        decision_boundary(args.pop("model"), args.pop("X"), args.pop("y"), **args)


def test_it_needs_no_pyplot_and_nn_does_not_import_matplotlib(tmp_path: Path) -> None:
    script = (
        "import sys, nn\n"
        "assert 'matplotlib' not in sys.modules\n"
        "X, y = nn.data.moons(20, seed=0)\n"
        "fig = nn.plot.decision_boundary(nn.Sequential(nn.Linear(2, 1, seed=0)), X, y)\n"
        "fig.savefig('b.png')\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    hidden = ("DISPLAY", "WAYLAND_DISPLAY", "MPLBACKEND")  # no screen, no backend chosen
    env = {k: v for k, v in os.environ.items() if k not in hidden} | {"PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "b.png").read_bytes()[:4] == b"\x89PNG"
