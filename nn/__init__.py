"""Neurons, layers, MLPs, losses, optimizers and training loops on chainrule's autograd."""
