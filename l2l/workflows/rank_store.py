"""``rank``'s answer kept in the workspace: a warm ``l2l rank`` reads its ranking instead of making it again.

As ``evaluate_store``: the answer is keyed by a sha256 of exactly what it was computed from (the runs, with their
accuracy rows and every-checkpoint rows where a ranking of an accuracy reads them; every field of the request;
l2l's source and its numeric libraries' versions, ``caches.code_digest``; ``FORMAT`` here), so a changed run,
option or line of code is another key and a stale ranking is never served. The ranking is encoded exactly (a tree
of its frozen dataclasses, floats by repr), so that a served ranking prints what the computed one printed, byte
for byte; what only the making of it used (its joint draws, ``Ranking.log_draws``) is not kept.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from l2l.core.rank_model import Budget, DrawError
from l2l.core.ranking import (
    CombinedRow,
    CurvePoint,
    DatasetPrediction,
    Flip,
    LawsScan,
    Ranking,
    TargetRanking,
)
from l2l.core.repetition import Repetition
from l2l.io.caches import plain_scalar

if TYPE_CHECKING:
    import polars as pl

    from l2l.base.runs import Runs

__all__ = ["FORMAT", "RANKING_ANSWER", "decode_ranking", "encode_ranking", "ranking_key"]

RANKING_ANSWER = "ranking"
#: the encoding below (a new one is a new key, never a misread old file)
FORMAT = 1

#: every class a ranking is made of, by name (nothing else is built from a kept file)
_CLASSES: dict[str, type] = {
    c.__name__: c
    for c in (
        Ranking,
        Budget,
        TargetRanking,
        DatasetPrediction,
        CombinedRow,
        Flip,
        LawsScan,
        CurvePoint,
        DrawError,
        Repetition,
    )
}
_CLASS = "§"  # the key naming a dataclass's class in its encoding
_TUPLE = "§t"  # a tuple (JSON has lists only; a field typed as a tuple is rebuilt as one)


def _frame_digest(frame: pl.DataFrame | None) -> str | None:
    """A hash of a table's columns, types and values (its rows' hashes: polars' version is in the code digest)."""
    if frame is None:
        return None
    h = hashlib.sha256(json.dumps([[c, str(t)] for c, t in frame.schema.items()]).encode())
    h.update(np.ascontiguousarray(frame.hash_rows(seed=0).to_numpy(), dtype="<u8").tobytes())
    return h.hexdigest()


def _plain_value(value: object) -> object:
    """A request's field as JSON has it (mappings sorted by key, tuples as lists)."""
    if isinstance(value, Mapping):
        return {str(k): _plain_value(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (tuple, list)):
        return [_plain_value(v) for v in value]
    return value


def ranking_key(runs: Runs, request: Mapping[str, object]) -> str:
    """The key of the ranking ``request`` asks of ``runs`` (every field of ``requests.RankRequest``, by name; the
    caches and workers change how fast it is made, not what it is)."""
    from l2l.io.caches import code_digest

    what = {
        "answer": RANKING_ANSWER,
        "format": FORMAT,
        "code": code_digest(),
        "runs": runs.digest,
        "accuracy": _frame_digest(runs.accuracy),
        "checkpoints": _frame_digest(runs.checkpoints),
        "request": _plain_value(request),
    }
    text = json.dumps(what, sort_keys=True, separators=(",", ":"), allow_nan=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _encoded(value: object) -> object:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return plain_scalar(value)  # (raises TypeError for what JSON has no scalar for)
    if isinstance(value, tuple):
        return {_TUPLE: [_encoded(v) for v in value]}
    if isinstance(value, list):
        return [_encoded(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if _CLASSES.get(name) is not type(value):
            raise TypeError(f"a ranking holds a {name}, which is not kept")
        out: dict[str, object] = {_CLASS: name}
        for f in dataclasses.fields(value):
            if f.compare:  # (a field left out of comparisons is no part of the answer: the joint draws)
                out[f.name] = _encoded(getattr(value, f.name))
        return out
    raise TypeError(f"a ranking holds a {type(value).__name__}, which is not kept")


def _decoded(value: object) -> object:
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    if not isinstance(value, dict):
        return value
    if _TUPLE in value:
        items = value[_TUPLE]
        if not isinstance(items, list):
            raise ValueError("a kept tuple is not a list")
        return tuple(_decoded(v) for v in items)
    cls = _CLASSES.get(str(value.get(_CLASS)))
    if cls is None:
        raise ValueError(f"a kept ranking names an unknown class {value.get(_CLASS)!r}")
    return cls(**{k: _decoded(v) for k, v in value.items() if k != _CLASS})


def encode_ranking(ranking: Ranking) -> bytes | None:
    """``ranking`` as the bytes ``decode_ranking`` rebuilds it from exactly; None when it holds something this
    encoding does not keep (then nothing is kept: the next command makes it again)."""
    try:
        tree = _encoded(ranking)
    except TypeError:
        return None
    # NaN and ±inf as JSON's common extension (this file is l2l's own: Python reads them back exactly)
    return json.dumps({"format": FORMAT, "ranking": tree}, separators=(",", ":"), allow_nan=True).encode()


def decode_ranking(body: bytes) -> Ranking | None:
    """The ranking ``encode_ranking`` made ``body`` from; None when ``body`` is not one."""
    try:
        doc = json.loads(body)
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            return None
        made = _decoded(doc["ranking"])
    except (KeyError, TypeError, ValueError, RecursionError):
        return None
    return made if isinstance(made, Ranking) else None
