"""``moderator export PATHS... -o OUT``: the batch review queue."""

from __future__ import annotations

import sys

import click

from .options import parse_options_from, thread_input_options
from .score_cmd import load_policy_and_model, policy_options


def _check_out(ctx, param, value):
    from moderator.errors import ConfigError
    from moderator.export import queue_kind

    try:
        queue_kind(value)
    except ConfigError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@click.command("export")
@click.argument("paths", nargs=-1, required=True)
@click.option("-o", "--output", "out", required=True, callback=_check_out,
              type=click.Path(dir_okay=False, writable=True),
              help="The review queue: .csv or .jsonl (chosen by the extension).")
@thread_input_options
@policy_options
@click.option("--all", "include_all", is_flag=True,
              help="One row per comment, not only the flagged ones.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: all cores, but one per 16 files at most); "
                   "with --engine dask, the local cluster's workers.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default=None,
              help="local: processes on this machine (default); dask: a Dask cluster, "
                   "started on this machine unless --scheduler is given.")
@click.option("--scheduler", metavar="tcp://HOST:PORT", default=None,
              help="Run on the Dask cluster of this scheduler (implies --engine dask; "
                   "needs pip install 'moderator[dask]').")
@click.option("--excel", is_flag=True,
              help="Start a CSV queue with a UTF-8 byte order mark, so that Excel shows "
                   "accents and emoji (other spreadsheets read it either way).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def export(ctx, paths, out, model_path, config_path, thresholds, include_all, jobs, engine,
           scheduler, excel, quiet, format_, **kwargs):
    """Score many thread files and write the comments to review into one queue.

    PATHS are files, folders (read recursively) and globs, in any mix of formats.
    The queue has one row per flagged comment (every comment with --all), in input-file
    order then thread order. Its first columns: an empty `decision` for the moderator
    (reject, approve or an attribute name; see `moderator train --feedback`),
    `max_score` to sort on and `why` (e.g. insult 0.93: "clueless idiot", "pathetic").
    A file that cannot be read is reported and skipped; the exit status is then 1.

    \b
    Examples:
      moderator export exports/ -o queue.csv --excel
      moderator export 'archive/**/*.xml' reddit/*.json -o queue.jsonl --jobs 2
      moderator export site.xml --format wxr --all --config moderator.toml -o all.csv
      moderator export archive/ -o queue.csv --scheduler tcp://10.0.0.5:8786
    """
    from contextlib import nullcontext

    from moderator.export import default_jobs, expand_inputs, iter_results, write_queue
    from moderator.progress import Progress

    engine = engine or ("dask" if scheduler else "local")
    if scheduler and engine == "local":
        raise click.BadParameter("a scheduler means --engine dask", param_hint="'--scheduler'")
    if scheduler and jobs:
        raise click.BadParameter("the cluster of --scheduler has its own workers; "
                                 "--jobs sets those of a local run", param_hint="'--jobs'")

    options = parse_options_from(kwargs)
    files = expand_inputs(paths, exclude=out)
    policy, model, model_path = load_policy_and_model(model_path, config_path, thresholds)
    jobs = jobs or default_jobs(len(files) if engine == "local" else None)
    progress = Progress(len(files), stream=sys.stderr, quiet=quiet)

    def on_result(result, summary):
        if result.error is not None:
            progress.update(summary.files, summary.comments, force=True)
            if progress.enabled:
                click.echo(err=True)
            click.echo(f"Failed: {result.path}: {result.error}", err=True)
        progress.update(summary.files, summary.comments, force=summary.files == len(files))

    if engine == "dask":
        from moderator.dask_engine import dask_results

        engine_results = dask_results(files, scheduler=scheduler, n_workers=jobs,
                                      format=format_, options=options, model=model,
                                      policy=policy, include_all=include_all)
    else:
        engine_results = nullcontext(iter_results(
            files, format=format_, options=options, model=model_path if jobs > 1 else model,
            policy=policy, include_all=include_all, jobs=jobs))
    try:
        with engine_results as results:
            summary = write_queue(out, model.attributes, results, on_result=on_result,
                                  excel=excel)
    finally:
        progress.close()
    for line in summary.lines(out):
        click.echo(line, err=True)
    if summary.failures:
        ctx.exit(1)


COMMANDS = [export]
