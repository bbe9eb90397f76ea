"""PyTorch twin of the low-rank studio: DPRP training of factorised CIFAR ResNets
(docs/method.md)."""

__version__ = "0.1.0"
