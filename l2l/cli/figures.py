"""``l2l plot ...``: one subcommand per figure, each the figure of a command's result."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, NoReturn

import typer

from l2l.base.schema import Figure
from l2l.cli import options as opt
from l2l.cli import shell
from l2l.cli.ranking import COpt, DOpt, NOpt, rank_request
from l2l.cli.shell import plot_app

if TYPE_CHECKING:
    pass


@plot_app.command(
    "translate",
    epilog=opt.examples(
        "l2l plot translate --src fineweb-edu --target all --split sweep -o fig1.png",
        "l2l plot translate --src fineweb-edu --kind train-test --split sweep -o f3.svg",
    ),
)
def plot_translate(
    src: opt.SrcOpt,
    output: opt.OutputOpt,
    table: opt.TableArg = None,
    target: opt.TgtOpt = None,
    kind: opt.KindOpt = "train-train",
    eval_name: opt.TranslateEvalOpt = None,
    split: opt.SplitOpt = None,
    form: opt.FormOpt = "auto",
    objective: opt.ObjectiveOpt = "huber",
    delta: opt.DeltaOpt = 1e-3,
    thorough: opt.ThoroughOpt = False,
) -> None:
    """Loss-to-loss curves with the fitted translations (the paper's Figs. 1–4)."""
    from l2l.output.plots import translate_figure
    from l2l.output.render import ProgressBar
    from l2l.workflows.translate import translate as translate_losses

    opt.figure_path(output, "--output")
    with shell.session(table) as s, ProgressBar("fitting laws") as prog:
        results = translate_losses(
            s.runs,
            src=src,
            tgts=target,
            kind=kind,
            evals=eval_name,
            split=split,
            options=opt.fit_options(form, objective, delta, thorough),
            cache=s.fits,
            calibrations=s.calibrations,
            workers=s.workers,
            progress=prog,
        )
    shell.save_figure(translate_figure(results, fit_split=split), output)


def _fits_figure_command(name: Figure, summary: str, example: str) -> None:
    """Register ``l2l plot NAME``: fit the selected laws, draw the figure ``NAME`` of them."""

    def command(
        output: opt.OutputOpt,
        table: opt.TableArg = None,
        dataset: opt.DatasetsOpt = None,
        eval_name: opt.EvalsOpt = None,
        split: opt.SplitOpt = None,
        form: opt.FormOpt = "auto",
        objective: opt.ObjectiveOpt = "huber",
        delta: opt.DeltaOpt = 1e-3,
        thorough: opt.ThoroughOpt = False,
    ) -> None:
        from l2l.output.plots import isoflop_figure, law_figure, residuals_figure
        from l2l.output.render import ProgressBar
        from l2l.workflows.lawbook import fit_laws

        opt.figure_path(output, "--output")
        with shell.session(table) as s, ProgressBar("fitting laws") as prog:
            outcome = fit_laws(
                s.runs,
                datasets=dataset,
                evals=eval_name,
                split=split,
                options=opt.fit_options(form, objective, delta, thorough),
                cache=s.fits,
                workers=s.workers,
                progress=prog,
            )
        if not outcome.fits and outcome.fixed and name == "law":  # (laws in N at one D: their own figure)
            from l2l.output.plots import fixed_d_figure

            shell.save_figure(fixed_d_figure(s.runs, outcome.fixed, split=split), output)
            return
        if not outcome.fits and outcome.fixed:
            from l2l.base.errors import FitError
            from l2l.base.text import counted

            laws = counted(["/".join(k) for k in outcome.fixed], "law")
            raise FitError(
                f"no law in N and D to draw the {name} figure of: {laws} in N at one D (every run at one token "
                "count)",
                hint="l2l plot law draws them; fit-law and predict give them",
            )
        if not outcome.fits:  # the data's fault, not the command line's: fit-law's error, exit 1
            from l2l.workflows.lawbook import no_laws

            raise no_laws(outcome, s.runs)
        make = {"law": law_figure, "isoflop": isoflop_figure, "residuals": residuals_figure}[name]
        shell.save_figure(make(s.runs, outcome.fits, split=split, chosen=bool(outcome.choices)), output)
        if outcome.fixed:  # (beside laws in N and D: drawn alone with --dataset, as fit-law --plot says)
            from l2l.base.text import counted

            laws = counted(["/".join(k) for k in outcome.fixed], "law")
            shell.note(
                f"not in the figure: {laws} in N at one D (--dataset them alone for `l2l plot law`'s figure)"
            )

    command.__doc__ = summary
    plot_app.command(name, epilog=opt.examples(example))(command)


_fits_figure_command(
    "law",
    "Each law's loss over compute and model size, with the runs and the compute-optimal line (Figs. 9–10).",
    "l2l plot law --split sweep -o laws.png",
)
_fits_figure_command(
    "isoflop",
    "Loss against model size at fixed compute budgets, with each budget's optimum (Fig. 11).",
    "l2l plot isoflop --dataset starcoder --split sweep -o isoflop.pdf",
)
_fits_figure_command(
    "residuals",
    "Each run's residual from its fitted law, against model size N and tokens D: lack of fit at a glance.",
    "l2l plot residuals --split sweep -o residuals.png",
)


@plot_app.command("evaluate", epilog=opt.examples("l2l plot evaluate -o table1.png"))
def plot_evaluate(
    output: opt.OutputOpt,
    table: opt.TableArg = None,
    holdout: opt.HoldoutOpt = None,
    holdout_top_compute: opt.TopComputeOpt = None,
    test: opt.TestOpt = None,
    downstream: opt.DownstreamOpt = None,
    form: opt.FormOpt = "auto",
    objective: opt.ObjectiveOpt = "huber",
    delta: opt.DeltaOpt = 1e-3,
    thorough: opt.ThoroughOpt = False,
) -> None:
    """Held-out prediction errors of each method, with its interval width and coverage (Table 1 as a figure)."""
    from l2l.output.plots import evaluate_figure
    from l2l.output.render import ProgressBar
    from l2l.workflows.requests import EvaluateRequest, evaluation

    opt.figure_path(output, "--output")
    request = EvaluateRequest(
        holdout_split=opt.holdout_split(holdout),
        holdout_top_compute=holdout_top_compute,
        test=tuple(test or ()),
        downstream=tuple(downstream or ()),
        options=opt.fit_options(form, objective, delta, thorough),
    )
    with shell.session(table) as s, ProgressBar("fitting laws") as prog:
        ev = evaluation(s, request, progress=prog)
    shell.save_figure(evaluate_figure(ev), output)


@plot_app.command(
    "accuracy",
    epilog=opt.examples(
        "l2l plot accuracy --split sweep -o accuracy.png",
        "l2l plot accuracy -e hellaswag -e arc_easy -e piqa --split sweep -o fig7.png",
    ),
)
def plot_accuracy(
    output: opt.OutputOpt,
    table: opt.TableArg = None,
    eval_name: opt.AccEvalsOpt = None,
    split: opt.SplitOpt = None,
    form: opt.AccFormOpt = "sigmoid",
    floor: opt.FloorOpt = "fit",
    ceiling: opt.CeilingOpt = "auto",
    pooling: opt.PoolingOpt = "auto",
    input_loss: opt.InputLossOpt = "task",
    chance: opt.ChanceOpt = None,
) -> None:
    """Accuracy against loss per task, every dataset in one panel, with the fitted law, the chance floor and the
    runs outside the fit (e.g. held out) as stars (like the paper's Fig. 7)."""
    from l2l.output.plots import accuracy_figure
    from l2l.workflows.accuracy import fit_accuracy_laws

    opt.figure_path(output, "--output")
    with shell.session(table, accuracy=True) as s:
        results = fit_accuracy_laws(
            s.runs,
            eval_name,
            split=split,
            input_loss=input_loss,
            form=form,
            floor=floor,
            ceiling=opt.ceiling_value(ceiling),
            pooling=pooling,
            chance=opt.chances(chance),
            cache=s.fits,
        )
        shell.save_figure(accuracy_figure(s.runs, results, fit_split=split), output)


@plot_app.command(
    "rank",
    epilog=opt.examples(
        "l2l plot rank --target hellaswag --C 1e21 --split sweep -o rank.png",
        "l2l plot rank -t hellaswag -t arc_easy --C 1e21 --split sweep -o rank.svg",
        (
            "l2l plot rank -t hellaswag --C 1e21 --split sweep --view budgets -o flips.png",
            "where the order flips",
        ),
    ),
)
def plot_rank(
    output: opt.OutputOpt,
    table: opt.TableArg = None,
    target: opt.RankTargetOpt = None,
    C: COpt = None,
    N: NOpt = None,
    D: DOpt = None,
    dataset: opt.DatasetsOpt = None,
    split: opt.SplitOpt = None,
    method: opt.RankMethodOpt = "recommended",
    level: opt.LevelOpt = 0.9,
    draws: opt.DrawsOpt = 4000,  # what rank draws: the figure shows what rank says
    seed: opt.SeedOpt = 0,
    form: opt.FormOpt = "auto",
    metric: opt.MetricOpt = None,
    view: Annotated[
        Literal["datasets", "budgets"],
        typer.Option(
            "--view",
            help="datasets: each dataset's prediction with its interval and P(best); budgets: the predictions "
            "across a decade either side of --C, with the budgets where the winner changes.",
        ),
    ] = "datasets",
) -> None:
    """Predicted target loss per dataset with intervals and P(best), best at the top (the figure of l2l rank).
    Losses only: an accuracy target is ranked by l2l rank, without a figure."""
    from l2l.core.ranking import Ranking
    from l2l.output.plots import held_out_runs, rank_budget_figure, rank_figure
    from l2l.workflows.requests import answer_rank, names_an_accuracy

    request = rank_request(target, C, N, D, dataset, split, method, level, draws, seed, form, metric=metric)
    if view == "budgets" and C is None:
        shell.fail_usage("--view", "the budgets view scans compute around --C; give --C")
    opt.figure_path(output, "--output")
    with shell.session(table) as s:
        if names_an_accuracy(s.with_accuracy(), request.targets, metric):
            _refuse_accuracy()
        ranking = answer_rank(s, request)
    assert isinstance(ranking, Ranking)  # no holdout: a ranking, not a backtest
    if any(t.metric != "loss" for t in ranking.targets):  # (an accuracy named by a glob)
        _refuse_accuracy()
    if view == "datasets":
        shell.save_figure(rank_figure(ranking, held_out_runs(s.runs, ranking, split)), output)
    else:
        shell.save_figure(rank_budget_figure(ranking), output)


def _refuse_accuracy() -> NoReturn:
    shell.fail_usage(
        "--target", "the ranking figure shows losses; rank an accuracy target with l2l rank, without a figure"
    )
