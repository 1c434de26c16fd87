"""activation-bench: activation functions × weight initializers, trained and judged.

Modules: records (cells, results, keys), suite (suite files), activations / initializers /
data (registries), models, probes, train, store, execute (the running side); scoring,
claims, plots, report (the reading side, which reads only the store); api (the notebook
functions); cli. docs/design.md draws the layout; docs/notebook.md the notebook API:

    bench.run(suite, store=...)      -> pandas.DataFrame (train what is missing, then the rows)
    bench.report(store, suite=None)  -> str (the Markdown report)
    bench.figures(store, suite=None) -> dict of matplotlib Figures
    bench.ranking(frame)             -> pandas.DataFrame (activations ranked, with p-values)
    bench.challenge(activation)      -> your activation against every baseline, reported

``bench.run`` and ``bench.report`` are also the subpackage and the module of those names;
calling them calls :func:`bench.api.run` and :func:`bench.api.report`. Nothing heavy (torch,
pandas, matplotlib) is imported until a function is called.
"""

import sys

from bench.api import as_suite, challenge, figures, ranking
from bench.api import install as _install
from bench.version import __version__

__all__ = ["__version__", "as_suite", "challenge", "figures", "ranking", "report", "run"]

_install(sys.modules[__name__])
