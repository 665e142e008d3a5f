"""chainrule's nn: modules, losses, optimizers, toy data and a training loop."""

from nn import data
from nn.losses import binary_cross_entropy, cross_entropy, hinge_loss, mse_loss
from nn.module import Module
from nn.optim import SGD, Adam
from nn.scalar import MLP, Layer, Neuron

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "Layer",
    "Module",
    "Neuron",
    "binary_cross_entropy",
    "cross_entropy",
    "data",
    "hinge_loss",
    "mse_loss",
]
