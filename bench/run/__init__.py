"""The running side: one training loop with named stages, shared by every executor.

Modules:
    env         where a result is measured: device resolution, synchronization, environment
    optim       Adam and SGD over tensors grouped by hyperparameters (fused kernels)
    probes      unit-health probes over K stacked members (K = 1 for a single network)
    engines     ``Single`` (one nn.Module) and ``Stacked`` (K networks as one computation)
    loop        prepare → observe → (epoch → observe)* → finalize, for either engine
"""
