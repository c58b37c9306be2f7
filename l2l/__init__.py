"""l2l: scaling laws and loss-to-loss predictions from tables of language-model training runs.

The library is usable without the CLI::

    from l2l.io import read_runs
    from l2l.fit import fit_law

Importing ``l2l`` itself is cheap: submodules load numpy, polars and scipy only when imported.
"""

from __future__ import annotations

__version__ = "0.1.0"
