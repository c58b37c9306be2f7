"""``l2l fit-accuracy``: downstream accuracy as a function of a loss (``predict --eval ACC`` and ``evaluate
--accuracy`` use the same laws)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from l2l.cli import options as opt
from l2l.cli import shell
from l2l.cli.shell import app


@app.command(
    "fit-accuracy",
    epilog=opt.examples(
        ("l2l fit-accuracy --split sweep", "every accuracy eval, l2l's recommended law"),
        "l2l fit-accuracy -e hellaswag -e arc_easy --split sweep --bootstrap 200",
        ("l2l fit-accuracy --form power --input-loss own --split sweep", "the paper's Appendix B"),
        "l2l fit-accuracy -e 'downstream/*' --chance imbue_gsm8k=0.0 --plot acc.png",
    ),
)
def fit_accuracy_cmd(
    table: opt.TableArg = None,
    eval_name: opt.AccEvalsOpt = None,
    split: opt.SplitOpt = None,
    form: opt.AccFormOpt = "sigmoid",
    floor: opt.FloorOpt = "fit",
    ceiling: opt.CeilingOpt = "auto",
    pooling: opt.PoolingOpt = "auto",
    input_loss: opt.InputLossOpt = "task",
    chance: opt.ChanceOpt = None,
    keep_unpredictable: Annotated[
        bool,
        typer.Option(
            "--keep-unpredictable/--no-keep-unpredictable",
            help="Fit tasks that stay near chance too instead of labelling them.",
        ),
    ] = False,
    bootstrap: opt.BootOpt = 0,
    seed: opt.SeedOpt = 0,
    checkpoints: Annotated[
        str,
        typer.Option(
            "--checkpoints",
            metavar="final|all",
            help="Fit on each run's final checkpoint (default, as the scaling laws) or on every checkpoint of a "
            "per-step log (the loss→accuracy relation holds at every one).",
        ),
    ] = "final",
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot", help="Write accuracy against loss with the laws (.png/.svg/.pdf).", readable=False
        ),
    ] = None,
    fmt: opt.FormatOpt = "table",
) -> None:
    """Fit downstream accuracy as a function of a loss: a sigmoid with a chance floor (or the paper's power law),
    pooled across pre-training datasets where the relation is shared; tasks near chance labelled unpredictable."""
    from l2l.output.reports import accuracy_fits_report
    from l2l.workflows.accuracy import fit_accuracy_laws
    from l2l.workflows.requests import accuracy_runs

    opt.figure_path(plot, "--plot")
    with shell.session(table, accuracy=True, fits_every_split=split is None) as s:
        runs = accuracy_runs(s, checkpoints, form=form)
        results = fit_accuracy_laws(
            runs,
            eval_name,
            split=split,
            input_loss=input_loss,
            form=form,
            floor=floor,
            ceiling=opt.ceiling_value(ceiling),
            pooling=pooling,
            chance=opt.chances(chance),
            check=not keep_unpredictable,
            cache=s.fits,
            accuracy_cache=s.accuracy_laws,
            bootstrap=bootstrap,
            seed=seed,
        )
        if plot is not None:
            from l2l.output.plots import accuracy_figure

            shell.save_figure(accuracy_figure(runs, results, fit_split=split), plot)
    shell.emit(accuracy_fits_report(results), fmt)
    if all(r.fit is None for r in results):
        raise typer.Exit(1)
