"""A "snake" activation, f(x) = x + sin²(x): the worked example of docs/challenge.md.

Run it against every baseline of a suite, from the repository's root::

    PYTHONPATH=. python -m bench challenge examples.snake:Snake
"""

import torch
from torch import nn


class Snake(nn.Module):
    """x + sin²(x): the identity plus a periodic bump (f′ = 1 + sin 2x, in [0, 2])."""

    init_family = "he"  # `matched` is He normal, as for ReLU

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + torch.sin(x) ** 2
