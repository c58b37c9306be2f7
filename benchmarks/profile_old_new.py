"""cProfile of 24 Eq. 3 fits (the fineweb-100b evals of the paper's table), an older engine then the current one.

mkdir /tmp/old && git show HEAD:l2l/_search.py > /tmp/old/old_search.py
git show HEAD:l2l/fit.py | sed 's/from l2l.core.search import/from old_search import/' > /tmp/old/old_fit.py
python benchmarks/profile_old_new.py /tmp/old
"""

from __future__ import annotations

import importlib
import io
import pstats
import sys
import time
from cProfile import Profile
from pathlib import Path

from l2l.core.fit import fit_law

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference


def main(old_dir: str) -> None:
    sys.path.insert(0, old_dir)
    old_fit = importlib.import_module("old_fit")
    table = reference.table(reference.RESULTS.parent.parent / "sample_data" / "brandfonbrener2024_runs.csv")
    keys = sorted(table)[:24]
    for name, fitter in (("old", old_fit.fit_law), ("new", fit_law)):
        fitter(*table[keys[0]])  # warm up: imports, the BLAS controller
        prof = Profile()
        t0 = time.perf_counter()
        prof.enable()
        for key in keys:
            fitter(*table[key], form="l2l")
        prof.disable()
        print(
            f"== {name}: 24 Eq. 3 fits (fineweb-100b evals) in {time.perf_counter() - t0:.2f} s under cProfile"
        )
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumtime").print_stats(14)
        print("\n".join(out.getvalue().splitlines()[6:26]))


if __name__ == "__main__":
    main(sys.argv[1])
