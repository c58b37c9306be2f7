"""The library's front door: ``import l2l`` is cheap and gives the public API; library calls are safe in a plain
script; one FitCache serves every call; intervals take a level."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
from numpy.testing import assert_allclose

REPO = Path(__file__).parents[2]


def test_import_l2l_is_cheap_and_exposes_the_api() -> None:
    code = (
        "import sys, l2l\n"
        "heavy = {'numpy', 'scipy', 'polars', 'plotnine', 'pandas', 'matplotlib'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))\n"
        "import l2l.workflows.evaluate, l2l.workflows.translate, l2l.workflows.predict\n"
        "print([callable(getattr(l2l, n)) for n in ('read_runs', 'fit_law', 'translate', 'evaluate', 'predict',"
        " 'optimal', 'fit_laws')])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "[]"
    assert lines[1] == str([True] * 7)


def test_the_library_runs_in_a_plain_script_without_a_main_guard(tmp_path: Path, synthetic_csv: Path) -> None:
    """The default is in-process (workers=1): no process pool to re-import an unguarded script."""
    script = tmp_path / "plain.py"
    script.write_text(
        "import l2l\n"
        f"runs = l2l.read_runs([{str(synthetic_csv)!r}])\n"
        "print(len(l2l.fit_laws(runs, split='sweep', datasets=['alpha', 'beta', 'gamma']).fits))\n"
    )
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert out.stdout.strip() == "3"


def test_one_fit_cache_serves_every_later_call(synthetic_runs: Any) -> None:
    import l2l

    cache = l2l.FitCache()
    first = l2l.fit_laws(synthetic_runs, split="sweep", cache=cache)
    assert first.reused == 0
    # three laws, each in the three forms auto (the default, as on the command line) weighs
    assert len(cache) == 9
    again = l2l.fit_laws(synthetic_runs, split="sweep", cache=cache)
    assert again.reused == 3
    best = l2l.optimal(synthetic_runs, C=[1e21], split="sweep", cache=cache)
    assert [a.fit for a in best] == first.fits  # the very same fits, not refitted
    # the cache holds those three laws and auto's other forms of them (with optimal's bootstrap draws kept beside
    # them), no new fit
    assert {(f.dataset, f.eval) for f in cache.values()} == {(f.dataset, f.eval) for f in first.fits}
    assert {f.law for f in first.fits} <= {f.law for f in cache.values()}
    assert len({f.law for f in cache.values()}) == 9


def test_percentile_interval_takes_a_level() -> None:
    from l2l.core.fit import percentile_interval

    draws = np.arange(1001, dtype=np.float64)
    assert_allclose(percentile_interval(draws), (25.0, 975.0), rtol=1e-12)
    assert_allclose(percentile_interval(draws, 0.5), (250.0, 750.0), rtol=1e-12)


def test_one_name_one_path_and_one_number_are_taken_whole(synthetic_csv: Path) -> None:
    """A bare string was iterated letter by letter ("unknown dataset 'l'", "/: unsupported file type") and a bare
    number raised numpy's TypeError; a size given as text is l2l's UsageError."""
    import pytest

    import l2l
    from l2l.base.errors import InputError, UsageError

    runs = l2l.read_runs(str(synthetic_csv))
    assert runs.datasets == ["alpha", "beta", "gamma"]
    one = l2l.predict(runs, datasets="alpha", N=1e9, D=2e10)
    many = l2l.predict(runs, datasets=["alpha"], N=[1e9], D=[2e10])
    assert len(one) == 1
    assert one[0].loss == many[0].loss
    assert len(l2l.optimal(runs, C=1e21, datasets="alpha")) == 1
    with pytest.raises(UsageError, match="N must be numbers"):
        l2l.predict(runs, datasets="alpha", N=["3.3B"], D=[2e10])  # type: ignore[list-item]
    with pytest.raises(UsageError, match="N must be numbers"):  # it was read as N = 1 (a loss of 2357)
        l2l.predict(runs, datasets="alpha", N=True, D=2e10)
    with pytest.raises(InputError, match="is a directory"):  # it said "unsupported file type"
        l2l.read_runs(str(synthetic_csv.parent))
    # one bare eval or target is one name too (they were read letter by letter: "eval 'd' is ambiguous")
    tr = l2l.translate(runs, src="alpha", kind="train-test", evals="downstream/quiz", split="sweep")
    assert {r.eval for r in tr} == {"downstream/quiz"}
    ev = l2l.evaluate(runs, test="beta_val", downstream="downstream/quiz", level=None)
    assert {p.eval for p in ev.predictions} <= {"alpha_val", "beta_val", "gamma_val", "downstream/quiz"}
    with pytest.raises(UsageError, match="unknown kind 'foo'"):
        l2l.translate(runs, src="alpha", kind="foo", evals=["downstream/quiz"])  # type: ignore[arg-type]


def test_a_law_refuses_sizes_it_cannot_take_instead_of_returning_nan() -> None:
    import pytest

    from l2l.base.errors import UsageError
    from l2l.testing import PAPER_LIKE_LAW

    for n in (-1e9, 0.0, float("nan"), None):
        with pytest.raises(UsageError, match="N must be"):
            PAPER_LIKE_LAW.predict(n, 5e10)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="C must be finite and > 0"):
        PAPER_LIKE_LAW.compute_optimal(-1.0)
    # a translation too (it returned nan)
    from l2l.workflows.translate import LossToLoss

    t = LossToLoss(
        "a", "b", "a_val", "b_val", "train-train", 1.1, 0.9, 1.5, 1.7, False, 10, 0, 0.99, 0.01, (2, 3)
    )
    with pytest.raises(UsageError, match="a source loss must be a finite number"):
        t.predict(float("nan"))
    assert float(t.predict(2.5)) > 1.7
    assert float(PAPER_LIKE_LAW.predict(1e9, 2e10)) > PAPER_LIKE_LAW.E


def test_fitting_a_table_without_runs_says_so(synthetic_csv: Path) -> None:
    # it said "none of the evals own was measured on " (an empty list of datasets)
    import dataclasses
    import warnings

    import pytest

    import l2l
    from l2l.base.errors import SelectionError

    runs = l2l.read_runs(synthetic_csv)
    empty = dataclasses.replace(runs, frame=runs.frame.head(0), own_eval={})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(SelectionError, match="the table holds no runs"):
            l2l.fit_laws(empty)


def test_calls_a_researcher_writes_raise_l2ls_own_errors(synthetic_csv: Path, synthetic_runs: Any) -> None:
    """Seven library calls raised numpy, polars or Python errors (a probe): each is now an L2LError saying why."""
    import polars as pl
    import pytest

    import l2l
    from l2l.base.errors import FitError, L2LError, UsageError
    from l2l.core.fit import bootstrap_law

    n, d, y = (np.geomspace(1e7, 1e9, 12), np.geomspace(2e8, 2e10, 12), np.linspace(3.5, 2.5, 12))
    fit = l2l.fit_law(n, d, y)
    with pytest.raises(UsageError, match="N and D must be of one length"):
        fit.predict([1e9, 3e9], [2e10, 6e10, 1e11])
    # arrays that do not pair up are the caller's usage error (exit 2), and a ValueError as numpy's is (h54)
    with pytest.raises(UsageError, match="different lengths") as info:
        bootstrap_law(fit, n[:-1], d, y, draws=4)
    assert isinstance(info.value, ValueError)
    assert not isinstance(info.value, FitError)
    with pytest.raises(UsageError, match="different lengths"):
        l2l.fit_law(n[:-1], d, y)
    assert l2l.read_runs(pl.read_csv(synthetic_csv)).datasets == l2l.read_runs(synthetic_csv).datasets
    assert l2l.read_runs(synthetic_csv, where=["dataset=alpha"]).datasets == ["alpha"]  # the CLI's spelling
    with pytest.raises(UsageError, match="the frame has no column C, n_repeats"):
        l2l.Runs(pl.read_csv(synthetic_csv).drop("C"), {})
    with pytest.raises(UsageError, match="N must be a number"):
        l2l.rank_runs(synthetic_runs, ["own"], N="3B", D="60B")  # type: ignore[arg-type]
    with pytest.raises(L2LError, match="a run table here is a mapping"):
        l2l.calibrate(synthetic_runs)


def test_the_readmes_dotted_paths_work_after_a_bare_import_l2l() -> None:
    """`l2l.core.fit.default_workers()` and `l2l.workflows.rank.rank_runs`, as the README writes them, raised
    AttributeError after `import l2l` alone (probe p47): a layer's modules are imported on first use."""
    import subprocess
    import sys

    code = (
        "import l2l\n"
        "assert l2l.core.fit.default_workers() >= 1\n"
        "assert callable(l2l.workflows.rank.rank_runs) and callable(l2l.workflows.lawfile.law_file_dict)\n"
        "try:\n    l2l.core.no_such_module\nexcept AttributeError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "module 'l2l.core' has no attribute 'no_such_module'"


def test_a_translation_refuses_an_infinite_source_loss_as_it_refuses_nan() -> None:
    """``LossToLoss.predict(inf)`` took the one-float path (``x > E0``) and returned inf; nan, and inf in an array,
    were refused (h54)."""
    import numpy as np
    import pytest

    from l2l.base.errors import UsageError
    from l2l.workflows.translate import LossToLoss

    t = LossToLoss(
        "a", "b", "a_val", "b_val", "train-train", 1.1, 0.9, 1.5, 1.7, False, 10, 0, 0.99, 0.01, (2, 3)
    )
    for x in (float("inf"), np.float64("inf"), [2.5, float("inf")]):
        with pytest.raises(UsageError, match="a source loss must be a finite number"):
            t.predict(x)
    assert float(t.predict(2.5)) == pytest.approx(1.1 * (2.5 - 1.5) ** 0.9 + 1.7)
