"""activation-bench: activation functions × weight initializers, trained and judged.

Modules: spec (suites, cells), activations / initializers / datasets (registries), models,
probes, train, store, executors (the running side); analysis, plots, report (the scoring
side, which reads only the store); cli. See README.md for the public API.
"""

__version__ = "0.1.0"
