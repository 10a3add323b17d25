"""The batch export on a Dask distributed cluster (``moderator export --engine dask``).

The same work unit as the local engine (``export.score_files``), spread over Dask workers:

- the model is loaded once on the client and installed on every worker once by a
  ``WorkerPlugin`` (also on workers that join or restart later), so workers need no
  model file and tasks carry only its name;
- workers read the input files themselves, at the client's absolute paths (a shared or
  identically laid-out filesystem); the queue's ``source`` column keeps the paths as given,
  so the queue is byte-identical to the local engine's;
- batches of files are submitted with a bounded window and written in input order as they
  arrive: only out-of-order completions wait on the client, so memory stays bounded;
- a worker that dies is Dask's to handle: its tasks run again elsewhere. A batch that keeps
  killing workers (``KilledWorker``) is retried file by file, each alone on the cluster,
  and a file that still kills workers is reported as a failed file, like a file that does
  not parse.

``distributed`` is an optional extra (``pip install 'moderator[dask]'``), imported only here.
"""

from __future__ import annotations

import itertools
import logging
import os
import pickle
import signal
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager

from .errors import ModeratorError
from .export import (
    ExportSummary,
    FileResult,
    batch_size_for,
    default_jobs,
    expand_inputs,
    queue_kind,
    resolve_model,
    score_files,
    write_queue,
)
from .review import Policy

try:  # this module is imported only to run the dask engine, so this is not a startup cost
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # the extra is missing: import_distributed() says so when it matters
    WorkerPlugin = object

log = logging.getLogger("moderator")

EXTRA_MESSAGE = "the dask engine needs the optional extra: pip install 'moderator[dask]'"
#: Seconds to wait for a scheduler to answer, and for it to have at least one worker.
CONNECT_TIMEOUT = 30.0
#: Tasks in flight (or finished but waiting for an earlier one) per worker.
WINDOW_PER_WORKER = 3
#: The scheduler of a local cluster hands a worker one task at a time (Dask's default 1.1
#: queues a second one): when a file crashes its worker, only its own task is blamed.
LOCAL_SCHEDULER_CONFIG = {"distributed.scheduler.worker-saturation": 1.0}


class DaskEngineError(ModeratorError):
    """The Dask engine cannot run: extra not installed, scheduler unreachable, cluster lost."""


def import_distributed():
    """``distributed``, or a DaskEngineError naming the extra to install."""
    try:
        import distributed
    except ImportError:
        raise DaskEngineError(EXTRA_MESSAGE) from None
    return distributed


# --- the cluster ---------------------------------------------------------------------------


@contextmanager
def dask_client(
    scheduler: str | None = None,
    n_workers: int | None = None,
    connect_timeout: float | None = None,
):
    """A ``distributed.Client``: on the scheduler at ``scheduler``, or on a LocalCluster.

    The local cluster listens on loopback only, runs ``n_workers`` (default: all cores)
    single-threaded worker processes, and is closed on exit.
    """
    distributed = import_distributed()
    import dask

    connect_timeout = connect_timeout or CONNECT_TIMEOUT
    if scheduler:
        try:
            client = distributed.Client(scheduler, timeout=connect_timeout)
        except (OSError, ValueError) as exc:  # TimeoutError and refused connections are OSErrors
            raise DaskEngineError(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}"
            ) from None
        try:
            try:
                client.wait_for_workers(1, timeout=connect_timeout)
            except (OSError, TimeoutError):
                raise DaskEngineError(
                    f"the Dask scheduler at {scheduler} has no workers after "
                    f"{connect_timeout:g} s; start some with `dask worker {scheduler}`"
                ) from None
            log.info("Dask scheduler %s: %d workers", scheduler, _worker_count(client))
            yield client
        finally:
            client.close()
        return
    n_workers = n_workers or default_jobs()
    with dask.config.set(LOCAL_SCHEDULER_CONFIG):
        cluster = distributed.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            # Port 0: a busy 8787 (another cluster) would otherwise be a warning on every run.
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        )
    try:
        client = distributed.Client(cluster)
        try:
            client.register_plugin(IgnoreInterrupts())
            log.info("Local Dask cluster %s: %d workers", cluster.scheduler_address, n_workers)
            yield client
        finally:
            client.close()
    finally:
        cluster.close()


class IgnoreInterrupts(WorkerPlugin):
    """Ctrl-C reaches the whole process group, our local workers included: they ignore it
    and let the client stop the run and close them (else each prints a traceback)."""

    name = "moderator-ignore-interrupts"

    def setup(self, worker=None) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker_count(client) -> int:
    return len(client.scheduler_info(n_workers=-1)["workers"])


# --- the work unit on a worker -----------------------------------------------------------

#: Models installed on this worker process by ModelPlugin, by plugin name.
_WORKER_MODELS: dict[str, object] = {}


class ModelPlugin(WorkerPlugin):
    """Puts the model on each worker once: at registration, and on every worker that joins
    later (a restarted one included). Scattered data would be lost when every worker
    holding it died; the scheduler keeps a plugin and runs it again on new workers.
    """

    idempotent = False

    def __init__(self, name: str, model):
        self.name = name
        self.payload = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)

    def setup(self, worker=None) -> None:
        _WORKER_MODELS[self.name] = pickle.loads(self.payload)

    def teardown(self, worker=None) -> None:
        _WORKER_MODELS.pop(self.name, None)


def score_batch_at(paths: Sequence[str], names: Sequence[str], model_name: str,
                   **kwargs) -> list[FileResult]:
    """``score_files`` with this worker's model, reading ``paths`` (absolute) but reporting
    them as ``names`` (the paths as the user gave them)."""
    try:
        model = _WORKER_MODELS[model_name]
    except KeyError:
        raise RuntimeError(f"model {model_name} is not installed on this worker") from None
    results = score_files(paths, model=model, **kwargs)
    for path, name, result in zip(paths, names, results, strict=True):
        if path == name:
            continue
        result.path = name
        for row in result.rows:
            row["source"] = name
        if result.error is not None:
            result.error = result.error.replace(path, name)
    return results


# --- ordered results from the cluster ------------------------------------------------------


def iter_results_dask(
    client,
    files: Sequence[str],
    *,
    model,
    format: str | None = None,
    options=None,
    policy: Policy | None = None,
    include_all: bool = False,
    batch_size: int | None = None,
    window: int | None = None,
) -> Iterator[FileResult]:
    """FileResults in the order of ``files``, scored on the cluster behind ``client``.

    ``model`` is a loaded model or a path (loaded here, on the client). At most ``window``
    batches are submitted or waiting for an earlier batch at any time.
    """
    distributed = import_distributed()
    if not files:
        return
    workers = max(1, _worker_count(client))
    batch_size = batch_size or batch_size_for(len(files), workers)
    window = window or WINDOW_PER_WORKER * workers
    run_id = uuid.uuid4().hex[:12]
    plugin = ModelPlugin(f"moderator-model-{run_id}",
                         resolve_model(model, policy.model_path if policy is not None else None))
    kwargs = dict(format=format, options=options, policy=policy, include_all=include_all)
    names = list(files)
    batches = [names[i : i + batch_size] for i in range(0, len(names), batch_size)]
    pending: dict = {}  # future -> (batch index, part index, its names, ran alone)
    parts: dict[int, list] = {}  # batch index -> results per part (None until it arrives)
    suspects: deque[tuple[int, int, str]] = deque()  # files to run again, alone
    completed = distributed.as_completed()

    tries = itertools.count()

    def submit(index: int, part: int, batch_names: list[str], alone: bool = False) -> None:
        # A fresh key per try: the scheduler may still hold the failed try under the old one.
        key = f"moderator-score-{run_id}-{index}-{part}-{next(tries)}"
        future = client.submit(
            score_batch_at, [os.path.abspath(n) for n in batch_names], batch_names,
            plugin.name, key=key, pure=False, **kwargs,
        )
        pending[future] = (index, part, batch_names, alone)
        completed.add(future)

    next_submit = next_yield = 0
    client.register_plugin(plugin)  # once per worker: the model is not shipped per task
    try:
        while next_yield < len(batches):
            if suspects:
                # A task that was on a worker when it died may only have been queued beside
                # the culprit: each of its files runs again with nothing else in flight,
                # and only a file that kills workers on its own is reported.
                if not pending:
                    index, part, name = suspects.popleft()
                    submit(index, part, [name], alone=True)
            else:
                while next_submit < len(batches) and next_submit - next_yield < window:
                    parts[next_submit] = [None]
                    submit(next_submit, 0, batches[next_submit])
                    next_submit += 1
            future = next(completed)
            index, part, batch_names, alone = pending.pop(future)
            try:
                parts[index][part] = future.result()
            except distributed.KilledWorker as exc:
                if alone:
                    parts[index][part] = [FileResult(
                        path=batch_names[0],
                        error=f"{exc.allowed_failures + 1} Dask workers died while reading it "
                        "(too large for a worker's memory?)",
                    )]
                elif len(batch_names) > 1:
                    log.warning("Dask workers died running a task of %d files; trying them "
                                "one by one", len(batch_names))
                    parts[index] = [None] * len(batch_names)
                    suspects.extend((index, i, name) for i, name in enumerate(batch_names))
                else:
                    suspects.append((index, part, batch_names[0]))
            except distributed.CancelledError:
                raise DaskEngineError(
                    "the Dask cluster lost the run (scheduler gone or all workers died)"
                ) from None
            finally:
                future.release()
            # only batches already submitted: while suspects re-run alone, nothing new is
            # submitted, and every earlier batch may be done
            while next_yield < next_submit and all(p is not None for p in parts[next_yield]):
                for results in parts.pop(next_yield):
                    yield from results
                next_yield += 1
    finally:
        try:
            if pending:
                client.cancel(list(pending))
            client.unregister_worker_plugin(plugin.name)
        except Exception as exc:  # cleaning up after a lost cluster must not hide why
            log.debug("Dask clean-up after the run failed: %s", exc)


# --- the whole export ----------------------------------------------------------------------


@contextmanager
def dask_results(
    files: Sequence[str],
    *,
    scheduler: str | None = None,
    n_workers: int | None = None,
    client=None,
    **kwargs,
) -> Iterator[Iterator[FileResult]]:
    """The ordered FileResults of ``files`` on ``client``, on the cluster at ``scheduler``,
    or on a LocalCluster of ``n_workers`` processes started (and closed) around the block.

    ``kwargs`` are those of ``iter_results_dask`` (``model``, ``format``, ``policy``...).
    """
    if client is not None:
        results = iter_results_dask(client, files, **kwargs)
        try:
            yield results
        finally:
            results.close()  # cancel what is in flight before the caller moves on
        return
    with dask_client(scheduler, n_workers) as own_client:
        results = iter_results_dask(own_client, files, **kwargs)
        try:
            yield results
        finally:
            results.close()  # before the client and cluster close under it


def run_dask_export(
    paths: Iterable[str | os.PathLike],
    out: str | os.PathLike,
    *,
    scheduler: str | None = None,
    n_workers: int | None = None,
    client=None,
    format: str | None = None,
    options=None,
    model=None,
    policy: Policy | None = None,
    include_all: bool = False,
    on_result: Callable[[FileResult, ExportSummary], None] | None = None,
    excel: bool = False,
) -> ExportSummary:
    """``export.run_export`` on Dask: the same queue, byte for byte, and the same summary.

    Uses ``client`` when given, else connects to ``scheduler``, else starts a LocalCluster
    of ``n_workers`` processes (default: all cores) for the run.
    """
    files = expand_inputs(paths, exclude=out)
    queue_kind(out)
    policy = policy or Policy()
    loaded = resolve_model(model, policy.model_path)
    policy.validate(loaded.attributes)
    with dask_results(files, scheduler=scheduler, n_workers=n_workers, client=client,
                      format=format, options=options, model=loaded, policy=policy,
                      include_all=include_all) as results:
        return write_queue(out, loaded.attributes, results, on_result=on_result, excel=excel)
