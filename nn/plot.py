"""Pictures of trained models: `decision_boundary` draws a 2-D classifier's regions.

matplotlib is imported when a picture is drawn, not with `nn`, and no pyplot window is
needed: without an `ax`, the figure is a plain ``matplotlib.figure.Figure`` that saves
anywhere (``fig.savefig("boundary.png")``) and shows in Jupyter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import Tensor, Value, no_grad
from autograd.viz import as_int
from nn.module import Module
from nn.scalar import MLP, Layer, Neuron

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["decision_boundary"]

COLORS = (
    "#2563eb",
    "#dc2626",
    "#16a34a",
    "#9333ea",
    "#ea580c",
    "#0891b2",
    "#db2777",
    "#65a30d",
    "#ca8a04",
    "#475569",
)
"""One colour per class, for its region (faded) and its points."""

_ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),  # never overflows
}


def decision_boundary(
    model: Module | Callable[[np.ndarray], Any],
    X: Any,  # noqa: N803 - named as in nn.fit
    y: Any,
    *,
    ax: Axes | None = None,
    threshold: float = 0.0,
    resolution: int = 200,
    padding: float = 0.5,
    title: str | None = None,
) -> Figure:
    """Draw the regions a classifier assigns to the plane, with the labelled points on top.

    The model is evaluated on a ``resolution`` x ``resolution`` grid spanning the points
    plus `padding`. With one output per point, a grid point belongs to class 1 where the
    output exceeds `threshold` (0 for raw scores, 0.5 for probabilities), and the line
    where it equals `threshold` is drawn; with several outputs, to the class of the
    largest one (``argmax``), and the lines where two classes tie are drawn. The regions
    are an image (``ax.images[0]``) whose pixels are the grid points' classes.

    Args:
        model: A scalar module over Values (such as `nn.MLP`, fed one point at a time),
            a Tensor module (fed the grid as one (N, 2) Tensor), or any function from an
            (N, 2) array to an (N,) or (N, C) array or Tensor (to wrap a model that needs
            other inputs).
        X: The points, shape (N, 2).
        y: Their labels, shape (N,): with one output, two values split by `threshold`
            as the outputs are (0/1 and -1/+1 both work); with C outputs, class indices.
        ax: Draw here; None makes a new figure (6.4 x 4.8 inches).
        threshold: The output value that separates the two classes of a one-output model.
        resolution: Grid points along each axis.
        padding: Margin around the points, in data units.
        title: The axes' title.

    Returns:
        The figure drawn on (the figure of `ax`, when given).

    Raises:
        ValueError: For `X` not of shape (N, 2), `y` of another length or with labels
            that do not fit the model's outputs, `X` empty or not finite, a negative or
            non-finite `padding`, or a resolution below 2.

    Example:
        >>> import nn
        >>> X, y = nn.data.moons(50, seed=0)
        >>> model = nn.Sequential(nn.Linear(2, 1, seed=0))
        >>> fig = decision_boundary(model, X, y, resolution=20)
        >>> fig.axes[0].images[0].get_array().shape
        (20, 20)
    """
    points = np.asarray(X.data if isinstance(X, Tensor) else X, dtype=np.float64)
    labels = np.asarray(y.data if isinstance(y, Tensor) else y).reshape(-1)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"decision_boundary: X must have shape (N, 2), got {points.shape}")
    if len(labels) != len(points):
        raise ValueError(
            f"decision_boundary: y must have one label per point: {len(points)} points, "
            f"{len(labels)} labels"
        )
    if len(points) == 0:
        raise ValueError("decision_boundary: X must hold at least one point, got none")
    if not np.isfinite(points).all():
        row, col = np.argwhere(~np.isfinite(points))[0]
        raise ValueError(
            f"decision_boundary: X must be finite, got {points[row, col]} at row {row} "
            "(the picture spans the points)"
        )
    if not (isinstance(padding, (int, float)) and math.isfinite(padding) and padding >= 0):
        raise ValueError(
            f"decision_boundary: padding must be a finite number >= 0, got {padding!r}"
        )
    steps = as_int(resolution)
    if steps is None or steps < 2:
        raise ValueError(f"decision_boundary: resolution must be an int >= 2, got {resolution!r}")
    resolution = steps
    (x0, y0), (x1, y1) = points.min(axis=0) - padding, points.max(axis=0) + padding
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    grid = np.column_stack([np.tile(xs, resolution), np.repeat(ys, resolution)])
    scores = _outputs(model, grid).reshape(resolution, resolution, -1)
    n_outputs = scores.shape[2]
    regions = scores[..., 0] > threshold if n_outputs == 1 else scores.argmax(axis=2)
    point_classes = _point_classes(labels, n_outputs, threshold)

    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    own_figure = ax is None
    if ax is None:
        ax = Figure(figsize=(6.4, 4.8)).add_subplot()
    n_classes = max(2, n_outputs)
    colors = [COLORS[c % len(COLORS)] for c in range(n_classes)]
    dx, dy = (x1 - x0) / (resolution - 1), (y1 - y0) / (resolution - 1)
    ax.imshow(
        regions.astype(np.int64),
        origin="lower",
        extent=(x0 - dx / 2, x1 + dx / 2, y0 - dy / 2, y1 + dy / 2),
        cmap=ListedColormap(colors),
        vmin=-0.5,
        vmax=n_classes - 0.5,
        alpha=0.18,
        interpolation="nearest",
    )
    for margin in _margins(scores, threshold):
        if margin.min() < 0.0 < margin.max():  # else there is no boundary to draw
            ax.contour(xs, ys, margin, levels=[0.0], colors="#334155", linewidths=1.2)
    for value in np.unique(labels):
        mask = labels == value
        ax.scatter(
            points[mask, 0],
            points[mask, 1],
            color=colors[point_classes[mask][0]],
            s=22,
            edgecolors="white",
            linewidths=0.6,
            zorder=3,
            label=f"y = {value:g}",
        )
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xlabel("X[:, 0]")
    ax.set_ylabel("X[:, 1]")
    if title is not None:
        ax.set_title(title)
    fig = ax.get_figure(root=True)
    assert fig is not None  # an Axes always belongs to a figure
    if own_figure:
        fig.tight_layout()
    return fig


def _outputs(model: Module | Callable[[np.ndarray], Any], grid: np.ndarray) -> np.ndarray:
    """The model's outputs on the grid points, shape (N, outputs)."""
    with no_grad():
        if isinstance(model, Module) and any(isinstance(p, Value) for p in model.parameters()):
            layers = _scalar_layers(model)
            if layers is not None:
                out = _scalar_forward(layers, grid)
            else:
                out = np.array([_floats(model(row)) for row in grid.tolist()])
        else:
            result = model(Tensor(grid)) if isinstance(model, Module) else model(grid)
            out = np.asarray(result.data if isinstance(result, Tensor) else result, dtype=float)
    if out.shape[:1] != (len(grid),) or out.ndim > 2:
        raise ValueError(
            "decision_boundary: the model must give one output or one row of outputs per "
            f"point: {len(grid)} points gave shape {out.shape}"
        )
    return out.reshape(len(grid), -1)


def _margins(scores: np.ndarray, threshold: float) -> list[np.ndarray]:
    """Surfaces whose zero level is the boundary, one per class of a multi-output model.

    For one output: the output minus `threshold`; for several, each class's output minus
    the largest other one.
    """
    if scores.shape[2] == 1:
        return [scores[..., 0] - threshold]
    margins = []
    for c in range(scores.shape[2]):
        others = np.delete(scores, c, axis=2).max(axis=2)
        margins.append(scores[..., c] - others)
    return margins


def _floats(out: Value | Sequence[Value]) -> list[float]:
    """A scalar module's output (a Value or a list of Values) as floats."""
    return [out.data] if isinstance(out, Value) else [v.data for v in out]


def _scalar_layers(model: Module) -> list[list[Neuron]] | None:
    """The neurons of `nn.MLP`, `nn.Layer` or `nn.Neuron`, layer by layer; None otherwise.

    Subclasses are left out: they may compute something else in `forward`.
    """
    if type(model) is MLP:
        return [layer.neurons for layer in model.layers]
    if type(model) is Layer:
        return [model.neurons]
    if type(model) is Neuron:
        return [[model]]
    return None


def _scalar_forward(layers: list[list[Neuron]], grid: np.ndarray) -> np.ndarray:
    """The scalar network's outputs, computed in numpy.

    A Value graph per grid point takes about a millisecond: 90 s for a 300 x 300 grid.
    """
    h = grid
    for neurons in layers:
        weights = np.array([[w.data for w in n.w] for n in neurons]).T
        z = h @ weights + np.array([n.b.data for n in neurons])
        h = np.column_stack(
            [
                _ACTIVATIONS[n.activation](z[:, j]) if n.nonlin else z[:, j]
                for j, n in enumerate(neurons)
            ]
        )
    return h


def _point_classes(labels: np.ndarray, n_outputs: int, threshold: float) -> np.ndarray:
    """The class of each labelled point, as the regions number them."""
    if n_outputs == 1:
        values = np.unique(labels)
        if len(values) > 2 or not np.issubdtype(labels.dtype, np.number):
            raise ValueError(
                "decision_boundary: a model with one output separates two classes: y must "
                f"hold two label values, got {len(values)}: {values[:5].tolist()}"
            )
        positive = labels > threshold
        if len(values) == 2 and not np.array_equal(positive, labels == values[1]):
            raise ValueError(
                f"decision_boundary: the two label values {values.tolist()} must lie on either "
                f"side of threshold={threshold:g}, as the model's two classes do"
            )
        return positive.astype(np.int64)
    classes = labels.astype(np.int64) if np.issubdtype(labels.dtype, np.number) else None
    if (
        classes is None
        or np.any(classes != labels)
        or np.any((classes < 0) | (classes >= n_outputs))
    ):
        raise ValueError(
            f"decision_boundary: a model with {n_outputs} outputs needs y to hold class "
            f"indices 0 to {n_outputs - 1}, got {np.unique(labels)[:5].tolist()}"
        )
    return classes
