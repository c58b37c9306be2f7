"""Fitted laws as a portable document: what ``l2l fit-law --save laws.json`` writes and ``l2l predict --law`` reads.

A law file holds every law with its provenance: the digest of the runs it was fitted on, the form, objective and
Huber δ, the split, the l2l version and date, and per law the dataset, eval, parameters (exact optimizer
coordinates, so a law read back predicts to the last bit), number of runs and the ranges of N, D, C and loss it
was fitted on. A fixed-D sweep's law in N at one D (``line_law.FixedLine``, form ``line``) is a record of its own:
its D, E_D, K, γ, sizes, largest N, fitted ranges and backtest summary, as ``fit-law -f json`` shows it; read back it
gives its value at that D and refuses any other. Pure: dicts in and out; reading and writing the file is
``workspace.read_law_file`` / ``write_law_file``.
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
    from l2l.core.line_law import FixedLine, LineBacktest, LineChoice, LineLaw
    from l2l.core.selection import FormChoice
    from l2l.workflows.results import Results

__all__ = [
    "LAWFILE_FORMAT",
    "LAWFILE_VERSION",
    "LINE_EQUATION",
    "LawFile",
    "law_file_dict",
    "law_file_from_dict",
    "predict_from_laws",
]

LAWFILE_FORMAT = "l2l-laws"
LAWFILE_VERSION = 1
#: The equation of a fixed-D sweep's law in a law file (its record's ``equation``; its form is ``line``).
LINE_EQUATION = "E_D + K·N^−γ"


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
    fixed: Mapping[tuple[str, str], FixedLine] | None = None,
) -> dict[str, Any]:
    """The law-file document of ``fits`` (fitted on the runs of ``split``), JSON-safe. With ``--form auto`` each
    law carries its form (``form``, ``equation``) and how it was chosen (``form_choice``: every form's backtest
    error); a poor law, why (``flag``: predictions from the file say so) and, where ``predict`` refuses it beyond
    its sweep's largest budget, why (``refusal``: the file refuses it there too); a one-line sweep's law whose line law
    gives its estimates on the line, that law and why (``line_law``: predictions from the file take it too). After
    them, each fixed-D sweep's law in N at one D of ``fixed`` (``FitOutcome.fixed``) as a record of its own
    (``_fixed_record``)."""
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
    for (dataset, eval_name), fixed_line in (fixed or {}).items():
        laws.append(_fixed_record(runs, split, dataset, eval_name, fixed_line))
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


def _fixed_record(
    runs: Runs, split: str | None, dataset: str, eval_name: str, line: FixedLine
) -> dict[str, Any]:
    """A fixed-D sweep's law as a law record: its ``fit-law -f json`` row (form ``line``; E, K, gamma and D, copies
    for reading of ``line_law``, which is the law: its D range, sizes and backtest summary), its equation, largest
    N, whether it is the dataset's own loss, its fitted ranges, and whether its runs are a per-step log read at its
    final checkpoints (another D's fix then differs, ``predict.other_d_fix``)."""
    from l2l.workflows.lawbook import fixed_row

    rec = {k: v for k, v in fixed_row(dataset, eval_name, line).items() if k != "status"}
    rec["equation"] = LINE_EQUATION
    rec["largest_N"] = line.largest
    rec["own"] = runs.own_eval.get(dataset) == eval_name
    rec["ranges"] = _ranges(runs, split, dataset, eval_name)
    rec["final_of_a_log"] = runs.final_of_a_log
    return rec


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
    #: a fixed-D sweep's law in N at one D, by (dataset, eval), as ``fit-law`` wrote it (form ``line``: not in
    #: ``laws``); predicted at its D alone
    fixed: Mapping[tuple[str, str], FixedLine] = field(default_factory=dict)
    #: whether a fixed-D law's runs were a per-step log read at its final checkpoints (another D's fix differs)
    logs: frozenset[tuple[str, str]] = frozenset()

    @property
    def keys(self) -> list[tuple[str, str]]:
        """Every law's (dataset, eval): the laws in N and D, then the laws in N at one D."""
        return [*((f.dataset, f.eval) for f in self.laws), *self.fixed]

    @property
    def datasets(self) -> list[str]:
        return list(dict.fromkeys(ds for ds, _ in self.keys))

    def evals_of(self, dataset: str) -> list[str]:
        return [ev for ds, ev in self.keys if ds == dataset]

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
    if not isinstance(form, str) or form not in PARAM_NAMES:  # (form line: ``_fixed_law``)
        raise _field("form", f"one of {', '.join(PARAM_NAMES)}, line", form)
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
    from l2l.workflows.lawbook import FIXED_FORM

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
    # (a fixed-D sweep's law is in N at one D, form line, whatever the file's form)
    if form in FORM_EQUATIONS:
        other = [
            r.get("form")
            for r in doc["laws"]
            if isinstance(r, Mapping) and r.get("form") not in (None, form, FIXED_FORM)
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
    from l2l.workflows.lawbook import FIXED_FORM

    laws: list[LawFit] = []
    own: set[tuple[str, str]] = set()
    ranges: dict[tuple[str, str], dict[str, tuple[float, float]]] = {}
    flags: dict[tuple[str, str], str] = {}
    refusals: dict[tuple[str, str], str] = {}
    lines: dict[tuple[str, str], LineLaw] = {}
    fixed: dict[tuple[str, str], FixedLine] = {}
    logs: set[tuple[str, str]] = set()
    for i, rec in enumerate(records, start=1):
        if isinstance(rec, Mapping) and rec.get("form") == FIXED_FORM:  # (a law in N at one D)
            key, fixed_line, rng = _fixed_law(rec, i, source)
            if key in ranges:
                raise _bad(source, f"law {i}: a second law for {key[0]}/{key[1]}")
            fixed[key], ranges[key] = fixed_line, rng
            if rec.get("own"):
                own.add(key)
            if rec.get("final_of_a_log"):
                logs.add(key)
            continue
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
            label = f"law {i} ({fit.dataset}/{fit.eval})"
            lines[(fit.dataset, fit.eval)] = _line_law(rec["line_law"], label, source)
    return LawFile(
        source, tuple(laws), frozenset(own), ranges, k, meta, flags, lines, refusals, fixed, frozenset(logs)
    )


def _line_law(rec: Mapping[str, Any], label: str, source: str, slope: float = 1.0) -> LineLaw:
    """A law record's ``line_law`` (of slope ``slope``: 1 along one D/N, 0 at one D): E ≥ 0, K > 0, γ > 0 and a
    D/N (or D) range, each a finite number; InputError naming the law (``label``) and the field otherwise."""
    from l2l.core.line_law import LineLaw

    names = ("E", "K", "gamma", "ratio", "ratio_lo", "ratio_hi")
    for name in names:
        v = rec.get(name)
        if not (_is_number(v) and math.isfinite(float(v or 0.0))):
            raise _bad(source, f"{label}, {_field(f'line_law.{name}', 'a finite number', v)}")
    E, K, gamma, ratio, lo, hi = (float(rec[n]) for n in names)
    along = "D/N" if slope == 1.0 else "D"
    if not (E >= 0 and K > 0 and gamma > 0 and 0 < lo <= ratio <= hi):
        raise _bad(
            source,
            f"{label}: field 'line_law' holds E {E:g}, K {K:g}, γ {gamma:g} and {along} {lo:g}–{hi:g} around "
            f"{ratio:g}: not a power law along a line (E ≥ 0, K > 0, γ > 0)",
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
        slope,
    )


#: The fields of a fixed-D law's record beside its ``line_law`` (``_fixed_record``): kind, words, may be missing
#: or null (as ``_RECORD_FIELDS``).
_FIXED_FIELDS: dict[str, tuple[str, str, bool]] = {
    "dataset": ("str", "a string", False),
    "eval": ("str", "a string", False),
    "line_law": ("object", "an object", False),
    "largest_N": ("positive", "a finite number > 0", False),
    "n_points": ("int", "a whole number", True),
    "converged": ("bool", "true or false", True),
    "warnings": ("strs", "a list of strings", True),
    "own": ("bool", "true or false", True),
    "equation": ("str", "a string", True),
    "final_of_a_log": ("bool", "true or false", True),
}
#: The backtest summary's fields (``FixedLine.to_dict``: ``LineBacktest`` without the law's error).
_BACKTEST_FIELDS: dict[str, tuple[str, str, bool]] = {
    "line_error": ("nonnegative", "a finite number ≥ 0", False),
    "n_errors": ("int", "a whole number", False),
    "n_cutoffs": ("int", "a whole number", False),
    "scale": ("nonnegative", "a finite number ≥ 0", False),
    "reach": ("nonnegative", "a finite number ≥ 0", True),
}


def _check_fields(
    rec: Mapping[str, Any], fields: Mapping[str, tuple[str, str, bool]], prefix: str = ""
) -> None:
    """Every field of ``fields`` present in ``rec`` with its kind (the optional ones may be missing or null);
    KeyError or _FieldError naming the field (after ``prefix``: ``line_law.backtest.``) when one is not."""
    for name, (kind, words, nullable) in fields.items():
        v = rec.get(name)
        if v is None:
            if nullable:
                continue
            raise KeyError(f"{prefix}{name}") if name not in rec else _field(f"{prefix}{name}", words, v)
        finite = _is_number(v) and math.isfinite(float(v))
        ok = {
            "str": isinstance(v, str),
            "int": _is_number(v) and float(v).is_integer(),
            "bool": isinstance(v, bool),
            "strs": isinstance(v, list) and all(isinstance(x, str) for x in v),
            "object": isinstance(v, Mapping),
            "positive": finite and float(v) > 0,
            "nonnegative": finite and float(v) >= 0,
        }[kind]
        if not ok:
            raise _field(f"{prefix}{name}", words, v)


def _fixed_law(
    rec: Mapping[str, Any], i: int, source: str
) -> tuple[tuple[str, str], FixedLine, dict[str, tuple[float, float]]]:
    """A fixed-D sweep's law record (form ``line``, ``_fixed_record``): its key, the law and its fitted ranges.
    ``line_law`` is the law (slope 0: one D); E, K, gamma and D beside it are copies for reading and must say the
    same; InputError naming the law and the field otherwise, as for every other record."""
    from l2l.core.line_law import MIN_FIXED_SIZES, FixedLine
    from l2l.workflows.lawbook import FIXED_FORM

    label = f"law {i} ({rec.get('dataset')}/{rec.get('eval')})"
    try:
        _check_fields(rec, _FIXED_FIELDS)
        equation = rec.get("equation")
        if equation is not None and equation != LINE_EQUATION:
            raise _FieldError(
                f"field 'form' says {FIXED_FORM} ({LINE_EQUATION}) but field 'equation' says {equation}: the file "
                "was edited (a law's form cannot change without fitting it again)"
            )
        body = rec["line_law"]
        if not (_is_number(body.get("slope")) and body["slope"] == 0):
            raise _field("line_law.slope", "0 (a law in N at one D)", body.get("slope"))
        sizes = body.get("sizes")
        if not (_is_number(sizes) and float(sizes).is_integer() and sizes >= MIN_FIXED_SIZES):
            raise _field("line_law.sizes", f"a whole number ≥ {MIN_FIXED_SIZES}", sizes)
        _check_fields(body, {"scale": ("nonnegative", "a finite number ≥ 0", False)}, "line_law.")
        backtest = _fixed_backtest(body.get("backtest"))
        ranges = _ranges_of(rec.get("ranges"))
    except KeyError as exc:
        raise _bad(source, f"{label}: missing field {exc}") from None
    except _FieldError as exc:
        raise _bad(source, f"{label}, {exc}") from None
    except (TypeError, ValueError) as exc:
        raise _bad(source, f"{label}: {exc}") from None
    law = _line_law(body, label, source, slope=0.0)
    _check_copies(rec, law, label, source)
    fixed_line = FixedLine(
        law, backtest, float(rec["largest_N"]), int(sizes), group_scale=float(body["scale"])
    )
    return (rec["dataset"], rec["eval"]), fixed_line, ranges


def _fixed_backtest(test: Any) -> LineBacktest | None:
    """A fixed-D law's backtest summary (``FixedLine.to_dict``; null: too few sizes for one); _FieldError or
    KeyError naming the field that is not what a fit writes."""
    from l2l.core.line_law import LineBacktest

    if test is None:
        return None
    if not isinstance(test, Mapping):
        raise _field("line_law.backtest", "an object or null", test)
    _check_fields(test, _BACKTEST_FIELDS, "line_law.backtest.")
    return LineBacktest(
        float(test["line_error"]),
        float(test["line_error"]),  # (no law in N and D beside it: ``backtest_fixed``)
        int(test["n_errors"]),
        int(test["n_cutoffs"]),
        float(test["scale"]),
        float(test.get("reach") or 0.0),
    )


def _check_copies(rec: Mapping[str, Any], law: LineLaw, label: str, source: str) -> None:
    """A fixed-D record's E, K, gamma and D (and ``line_law.D``) say what its ``line_law`` says (an edited E would
    otherwise be ignored, as ``_check_readable`` refuses for theta); InputError naming the field otherwise."""
    body = rec["line_law"]
    for name, value in (("E", law.E), ("K", law.K), ("gamma", law.gamma), ("D", law.ratio)):
        for where, shown in (
            (name, rec.get(name)),
            (f"line_law.{name}", body.get(name) if name == "D" else None),
        ):
            if shown is None:
                continue
            if not _is_number(shown):
                raise _bad(source, f"{label}, {_field(where, 'a number', shown)}")
            if not math.isclose(float(shown), value, rel_tol=1e-6):
                raise _bad(
                    source,
                    f"{label}: {where}={float(shown):g} disagrees with the law's line_law ({name}={value:g}): "
                    "line_law is the law, and E, K, gamma and D beside it are copies for reading (edit line_law, "
                    "or fit again)",
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
#: Why a fixed-D sweep's law from a law file has no interval.
NO_FIXED_INTERVAL = (
    "no interval: a law in N at one D takes its interval from its runs (its backtests and its refits without each "
    "size; predict on the runs gives it)"
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
    #: the law: in N and D, or a fixed-D sweep's in N at one D (form ``line``, never an interval from the file)
    fit: LawFit | FixedLine
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
        from l2l.core.fit import LawFit
        from l2l.workflows.lawbook import FIXED_FORM, fixed_note

        lo, hi = self.interval if self.interval else (None, None)
        c_r, n_r, d_r = self.ratios if self.ratios else (None, None, None)
        form: str
        if isinstance(self.fit, LawFit):
            form, said, why = (
                self.fit.form,
                list(self.fit.warnings),
                DRAWS_ONLY if self.interval else NO_DRAWS,
            )
        else:  # (as predict on the runs says it: ``LinePrediction``)
            form, said, why = FIXED_FORM, [fixed_note(self.fit)], NO_FIXED_INTERVAL
        return {
            "dataset": self.dataset,
            "eval": self.eval,
            "form": form,
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
            "reason": f"{NOT_CALIBRATED}; {why}",
            "C_ratio": c_r,
            "N_ratio": n_r,
            "D_ratio": d_r,
            "extrapolated": self.extrapolated,
            "status": "poor" if self.far_loss or self.flag else "ok",
            "notes": list(self.notes),
            "warnings": [*said, *([self.flag] if self.flag else []), *self.notes],
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
    its fitted runs' largest budget (``refusal``), and a fixed-D sweep's law at a D off its own (``off_fixed_d``), are
    listed there as not predicted (``Results.skipped``), as ``predict`` on the runs lists them; where nothing else
    is left, the first is raised (RefusedBeyondSweepError, FitError)."""
    from l2l.base.errors import FitError
    from l2l.core.sweep import BUDGET_RTOL
    from l2l.workflows.predict import off_fixed_d, size_grid
    from l2l.workflows.results import Results

    check_level(level)
    k = lf.flops_per_param_token
    n_arr, d_arr = size_grid(N, D, C, k)
    out: list[FilePrediction] = []
    refused: list[FitError] = []
    for ds, ev in _keys(lf, datasets, evals):
        rng = lf.ranges.get((ds, ev), {})
        fixed = lf.fixed.get((ds, ev))
        if fixed is not None:  # (in N at one D: its value there, any other D refused as predict refuses it)
            for n, d in zip(n_arr.tolist(), d_arr.tolist(), strict=True):
                c = k * n * d
                if not fixed.at(d):
                    refused.append(off_fixed_d(ds, ev, fixed, d, log=(ds, ev) in lf.logs))
                    continue
                loss = float(fixed.law.predict(n))
                notes = reach_notes(n, d, c, loss, rng)
                out.append(
                    FilePrediction(ds, ev, n, d, c, loss, None, level, _ratios(n, d, c, rng), fixed, notes)
                )
            continue
        fit = lf.get(ds, ev)
        pred = fit.predict(n_arr, d_arr)
        iv = fit.predict_interval(n_arr, d_arr, level)
        line = lf.lines.get((ds, ev))
        for i in range(len(n_arr)):
            n, d = float(n_arr[i]), float(d_arr[i])
            c = k * n * d
            ratios = _ratios(n, d, c, rng)
            why = lf.refusals.get((ds, ev))
            if why is not None and ratios is not None and ratios[0] > 1 + BUDGET_RTOL:
                # as predict on the runs refuses it (``predict.refuse_beyond``): the file keeps fit-law's reason
                refused.append(
                    RefusedBeyondSweepError(
                        f"{ds}/{ev}: refused {ratios[0]:.3g}× beyond the largest fitted budget: the law is poor and "
                        f"{why}"
                    )
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
        raise refused[0]
    return Results(out, [f"not predicted: {exc.message}" for exc in refused])


def _ratios(
    n: float, d: float, c: float, rng: Mapping[str, tuple[float, float]]
) -> tuple[float, float, float] | None:
    """C, N and D over the largest fitted (None where the file has no ranges)."""
    if not all(q in rng for q in ("N", "D", "C")):
        return None
    return c / rng["C"][1], n / rng["N"][1], d / rng["D"][1]
