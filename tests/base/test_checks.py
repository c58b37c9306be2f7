"""One interval-level check (l2l.base.checks), raising the library's own error wherever a level is taken."""

from __future__ import annotations

import math

import numpy as np
import pytest

from l2l.base.checks import check_level
from l2l.base.errors import L2LError, UsageError
from l2l.core.fit import percentile_interval
from l2l.core.predictive import bootstrap_interval, normal_quantile


@pytest.mark.parametrize("bad", [0.0, 1.0, 1.5, -0.1, math.nan])
def test_a_level_outside_zero_one_is_a_usage_error_about_level(bad: float) -> None:
    with pytest.raises(UsageError, match="strictly between 0 and 1") as info:
        check_level(bad)
    assert info.value.param == "level"
    with pytest.raises(UsageError) as named:
        check_level(bad, param="interval")
    assert named.value.param == "interval"


def test_a_level_whose_normal_quantile_is_infinite_is_refused() -> None:
    """0.5 + level/2 rounds to 1.0: StatisticsError from the normal quantile (p63)."""
    with pytest.raises(UsageError, match="this close to 1") as info:
        normal_quantile(0.9999999999999999)
    assert info.value.param == "level"
    assert math.isfinite(normal_quantile(0.999999))


def test_every_layer_raises_the_same_error_for_a_bad_level() -> None:
    assert check_level(0.9) == 0.9
    for call in (
        lambda: percentile_interval(np.arange(10.0), 1.5),
        lambda: normal_quantile(1.0),
        lambda: bootstrap_interval(2.0, 0.0, 0.01, 0.0),
    ):
        with pytest.raises(L2LError) as info:
            call()
        assert isinstance(info.value, UsageError)
        assert info.value.param == "level"
