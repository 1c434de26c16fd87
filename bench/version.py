"""The harness's version (the ``version`` of pyproject.toml), stamped on every result.

Public:
    __version__
"""

__version__ = "0.1.0"
