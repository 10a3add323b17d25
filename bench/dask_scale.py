"""``make bench`` section: the export on a local Dask cluster of 1 and 2 workers.

Generates a synthetic site (``FILES`` thread files of ``COMMENTS`` comments each, in the
seven formats, from bench/gen_threads.py), then times ``moderator export`` on a
LocalCluster of 1 worker and of 2 workers (median of ``REPEATS`` runs after one warm-up
run that pays for the workers' imports), and the local engine in one process for reference.
Every queue is checked byte for byte against the first one.

    python bench/dask_scale.py                      # 48 files x 100 comments
    BENCH_DASK_FILES=40 BENCH_DASK_COMMENTS=100 python bench/dask_scale.py

The model is ``models/moderator.joblib`` when it loads, else one trained on
data/labels.csv into a temporary folder.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
# 48 x 100 comments: ~20 s per single-worker run at the default model's few hundred
# comments/s per core on this shared machine, so 2 engines x 4 runs stay within minutes.
FILES = int(os.environ.get("BENCH_DASK_FILES", 48))
COMMENTS = int(os.environ.get("BENCH_DASK_COMMENTS", 100))
REPEATS = int(os.environ.get("BENCH_DASK_REPEATS", 3))

def write_site(root: Path, files: int = FILES, comments: int = COMMENTS) -> int:
    """``files`` thread files of ``comments`` comments each, cycling through the seven
    formats (bench/gen_threads.py); returns the number of comments."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    from gen_threads import generate

    generate(root, files * comments, per_file=comments)
    return files * comments


def load_or_train_model(workdir: Path):
    """The default model if it loads and scores, else one trained on data/labels.csv."""
    from moderator.model import SHIPPED_MODEL, load_model, save_model

    default = SHIPPED_MODEL
    try:
        model = load_model(default)
        model.predict(["a quick check"], articles=[""], parents=[""], groups=[0])
        return model
    except Exception as exc:  # missing, or saved by an older version of the code
        print(f"[dask_scale] {default}: {exc}; training on data/labels.csv", file=sys.stderr)
    from moderator.labels import load_labels_csv
    from moderator.model.training import train

    path = workdir / "model.joblib"
    save_model(train([load_labels_csv(REPO / "data" / "labels.csv")]), path)
    return load_model(path)


def _timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def main() -> list[dict]:
    from moderator.dask_engine import dask_client, run_dask_export
    from moderator.export import run_export

    rows = []
    with tempfile.TemporaryDirectory(prefix="moderator-dask-bench-") as tmp:
        tmp_path = Path(tmp)
        site = tmp_path / "site"
        comments = write_site(site)
        model = load_or_train_model(tmp_path)
        reference: bytes | None = None

        def check(out: Path) -> None:
            nonlocal reference
            data = out.read_bytes()
            reference = reference or data
            if data != reference:
                raise RuntimeError(f"{out.name}: queue differs from the first run's")

        def record(engine: str, workers: int, times: list[float], start: float | None):
            median = statistics.median(times)
            rows.append({"engine": engine, "workers": workers, "files": FILES,
                         "comments": comments, "start s": start, "median s": median,
                         "comments/s": round(comments / median), "speed-up vs 1": None})

        out = tmp_path / "local.csv"
        times = [_timed(lambda: run_export([site], out, model=model, jobs=1, include_all=True))
                 for _ in range(REPEATS)]
        check(out)
        record("local, one process", 1, times, None)

        for workers in (1, 2):
            started = time.perf_counter()
            with dask_client(n_workers=workers) as client:
                start = time.perf_counter() - started
                out = tmp_path / f"dask{workers}.csv"

                def export(client=client, out=out):
                    run_dask_export([site], out, client=client, model=model, include_all=True)

                export()  # warm-up: workers import scikit-learn and compile the n-gram code
                times = [_timed(export) for _ in range(REPEATS)]
                check(out)
            record("dask LocalCluster", workers, times, start)

    for engine in ("local, one process", "dask LocalCluster"):
        same = [r for r in rows if r["engine"] == engine]
        for row in same:
            row["speed-up vs 1"] = same[0]["median s"] / row["median s"]
    return rows


if __name__ == "__main__":
    sys.path.insert(0, str(BENCH))
    from run import format_table

    print(format_table(main()))
