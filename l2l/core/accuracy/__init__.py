"""Downstream accuracy from a loss: a sigmoid with a chance floor, pooled across datasets when the relation is shared.

Two forms of accuracy as a function of a loss x (the task's own cross-entropy loss, or a model's own loss):

    sigmoid  acc = floor + (ceiling − floor)·σ(−(x − x0)/s)      floor at chance (fixed, or fitted in a box),
                                                                  ceiling ≤ 1, falling in x (lower loss, higher acc)
    power    err = 1 − acc = K·(x − E0)^κ + E1                    the paper's Appendix B (Gadre et al.): E0 given
                                                                  (the loss law's irreducible term), E1 free

The sigmoid is fitted by bounded least squares in accuracy points from a grid of starts, all moved at once
(``sigmoid.py``: batched Levenberg-Marquardt with the analytic Jacobian, then scipy's TRF); the power law by the
paper's log–log regression with E1 profiled. Points from several pre-training datasets (``groups``) are fitted
either with one shared curve (pooled), with one shape shifted by dataset (floor, ceiling and slope shared, a
midpoint x0 of each dataset's own: sigmoid only) or with one curve per dataset; ``fit_accuracy`` tests which the
data support
(a within-run backtest that extrapolates: fit on the lower half of each dataset's runs by compute or loss, score on
its top 20 %) and says why. A task whose accuracies stay within noise of chance is labelled unpredictable instead
of fitted. Intervals are a seeded bootstrap over runs (refit per draw) plus a resampled backtest error: predictive
intervals for a new run's accuracy.

Defaults (floor fitted near chance, ceiling 1, pooling tested by the backtest) were chosen on a within-sweep
backtest of the paper's runs (benchmarks/bench_accuracy.py --protocol backtest): a floor fixed at chance and
per-dataset curves both extrapolate badly from near-chance sweeps.

Pure: numpy, scipy (lazily); no printing, no files.
"""

from l2l.core.accuracy.fit import fit_accuracy
from l2l.core.accuracy.law import AccuracyFit, AccuracyLaw, DatasetOffsets, SharingTest, dataset_offsets
from l2l.core.accuracy.settings import (
    ACCURACY_EQUATIONS,
    ACCURACY_FORMS,
    POOLED,
    POWER_PARAMS,
    SIGMOID_PARAMS,
    UNINFORMATIVE_METHOD,
    AccuracyForm,
    Design,
    FloorMode,
)

__all__ = [
    "ACCURACY_EQUATIONS",
    "ACCURACY_FORMS",
    "POOLED",
    "POWER_PARAMS",
    "SIGMOID_PARAMS",
    "UNINFORMATIVE_METHOD",
    "AccuracyFit",
    "AccuracyForm",
    "AccuracyLaw",
    "DatasetOffsets",
    "Design",
    "FloorMode",
    "SharingTest",
    "dataset_offsets",
    "fit_accuracy",
]
