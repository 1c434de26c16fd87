"""Example activations of a user's own, for ``bench challenge`` (docs/challenge.md)."""
