"""The running side: one training loop with named stages, shared by every executor.

It sits above the registries (activations, initializers, models, data) and imports them;
none of them imports it (tests/test_layout.py).

Modules:
    env         where a result is measured: device resolution, synchronization, environment
    layout      member-aligned layouts and one thread: a result the same whatever the batching
    optim       Adam and SGD over tensors grouped by hyperparameters (fused kernels)
    hooks       finding and recording the activation calls of a forward pass
    probes      unit-health probes over K stacked members (K = 1 for a single network)
    derivatives an activation's derivative and its profile (re-exported by probes)
    learned     an activation's learned parameter (PReLU's slopes) per member and layer
    batched     stacked layer types: K networks as one
    engines     ``Stacked``: K networks as one computation (K = 1: the per-cell path)
    loop        prepare → observe → (epoch → observe)* → finalize; the probe schedule
    plan        units of work: which cells train together
"""
