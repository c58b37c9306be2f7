"""``l2l rank``: which dataset should we train on, and its backtest."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from l2l.cli import options as opt
from l2l.cli import shell
from l2l.cli.shell import app

if TYPE_CHECKING:
    from l2l.base.schema import Pooling, RankMethod
    from l2l.workflows.requests import RankRequest

COpt = Annotated[
    str | None,
    typer.Option("--C", metavar="FLOPS", help="Compute budget: each dataset's own compute-optimal N*, D*."),
]
NOpt = Annotated[str | None, typer.Option("--N", metavar="N", help="Fixed model size (with --D).")]
DOpt = Annotated[str | None, typer.Option("--D", metavar="D", help="Fixed training tokens (with --N).")]


def rank_request(
    target: list[str] | None,
    C: str | None,
    N: str | None,
    D: str | None,
    dataset: list[str] | None,
    split: str | None,
    method: RankMethod,
    level: float,
    draws: int,
    seed: int,
    form: str,
    holdout: str | None = None,
    holdout_top_compute: int | None = None,
    metric: str | None = None,
    chance: list[str] | None = None,
    ceiling: str = "auto",
    pooling: Pooling = "auto",
) -> RankRequest:
    from l2l.workflows.requests import RankRequest

    return RankRequest(
        targets=opt.targets(target),
        C=opt.quantity(C, "--C"),
        N=opt.quantity(N, "--N"),
        D=opt.quantity(D, "--D"),
        datasets=tuple(dataset or ()),
        split=split,
        method=method,
        level=level,
        draws=draws,
        seed=seed,
        form=form,
        holdout_split=opt.holdout_split(holdout),
        holdout_top_compute=holdout_top_compute,
        metric=metric,
        chance=opt.chances(chance),
        ceiling=opt.ceiling_value(ceiling),
        pooling=pooling,
    )


@app.command(
    epilog=opt.examples(
        ("l2l rank --target hellaswag --C 1e21 --split sweep", "which dataset for HellaSwag at 1e21?"),
        ("l2l rank -t hellaswag -t arc_easy=2 --C 1e21 --split sweep", "combined, arc_easy weighted twice"),
        "l2l rank --target 'downstream/*' --N 3.3B --D 50B --format csv",
        "l2l rank --target hellaswag --C 1e21 --split sweep --plot rank.png",
        ("l2l rank --target own --target 'downstream/*' --holdout split=extrapolation", "a backtest"),
        ("l2l rank --target own --split sweep --holdout-top-compute 1", "a backtest within the sweep"),
    ),
)
def rank(
    table: opt.TableArg = None,
    target: opt.RankTargetOpt = None,
    C: COpt = None,
    N: NOpt = None,
    D: DOpt = None,
    dataset: opt.DatasetsOpt = None,
    split: opt.SplitOpt = None,
    method: opt.RankMethodOpt = "recommended",
    level: opt.LevelOpt = 0.9,
    draws: opt.DrawsOpt = 4000,
    seed: opt.SeedOpt = 0,
    form: opt.FormOpt = "auto",
    holdout: opt.HoldoutOpt = None,
    holdout_top_compute: opt.TopComputeOpt = None,
    metric: opt.MetricOpt = None,
    chance: opt.ChanceOpt = None,
    ceiling: opt.CeilingOpt = "auto",
    pooling: opt.PoolingOpt = "auto",
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the ranking figure (.png/.svg/.pdf).", readable=False)
    ] = None,
    fmt: opt.FormatOpt = "table",
) -> None:
    """Which dataset should we train on? Rank the datasets for a target eval's loss at a budget: N*, D*, the
    predicted loss by each method, an interval, P(best), ties and the budget where the winner changes. A target
    naming an accuracy eval ranks by predicted accuracy (higher is better), through its task loss.

    With --holdout or --holdout-top-compute: a backtest instead, ranking from the rest and scoring every method
    and the single-scale baseline against the measured held-out runs (pairwise decision accuracy)."""
    from l2l.output.render import ProgressBar
    from l2l.output.reports import rank_backtest_report, ranking_report
    from l2l.workflows.rank_eval import RankBacktest
    from l2l.workflows.requests import answer_rank

    request = rank_request(
        target,
        C,
        N,
        D,
        dataset,
        split,
        method,
        level,
        draws,
        seed,
        form,
        holdout,
        holdout_top_compute,
        metric,
        chance,
        ceiling,
        pooling,
    )
    if request.backtest and plot is not None:
        shell.fail_usage("--plot", "a backtest draws no figure; drop --plot")
    if request.backtest and ceiling != "auto":
        shell.fail_usage(
            "--ceiling", "a backtest ranks by a loss, with no accuracy law to take a ceiling; drop it"
        )
    if request.backtest and pooling != "auto":
        shell.fail_usage(
            "--pooling", "a backtest ranks by a loss, with no accuracy law to take a pooling; drop it"
        )
    opt.figure_path(plot, "--plot")
    backtest = holdout is not None or holdout_top_compute is not None
    fits_all = split is None and not backtest
    with shell.session(table, fits_every_split=fits_all) as s, ProgressBar("ranking targets") as prog:
        if plot is not None:
            from l2l.workflows.requests import names_an_accuracy

            if names_an_accuracy(
                s.with_accuracy(), request.targets, metric
            ):  # told before anything is fitted
                shell.fail_usage(
                    "--plot", "the ranking figure shows losses; drop --plot for an accuracy target"
                )
        answer = answer_rank(s, request, progress=prog)
    if isinstance(answer, RankBacktest):
        shell.emit(rank_backtest_report(answer), fmt)
        return
    if plot is not None:
        from l2l.output.plots import held_out_runs, rank_figure

        if any(t.metric != "loss" for t in answer.targets):
            shell.fail_usage("--plot", "the ranking figure shows losses; drop --plot for an accuracy target")
        shell.save_figure(rank_figure(answer, held_out_runs(s.runs, answer, split)), plot)
    shell.emit(ranking_report(answer, split=split), fmt)
