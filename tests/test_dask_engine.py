"""The export on a Dask cluster: byte-identical to the local engine, failures, a killed worker.

One LocalCluster (two single-threaded worker processes on loopback) serves the module; the
command tests reach it with ``--scheduler``, and one test lets ``--engine dask`` start and
close a cluster of its own. The model is the real one trained by ``moderator.model.training``.
"""

from __future__ import annotations

import builtins
import csv
import importlib.util
import io
import json
import logging
import multiprocessing
import os
import pickle
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

import moderator
import moderator.dask_engine
from doubles import BUS_THREAD, default_ctrl_c, write_site, write_thread
from moderator.cli import main
from moderator.dask_engine import (
    EXTRA_MESSAGE,
    LOCAL_SCHEDULER_CONFIG,
    DaskEngineError,
    dask_client,
    iter_results_dask,
    run_dask_export,
)
from moderator.export import expand_inputs, run_export, write_queue

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
dask = pytest.importorskip("dask")

pytestmark = pytest.mark.dask


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


# --- models that make a worker slow or crash (pickled by reference: workers import this) --


class SlowModel:
    """The real model, ``delay`` seconds slower per thread: a kill then lands mid-run."""

    def __init__(self, model, delay: float):
        self.model = model
        self.delay = delay
        self.attributes = model.attributes
        self.thresholds = model.thresholds

    def predict(self, texts, **kwargs):
        time.sleep(self.delay)
        return self.model.predict(texts, **kwargs)

    def predict_with_facts(self, texts, *args):
        time.sleep(self.delay)
        return self.model.predict_with_facts(texts, *args)

    def explain(self, text, attribute, **kwargs):
        return self.model.explain(text, attribute, **kwargs)


class CrashingModel(SlowModel):
    """Kills the process scoring a thread with "CRASH" in it, like a file too big for RAM."""

    def predict(self, texts, **kwargs):
        if any("CRASH" in text for text in texts):
            os._exit(1)
        return super().predict(texts, **kwargs)

    def predict_with_facts(self, texts, *args):
        if any("CRASH" in text for text in texts):
            os._exit(1)
        return super().predict_with_facts(texts, *args)


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster():
    """Two worker processes on loopback for the whole module, closed at the end."""
    with dask.config.set(LOCAL_SCHEDULER_CONFIG):  # as `--engine dask` starts one
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL,
            # A task is retried after one worker death and given up after a second: enough
            # for the kill test, and the crash test costs only two restarts per attempt.
            scheduler_kwargs={"allowed_failures": 1},
        )
    yield cluster
    cluster.close()


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def model(trained_model_path):
    return moderator.load_model(trained_model_path)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """44 thread files (166 comments) in two formats, with replies and spam in each."""
    root = tmp_path_factory.mktemp("dask") / "site"
    return write_site(root, json_threads=34)


def local_bytes(paths, out, model, **kwargs) -> bytes:
    run_export(paths, out, model=model, jobs=1, **kwargs)
    return out.read_bytes()


# --- the command ---------------------------------------------------------------------------


def test_cli_scheduler_queue_is_byte_identical_to_local(cluster, site, trained_model_path,
                                                        tmp_path):
    for ext in ("csv", "jsonl"):
        local, dask = tmp_path / f"local.{ext}", tmp_path / f"dask.{ext}"
        args = ["export", site, "--model", trained_model_path, "--all", "-q"]
        assert run(*args, "-o", local, "--jobs", "1").exit_code == 0
        result = run(*args, "-o", dask, "--scheduler", cluster.scheduler_address)
        assert result.exit_code == 0, result.output
        assert dask.read_bytes() == local.read_bytes()
        assert result.stderr.startswith(f"Wrote 166 rows to {dask}: 44 files, 44 threads, "
                                        "166 comments, ")
    rows = [json.loads(line) for line in (tmp_path / "dask.jsonl").read_text().splitlines()]
    assert [r["source"] for r in rows] == sorted(r["source"] for r in rows)
    assert [r["id"] for r in rows[:4]] == ["1", "2", "3", "4"]  # thread order within a file
    queue = list(csv.DictReader(io.StringIO((tmp_path / "dask.csv").read_text())))
    assert len(queue) == 166 and queue[1]["parent_text"] == BUS_THREAD[0][2]


def test_cli_engine_dask_starts_and_closes_a_local_cluster(site, trained_model_path,
                                                           tmp_path, monkeypatch):
    monkeypatch.chdir(site)  # relative inputs: the queue keeps them as given
    local, dask = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    args = ["export", "2024", "c0.csv", "--model", trained_model_path, "-q"]
    assert run(*args, "-o", local, "--jobs", "1").exit_code == 0
    before = {p.pid for p in multiprocessing.active_children()}  # the module's cluster
    result = run(*args, "-o", dask, "--engine", "dask", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert dask.read_bytes() == local.read_bytes()
    assert json.loads(dask.read_text().splitlines()[0])["source"] == "2024/t00.json"
    assert {p.pid for p in multiprocessing.active_children()} <= before  # workers are gone


def test_cli_bad_file_is_named_and_exit_1_after_writing_the_rest(cluster, site,
                                                                 trained_model_path, tmp_path):
    bad = tmp_path / "in" / "broken.json"
    bad.parent.mkdir()
    bad.write_text('{"comments": [{"text": 3}]}')
    outputs = {}
    for engine in (["--jobs", "1"], ["--scheduler", cluster.scheduler_address]):
        out = tmp_path / f"q{len(outputs)}.csv"
        result = run("export", site, bad.parent, "-o", out, "--model", trained_model_path,
                     *engine)
        assert result.exit_code == 1
        lines = result.stderr.splitlines()
        assert lines[0] == f"Failed: {bad}: comments[0].text: expected a string, got a number"
        assert lines[-2:] == ["Failed: 1 file",
                              f"  {bad}: comments[0].text: expected a string, got a number"]
        outputs[engine[0]] = (out.read_bytes(),
                              lines[1].split(" (")[0].replace(str(out), "OUT"), lines[2:])
    assert outputs["--jobs"] == outputs["--scheduler"]  # same rows, summary and offenders
    assert outputs["--jobs"][1].startswith("Wrote ")
    assert "45 files, 44 threads, 166 comments, " in outputs["--jobs"][1]


def test_ctrl_c_on_the_local_cluster_leaves_nothing_and_exits_130(trained_model_path,
                                                                  tmp_path):
    """Ctrl-C as a terminal sends it: to the whole process group, workers included."""
    root = tmp_path / "big"
    root.mkdir()
    # 1,000 files x 20 comments: enough that the run is still going when the signal lands
    # (200 files were; scoring has since become ~3x faster and this test failed once)
    for i in range(1000):
        write_thread(root / f"t{i:04}.json", BUS_THREAD * 5, thread_id=f"t{i}")
    out = tmp_path / "queue.csv"
    process = subprocess.Popen(
        [sys.executable, "-c", "from moderator.cli import main; main()", "export", str(root),
         "-o", str(out), "--model", str(trained_model_path), "--engine", "dask", "--jobs",
         "2", "--all"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=default_ctrl_c,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until the run is under way: rows in the temp
            temps = [p for p in tmp_path.iterdir() if p.name.startswith(".queue.csv.")]
            if temps and temps[0].exists() and temps[0].stat().st_size > 2_000:
                break
            assert process.poll() is None, process.communicate()
            time.sleep(0.05)
        else:
            pytest.fail("export never started writing")
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
    assert process.returncode == 130, stderr
    assert stderr.endswith("Interrupted.\n") and "Traceback" not in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big"]  # no OUT, no temp file
    # and no worker outlives the command (exited ones may wait as zombies for init to reap)
    assert live_processes_in_session(process.pid) == []


def live_processes_in_session(sid: int) -> list[str]:
    ps = subprocess.run(["ps", "-o", "stat=,args=", "-s", str(sid)], capture_output=True,
                        text=True)
    return [line for line in ps.stdout.splitlines() if not line.startswith("Z")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "local", "--scheduler", "tcp://127.0.0.1:8786"],
         "Invalid value for '--scheduler': a scheduler means --engine dask"),
        (["--jobs", "2", "--scheduler", "tcp://127.0.0.1:8786"],
         "Invalid value for '--jobs': the cluster of --scheduler has its own workers"),
        (["--engine", "spark"], "Invalid value for '--engine': 'spark' is not one of"),
    ],
)
def test_cli_engine_usage_errors(site, trained_model_path, tmp_path, args, message):
    result = run("export", site, "-o", tmp_path / "q.csv", "--model", trained_model_path,
                 *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (tmp_path / "q.csv").exists()


def test_cli_without_the_extra_says_what_to_install(site, trained_model_path, tmp_path,
                                                    monkeypatch):
    real_import = builtins.__import__

    def no_distributed(name, *args, **kwargs):
        if name == "distributed" or name.startswith("distributed."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_distributed)
    for args in (["--engine", "dask"], ["--scheduler", "tcp://127.0.0.1:8786"]):
        result = run("export", site, "-o", tmp_path / "q.csv", "--model", trained_model_path,
                     *args)
        assert result.exit_code == 1
        assert result.stderr == f"Error: {EXTRA_MESSAGE}\n"
        assert EXTRA_MESSAGE == ("the dask engine needs the optional extra: "
                                 "pip install 'moderator[dask]'")
        assert os.listdir(tmp_path) == []
    # and the module itself imports without it (a copy, leaving sys.modules alone)
    spec = importlib.util.spec_from_file_location("moderator._dask_engine_copy",
                                                  moderator.dask_engine.__file__)
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    assert fresh.WorkerPlugin is object
    with pytest.raises(fresh.DaskEngineError, match=r"pip install 'moderator\[dask\]'"):
        fresh.import_distributed()


def test_cli_unreachable_scheduler_is_one_error_line(site, trained_model_path, tmp_path,
                                                     monkeypatch):
    monkeypatch.setattr("moderator.dask_engine.CONNECT_TIMEOUT", 0.5)
    import socket

    with socket.socket() as sock:  # a free port nobody listens on
        sock.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{sock.getsockname()[1]}"
    result = run("export", site, "-o", tmp_path / "q.csv", "--model", trained_model_path,
                 "--scheduler", address)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: cannot reach the Dask scheduler at {address}: ")
    assert result.stderr.count("\n") == 1 and os.listdir(tmp_path) == []


def test_scheduler_without_workers_is_an_error(monkeypatch):
    with distributed.LocalCluster(n_workers=0, host="127.0.0.1", processes=True,
                                  dashboard_address="127.0.0.1:0",
                                  silence_logs=logging.CRITICAL) as empty:
        with pytest.raises(DaskEngineError) as err:
            with dask_client(empty.scheduler_address, connect_timeout=0.3):
                pass
    assert str(err.value) == (f"the Dask scheduler at {empty.scheduler_address} has no "
                              f"workers after 0.3 s; start some with "
                              f"`dask worker {empty.scheduler_address}`")


def _worker_models() -> list[str]:
    return sorted(moderator.dask_engine._WORKER_MODELS)


def test_the_model_goes_to_each_worker_once_not_with_every_task(client, site, model):
    """One plugin registration puts the model on both workers; tasks carry only its name."""

    class RecordingClient:
        def __init__(self):
            self.plugins, self.task_sizes = [], []

        def __getattr__(self, name):
            return getattr(client, name)

        def register_plugin(self, plugin, *args, **kwargs):
            self.plugins.append(plugin)
            return client.register_plugin(plugin, *args, **kwargs)

        def submit(self, fn, *args, key=None, pure=None, **kwargs):
            self.task_sizes.append(len(pickle.dumps((fn, args, kwargs))))
            return client.submit(fn, *args, key=key, pure=pure, **kwargs)

    recording = RecordingClient()
    files = expand_inputs([site])
    results = iter_results_dask(recording, files, model=model, include_all=True, batch_size=4)
    first = next(results)
    (plugin,) = recording.plugins
    on_workers = client.run(_worker_models)
    assert len(on_workers) == 2
    assert all(names == [plugin.name] for names in on_workers.values()), on_workers
    rest = list(results)
    assert [r.path for r in [first, *rest]] == files and all(r.error is None for r in rest)
    model_size = len(pickle.dumps(model))
    shipped = pickle.loads(plugin.payload)
    assert type(shipped) is type(model) and shipped.attributes == model.attributes
    assert len(plugin.payload) > model_size * 0.9
    assert len(recording.task_sizes) == 11  # 44 files in batches of 4
    assert max(recording.task_sizes) < model_size / 100, (max(recording.task_sizes), model_size)
    # and the workers drop it when the run is over
    assert all(names == [] for names in client.run(_worker_models).values())


# --- workers that die ----------------------------------------------------------------------


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(client, site, model, tmp_path):
    """SIGKILL a worker that is running a batch: Dask reruns it elsewhere, same bytes."""
    expected = local_bytes([site], tmp_path / "local.jsonl", SlowModel(model, 0), include_all=True)
    pids = client.run(os.getpid)
    killed = []

    def kill_a_busy_worker(result, summary):
        if killed:
            return
        busy = [address for address, keys in client.processing().items() if keys]
        assert busy, "nothing in flight to kill"
        os.kill(pids[busy[0]], signal.SIGKILL)
        killed.append(busy[0])

    out = tmp_path / "dask.jsonl"
    summary = run_dask_export([site], out, client=client, model=SlowModel(model, 0.05),
                              include_all=True, on_result=kill_a_busy_worker)
    assert killed and summary.files == 44 and summary.failures == []
    assert out.read_bytes() == expected
    client.wait_for_workers(2, timeout=30)
    assert pids[killed[0]] not in client.run(os.getpid).values()  # a new process took over


def test_a_file_that_keeps_killing_workers_is_reported_and_the_rest_written(client, site,
                                                                            model, tmp_path):
    crash = tmp_path / "in" / "huge.json"
    crash.parent.mkdir()
    write_thread(crash, [("1", "x", "CRASH this worker")])
    good = sorted((site / "2024").iterdir())[:3]
    files = [str(good[0]), str(crash), *map(str, good[1:])]
    expected = local_bytes(good, tmp_path / "local.csv", model)
    warned = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("moderator.dask_engine.log.warning", lambda msg, *a: warned.append(msg % a))
        results = list(iter_results_dask(client, sorted(files), model=CrashingModel(model, 0),
                                         batch_size=2))  # [t00, t01], [t02, huge]
    assert warned == ["Dask workers died running a task of 2 files; trying them one by one"]
    assert [r.path for r in results] == sorted(files)
    failed = [r for r in results if r.error is not None]
    assert [(r.path, r.error) for r in failed] == [
        (str(crash), "2 Dask workers died while reading it (too large for a worker's memory?)")
    ]
    # the other files' rows are all there: the same bytes as a local run without the culprit
    out = tmp_path / "dask.csv"
    write_queue(out, model.attributes, [r for r in results if r.error is None])
    assert out.read_bytes() == expected


def test_help_shows_the_engines_with_an_example():
    result = run("export", "--help")
    assert "--engine [local|dask]" in result.output
    assert "--scheduler tcp://HOST:PORT" in result.output
    assert "moderator export archive/ -o queue.csv --scheduler tcp://10.0.0.5:8786" in result.output


@pytest.mark.slow
def test_dask_workers_warn_with_the_prefix(trained_model_path, tmp_path):
    """--engine dask: warnings logged on the workers look like the local engine's."""
    from doubles import write_twice_listed_items

    files = write_twice_listed_items(tmp_path / "in")
    script = os.path.join(os.path.dirname(sys.executable), "moderator")
    done = subprocess.run(
        [script, "export", str(tmp_path / "in"), "-o", str(tmp_path / "q.csv"),
         "--engine", "dask", "--jobs", "1", "--model", str(trained_model_path), "-q"],
        capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    warnings = sorted(line for line in done.stderr.splitlines() if "appears twice" in line)
    assert warnings == [f"WARNING: {path}: item 1 appears twice; the first one is used"
                        for path in files]
