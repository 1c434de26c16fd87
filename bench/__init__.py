"""activation-bench: activation functions × weight initializers, trained and judged.

Modules: spec (suites, cells), activations / initializers / datasets (registries), models,
probes, train, store, executors (the running side); analysis, plots, report (the scoring
side, which reads only the store); api (the notebook functions); cli. See README.md for
the public API and docs/notebook.md for the notebook one:

    bench.run(suite, store=...)      -> pandas.DataFrame (train what is missing, then the rows)
    bench.report(store, suite=None)  -> str (the Markdown report)
    bench.figures(store, suite=None) -> dict of matplotlib Figures
    bench.ranking(frame)             -> pandas.DataFrame (activations ranked, with p-values)

``bench.run`` and ``bench.report`` are also the subpackage and the module of those names;
calling them calls :func:`bench.api.run` and :func:`bench.api.report`. Nothing heavy (torch,
pandas, matplotlib) is imported until a function is called.
"""

import sys

from bench.api import as_suite, figures, ranking
from bench.api import install as _install

__version__ = "0.1.0"
__all__ = ["as_suite", "figures", "ranking", "report", "run"]

_install(sys.modules[__name__])
