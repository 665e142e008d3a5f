"""chainrule's nn: modules, losses, optimizers, toy data sets and a training loop."""

try:
    from autograd import Tensor as _Tensor  # noqa: F401 - a chainrule autograd, not another
    from autograd import __version__ as __version__  # one version for both packages
except ImportError as error:  # another package's `autograd/__init__.py` replaced ours
    raise ImportError(
        "nn: the installed 'autograd' is not chainrule's (HIPS autograd from PyPI installs "
        "into the same folder). Fix: `pip uninstall autograd chainrule`, then "
        "`pip install chainrule` into a virtual environment of its own."
    ) from error
from nn import data, plot
from nn.layers import Dropout, Flatten, LayerNorm, Linear, ReLU, Sequential, Sigmoid, Tanh
from nn.losses import binary_cross_entropy, cross_entropy, hinge_loss, l1_loss, mse_loss
from nn.module import Module
from nn.optim import SGD, Adam, AdamW
from nn.scalar import MLP, Layer, Neuron
from nn.train import fit

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "AdamW",
    "Dropout",
    "Flatten",
    "Layer",
    "LayerNorm",
    "Linear",
    "Module",
    "Neuron",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "binary_cross_entropy",
    "cross_entropy",
    "data",
    "fit",
    "hinge_loss",
    "l1_loss",
    "mse_loss",
    "plot",
]
