"""``l2l fit-law``, ``l2l predict`` and ``l2l optimal``: scaling laws, predictions from them, budgets."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from l2l.base.schema import Combine, InputLoss, Resample
from l2l.cli import options as opt
from l2l.cli import shell
from l2l.cli.shell import app

if TYPE_CHECKING:
    from l2l.base.runs import Runs
    from l2l.core.fit import FitOptions
    from l2l.output.report import Report
    from l2l.workflows.lawbook import FitOutcome
    from l2l.workflows.requests import PredictAnswer

SaveOpt = Annotated[
    bool,
    typer.Option(
        "--save/--no-save",
        help="Keep the fits in the workspace for later commands; `--save FILE.json` writes the laws to a "
        "portable law file instead (for `l2l predict --law FILE.json`).",
    ),
]
SaveFileOpt = Annotated[
    Path | None, typer.Option("--save-file", hidden=True, readable=False)
]  # `--save FILE.json`


def _write_laws(
    runs: Runs,
    outcome: FitOutcome,
    *,
    plot: Path | None,
    save_file: Path | None,
    split: str | None,
    options: FitOptions,
) -> None:
    """``fit-law``'s figure (``--plot``) and law file (``--save FILE.json``) of ``outcome``, and the note on what
    the figure leaves out: a fixed-D sweep's laws in N at one D get their own figure where no law in N and D is
    drawn; the law file holds both kinds (a record each)."""
    if plot is not None and outcome.fits:
        from l2l.output.plots import law_figure

        shell.save_figure(law_figure(runs, outcome.fits, split=split, chosen=bool(outcome.choices)), plot)
    elif plot is not None and outcome.fixed:  # (laws in N at one D alone: their own figure)
        from l2l.output.plots import fixed_d_figure

        shell.save_figure(fixed_d_figure(runs, outcome.fixed, split=split), plot)
    if save_file is not None and (outcome.fits or outcome.fixed):
        from l2l.base.text import plural
        from l2l.io.workspace import write_law_file
        from l2l.workflows.lawfile import law_file_dict

        write_law_file(
            save_file,
            law_file_dict(
                runs,
                outcome.fits,
                options=options,
                split=split,
                choices=outcome.choices,
                flags=outcome.flags,
                lines=outcome.lines,
                refusals=outcome.refusals,
                fixed=outcome.fixed,
            ),
        )
        shell.wrote(save_file, plural(len(outcome.fits) + len(outcome.fixed), "law"))
    if outcome.fixed and runs.final_of_a_log:  # (a law in N and D is in the log's other checkpoints)
        from l2l.workflows.lawbook import FINAL_OF_A_LOG_FIX

        shell.note(f"a law in N and D: {FINAL_OF_A_LOG_FIX}")
    if outcome.fixed and outcome.fits and plot is not None:  # (else the fixed-D figure holds them)
        from l2l.base.text import counted

        laws = counted(["/".join(k) for k in outcome.fixed], "law")
        shell.note(
            f"not in the figure: {laws} in N at one D (fit-law and predict give them; --dataset them alone for "
            "their figure)"
        )


def _save_beside_table(table: Path) -> str:
    """Why ``--save`` is refused beside a TABLE: a table named beside it is not the workspace's runs, whose fits
    it keeps; a word after ``--save`` that is no table (``fig/laws.txt``, a directory) was a law file's name
    without ``.json``, read as TABLE (the message spoke of a table the user never gave)."""
    from l2l.io.readers import SUPPORTED_EXTENSIONS

    name = table.name.lower().removesuffix(".gz")
    if name.endswith(SUPPORTED_EXTENSIONS) and not table.is_dir():
        return (
            "--save keeps fits of the workspace runs (drop TABLE or ingest it first); a law file is written by "
            "--save FILE.json"
        )
    meant = table / "laws.json" if table.is_dir() else table.with_suffix(".json")
    return (
        f"a law file's name ends in .json: --save {meant} writes one ({str(table)!r} was read as the TABLE to "
        "fit); --save alone keeps the fits in the workspace"
    )


@app.command(
    "fit-law",
    epilog=opt.examples(
        ("l2l fit-law", "each dataset's own loss"),
        ("l2l fit-law --split sweep --form chinchilla", "like the paper's Table 3"),
        ("l2l fit-law --dataset fineweb-edu --eval all", "every eval of models trained on fineweb-edu"),
        "l2l fit-law --bootstrap 1000 --seed 0 --format json",
        ("l2l fit-law --split sweep --save --plot law.png", "keep the fits in the workspace; draw them"),
        ("l2l fit-law --split sweep --save laws.json", "a law file for `l2l predict --law laws.json`"),
        "l2l fit-law --split sweep --residuals --format csv",
    ),
)
# Long for its option declarations (typer declares options as parameters); the body: parse → one call → render.
def fit_law_cmd(
    table: opt.TableArg = None,
    form: opt.FormOpt = "auto",
    dataset: opt.DatasetsOpt = None,
    eval_name: opt.EvalsOpt = None,
    split: opt.SplitOpt = None,
    objective: opt.ObjectiveOpt = "huber",
    delta: opt.DeltaOpt = 1e-3,
    thorough: opt.ThoroughOpt = False,
    bootstrap: opt.BootOpt = 0,
    seed: opt.SeedOpt = 0,
    resample: Annotated[
        Resample,
        typer.Option("--resample", help="Bootstrap unit: single runs, or all runs of one model size N."),
    ] = "run",
    level: opt.LevelOpt = 0.9,
    save: SaveOpt = False,
    save_file: SaveFileOpt = None,
    residuals: Annotated[
        bool,
        typer.Option("--residuals/--no-residuals", help="Also list every run beside its law's prediction."),
    ] = False,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Write the law's contour figure (.png/.svg/.pdf).", readable=False),
    ] = None,
    fmt: opt.FormatOpt = "table",
) -> None:
    """Fit scaling laws to each dataset's own loss (or to any eval) by the global optimum of the objective."""
    from l2l.core.laws import FORM_EQUATIONS, PER_LAW_EQUATION
    from l2l.output.render import ProgressBar
    from l2l.output.reports import fits_report
    from l2l.workflows.lawbook import fit_laws
    from l2l.workflows.requests import refuse_accuracy_evals

    options = opt.fit_options(form, objective, delta, thorough)
    opt.figure_path(plot, "--plot")
    if save_file is not None:
        from l2l.io.atomic import check_destination

        check_destination(save_file, "law file")
    if save and table is not None:
        shell.fail_usage("--save", _save_beside_table(table))
    with shell.session(table, fits_every_split=split is None) as s:
        refuse_accuracy_evals(s.with_accuracy(), eval_name)
        if save:
            s.check_keep()
        with ProgressBar("fitting") as prog, ProgressBar("bootstrap") as bprog:
            outcome = fit_laws(
                s.runs,
                datasets=dataset,
                evals=eval_name,
                split=split,
                options=options,
                cache=s.fits,
                calibrations=s.calibrations,
                bootstrap=bootstrap,
                seed=seed,
                resample=resample,
                workers=s.workers,
                progress=prog,
                bootstrap_progress=bprog,
            )
        _write_laws(s.runs, outcome, plot=plot, save_file=save_file, split=split, options=options)
        reports = fits_report(
            outcome,
            form=form,
            objective=objective,
            delta=delta,
            equation=FORM_EQUATIONS.get(form, PER_LAW_EQUATION),
            level=level,
            own=s.runs.own_eval,
        )
        if residuals:
            from l2l.output.reports import with_residuals
            from l2l.workflows.lawbook import residuals as run_residuals

            reports = with_residuals(reports, run_residuals(s.runs, outcome.fits, split=split))
        # with no law fitted, a table of dashes says nothing the error does not: JSON and CSV keep the failed rows
        # (a script reads each law's status), the terminal gets the error alone
        if outcome.fits or outcome.fixed or fmt in ("json", "csv"):
            shell.emit(reports, fmt)
        if save and outcome.fits:
            from l2l.base.text import plural

            s.keep_fits()
            shown = s.workspace.shown() if s.workspace is not None else ""
            shell.note(f"kept {plural(len(outcome.fits), 'law')} in the workspace {shown} for later commands")
        if not outcome.fits and not outcome.fixed:
            from l2l.workflows.lawbook import no_laws

            raise no_laws(outcome, s.runs)


def _predict_report(answer: PredictAnswer, level: float, own: Mapping[str, str]) -> Report | list[Report]:
    from l2l.output.reports import accuracy_predictions_report, predictions_report, via_report
    from l2l.workflows.accuracy import AccuracyPrediction
    from l2l.workflows.predict import LawPrediction, LinePrediction
    from l2l.workflows.via import ViaPrediction

    if isinstance(answer, ViaPrediction):
        return via_report(answer)
    accuracies = [p for p in answer if isinstance(p, AccuracyPrediction)]
    if accuracies:
        return accuracy_predictions_report(accuracies, level=level)
    return predictions_report(
        [p for p in answer if isinstance(p, LawPrediction | LinePrediction)],
        own=own,
        skipped=getattr(answer, "skipped", ()),
    )


@app.command(
    epilog=opt.examples(
        "l2l predict --dataset fineweb-edu --N 3.3e9 --D 5.0e10",
        "l2l predict --dataset starcoder --N 1B --C 1e21 --eval hellaswag",
        "l2l predict --dataset fineweb-edu --N 3.3B --D 50B --level 0.95",
        ("l2l predict --via fineweb-edu --src-loss 2.126 -t starcoder -e hellaswag", "from a measured loss"),
        (
            "l2l predict --via all --from-run 7hklkke5 --target starcoder",
            "combine every source with a run at that run's (N, D) (StarCoder's 3.3B)",
        ),
    ),
)
# Long for its option declarations (typer declares options as parameters); the body: parse → one call → render.
def predict(
    table: opt.TableArg = None,
    dataset: Annotated[
        list[str] | None,
        typer.Option(
            "--dataset", "-d", metavar="DATASET", help="Dataset(s) whose law predicts ('all' for every one)."
        ),
    ] = None,
    N: Annotated[
        list[str] | None, typer.Option("--N", metavar="N", help="Parameters (3.3e9 or 3.3B); repeatable.")
    ] = None,
    D: Annotated[
        list[str] | None, typer.Option("--D", metavar="D", help="Training tokens; repeatable.")
    ] = None,
    C: Annotated[
        list[str] | None,
        typer.Option(
            "--C",
            metavar="FLOPS",
            help="Compute (FLOPs); D = C/(6N), or C/(kN) when the table counts C = kND.",
        ),
    ] = None,
    eval_name: Annotated[
        list[str] | None,
        typer.Option(
            "--eval", "-e", metavar="EVAL", help="Eval(s) to predict (default: own loss; 'all'); repeatable."
        ),
    ] = None,
    via: Annotated[
        list[str] | None,
        typer.Option(
            "--via",
            metavar="DATASET",
            help="Predict through translation from this source dataset; repeatable, or 'all' (every dataset "
            "with a run at the (N, D) of --from-run): the sources' translations are combined.",
        ),
    ] = None,
    src_loss: Annotated[
        float | None,
        typer.Option(
            "--src-loss",
            metavar="LOSS",
            help="With --via: the source model's own loss (the target model's --N and --D may go with it).",
        ),
    ] = None,
    from_run: Annotated[
        str | None,
        typer.Option(
            "--from-run", metavar="RUN_ID", help="With --via: take the source loss from this run_id."
        ),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            "--target", "-t", metavar="DATASET", help="With --via: the target dataset. (--tgt still works.)"
        ),
    ] = None,
    law: Annotated[
        Path | None,
        typer.Option(
            "--law",
            metavar="FILE.json",
            readable=False,
            help="Predict from the laws of this law file (`l2l fit-law --save FILE.json`), without the runs.",
        ),
    ] = None,
    form: opt.FormOpt = "auto",
    split: opt.SplitOpt = None,
    objective: opt.ObjectiveOpt = "huber",
    delta: opt.DeltaOpt = 1e-3,
    thorough: opt.ThoroughOpt = False,
    bootstrap: opt.BootOpt = 0,
    seed: opt.SeedOpt = 0,
    level: opt.LevelOpt = 0.9,
    combine: Annotated[
        Combine,
        typer.Option(
            "--combine", help="With several --via sources: mean (default; see the README), median or ivw."
        ),
    ] = "mean",
    rtol: opt.RtolOpt = 1e-6,
    input_loss: Annotated[
        InputLoss,
        typer.Option(
            "--input-loss", help="Accuracy evals: the loss the accuracy law is a function of (task or own)."
        ),
    ] = "task",
    chance: opt.ChanceOpt = None,
    ceiling: opt.CeilingOpt = "auto",
    pooling: opt.PoolingOpt = "auto",
    metric: opt.MetricOpt = None,
    fmt: opt.FormatOpt = "table",
) -> None:
    """Predict a loss with its predictive interval: from a fitted scaling law at (N, D), or through loss-to-loss
    translation (--via)."""
    from l2l.workflows.requests import PredictRequest, answer_predict, predict_from_law_file

    if src_loss is not None and not (src_loss > 0 and src_loss < float("inf")):
        shell.fail_usage("--src-loss", f"must be a finite loss > 0, got {src_loss}")
    request = PredictRequest(
        datasets=tuple(dataset or ()),
        N=opt.quantities(N, "--N"),
        D=opt.quantities(D, "--D"),
        C=opt.quantities(C, "--C"),
        evals=tuple(eval_name or ()),
        split=split,
        options=opt.fit_options(form, objective, delta, thorough),
        bootstrap=bootstrap,
        seed=seed,
        level=level,
        via=tuple(via or ()),
        src_loss=src_loss,
        from_run=from_run,
        target=target,
        combine=combine,
        rtol=rtol,
        input_loss=input_loss,
        chance=opt.chances(chance),
        ceiling=opt.ceiling_value(ceiling),
        pooling=pooling,
        metric=metric,
    )
    if law is not None:
        from l2l.output.reports import law_file_predictions_report

        if table is not None:
            shell.fail_usage("--law", "predicts from the law file alone; drop TABLE")
        # a law file's laws are fitted already: an option of fitting or translating would be ignored silently
        given = {
            "--form": form != "auto",
            "--split": split is not None,
            "--objective": objective != "huber",
            "--delta": delta != 1e-3,
            "--thorough": thorough,
            "--bootstrap": bootstrap != 0,
            "--seed": seed != 0,
            "--combine": combine != "mean",
            "--rtol": rtol != 1e-6,
            "--src-loss": src_loss is not None,
            "--from-run": from_run is not None,
            "--target": target is not None,
            "--input-loss": input_loss != "task",
            "--chance": bool(chance),
            "--ceiling": ceiling != "auto",
            "--pooling": pooling != "auto",
            "--metric": metric is not None,
        }
        if not via and (wrong := [name for name, on in given.items() if on]):
            shell.fail_usage(
                wrong[0],
                f"does not apply with --law: the file's laws are fitted already (its bootstrap draws, if any, give "
                f"the interval; --level sets its level); drop {', '.join(wrong)}",
            )
        preds = predict_from_law_file(law, request)
        shell.emit(
            law_file_predictions_report(preds, source=str(law), skipped=preds.skipped),
            fmt,
            unanswered=preds.skipped,
        )
        return
    with shell.session(table, fits_every_split=split is None) as s:
        answer = answer_predict(s, request)
        shell.emit(
            _predict_report(answer, level, s.runs.own_eval), fmt, unanswered=getattr(answer, "skipped", ())
        )
    if isinstance(answer, list):
        from l2l.workflows.accuracy import AccuracyPrediction, nothing_predicted

        failed = nothing_predicted([p for p in answer if isinstance(p, AccuracyPrediction)])
        if failed is not None:
            raise failed


@app.command(
    epilog=opt.examples(
        "l2l optimal --C 1e21",
        "l2l optimal --C 1e20 --C 1e21 --C 1e22 --dataset fineweb-edu --bootstrap 500",
        "l2l optimal --C 1e21 --form chinchilla --split sweep --format csv",
    ),
)
def optimal(
    table: opt.TableArg = None,
    C: Annotated[
        list[str] | None,
        typer.Option("--C", metavar="FLOPS", help="Compute budget in FLOPs (1e21); repeatable."),
    ] = None,
    dataset: opt.DatasetsOpt = None,
    eval_name: Annotated[
        list[str] | None,
        typer.Option(
            "--eval", "-e", metavar="EVAL", help="Law of this eval (default: own loss; 'all'); repeatable."
        ),
    ] = None,
    form: opt.FormOpt = "auto",
    split: opt.SplitOpt = None,
    objective: opt.ObjectiveOpt = "huber",
    delta: opt.DeltaOpt = 1e-3,
    thorough: opt.ThoroughOpt = False,
    bootstrap: opt.BootOpt = 0,
    seed: opt.SeedOpt = 0,
    level: opt.LevelOpt = 0.9,
    fmt: opt.FormatOpt = "table",
) -> None:
    """Compute-optimal model size N*, tokens D* and the loss there, for each budget C = 6ND (closed form), with
    intervals."""
    from l2l.output.reports import allocations_report
    from l2l.workflows.predict import optimal as optimal_allocation

    budgets = opt.quantities(C, "--C")
    if not budgets:
        shell.fail_usage(
            "--C", "give a compute budget", "a count of FLOPs, e.g. --C 1e21 (repeat --C for several)"
        )
    with shell.session(table, fits_every_split=split is None) as s:
        allocations = optimal_allocation(
            s.runs,
            C=budgets,
            datasets=dataset,
            evals=eval_name,
            split=split,
            options=opt.fit_options(form, objective, delta, thorough),
            cache=s.fits,
            calibrations=s.calibrations,
            bootstrap=bootstrap,
            seed=seed,
            level=level,
        )
        said = [*allocations.notes, *allocations.skipped]
        shell.emit(
            allocations_report(allocations, own=s.runs.own_eval, skipped=said),
            fmt,
            unanswered=allocations.skipped,
        )
