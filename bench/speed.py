"""Speed and memory against the targets of issue 5 (``make bench``; never run by the tests).

Every figure is measured on a fresh process, with its target and PASS/FAIL:

- score: ``moderator score big.csv --format csv --output jsonl`` (default model, explanations
  in the output) vs alt-profanity-check's whole process on the same rows (a script that reads
  the CSV, calls ``predict_prob`` and writes one JSON line per row), run alternately, ours then
  theirs, median of ``BENCH_REPEATS``; on invented long (~400 characters) and tweet-length
  comments, and on real Jigsaw comments / OLID tweets when ../shared/data has them (written
  to bench/out only, never committed). Target: ratio >= 1.0.
- export: ``moderator export`` of ``BENCH_EXPORT_COMMENTS`` generated comments in all seven
  formats (bench/gen_threads.py, cached in bench/out/) with ``--jobs 2``: <= 60 s and the
  memory of the whole process tree <= 1 GB.
- train: ``moderator train`` with ``--data`` for every English corpus in ../shared/data:
  <= 60 s, process tree <= 4 GB.
- load: ``moderator.load_model()`` timed inside a fresh interpreter, median of 5: <= 1 s.
- help: ``moderator --help`` wall time, fresh process, median of 5: <= 0.3 s.
- quality: (a) ROC AUC of bench/out/quality.json (bench/quality.py) against the committed
  bench/quality_baseline.json: no split loses more than 0.003.

Memory: "tree" is the sum of the RSS of the command and all its descendants (joblib/loky
workers included), sampled every 0.1 s with psutil: an upper bound (shared pages count once
per process), the figure the targets are judged on. "max1" is /usr/bin/time -v's maximum
resident set size: that of the largest single process. Results also go to bench/out/speed.json.

    python bench/speed.py                               # everything, full size
    python bench/speed.py --rows 20000 --export-comments 200000 --only score,export
    BENCH_ROWS=20000 BENCH_EXPORT_COMMENTS=200000 make bench
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
DATA = Path(os.environ.get("MODERATOR_SHARED_DATA", REPO.parent / "shared" / "data"))
BASELINE = BENCH / "quality_baseline.json"
TIME = "/usr/bin/time"
SECTIONS = ("score", "export", "train", "load", "help", "quality")
QUALITY_TOLERANCE = 0.003

PROFANITY_CHECK = """
import csv, json, sys
from profanity_check import predict_prob
csv.field_size_limit(2**31 - 1)
with open(sys.argv[1], encoding="utf-8", newline="") as handle:
    rows = list(csv.DictReader(handle))
scores = predict_prob([row["text"] for row in rows])
write = sys.stdout.write
for row, score in zip(rows, scores):
    write(json.dumps({"id": row["id"], "score": float(score)}) + "\\n")
"""

LOAD_MODEL = """
import json, sys, time
started = time.perf_counter()
import moderator
imported = time.perf_counter()
model = moderator.load_model(sys.argv[1] if len(sys.argv) > 1 else None)
loaded = time.perf_counter()
model.predict(["Thanks for the write-up, the new bus route is great."])
predicted = time.perf_counter()
print(json.dumps({"import": imported - started, "load": loaded - imported,
                  "first_predict": predicted - loaded}))
"""


def say(message: str) -> None:
    print(f"[speed] {message}", file=sys.stderr, flush=True)


def load() -> float:
    return round(os.getloadavg()[0], 1)


# --- running and measuring one command ------------------------------------------------------


@dataclass
class Run:
    seconds: float
    tree_mb: float | None  # peak of the summed RSS of the process tree (sampled)
    max1_mb: float | None  # /usr/bin/time -v: the largest single process
    returncode: int
    load_before: float
    load_after: float
    stderr_tail: str = ""


class TreeSampler(threading.Thread):
    """Peak summed RSS of a process and its descendants, sampled every ``interval`` s."""

    def __init__(self, pid: int, interval: float = 0.1, skip_root: bool = False):
        super().__init__(daemon=True)
        self.pid, self.interval, self.skip_root = pid, interval, skip_root
        self.peak = 0
        self.available = True
        self._done = threading.Event()

    def run(self) -> None:
        try:
            import psutil
        except ImportError:
            self.available = False
            return
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._done.is_set():
            try:
                procs = root.children(recursive=True)
                if not self.skip_root:
                    procs.append(root)
            except psutil.Error:
                break
            total = 0
            for proc in procs:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()


def measure(cmd: list[str], stdout=subprocess.DEVNULL, env: dict | None = None,
            cwd: Path = REPO) -> Run:
    """Run ``cmd`` once: wall seconds, peak memory (tree and largest process), exit status."""
    use_time = os.access(TIME, os.X_OK)
    with tempfile.NamedTemporaryFile("r", suffix=".time") as timing, \
            tempfile.TemporaryFile("w+") as stderr:
        full = [TIME, "-v", "-o", timing.name, *cmd] if use_time else cmd
        before = load()
        started = time.perf_counter()
        proc = subprocess.Popen(full, stdout=stdout, stderr=stderr, cwd=cwd,
                                env={**os.environ, **(env or {})})
        sampler = TreeSampler(proc.pid, skip_root=use_time)  # /usr/bin/time itself: not ours
        sampler.start()
        proc.wait()
        seconds = time.perf_counter() - started
        sampler.stop()
        max1 = None
        if use_time:
            for line in timing.read().splitlines():
                if "Maximum resident set size" in line:
                    max1 = int(line.rsplit(":", 1)[1]) / 1024
        stderr.seek(0)
        tail = stderr.read()[-600:]
    tree = sampler.peak / 2**20 if sampler.available and sampler.peak else None
    if tree is not None and max1 is not None:
        tree = max(tree, max1)  # sampling can miss a short peak; the tree holds at least max1
    return Run(seconds, tree, max1, proc.returncode, before, load(), tail)


def checked(run: Run, what: str) -> Run:
    if run.returncode != 0:
        last = (run.stderr_tail.strip().splitlines() or [""])[-1]
        raise RuntimeError(f"{what} exited with {run.returncode}: {last}")
    return run


def moderator_cmd() -> list[str]:
    script = Path(sys.executable).with_name("moderator")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from moderator.cli import main; main()"]


def model_args(settings: Settings) -> list[str]:
    return ["--model", settings.model] if settings.model else []


def _model_works(model: str | None) -> str | None:
    """None when ``model`` (None = the default) loads and predicts, else the error's last line."""
    cmd = [sys.executable, "-c", LOAD_MODEL, *([model] if model else [])]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False)
    if result.returncode == 0:
        return None
    return (result.stderr.strip().splitlines() or ["failed"])[-1]


def choose_model(settings: Settings) -> None:
    """$BENCH_MODEL, else the default model, else (stale default) one trained now like
    ``make model`` into bench/out, so a model file older than the code does not stop the bench."""
    settings.model = os.environ.get("BENCH_MODEL") or None
    problem = _model_works(settings.model)
    if problem is None or settings.model:
        settings.model_note = settings.model or "default model (moderator.model.find_model)"
        return
    fresh = OUT / "bench-default.joblib"
    say(f"default model unusable ({problem}): training {fresh.name} from data/labels.csv")
    if _model_works(str(fresh)) is not None:
        cmd = [*moderator_cmd(), "train", "--model", str(fresh), "-q"]
        subprocess.run(cmd, cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    settings.model = str(fresh)
    settings.model_note = f"{fresh} (default model was unusable: {problem})"


def median(values):
    return statistics.median(values) if values else None


# --- rows of the table --------------------------------------------------------------------


@dataclass
class Settings:
    rows: int = int(os.environ.get("BENCH_ROWS", 100_000))
    export_comments: int = int(os.environ.get("BENCH_EXPORT_COMMENTS", 1_000_000))
    per_file: int = int(os.environ.get("BENCH_PER_FILE", 2000))
    repeats: int = int(os.environ.get("BENCH_REPEATS", 3))
    export_repeats: int = int(os.environ.get("BENCH_EXPORT_REPEATS", 1))
    jobs: int = 2
    only: tuple[str, ...] = SECTIONS
    model: str | None = None  # None: the default model
    model_note: str = ""
    detail: list = field(default_factory=list)  # raw measurements for speed.json


def row(figure, target, measured, ratio, passed, note="", baseline=None) -> dict:
    return {"figure": figure, "target": target, "measured": measured,
            "baseline": baseline if baseline is not None else "-", "ratio": ratio,
            "pass": None if passed is None else ("PASS" if passed else "FAIL"), "note": note}


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} MB"


def score_sets(settings: Settings) -> list[tuple[str, Path]]:
    """(label, CSV) of each row set, written once into bench/out (cached by size)."""
    import gen_threads

    sets = []
    for length in ("long", "tweet"):
        path = OUT / f"score-synthetic-{length}-{settings.rows}.csv"
        if not path.exists():
            gen_threads.write_comments_csv(path, gen_threads.synthetic_texts(settings.rows, length))
        sets.append((f"invented {length}", path))
    for length, name in (("long", "jigsaw"), ("tweet", "olid")):
        path = OUT / f"score-{name}-{settings.rows}.csv"
        if not path.exists():
            texts = gen_threads.real_texts(DATA, settings.rows, length)
            if texts is None:
                say(f"{name}: not under {DATA}, real {length} rows skipped")
                continue
            gen_threads.write_comments_csv(path, texts)
        sets.append((f"{name} (real {length})", path))
    return sets


def bench_score(settings: Settings) -> list[dict]:
    rows = []
    for label, path in score_sets(settings):
        ours_cmd = [*moderator_cmd(), "score", str(path), "--format", "csv", "--output", "jsonl",
                    *model_args(settings)]
        theirs_cmd = [sys.executable, "-c", PROFANITY_CHECK, str(path)]
        ours, theirs = [], []
        for i in range(settings.repeats):
            ours.append(checked(measure(ours_cmd), f"moderator score {path.name}"))
            theirs.append(checked(measure(theirs_cmd), f"profanity_check {path.name}"))
            say(f"score {label} run {i + 1}: ours {ours[-1].seconds:.1f} s, "
                f"alt-profanity-check {theirs[-1].seconds:.1f} s (load {ours[-1].load_before})")
        ours_s = median([r.seconds for r in ours])
        theirs_s = median([r.seconds for r in theirs])
        rate, their_rate = settings.rows / ours_s, settings.rows / theirs_s
        ratio = rate / their_rate
        settings.detail.append({"figure": f"score {label}", "ours": [asdict(r) for r in ours],
                                "alt_profanity_check": [asdict(r) for r in theirs]})
        rows.append(row(
            f"score rows/s, {label}, {settings.rows:,} rows",
            ">= 1.0x apc", f"{rate:,.0f}/s", ratio, ratio >= 1.0,
            f"apc {their_rate:,.0f}/s; RSS ours {_mb(median([r.max1_mb for r in ours]))}, "
            f"apc {_mb(median([r.max1_mb for r in theirs]))}; load "
            f"{ours[0].load_before}-{ours[-1].load_after}",
            baseline=f"{their_rate:,.0f}/s"))
    return rows


def export_corpus(settings: Settings) -> Path:
    """The generated thread files (all formats), made once and reused."""
    import gen_threads

    folder = OUT / f"threads-{settings.export_comments}-{settings.per_file}-seed0"
    marker = folder / ".complete"
    if not marker.exists():
        if folder.exists():
            shutil.rmtree(folder)
        started = time.perf_counter()
        paths = gen_threads.generate(folder, settings.export_comments, settings.per_file)
        marker.write_text(json.dumps({"files": len(paths), "comments": settings.export_comments}))
        say(f"generated {len(paths)} thread files in {time.perf_counter() - started:.0f} s")
    return folder


def bench_export(settings: Settings) -> list[dict]:
    folder = export_corpus(settings)
    queue = OUT / "export-queue.csv"
    cmd = [*moderator_cmd(), "export", str(folder), "-o", str(queue), "--jobs", str(settings.jobs),
           "-q", *model_args(settings)]
    runs = []
    for _ in range(settings.export_repeats):
        runs.append(checked(measure(cmd), "moderator export"))
        say(f"export: {runs[-1].seconds:.1f} s, tree {_mb(runs[-1].tree_mb)}, "
            f"load {runs[-1].load_before}-{runs[-1].load_after}")
    settings.detail.append({"figure": "export", "runs": [asdict(r) for r in runs]})
    seconds = median([r.seconds for r in runs])
    tree = max((r.tree_mb or 0) for r in runs) or None
    max1 = max((r.max1_mb or 0) for r in runs) or None
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20
    load_note = f"load {runs[0].load_before}-{runs[-1].load_after}"
    return [
        row(f"export {settings.export_comments:,} comments, 7 formats, --jobs {settings.jobs}",
            "<= 60 s", f"{seconds:.1f} s", seconds / 60, seconds <= 60,
            f"{settings.export_comments / seconds:,.0f} comments/s; {size:,.0f} MB of input; "
            f"{load_note}; n={len(runs)}"),
        row("export peak memory (process tree)", "<= 1 GB", _mb(tree),
            None if tree is None else tree / 1024, None if tree is None else tree <= 1024,
            f"sum of RSS over parent + workers, sampled 10 Hz; largest process {_mb(max1)}"),
    ]


def english_corpora() -> list[tuple[str, Path]]:
    """(corpus, folder) of every registered English corpus present under DATA."""
    from quality import SPLITS

    from moderator.corpora import CORPORA

    folders = {s.corpus: s.folder for s in SPLITS}
    found = []
    for name, adapter in CORPORA.items():
        path = DATA / folders.get(name, name)
        if adapter.language == "en" and path.exists():
            found.append((name, path))
    return found


def bench_train(settings: Settings) -> list[dict]:
    corpora = english_corpora()
    if not corpora:
        return [row("train, English corpora", "<= 60 s", "n/a", None, None, f"none under {DATA}")]
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [*moderator_cmd(), "train", "--model", str(Path(tmp) / "train-bench.joblib"), "-q"]
        for name, path in corpora:
            cmd += ["--data", f"{name}={path}"]
        run = checked(measure(cmd), "moderator train")
    settings.detail.append({"figure": "train", "corpora": [c for c, _ in corpora],
                            "runs": [asdict(run)]})
    say(f"train: {run.seconds:.1f} s, tree {_mb(run.tree_mb)}")
    note = f"{len(corpora)} corpora: {', '.join(c for c, _ in corpora)}"
    return [
        row("train, all English corpora", "<= 60 s", f"{run.seconds:.1f} s", run.seconds / 60,
            run.seconds <= 60, f"{note}; load {run.load_before}-{run.load_after}; n=1"),
        row("train peak memory (process tree)", "<= 4 GB", _mb(run.tree_mb),
            None if run.tree_mb is None else run.tree_mb / 4096,
            None if run.tree_mb is None else run.tree_mb <= 4096,
            f"largest process {_mb(run.max1_mb)}"),
    ]


def bench_load(settings: Settings) -> list[dict]:
    cmd = [sys.executable, "-c", LOAD_MODEL, *([settings.model] if settings.model else [])]
    timings = []
    for _ in range(5):
        result = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"load_model failed: {result.stderr.strip().splitlines()[-1]}")
        timings.append(json.loads(result.stdout.strip().splitlines()[-1]))
    settings.detail.append({"figure": "load", "runs": timings})
    loaded = median([t["load"] for t in timings])
    return [row("model load (load_model, in-process)", "<= 1 s", f"{loaded:.3f} s", loaded,
                loaded <= 1.0,
                f"import moderator {median([t['import'] for t in timings]):.3f} s, then first "
                f"predict {median([t['first_predict'] for t in timings]):.3f} s; median of 5; "
                f"load {load()}")]


def bench_help(settings: Settings) -> list[dict]:
    runs = [checked(measure([*moderator_cmd(), "--help"]), "moderator --help") for _ in range(5)]
    settings.detail.append({"figure": "help", "runs": [asdict(r) for r in runs]})
    seconds = median([r.seconds for r in runs])
    return [row("moderator --help (fresh process)", "<= 0.3 s", f"{seconds:.3f} s", seconds / 0.3,
                seconds <= 0.3, f"median of 5; RSS {_mb(median([r.max1_mb for r in runs]))}; "
                f"load {runs[0].load_before}")]


def bench_quality(settings: Settings) -> list[dict]:
    current_path = OUT / "quality.json"
    if not BASELINE.exists():
        return [row("quality (a) ROC AUC", "no loss > 0.003", "n/a", None, None,
                    f"no {BASELINE.name}")]
    if not current_path.exists():
        return [row("quality (a) ROC AUC", "no loss > 0.003", "n/a", None, None,
                    "no bench/out/quality.json: run bench/quality.py (the quality section)")]
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    current = json.loads(current_path.read_text(encoding="utf-8"))
    now = {(r["dev split"], r["judged"]): r for r in current["rows"]}
    age = (time.time() - current_path.stat().st_mtime) / 3600
    rows = []
    for old in baseline["rows"]:
        key = (old["dev split"], old["judged"])
        new = now.get(key)
        before, after = old.get("(a) AUC"), (new or {}).get("(a) AUC")
        if before is None or after is None:
            rows.append(row(f"quality (a) AUC {key[0]} {key[1]}", "no loss > 0.003",
                            "n/a" if after is None else f"{after:.4f}", None, None,
                            "not in this run" if new is None else "n/a", baseline="n/a"))
            continue
        delta = after - before
        rows.append(row(f"quality (a) AUC {key[0]} {key[1]}", "no loss > 0.003",
                        f"{after:.4f}", delta, delta >= -QUALITY_TOLERANCE,
                        f"ratio column = AUC delta; {new['rows']} dev rows; "
                        f"quality.json {age:.1f} h old",
                        baseline=f"{before:.4f}"))
    say(f"quality.json is {age:.1f} h old (train {current.get('train_seconds')} s)")
    return rows


BENCHES = {"score": bench_score, "export": bench_export, "train": bench_train,
           "load": bench_load, "help": bench_help, "quality": bench_quality}


def git_state() -> dict:
    def git(*args):
        result = subprocess.run(["git", *args], capture_output=True, text=True, cwd=REPO,
                                check=False)
        return result.stdout.strip()

    return {"commit": git("rev-parse", "HEAD"),
            "dirty_src": git("status", "--porcelain", "--", "src").splitlines()}


def write_json_atomic(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, default=str)
            handle.write("\n")
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


def run(settings: Settings) -> list[dict]:
    OUT.mkdir(parents=True, exist_ok=True)
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    started_load = load()
    started_git = git_state()
    rows = []
    if set(settings.only) & {"score", "export", "load"}:
        choose_model(settings)
        say(f"model: {settings.model_note}")
    for name in settings.only:
        say(f"{name} (load average {load()}, {os.cpu_count()} cores)")
        try:
            rows.extend(BENCHES[name](settings))
        except Exception as exc:  # noqa: BLE001 - one failing figure must not hide the others
            say(f"{name} failed: {type(exc).__name__}: {exc}")
            rows.append(row(name, "-", "ERROR", None, False, f"{type(exc).__name__}: {exc}"[:200]))
    write_json_atomic(OUT / "speed.json", {
        "settings": {k: v for k, v in asdict(settings).items() if k != "detail"},
        "cores": os.cpu_count(),
        "load_average": {"start": started_load, "end": load()},
        "git": {"start": started_git, "end": git_state()},
        "rows": rows,
        "measurements": settings.detail,
    })
    return rows


def main() -> list[dict]:
    """The bench/run.py section: sizes from BENCH_ROWS, BENCH_EXPORT_COMMENTS, BENCH_REPEATS."""
    return run(Settings())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=Settings.rows,
                        help="rows per scoring set (default 100,000 or $BENCH_ROWS)")
    parser.add_argument("--export-comments", type=int, default=Settings.export_comments)
    parser.add_argument("--repeats", type=int, default=Settings.repeats)
    parser.add_argument("--export-repeats", type=int, default=Settings.export_repeats)
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"some of {','.join(SECTIONS)}")
    args = parser.parse_args()
    only = tuple(s.strip() for s in args.only.split(",") if s.strip())
    bad = [s for s in only if s not in BENCHES]
    if bad:
        parser.error(f"unknown {', '.join(bad)} (known: {', '.join(SECTIONS)})")
    sys.path.insert(0, str(BENCH))
    from run import format_table  # bench/run.py, beside this file

    table = run(Settings(rows=args.rows, export_comments=args.export_comments,
                         repeats=args.repeats, export_repeats=args.export_repeats, only=only))
    print(format_table(table))
