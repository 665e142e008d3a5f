"""chainrule's nn: modules, losses, optimizers, toy data sets and a training loop."""

from autograd import __version__ as __version__  # one version for both packages
from nn import data, plot
from nn.layers import Linear, ReLU, Sequential, Sigmoid, Tanh
from nn.losses import binary_cross_entropy, cross_entropy, hinge_loss, mse_loss
from nn.module import Module
from nn.optim import SGD, Adam
from nn.scalar import MLP, Layer, Neuron
from nn.train import fit

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "Layer",
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
    "mse_loss",
    "plot",
]
