"""Fitted laws as a portable document: what ``l2l fit-law --save laws.json`` writes and ``l2l predict --law`` reads.

A law file holds every law with its provenance: the digest of the runs it was fitted on, the form, objective and
Huber δ, the split, the l2l version and date, and per law the dataset, eval, parameters (exact optimizer
coordinates, so a law read back predicts to the last bit), number of runs and the ranges of N, D, C and loss it
was fitted on. Pure: dicts in and out; reading and writing the file is ``workspace.read_law_file`` /
``write_law_file``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from l2l.base.checks import check_level
from l2l.base.errors import InputError, RefusedBeyondSweepError, SelectionError
from l2l.base.text import utc_now

if TYPE_CHECKING:
    from l2l.base.runs import Runs
    from l2l.core.fit import FitOptions, LawFit
    from l2l.core.laws import ScalingLaw
    from l2l.core.line_law import LineChoice, LineLaw
    from l2l.core.selection import FormChoice
    from l2l.workflows.results import Results

__all__ = [
    "LAWFILE_FORMAT",
    "LAWFILE_VERSION",
    "LawFile",
    "law_file_dict",
    "law_file_from_dict",
    "predict_from_laws",
]

LAWFILE_FORMAT = "l2l-laws"
LAWFILE_VERSION = 1


def _ranges(runs: Runs, split: str | None, dataset: str, eval_name: str) -> dict[str, list[float]]:
    import polars as pl

    sub = runs.in_split(split).filter((pl.col("dataset") == dataset) & (pl.col("eval") == eval_name))
    return {c: [float(sub[c].min()), float(sub[c].max())] for c in ("N", "D", "C", "loss")}  # type: ignore[arg-type]


def law_file_dict(
    runs: Runs,
    fits: Sequence[LawFit],
    *,
    options: FitOptions,
    split: str | None = None,
    choices: Mapping[tuple[str, str], FormChoice] | None = None,
    flags: Mapping[tuple[str, str], str] | None = None,
    lines: Mapping[tuple[str, str], LineChoice] | None = None,
    refusals: Mapping[tuple[str, str], str] | None = None,
) -> dict[str, Any]:
    """The law-file document of ``fits`` (fitted on the runs of ``split``), JSON-safe. With ``--form auto`` each
    law carries its form (``form``, ``equation``) and how it was chosen (``form_choice``: every form's backtest
    error); a poor law, why (``flag``: predictions from the file say so) and, where ``predict`` refuses it beyond
    its sweep's largest budget, why (``refusal``: the file refuses it there too); a one-line sweep's law whose line law
    gives its estimates on the line, that law and why (``line_law``: predictions from the file take it too)."""
    from l2l.base.version import __version__
    from l2l.core.laws import FORM_EQUATIONS, PER_LAW_EQUATION

    laws = []
    for fit in fits:
        rec = fit.to_record()
        rec["equation"] = FORM_EQUATIONS[fit.form]
        rec["own"] = runs.own_eval.get(fit.dataset) == fit.eval
        rec["ranges"] = _ranges(runs, split, fit.dataset, fit.eval)
        choice = (choices or {}).get((fit.dataset, fit.eval))
        if choice is not None:
            rec["form_choice"] = choice.to_dict()
        flag = (flags or {}).get((fit.dataset, fit.eval))
        if flag is not None:  # a poor law read back as ok from the file (probe p48)
            rec["flag"] = flag
        refusal = (refusals or {}).get((fit.dataset, fit.eval))
        if refusal is not None:  # (a refused law's value beyond its sweep had been read from the file alone)
            rec["refusal"] = refusal
        line = (lines or {}).get((fit.dataset, fit.eval))
        if line is not None:
            rec["line_law"] = line.to_dict()
        laws.append(rec)
    return {
        "format": LAWFILE_FORMAT,
        "format_version": LAWFILE_VERSION,
        "l2l_version": __version__,
        "created": utc_now(),
        "data": {
            "digest": runs.digest,
            "runs": runs.n_runs,
            "split": split,
            "flops_per_param_token": runs.flops_per_param_token,
        },
        "form": options.form,
        "equation": FORM_EQUATIONS.get(options.form, PER_LAW_EQUATION),
        "objective": options.objective,
        "delta": options.delta,
        "thorough": options.thorough,
        "laws": laws,
    }


@dataclass(frozen=True)
class LawFile:
    """Laws read from a law file, with the file's provenance (``meta``: everything but the laws)."""

    source: str
    laws: tuple[LawFit, ...]
    own: frozenset[tuple[str, str]]
    ranges: Mapping[tuple[str, str], Mapping[str, tuple[float, float]]]
    flops_per_param_token: float
    meta: Mapping[str, Any]
    #: why a law is poor, by (dataset, eval), as ``fit-law`` said when it wrote the file
    flags: Mapping[tuple[str, str], str] = field(default_factory=dict)
    #: the line law that gives a one-line sweep's estimates on its line, by (dataset, eval), as ``fit-law`` wrote it
    lines: Mapping[tuple[str, str], LineLaw] = field(default_factory=dict)
    #: why a poor law predicts nothing beyond its fitted runs' largest budget, by (dataset, eval), as ``fit-law``
    #: wrote it (``LawBook.refusal``)
    refusals: Mapping[tuple[str, str], str] = field(default_factory=dict)

    @property
    def datasets(self) -> list[str]:
        return list(dict.fromkeys(f.dataset for f in self.laws))

    def evals_of(self, dataset: str) -> list[str]:
        return [f.eval for f in self.laws if f.dataset == dataset]

    def get(self, dataset: str, eval_name: str) -> LawFit:
        return next(f for f in self.laws if (f.dataset, f.eval) == (dataset, eval_name))


def _bad(source: str, message: str) -> InputError:
    return InputError(message, path=source, hint="write it again with `l2l fit-law --save FILE.json`")


def _check_readable(rec: Mapping[str, Any], law: ScalingLaw) -> None:
    """The law's parameters are what a fit makes, and the readable copies beside theta say the same law (an
    edited A would otherwise be ignored); ValueError saying which is not."""
    scales = {"A": law.A, "B": law.B} | ({} if law.form == "kaplan" else {"E": law.E})
    if not all(math.isfinite(v) and v > 0 for v in scales.values()):
        raise ValueError(
            f"A, B and E must be finite and > 0, got {', '.join(f'{k}={v:g}' for k, v in scales.items())}"
        )
    # the box every fit lies in (l2l.core.search): a law outside it was not made by a fit
    if not all(math.isfinite(v) and 0 < v <= 3 for v in (law.alpha, law.beta)):
        raise ValueError(f"exponents must lie in (0, 3], got alpha={law.alpha:g}, beta={law.beta:g}")
    for key, value in {**scales, "alpha": law.alpha, "beta": law.beta}.items():
        shown = rec.get(key)
        if shown is None:
            continue
        if isinstance(shown, bool) or not isinstance(shown, (int, float)):
            raise ValueError(f"{key} must be a number, got {shown!r}")
        if not math.isclose(float(shown), value, rel_tol=1e-6):
            raise ValueError(
                f"{key}={float(shown):g} disagrees with the law's theta ({key}={value:g}): theta is the law, "
                "and A, B, E, alpha, beta beside it are copies for reading (edit theta, or fit again)"
            )


def _ranges_of(rng: Any) -> dict[str, tuple[float, float]]:
    """A law's fitted ranges (empty when the file has none: its predictions then say their reach is unknown)."""
    if rng is None:
        return {}
    if not isinstance(rng, Mapping):
        raise TypeError(f"ranges must be an object of [min, max] pairs, got {type(rng).__name__}")
    pairs = {q: rng[q] for q in ("N", "D", "C", "loss") if q in rng}
    if not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(v, (int, float)) for v in p)
        for p in pairs.values()
    ):
        raise ValueError("ranges must hold [min, max] pairs of numbers for N, D, C and loss")
    out = {q: (float(p[0]), float(p[1])) for q, p in pairs.items()}
    if not all(math.isfinite(v) and v > 0 for pair in out.values() for v in pair):
        raise ValueError("ranges must be finite positive numbers")
    if backwards := [q for q, (lo, hi) in out.items() if lo > hi]:
        # [1e9, 5.68e6] was read as is: "N is 114x the largest fitted" for a model inside the sweep (probe p48)
        raise ValueError(f"ranges must be [min, max] with min ≤ max; {', '.join(backwards)} is not")
    return out


def _check_names_and_draws(fit: LawFit) -> None:
    """Names are strings and bootstrap draws a (draws, parameters) table of finite numbers; ValueError saying
    which is not (a draw of one number failed only when predicting, as an internal numpy error)."""
    import numpy as np

    for key in ("dataset", "eval"):
        if not isinstance(getattr(fit, key), str):
            raise ValueError(f"{key} must be a string, got {getattr(fit, key)!r}")
    boot = fit.bootstrap
    if boot is None:
        return
    width = len(fit.law.theta)
    if boot.ndim != 2 or boot.shape[1] != width or not len(boot):
        raise ValueError(
            f"bootstrap_theta must be a list of draws of {width} parameters each, got shape {boot.shape}"
        )
    if not np.all(np.isfinite(boot)):
        raise ValueError("bootstrap_theta holds a value that is not a finite number")


class _FieldError(ValueError):
    """A field of a law record is not what a fit writes (its words name the field)."""


def _is_number(v: Any) -> bool:
    """A JSON number a float holds (10**400, written as a whole number, overflowed: "internal error")."""
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return False
    try:
        float(v)
    except OverflowError:
        return False
    return True


def _field(name: str, what: str, got: Any) -> _FieldError:
    if isinstance(got, str):
        shown = f"the string {got!r}"
    elif isinstance(got, list):
        shown = "a list"
    elif isinstance(got, Mapping):
        shown = "an object"
    else:
        shown = "null" if got is None else repr(got)
        shown = shown if len(shown) <= 40 else f"{shown[:24]}… ({len(shown)} characters)"
    return _FieldError(f"field {name!r}: expected {what}, got {shown}")


#: The type of every field a fit writes into a law record (``LawFit.to_record`` and ``law_file_dict``): a record
#: read back is checked against it before it is rebuilt, so a bad field is named in l2l's words (not numpy's).
_RECORD_FIELDS: dict[str, tuple[str, str, bool]] = {
    # name: (kind, words, may be null)
    "dataset": ("str", "a string", False),
    "eval": ("str", "a string", False),
    "objective": ("str", "a string", False),
    "delta": ("number", "a number", True),
    "objective_value": ("number", "a number", False),
    "n_points": ("int", "a whole number", False),
    "r2": ("number", "a number", False),
    "rmse": ("number", "a number", False),
    "converged": ("bool", "true or false", False),
    "at_bounds": ("strs", "a list of strings", False),
    "warnings": ("strs", "a list of strings", False),
    "n_starts": ("int", "a whole number", False),
    "min_loss": ("number", "a number", False),
    "own": ("bool", "true or false", True),
    "equation": ("str", "a string", True),
    "bootstrap": ("object", "an object", True),
    "flag": ("str", "a string", True),
    "line_law": ("object", "an object", True),
}


def _check_types(rec: Mapping[str, Any]) -> None:
    """Every field of ``_RECORD_FIELDS`` present with its type (the optional ones may be missing or null)."""
    for name, (kind, words, nullable) in _RECORD_FIELDS.items():
        if name not in rec:
            if nullable:
                continue
            raise KeyError(name)
        v = rec[name]
        if v is None and nullable:
            continue
        ok = {
            "str": isinstance(v, str),
            "number": _is_number(v),
            "int": _is_number(v) and float(v).is_integer(),
            "bool": isinstance(v, bool),
            "strs": isinstance(v, list) and all(isinstance(x, str) for x in v),
            "object": isinstance(v, Mapping),
        }[kind]
        if not ok:
            raise _field(name, words, v)


def _check_record(rec: Mapping[str, Any]) -> None:
    """Every field of a law record has the type and shape a fit writes, and the redundant ones (``equation``,
    ``form_choice``) say the same form as ``form``; _FieldError naming the field when one does not."""
    from l2l.core.laws import FORM_EQUATIONS, PARAM_NAMES
    from l2l.core.selection import FORM_LABELS

    form = rec.get("form")
    if form is None and "form" not in rec:
        raise KeyError("form")
    if not isinstance(form, str) or form not in PARAM_NAMES:
        raise _field("form", f"one of {', '.join(PARAM_NAMES)}", form)
    label = f"{FORM_LABELS.get(form, form)} ({form})"
    if "theta" not in rec:
        raise KeyError("theta")
    theta = rec["theta"]
    width = len(PARAM_NAMES[form])
    if not isinstance(theta, list):
        raise _field("theta", f"a list of {width} numbers for {label}", theta)
    if len(theta) != width:
        raise _FieldError(f"field 'theta': expected {width} numbers for {label}, got {len(theta)}")
    bad = [v for v in theta if not (_is_number(v) and math.isfinite(v))]
    if bad:
        raise _field("theta", f"{width} finite numbers for {label}", bad[0])
    _check_types(rec)
    equation = rec.get("equation")
    if equation is not None and equation != FORM_EQUATIONS[form]:
        raise _FieldError(
            f"field 'form' says {form} ({FORM_EQUATIONS[form]}) but field 'equation' says {equation}: "
            "the file was edited (a law's form cannot change without fitting it again)"
        )
    choice = rec.get("form_choice")
    if isinstance(choice, Mapping) and choice.get("form") not in (None, form):
        raise _FieldError(
            f"field 'form' says {form} but field 'form_choice' chose {choice.get('form')}: the file was edited "
            "(a law's form cannot change without fitting it again)"
        )
    boot = rec.get("bootstrap_theta")
    if boot is not None and not (
        isinstance(boot, list) and boot and all(isinstance(row, list) and len(row) == width for row in boot)
    ):
        raise _FieldError(
            f"field 'bootstrap_theta': expected a list of draws of {width} numbers each for {label}"
        )
    if boot is not None and not all(_is_number(x) and math.isfinite(x) for row in boot for x in row):
        raise _FieldError("field 'bootstrap_theta': holds a value that is not a finite number")


def _law(rec: Any, i: int, source: str) -> tuple[LawFit, dict[str, tuple[float, float]]]:
    """One law record: the fit and its ranges; InputError naming the law when a field is missing or bad."""
    from l2l.core.fit import LawFit

    label = f"law {i}"
    try:
        if not isinstance(rec, Mapping):
            raise _FieldError(f"expected an object, got {type(rec).__name__}")
        label = f"law {i} ({rec.get('dataset')}/{rec.get('eval')})"
        _check_record(rec)
        fit = LawFit.from_record(rec)
        _check_readable(rec, fit.law)
        _check_names_and_draws(fit)
        return fit, _ranges_of(rec.get("ranges"))
    except KeyError as exc:
        raise _bad(source, f"{label}: missing field {exc}") from None
    except _FieldError as exc:
        raise _bad(source, f"{label}, {exc}") from None
    except (TypeError, ValueError, IndexError) as exc:
        raise _bad(source, f"{label}: {exc}") from None


def _check_header(doc: Mapping[str, Any], source: str) -> None:
    """The file's own fields (everything but its laws) have the types ``law_file_dict`` writes, and its ``form``
    and ``equation`` say the same; InputError naming the field when not."""
    from l2l.core.laws import FORM_EQUATIONS, PER_LAW_EQUATION

    for name in ("l2l_version", "created", "form", "equation", "objective"):
        if doc.get(name) is not None and not isinstance(doc[name], str):
            raise _bad(source, str(_field(name, "a string", doc[name])))
    for name in ("delta",):
        if doc.get(name) is not None and not _is_number(doc[name]):
            raise _bad(source, str(_field(name, "a number", doc[name])))
    if doc.get("thorough") is not None and not isinstance(doc["thorough"], bool):
        raise _bad(source, str(_field("thorough", "true or false", doc["thorough"])))
    if doc.get("data") is not None and not isinstance(doc["data"], Mapping):
        raise _bad(source, str(_field("data", "an object", doc["data"])))
    form, equation = doc.get("form"), doc.get("equation")
    if form is not None and equation is not None:
        if form not in (*FORM_EQUATIONS, "auto"):
            raise _bad(source, str(_field("form", f"one of {', '.join(FORM_EQUATIONS)}, auto", form)))
        if equation != FORM_EQUATIONS.get(form, PER_LAW_EQUATION):
            raise _bad(
                source,
                f"field 'form' says {form} but field 'equation' says {equation}: the file was edited (a law's "
                "form cannot change without fitting it again)",
            )
    if form in FORM_EQUATIONS:
        other = [
            r.get("form") for r in doc["laws"] if isinstance(r, Mapping) and r.get("form") not in (None, form)
        ]
        if other:
            raise _bad(
                source,
                f"field 'form' says every law is {form} but a law says {other[0]}: the file was edited (a law's "
                "form cannot change without fitting it again)",
            )


def law_file_from_dict(doc: Any, source: str = "law file") -> LawFile:
    """Check a law-file document and rebuild its laws; InputError naming ``source`` when it is not one."""
    from l2l.base.version import __version__

    if not isinstance(doc, Mapping) or doc.get("format") != LAWFILE_FORMAT:
        raise _bad(source, f'not an l2l law file (no "format": "{LAWFILE_FORMAT}")')
    version = doc.get("format_version")
    if not _is_number(version):
        raise _bad(source, str(_field("format_version", f"the number {LAWFILE_VERSION}", version)))
    if version != LAWFILE_VERSION:
        raise _bad(
            source,
            f"law file format version {version}; this l2l ({__version__}) reads version {LAWFILE_VERSION}",
        )
    records = doc.get("laws")
    if not isinstance(records, list):
        raise _bad(source, str(_field("laws", "a list of laws", records)))
    if not records:
        raise _bad(source, "the file holds no laws")
    data = doc.get("data")
    if not isinstance(data, Mapping):
        data = {}
    k = data.get("flops_per_param_token", 6.0)
    if not _is_number(k) or not (math.isfinite(k) and k > 0):
        raise _bad(source, str(_field("data.flops_per_param_token", "a positive number", k)))
    meta = {key: value for key, value in doc.items() if key != "laws"}
    read = _with_laws(records, source, float(k), meta)
    _check_header(doc, source)  # (after the laws: a law's own field is named first)
    return read


def _with_laws(records: Sequence[Any], source: str, k: float, meta: Mapping[str, Any]) -> LawFile:
    """The law file of checked ``records`` (each law once) and its header's ``k`` and ``meta``."""
    laws: list[LawFit] = []
    own: set[tuple[str, str]] = set()
    ranges: dict[tuple[str, str], dict[str, tuple[float, float]]] = {}
    flags: dict[tuple[str, str], str] = {}
    refusals: dict[tuple[str, str], str] = {}
    lines: dict[tuple[str, str], LineLaw] = {}
    for i, rec in enumerate(records, start=1):
        fit, rng = _law(rec, i, source)
        if (fit.dataset, fit.eval) in ranges:
            raise _bad(source, f"law {i}: a second law for {fit.dataset}/{fit.eval}")
        laws.append(fit)
        ranges[(fit.dataset, fit.eval)] = rng
        if rec.get("own"):
            own.add((fit.dataset, fit.eval))
        if isinstance(rec.get("flag"), str):
            flags[(fit.dataset, fit.eval)] = rec["flag"]
        if rec.get("refusal") is not None:
            if not isinstance(rec["refusal"], str):
                raise _bad(
                    source,
                    f"law {i} ({fit.dataset}/{fit.eval}), {_field('refusal', 'a string', rec['refusal'])}",
                )
            refusals[(fit.dataset, fit.eval)] = rec["refusal"]
        if rec.get("line_law") is not None:
            lines[(fit.dataset, fit.eval)] = _line_law(rec["line_law"], i, fit, source)
    return LawFile(source, tuple(laws), frozenset(own), ranges, k, meta, flags, lines, refusals)


def _line_law(rec: Mapping[str, Any], i: int, fit: LawFit, source: str) -> LineLaw:
    """A law record's ``line_law``: E ≥ 0, K > 0, γ > 0 and a D/N range, each a finite number; InputError naming
    the law and the field otherwise."""
    from l2l.core.line_law import LineLaw

    names = ("E", "K", "gamma", "ratio", "ratio_lo", "ratio_hi")
    for name in names:
        v = rec.get(name)
        if not (_is_number(v) and math.isfinite(float(v or 0.0))):
            raise _bad(
                source,
                f"law {i} ({fit.dataset}/{fit.eval}), {_field(f'line_law.{name}', 'a finite number', v)}",
            )
    E, K, gamma, ratio, lo, hi = (float(rec[n]) for n in names)
    if not (E >= 0 and K > 0 and gamma > 0 and 0 < lo <= ratio <= hi):
        raise _bad(
            source,
            f"law {i} ({fit.dataset}/{fit.eval}): field 'line_law' holds E {E:g}, K {K:g}, γ {gamma:g} and D/N "
            f"{lo:g}–{hi:g} around {ratio:g}: not a power law along a line (E ≥ 0, K > 0, γ > 0)",
        )
    n_runs = rec.get("n_runs", 0)
    objective = rec.get("objective", 0.0)
    return LineLaw(
        E,
        K,
        gamma,
        ratio,
        int(n_runs) if _is_number(n_runs) else 0,
        float(objective) if _is_number(objective) else 0.0,
        lo,
        hi,
    )


def _keys(lf: LawFile, datasets: Sequence[str] | None, evals: Sequence[str] | None) -> list[tuple[str, str]]:
    from l2l.base.runs import ALL, OWN, resolve_name, resolve_names

    wanted = list(evals or [OWN])
    keys: list[tuple[str, str]] = []
    all_evals = list(dict.fromkeys(f.eval for f in lf.laws))
    for ds in resolve_names(datasets, lf.datasets, "dataset"):
        have = lf.evals_of(ds)
        for ev in wanted:
            if ev == OWN:
                own = [e for e in have if (ds, e) in lf.own] or (have if len(have) == 1 else [])
                if not own:
                    raise SelectionError(
                        f"{lf.source} marks no law of {ds} as its own loss; its evals: {', '.join(have)}",
                        param="evals",
                    )
                keys.append((ds, own[0]))
            elif ev == ALL:
                keys.extend((ds, e) for e in have)
            elif (name := resolve_name(ev, all_evals, "eval")) in have:
                keys.append((ds, name))
    keys = list(dict.fromkeys(keys))
    if not keys:
        raise SelectionError(
            f"{lf.source} has no law of {', '.join(wanted)} for these datasets", param="evals"
        )
    return keys


#: How far a predicted loss may lie outside the losses a law was fitted on (a factor) before it is warned about.
LOSS_SLACK = 1.5


def reach_notes(
    N: float, D: float, C: float, loss: float, rng: Mapping[str, tuple[float, float]]
) -> tuple[str, ...]:
    """Words on where (N, D, C) and the predicted loss lie against the ranges a law was fitted on, as predicting
    from the workspace says them: beyond the largest fitted, below the smallest (where nothing tested the law),
    and a loss far outside the fitted losses. Empty inside the ranges or when the file has none."""
    from l2l.core.predictive import range_words

    out, below = range_words(
        (name, v, rng[key])
        for name, key, v in (("compute", "C", C), ("N", "N", N), ("D", "D", D))
        if key in rng
    )
    if below:
        out.append(f"{', '.join(below)} below the smallest fitted: nothing tested the law there")
    if "loss" in rng:
        lo, hi = rng["loss"]
        if not lo / LOSS_SLACK <= loss <= hi * LOSS_SLACK:
            out.append(
                f"the predicted loss {loss:.4g} lies far outside the losses the law was fitted on "
                f"({lo:.4g}–{hi:.4g})"
            )
    return tuple(out)


#: Why a law-file prediction is never calibrated (its rows say so in ``reason``).
NOT_CALIBRATED = "not calibrated: a law file holds no runs to backtest the law against"
#: Why a law-file prediction has no interval.
NO_DRAWS = (
    "no interval: the law file holds no bootstrap draws (fit-law --bootstrap N --save FILE.json keeps them)"
)
#: Why a law-file interval is a lower bound.
DRAWS_ONLY = "interval: bootstrap percentiles, parameter uncertainty only (a lower bound)"


@dataclass(frozen=True)
class FilePrediction:
    """A law-file law's loss at one (N, D): the law's own value (no run table, so no calibration), its bootstrap
    percentile interval when the file holds draws (parameter uncertainty only: a lower bound), and how far the
    point lies beyond the runs the law was fitted on (``ratios``: C, N, D over the largest fitted; above 1 =
    extrapolated; None when the file has no ranges); ``notes``: where it lies against the fitted ranges (below
    the smallest, beyond the largest, a loss far outside the fitted losses)."""

    dataset: str
    eval: str
    N: float
    D: float
    C: float
    loss: float
    interval: tuple[float, float] | None
    level: float
    ratios: tuple[float, float, float] | None
    fit: LawFit
    notes: tuple[str, ...] = ()
    #: why the law is poor, as the file says (None: not poor)
    flag: str | None = None
    #: the law's own value where ``loss`` is its line law's estimate (None: ``loss`` is the law's)
    law_loss: float | None = None

    @property
    def extrapolated(self) -> bool | None:
        """Whether the point lies outside the fitted runs (beyond the largest or below the smallest); None when
        the file does not say what they were."""
        if self.ratios is None:
            return None
        return max(self.ratios) > 1.0 or any("below the smallest fitted" in n for n in self.notes)

    @property
    def far_loss(self) -> bool:
        """Whether the predicted loss lies far outside the losses the law was fitted on."""
        return any("far outside the losses" in n for n in self.notes)

    def to_dict(self) -> dict[str, Any]:
        lo, hi = self.interval if self.interval else (None, None)
        c_r, n_r, d_r = self.ratios if self.ratios else (None, None, None)
        return {
            "dataset": self.dataset,
            "eval": self.eval,
            "form": self.fit.form,
            "N": self.N,
            "D": self.D,
            "C": self.C,
            "loss": self.loss,
            # predict's row has them (a script reading loss_law from either had a KeyError on one, probe h54)
            "loss_law": self.loss if self.law_loss is None else self.law_loss,
            "corrected": False,
            "loss_lo": lo,
            "loss_hi": hi,
            "level": self.level if self.interval else None,
            "interval_method": "bootstrap" if self.interval else None,
            "lower_bound_only": self.interval is not None,
            "calibrated": False,
            "reason": f"{NOT_CALIBRATED}; {DRAWS_ONLY if self.interval else NO_DRAWS}",
            "C_ratio": c_r,
            "N_ratio": n_r,
            "D_ratio": d_r,
            "extrapolated": self.extrapolated,
            "status": "poor" if self.far_loss or self.flag else "ok",
            "notes": list(self.notes),
            "warnings": [*self.fit.warnings, *([self.flag] if self.flag else []), *self.notes],
        }


def _on_line(
    line: LineLaw | None, fit: LawFit, n: float, d: float, loss: float, interval: tuple[float, float] | None
) -> tuple[float, tuple[float, float] | None, tuple[str, ...]]:
    """A file law's value at (n, d), its interval and a note, where the file's line law gives the estimate (as
    ``predict`` does on the workspace: the line value, faded into the law's off the line, the interval holding
    both with the law's relative spread); unchanged otherwise."""
    from l2l.core.intervals import holding
    from l2l.workflows.predict import line_value

    if line is None:
        return loss, interval, ()
    weight = line.weight(n, d)
    value = line_value(line, fit, loss, n, d, weight)
    if value is None:
        return loss, interval, ()
    if interval is not None:
        interval = holding(*interval, loss, value)
    note = (
        f"the estimate is a power law along the runs' one line of tokens per parameter (E + K·N^−γ: E {line.E:.3g}, "
        f"γ {line.gamma:.3g})"
        + ("" if weight >= 1 else f", off the line weighted {weight:.2f} against the law's")
        + f"; the law gives {loss:.4g}"
    )
    return value, interval, (note,)


def predict_from_laws(
    lf: LawFile,
    *,
    N: Sequence[float],
    D: Sequence[float] | None = None,
    C: Sequence[float] | None = None,
    datasets: Sequence[str] | None = None,
    evals: Sequence[str] | None = None,
    level: float = 0.9,
) -> Results[FilePrediction]:
    """Each named law of the file at each (N, D) (D = C/(k·N) with the file's k); ``datasets`` and ``evals``
    resolve as everywhere (``all``; evals default to each dataset's own law). A law the file says is refused beyond
    its fitted runs' largest budget (``refusal``) is listed there as not predicted (``Results.skipped``), as
    ``predict`` on the runs lists it; RefusedBeyondSweepError where nothing else is left."""
    from l2l.core.sweep import BUDGET_RTOL
    from l2l.workflows.predict import size_grid
    from l2l.workflows.results import Results

    check_level(level)
    k = lf.flops_per_param_token
    n_arr, d_arr = size_grid(N, D, C, k)
    out: list[FilePrediction] = []
    refused: list[str] = []
    for ds, ev in _keys(lf, datasets, evals):
        fit = lf.get(ds, ev)
        pred = fit.predict(n_arr, d_arr)
        iv = fit.predict_interval(n_arr, d_arr, level)
        rng = lf.ranges.get((ds, ev), {})
        line = lf.lines.get((ds, ev))
        for i in range(len(n_arr)):
            n, d = float(n_arr[i]), float(d_arr[i])
            c = k * n * d
            ratios = (
                (c / rng["C"][1], n / rng["N"][1], d / rng["D"][1])
                if all(q in rng for q in ("N", "D", "C"))
                else None
            )
            why = lf.refusals.get((ds, ev))
            if why is not None and ratios is not None and ratios[0] > 1 + BUDGET_RTOL:
                # as predict on the runs refuses it (``predict.refuse_beyond``): the file keeps fit-law's reason
                refused.append(
                    f"{ds}/{ev}: refused {ratios[0]:.3g}× beyond the largest fitted budget: the law is poor and {why}"
                )
                continue
            law_loss = float(pred[i])
            interval = None if iv is None else (float(iv[0][i]), float(iv[1][i]))
            loss, interval, said = _on_line(line, fit, n, d, law_loss, interval)
            out.append(
                FilePrediction(
                    ds,
                    ev,
                    n,
                    d,
                    c,
                    loss,
                    interval,
                    level,
                    ratios,
                    fit,
                    (*reach_notes(n, d, c, loss, rng), *said),
                    lf.flags.get((ds, ev)),
                    law_loss=law_loss,
                )
            )
    if refused and not out:
        raise RefusedBeyondSweepError(refused[0])
    return Results(out, [f"not predicted: {why}" for why in refused])
