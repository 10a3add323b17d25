"""The batch export: many thread files -> one review queue (CSV or JSON Lines).

The pieces, so another engine (Dask, see issue 6) can reuse them:

- ``expand_inputs(paths)``: files, folders (recursive, thread extensions only) and globs ->
  sorted, de-duplicated files.
- ``score_file(path, format, options, model, policy, include_all) -> FileResult``: the
  per-file work unit. Picklable arguments (``model`` may be a path, loaded once per process
  and cached), never raises for a bad input file: the failure is in ``FileResult.error``.
- ``QueueWriter(out, attributes)``: atomic writer (temp file beside ``out``, ``os.replace`` on
  ``commit()``, removed on ``discard()``); ``with`` does either.
- ``ExportSummary``: counts folded from each ``FileResult`` and the closing summary lines.
- ``run_export(...)``: the local engine, joblib across processes, results in input order.
"""

from __future__ import annotations

import glob
import logging
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError, ModeratorError, ThreadFormatError
from .explanations import why_text
from .language import ENGLISH
from .logs import to_stderr_unless_set_up
from .output import counted
from .records import RecordWriter
from .review import Policy, score_thread
from .threads import read_threads
from .threads.model import COMMENT_FIELDS

log = logging.getLogger("moderator")

#: Columns of the review queue, in order (``scores`` becomes ``score_<attribute>`` in CSV).
#: What a moderator reads and types first: ``decision`` (empty, theirs to fill),
#: ``max_score`` (to sort on), ``why`` (the reasons in words, ``moderator.explanations``)
#: and the comment; then where it is and the machine-readable scores and ``reasons``.
QUEUE_FIELDS = (
    "decision",
    "max_score",
    "why",
    "text",
    "author",
    "thread_title",
    "source",
    "thread_id",
    *(name for name in COMMENT_FIELDS if name not in ("text", "author")),
    "scores",
    "flagged",
    "reasons",
    "language",  # "en", else the comment's language: not judged by the English model
    "parent_text",
    "article",  # context for `moderator train --feedback` (off-topic needs the article)
)
QUEUE_KINDS = {".csv": "csv", ".jsonl": "jsonl"}


def _max_score(scores: dict) -> float | None:
    """The highest score, None for a comment the model did not judge (not in English)."""
    judged = [score for score in scores.values() if score is not None]
    return max(judged) if judged else (0.0 if not scores else None)
GLOB_CHARS = set("*?[")
#: Extensions taken when a folder is walked (the formats' files: text pages, JSON trees,
#: WordPress/Disqus XML, CSV/TSV tables). Files named on the command line are always read.
THREAD_EXTENSIONS = frozenset({".txt", ".text", ".json", ".xml", ".wxr", ".csv", ".tsv"})
TOP_OFFENDERS = 5


# --- inputs ------------------------------------------------------------------------------


def _visible_files(folder: Path, skipped: Counter, exclude: str | None) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.startswith("."):
                continue
            extension = os.path.splitext(name)[1].lower()
            if exclude and os.path.realpath(os.path.join(root, name)) == exclude:
                skipped["(the output)"] += 1
            elif extension in THREAD_EXTENSIONS:
                yield Path(root) / name
            else:
                skipped[extension or "(none)"] += 1


def expand_inputs(paths: Iterable[str | os.PathLike],
                  exclude: str | os.PathLike | None = None) -> list[str]:
    """Files, folders (recursively, hidden entries skipped) and globs -> sorted unique files.

    Inside folders only files with a thread export's extension (``THREAD_EXTENSIONS``) are
    taken, so a moderator.toml or a README beside the exports is not read as a thread; files
    named explicitly or matched by a glob are always taken, except ``exclude`` (the queue being
    written: a rerun must not read the last queue as a CSV thread). A path that does not exist
    and matches nothing as a glob is a ``ThreadFormatError``.
    """
    found: set[str] = set()
    skipped: Counter = Counter()
    excluded = os.path.realpath(exclude) if exclude is not None else None
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.update(str(p) for p in _visible_files(path, skipped, excluded))
        elif path.exists():
            found.add(str(path))
        elif GLOB_CHARS & set(str(raw)):
            matches = sorted(glob.glob(str(raw), recursive=True))
            if not matches:
                raise ThreadFormatError(str(raw), "no file matches this pattern")
            for match in matches:
                match_path = Path(match)
                if match_path.is_dir():
                    found.update(str(p) for p in _visible_files(match_path, skipped, excluded))
                elif excluded and os.path.realpath(match) == excluded:
                    skipped["(the output)"] += 1
                else:
                    found.add(match)
        else:
            raise ThreadFormatError(str(raw), "no such file or directory")
    if skipped:
        log.info("skipped %d file(s) that are not thread exports: %s",
                 sum(skipped.values()),
                 ", ".join(f"{ext} {n}" for ext, n in sorted(skipped.items())))
    return sorted(found)


def queue_kind(out: str | os.PathLike) -> str:
    """``csv`` or ``jsonl`` from OUT's extension; ConfigError for anything else."""
    suffix = Path(out).suffix.lower()
    if suffix not in QUEUE_KINDS:
        raise ConfigError(
            f"{out}: the review queue is written as .csv or .jsonl; "
            f"cannot tell the format from {suffix or 'no extension'!r}"
        )
    return QUEUE_KINDS[suffix]


# --- the per-file work unit ----------------------------------------------------------------

_MODELS: dict[tuple, object] = {}


def resolve_model(model, config=None):
    """A model object, or the model ``find_model(model, config)`` names (``config``: the
    policy file's model), loaded once per process (cached by path, size and mtime)."""
    if model is not None and not isinstance(model, str | os.PathLike):
        return model
    from .model import find_model, load_model

    path = find_model(model, config)
    stat = os.stat(path)
    key = (os.path.abspath(path), stat.st_size, stat.st_mtime_ns)
    if key not in _MODELS:
        _MODELS.clear()  # one model per worker process is enough
        _MODELS[key] = load_model(path)
    return _MODELS[key]


@dataclass
class FileResult:
    """What one input file contributed: queue rows (thread order) and counts, or an error."""

    path: str
    rows: list[dict] = field(default_factory=list)
    threads: int = 0
    comments: int = 0
    flagged: int = 0
    by_attribute: Counter = field(default_factory=Counter)
    authors: Counter = field(default_factory=Counter)  # author -> flagged comments
    foreign: int = 0  # comments not in English: not judged by the model
    error: str | None = None
    seconds: float = 0.0


def score_file(
    path: str,
    format: str | None = None,
    options=None,
    model=None,
    policy: Policy | None = None,
    include_all: bool = False,
) -> FileResult:
    """Parse and score one file; every problem with the file ends up in ``.error``.

    ``model`` is a loaded model or a path to one (``None`` = the default model). Rows hold
    the ``QUEUE_FIELDS``; only flagged comments unless ``include_all``.
    """

    started = time.perf_counter()
    result = FileResult(path=str(path))
    model = resolve_model(model, policy.model_path if policy is not None else None)
    try:
        for thread in _threads(read_threads(path, format=format, options=options)):
            result.threads += 1
            if not thread.comments:
                continue
            by_id = thread.by_id()
            results = score_thread(model, thread, policy)
            result.comments += len(results)
            for comment, scored in zip(thread.comments, results, strict=True):
                if scored["language"] != ENGLISH:
                    result.foreign += 1
                if scored["flagged"]:
                    result.flagged += 1
                    result.by_attribute.update(r["attribute"] for r in scored["reasons"])
                    if comment.author:
                        result.authors[comment.author] += 1
                elif not include_all:
                    continue  # most comments: no queue row to build
                parent = by_id.get(comment.parent_id) if comment.parent_id else None
                record = {"thread_id": thread.id, **comment.to_dict(), **scored}
                record.update(
                    source=str(path),
                    thread_title=thread.title,
                    parent_text=parent.text if parent is not None else "",
                    decision="",
                    article=thread.article,
                    max_score=_max_score(scored["scores"]),
                    why=why_text(comment.text, scored["reasons"]),
                )
                result.rows.append({name: record[name] for name in QUEUE_FIELDS})
    except ThreadFormatError as exc:
        return _failed(result, _format_error_reason(exc, str(path)), started)
    except ModeratorError as exc:
        return _failed(result, str(exc), started)
    except OSError as exc:
        return _failed(result, exc.strerror or str(exc), started)
    except UnicodeError as exc:
        return _failed(result, f"cannot decode: {exc}", started)
    except _ParserBug as exc:
        return _failed(result, str(exc), started)
    result.seconds = time.perf_counter() - started
    return result


class _ParserBug(Exception):
    """An unexpected exception from a parser: it sinks that file, not the whole batch."""


def _threads(threads: Iterator) -> Iterator:
    """The parser's threads; an exception that is not an input error becomes _ParserBug.

    Only parsing is guarded: an error while scoring (a broken model) hits every file
    alike and must stop the batch, not turn into a failure per file.
    """
    while True:
        try:
            thread = next(threads)
        except StopIteration:
            return
        except (ModeratorError, OSError, UnicodeError):
            raise
        except Exception as exc:
            log.debug("parser error", exc_info=True)
            raise _ParserBug(f"unexpected parser error: {type(exc).__name__}: {exc}") from exc
        yield thread


def _format_error_reason(exc: ThreadFormatError, path: str) -> str:
    """The reason with its position but without the path the summary already names."""
    if exc.path != path:
        return str(exc)
    if exc.line is None:
        return exc.reason
    where = f"line {exc.line}" + (f", column {exc.column}" if exc.column is not None else "")
    return f"{where}: {exc.reason}"


def _failed(result: FileResult, reason: str, started: float) -> FileResult:
    # A file is in the queue whole or not at all: rows of threads read before the error go.
    return FileResult(path=result.path, error=reason, seconds=time.perf_counter() - started)


def score_files(paths: Sequence[str], *args, **kwargs) -> list[FileResult]:
    """``score_file`` over a batch (one joblib or Dask task: fewer round trips than one per
    file), its warnings on stderr as the command's own are."""
    to_stderr_unless_set_up()
    return [score_file(path, *args, **kwargs) for path in paths]


# --- writing -------------------------------------------------------------------------------


class QueueWriter:
    """The review queue, written to a temp file beside ``out`` and renamed on ``commit``."""

    def __init__(self, out: str | os.PathLike, attributes: Sequence[str], excel: bool = False):
        self.out = Path(out)
        self.kind = queue_kind(out)
        directory = self.out.parent
        if not directory.is_dir():
            raise ConfigError(f"{out}: folder {str(directory)!r} does not exist")
        fd, self.temp_path = tempfile.mkstemp(
            dir=directory, prefix=f".{self.out.name}.", suffix=".tmp"
        )
        # excel: a byte order mark, without which Excel reads UTF-8 as its local code page
        # ("Ã©" for "é"); `moderator train --feedback` reads the queue either way
        encoding = "utf-8-sig" if excel and self.kind == "csv" else "utf-8"
        self.fh = os.fdopen(fd, "w", encoding=encoding, newline="")
        self.writer = RecordWriter(self.fh, self.kind, QUEUE_FIELDS, attributes)
        self.rows = 0

    def write(self, row: dict) -> None:
        self.writer.write(row)
        self.rows += 1

    def commit(self) -> None:
        self.writer.close()
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.chmod(self.temp_path, 0o644)  # mkstemp makes it 0600; a queue is a normal file
        os.replace(self.temp_path, self.out)

    def discard(self) -> None:
        if not self.fh.closed:
            self.fh.close()
        try:
            os.unlink(self.temp_path)
        except FileNotFoundError:
            pass

    def __enter__(self) -> QueueWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()


@dataclass
class ExportSummary:
    """Totals over the batch, folded in from each FileResult in order."""

    files: int = 0
    threads: int = 0
    comments: int = 0
    flagged: int = 0
    rows: int = 0
    by_attribute: Counter = field(default_factory=Counter)
    authors: Counter = field(default_factory=Counter)
    foreign: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, result: FileResult) -> None:
        self.files += 1
        if result.error is not None:
            self.failures.append((result.path, result.error))
            return
        self.threads += result.threads
        self.comments += result.comments
        self.flagged += result.flagged
        self.rows += len(result.rows)
        self.by_attribute.update(result.by_attribute)
        self.authors.update(result.authors)
        self.foreign += result.foreign

    def repeat_offenders(self, top: int = TOP_OFFENDERS) -> list[tuple[str, int]]:
        """Authors with 2+ flagged comments, most first (ties by name)."""
        repeat = [(a, n) for a, n in self.authors.items() if n >= 2]
        return sorted(repeat, key=lambda item: (-item[1], item[0]))[:top]

    def lines(self, out: str) -> list[str]:
        rate = self.comments / self.seconds if self.seconds > 0 else 0.0
        lines = [
            f"Wrote {counted(self.rows, 'row')} to {out}: {counted(self.files, 'file')}, "
            f"{counted(self.threads, 'thread')}, {counted(self.comments, 'comment')}, "
            f"{self.flagged} flagged"
            + (f", {self.foreign} not in English (not judged)" if self.foreign else "")
            + f" ({self.seconds:.1f} s, {rate:,.0f} comments/s)"
        ]
        if self.by_attribute:
            parts = ", ".join(f"{a} {n}" for a, n in sorted(self.by_attribute.items()))
            lines.append(f"Flagged by attribute: {parts}")
        offenders = self.repeat_offenders()
        if offenders:
            lines.append(
                "Repeat offenders: " + ", ".join(f"{a} ({n} flagged)" for a, n in offenders)
            )
        elif self.flagged:
            lines.append("Repeat offenders: none (no author has 2 or more flagged comments)")
        if self.failures:
            count = len(self.failures)
            lines.append(f"Failed: {counted(count, 'file')}")
            lines.extend(f"  {path}: {reason}" for path, reason in self.failures)
        return lines


# --- the local engine ----------------------------------------------------------------------


def _batches(files: Sequence[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(files), size):
        yield list(files[i : i + size])


def batch_size_for(n_files: int, jobs: int) -> int:
    """Files per task: a few tasks per worker for balance, at most 16 to bound memory."""
    return max(1, min(16, n_files // (jobs * 4) or 1))


def iter_results(
    files: Sequence[str],
    *,
    format: str | None = None,
    options=None,
    model=None,
    policy: Policy | None = None,
    include_all: bool = False,
    jobs: int = 1,
) -> Iterator[FileResult]:
    """FileResults in the order of ``files``, scored by ``jobs`` processes (joblib)."""
    kwargs = dict(format=format, options=options, policy=policy, include_all=include_all)
    if jobs == 1 or len(files) <= 1:
        loaded = resolve_model(model, policy.model_path if policy is not None else None)
        for path in files:
            yield score_file(path, model=loaded, **kwargs)
        return
    from joblib import Parallel, delayed

    size = batch_size_for(len(files), jobs)
    # return_as="generator" keeps input order and at most pre_dispatch batches in flight,
    # so memory stays bounded however many files there are.
    parallel = Parallel(n_jobs=jobs, return_as="generator", pre_dispatch="2*n_jobs")
    tasks = (delayed(score_files)(batch, model=model, **kwargs)
             for batch in _batches(files, size))
    for batch_results in parallel(tasks):
        yield from batch_results


def write_queue(
    out: str | os.PathLike,
    attributes: Sequence[str],
    results: Iterable[FileResult],
    summary: ExportSummary | None = None,
    on_result: Callable[[FileResult, ExportSummary], None] | None = None,
    excel: bool = False,
) -> ExportSummary:
    """Write the rows of ``results`` as they arrive; atomic (nothing at OUT unless complete).
    ``excel``: a CSV queue starts with a UTF-8 byte order mark (see ``QueueWriter``)."""
    summary = summary or ExportSummary()
    started = time.perf_counter()
    with QueueWriter(out, attributes, excel=excel) as writer:
        for result in results:
            for row in result.rows:
                writer.write(row)
            summary.add(result)
            summary.seconds = time.perf_counter() - started
            if on_result is not None:
                on_result(result, summary)
    summary.seconds = time.perf_counter() - started
    return summary


#: Files per extra process before a default run goes parallel: each process pays for
#: loading the model (seconds), which a handful of files never earns back.
FILES_PER_PROCESS = 16


def default_jobs(n_files: int | None = None) -> int:
    """All cores; for ``n_files`` known, no more processes than the files can keep busy."""
    cores = os.cpu_count() or 1
    if n_files is None:
        return cores
    return max(1, min(cores, n_files // FILES_PER_PROCESS))


def run_export(
    paths: Iterable[str | os.PathLike],
    out: str | os.PathLike,
    *,
    format: str | None = None,
    options=None,
    model=None,
    policy: Policy | None = None,
    include_all: bool = False,
    jobs: int | None = None,
    on_result: Callable[[FileResult, ExportSummary], None] | None = None,
    excel: bool = False,
) -> ExportSummary:
    """Export the review queue of ``paths`` to ``out`` and return the summary.

    ``model`` is a loaded model or a path (``None``: ``find_model``'s lookup, the policy's
    model included). With ``jobs`` > 1 a path is shipped to the worker processes, each
    loading the model once.
    """
    files = expand_inputs(paths, exclude=out)
    queue_kind(out)
    jobs = jobs or default_jobs(len(files))
    policy = policy or Policy()
    loaded = resolve_model(model, policy.model_path)
    policy.validate(loaded.attributes)
    # Several processes get the path (each loads it once); one process uses the loaded model.
    ship = model if jobs > 1 else loaded
    results = iter_results(files, format=format, options=options, model=ship, policy=policy,
                           include_all=include_all, jobs=jobs)
    return write_queue(out, loaded.attributes, results, on_result=on_result, excel=excel)
