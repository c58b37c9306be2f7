"""``l2l translate`` and ``l2l evaluate``: loss-to-loss translations, and whether they beat extrapolation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from l2l.base.schema import Join
from l2l.cli import options as opt
from l2l.cli import shell
from l2l.cli.shell import app


@app.command(
    epilog=opt.examples(
        ("l2l translate --src fineweb-edu --target all", "the paper's Table 6"),
        ("l2l translate --src fineweb-edu --kind train-test", "Table 7: onto every validation set"),
        "l2l translate --src fineweb-edu --kind train-test --eval hellaswag",
        "l2l translate --src starcoder -t smollm --kind test-test --eval hellaswag",
        "l2l translate --src fineweb-edu --target all --split sweep --plot fig1.png",
    ),
)
def translate(
    src: opt.SrcOpt,
    table: opt.TableArg = None,
    target: opt.TgtOpt = None,
    kind: opt.KindOpt = "train-train",
    eval_name: opt.TranslateEvalOpt = None,
    join: Annotated[
        Join, typer.Option("--join", help="Pair runs by equal (N, D) or by run identity (run_id).")
    ] = "nd",
    rtol: opt.RtolOpt = 1e-6,
    free_e1: Annotated[
        bool, typer.Option("--free-e1/--no-free-e1", help="Fit E1 too instead of taking it from the law.")
    ] = False,
    split: opt.SplitOpt = None,
    form: opt.FormOpt = "auto",
    objective: opt.ObjectiveOpt = "huber",
    delta: opt.DeltaOpt = 1e-3,
    thorough: opt.ThoroughOpt = False,
    C: Annotated[
        str | None,
        typer.Option("--C", metavar="FLOPS", help="Budget for comparing N* (default: largest C seen)."),
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Write the loss-to-loss figure (.png/.svg/.pdf).", readable=False),
    ] = None,
    level: opt.LevelOpt = 0.9,
    seed: opt.SeedOpt = 0,
    fmt: opt.FormatOpt = "table",
) -> None:
    """Fit loss-to-loss translations L1 ≈ K·(L0 − E0)^κ + E1 from one dataset to others (or to other evals),
    with intervals on K and κ."""
    from l2l.output.render import ProgressBar
    from l2l.output.reports import translations_report
    from l2l.workflows.translate import translate as translate_losses

    opt.figure_path(plot, "--plot")
    budget = opt.quantity(C, "--C")
    with shell.session(table, fits_every_split=split is None) as s, ProgressBar("fitting laws") as prog:
        results = translate_losses(
            s.runs,
            src=src,
            tgts=target,
            kind=kind,
            evals=eval_name,
            join=join,
            rtol=rtol,
            free_e1=free_e1,
            split=split,
            options=opt.fit_options(form, objective, delta, thorough),
            cache=s.fits,
            calibrations=s.calibrations,
            C=budget,
            workers=s.workers,
            progress=prog,
            level=level,
            seed=seed,
        )
    if plot is not None:
        from l2l.output.plots import translate_figure

        shell.save_figure(translate_figure(results, fit_split=split), plot)
    none = all(r.translation is None for r in results)
    # with nothing fitted, the terminal gets the error alone (DCLM: 21,235 lines of failed rows before it); JSON and
    # CSV keep each failed row with its reason
    if not none or fmt in ("json", "csv"):
        shell.emit(
            translations_report(results, kind=results[0].kind if results else kind, said=results.notes), fmt
        )
    if none:
        from l2l.workflows.translate import no_translations

        raise no_translations(results)


@app.command(
    epilog=opt.examples(
        ("l2l evaluate", "held out: split=extrapolation"),
        "l2l evaluate --holdout-top-compute 1 --detail",
        "l2l evaluate --downstream 'downstream/arc_*' --format json",
        "l2l evaluate --plot table1.png",
        ("l2l evaluate --ranking", "also: which dataset to train on, backtested"),
    ),
)
def evaluate(
    table: opt.TableArg = None,
    holdout: opt.HoldoutOpt = None,
    holdout_top_compute: opt.TopComputeOpt = None,
    test: opt.TestOpt = None,
    downstream: opt.DownstreamOpt = None,
    rtol: opt.RtolOpt = 1e-6,
    detail: Annotated[
        bool, typer.Option("--detail/--no-detail", help="List every held-out prediction.")
    ] = False,
    form: opt.FormOpt = "auto",
    objective: opt.ObjectiveOpt = "huber",
    delta: opt.DeltaOpt = 1e-3,
    thorough: opt.ThoroughOpt = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the error figure (.png/.svg/.pdf).", readable=False)
    ] = None,
    level: opt.LevelOpt = 0.9,
    accuracy: Annotated[
        list[str] | None,
        typer.Option(
            "--accuracy",
            metavar="PATTERN",
            help="Also the train-to-accuracy setting on these accuracy evals (name, glob or 'all'; repeatable): "
            "held-out accuracy error in points of the baseline, the paper's power law and l2l's law.",
        ),
    ] = None,
    chance: opt.ChanceOpt = None,
    ceiling: opt.CeilingOpt = "auto",
    ranking: Annotated[
        bool,
        typer.Option(
            "--ranking/--no-ranking",
            help="Also the dataset-ranking setting: for every test and downstream eval, the datasets ranked from "
            "the rest vs the held-out runs, pairwise decision accuracy of each method and the single-scale "
            "baseline (as l2l rank --holdout; fits every target's laws: a minute or more).",
        ),
    ] = False,
    fmt: opt.FormatOpt = "table",
) -> None:
    """Does loss-to-loss beat extrapolating each dataset's own law? Held-out prediction error, like Table 1."""
    from l2l.output.render import ProgressBar
    from l2l.output.reports import accuracy_evaluation_report, evaluation_report, rank_backtest_report
    from l2l.workflows.requests import EvaluateRequest, answer_evaluate

    opt.figure_path(plot, "--plot")
    request = EvaluateRequest(
        holdout_split=opt.holdout_split(holdout),
        holdout_top_compute=holdout_top_compute,
        test=tuple(test or ()),
        downstream=tuple(downstream or ()),
        options=opt.fit_options(form, objective, delta, thorough),
        level=level,
        accuracy=tuple(accuracy or ()),
        chance=opt.chances(chance),
        ceiling=opt.ceiling_value(ceiling),
        ranking=ranking,
        rtol=rtol,
    )
    with (
        shell.session(table) as s,
        ProgressBar("fitting laws") as prog,
        ProgressBar("ranking targets") as rprog,
    ):
        answer = answer_evaluate(s, request, progress=prog, ranking_progress=rprog)
    reports = evaluation_report(answer.evaluation, detail=detail)
    if answer.accuracy is not None:
        reports = [*reports, *accuracy_evaluation_report(answer.accuracy, detail=detail)]
    if answer.ranking is not None:
        reports = [*reports, *rank_backtest_report(answer.ranking, part=True)]
    # the tables first: a figure with nothing to draw (a ladder's accuracy setting alone, no loss predictions) threw
    # away minutes of evaluation, its answer never printed (probe h98)
    shell.emit(reports, fmt)
    if plot is not None:
        from l2l.output.plots import evaluate_figure

        shell.save_figure(evaluate_figure(answer.evaluation), plot)
