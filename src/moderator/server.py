"""``moderator serve``: the scoring API over HTTP (Starlette under uvicorn).

Endpoints (errors always in Google's JSON error shape, ``{"error": {"code", "message",
"status"}}``):

- ``POST /v1alpha1/comments:analyze``: Perspective's AnalyzeComment (``moderator.perspective``).
- ``POST /v1alpha1/comments:suggestscore``: accepted and answered (``clientToken`` echoed)
  so a platform sending moderators' decisions keeps working; nothing is kept.
- ``POST /v1/threads:score``: a thread in the project's JSON format, answered with what
  ``moderator score --output json`` prints for it.
- ``GET /healthz`` and ``GET /metrics`` (Prometheus text format).

The model and the policy load once per process and are replaced whole on SIGHUP or when
the model, its card or the config file change on disk (``Scorer``): a request holds the
pair it started with, so none sees half of a new model. Nothing a client sends is stored
or logged.

This module imports the web stack: only ``moderator serve`` imports it, so that
``moderator --help`` stays fast and the stack is an optional extra (``moderator[serve]``).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import math
import os
import re
import signal
import socket
import threading
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.to_thread
import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from . import __version__
from .errors import ModeratorError, RequestError, ThreadFormatError
from .language import ENGLISH
from .model import card_path, find_model
from .output import scored_document
from .perspective import (
    Analysis,
    AnalyzeRequest,
    analyze,
    analyze_batch,
    detect_language,
    parse_analyze,
)
from .policy_config import ServeSettings
from .review import flag_counts, score_thread
from .threads.generic_json import thread_from_object
from .threads.jsonload import loads_iterative

log = logging.getLogger("moderator")

#: environment variable with API keys (comma-separated), added to the config's
API_KEYS_ENV = "MODERATOR_API_KEYS"
DEFAULT_MAX_BODY = 1024 * 1024
#: a client has this long to send its request headers, and again its body
DEFAULT_CLIENT_TIMEOUT = 10.0
#: seconds between looks at the model and config files (0: only SIGHUP reloads)
DEFAULT_WATCH_INTERVAL = 2.0
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
JSON_TYPE = "application/json; charset=UTF-8"
#: comments scored in one model call at most
MAX_BATCH = 256
WARM_UP = {"comment": {"text": "Warming up: the first comment builds the tables."},
           "context": {"entries": [{"text": "An article"}, {"text": "A parent"}]},
           "spanAnnotations": True}


def _json(payload: Any, status: int = 200) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
                    status_code=status, media_type=JSON_TYPE)


def _error(exc: RequestError, headers: dict | None = None) -> Response:
    response = _json(exc.payload(), exc.code)
    response.headers.update(headers or {})
    return response


# --- the model and policy in use ---------------------------------------------------------------


@dataclass(frozen=True)
class Loaded:
    """One consistent model + policy (what a request scores with, start to end)."""

    model: Any
    policy: Any
    model_path: Path
    config_path: Path | None
    signature: tuple  # the files' (inode, size, mtime) when loaded

    @property
    def sha256(self) -> str:
        return str(self.model.card.get("model_sha256", ""))


def file_signature(*paths: Path | None) -> tuple:
    """``(inode, size, mtime_ns)`` of each file (None when missing): a changed tuple is a
    changed file (replacing it by rename changes the inode)."""
    signature = []
    for path in paths:
        if path is None:
            continue
        try:
            st = os.stat(path)
        except OSError:
            signature.append(None)
        else:
            signature.append((st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(signature)


class Scorer:
    """The model and policy in use, replaced whole by ``reload``.

    ``loader()`` returns ``(policy, model, model_path)`` (what ``moderator score`` loads);
    ``current`` is read once per request and swapped by one assignment.
    """

    def __init__(self, loader: Callable[[], tuple], config_path: str | None, metrics: Metrics):
        self._loader = loader
        self._config_path = Path(config_path) if config_path else None
        self._lock = threading.Lock()
        self._metrics = metrics
        self.current = self._load()
        self._failed_signature: tuple | None = None

    def _load(self, signature: tuple | None = None) -> Loaded:
        """Load; ``signature`` is the files' as they were before (a change made while
        loading is then seen by the next look)."""
        policy, model, model_path = self._loader()
        path = find_model(model_path, policy.model_path)
        if signature is None:
            signature = file_signature(path, card_path(path), self._config_path)
        # the first scoring builds the model's tables: done here, not in a client's request
        warm_up = dict(WARM_UP, requestedAttributes={a.upper(): {} for a in model.attributes})
        analyze(model, parse_analyze(warm_up, model.attributes), policy)
        return Loaded(model, policy, path, self._config_path, signature)

    def watched_signature(self) -> tuple:
        path = self.current.model_path
        return file_signature(path, card_path(path), self._config_path)

    def reload(self, why: str) -> bool:
        """Load the model and policy again; keep the ones in use when that fails."""
        with self._lock:
            signature = self.watched_signature()
            try:
                loaded = self._load(signature)
            except Exception as exc:  # noqa: BLE001 - whatever is wrong, keep serving
                self._failed_signature = signature
                self._metrics.reloads["failed"] += 1
                log.error("reload (%s) failed, still serving model %s: %s", why,
                          self.current.sha256[:12], exc)
                return False
            old = self.current
            self.current = loaded
            self._failed_signature = None
            self._metrics.reloads["ok"] += 1
            log.warning("reloaded (%s): model %s -> %s", why, old.sha256[:12],
                        loaded.sha256[:12])
            return True

    def changed_on_disk(self) -> bool:
        signature = self.watched_signature()
        return signature != self.current.signature and signature != self._failed_signature


class Batcher:
    """AnalyzeComment requests scored together: those that arrive while a batch is being
    scored (in a worker thread, the event loop still reading requests) form the next one.

    A model call has a fixed cost (~0.5 ms) far above a short comment's share, so under
    load batching is what lets one process answer thousands of requests a second; alone,
    a request is a batch of one. A batch that fails is scored again request by request, so
    one bad request fails alone.
    """

    def __init__(self, scorer: Scorer):
        self._scorer = scorer
        self._pending: list[tuple[AnalyzeRequest, asyncio.Future]] = []
        self._running = False

    async def analyze(self, request: AnalyzeRequest) -> Analysis:
        future = asyncio.get_running_loop().create_future()
        self._pending.append((request, future))
        if not self._running:
            self._running = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch: list = self._pending[:MAX_BATCH]
                del self._pending[:MAX_BATCH]
                loaded = self._scorer.current  # one model for the whole batch
                batch = self._answer_stale(batch, loaded.model.attributes)
                if not batch:
                    continue
                requests = [request for request, _ in batch]
                try:
                    results = await anyio.to_thread.run_sync(
                        analyze_batch, loaded.model, requests, loaded.policy)
                except Exception:  # noqa: BLE001 - find the request that fails
                    results = await anyio.to_thread.run_sync(self._one_by_one, loaded, requests)
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():  # the client went away
                        continue
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._running = False

    @staticmethod
    def _answer_stale(batch: list, attributes: list[str]) -> list:
        """Fail the requests checked against a model that has since been replaced by one
        without an attribute they ask for (as if checked against the new one)."""
        kept = []
        for request, future in batch:
            missing = [name for name, (attribute, _) in request.attributes.items()
                       if attribute not in attributes]
            if not missing:
                kept.append((request, future))
            elif not future.done():
                future.set_exception(RequestError(
                    f"Unknown requested attribute: {missing[0]}; this server scores "
                    f"{', '.join(a.upper() for a in attributes)}"))
        return kept

    @staticmethod
    def _one_by_one(loaded: Loaded, requests: list[AnalyzeRequest]) -> list:
        results: list = []
        for request in requests:
            try:
                results.append(analyze(loaded.model, request, loaded.policy))
            except Exception as exc:  # noqa: BLE001 - handed to that request's handler
                results.append(exc)
        return results


# --- metrics -----------------------------------------------------------------------------------


class Histogram:
    def __init__(self, buckets=LATENCY_BUCKETS):
        self.buckets = buckets
        self.counts = [0] * (len(buckets) + 1)
        self.total = 0.0

    def observe(self, value: float) -> None:
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[i] += 1
                break
        else:
            self.counts[-1] += 1
        self.total += value


@dataclass
class Metrics:
    """Counters kept by the event loop's thread (and reload counts), written out in
    Prometheus' text format by ``render``."""

    requests: dict = field(default_factory=dict)  # (endpoint, code) -> count
    latency: dict = field(default_factory=dict)  # endpoint -> Histogram
    flags: dict = field(default_factory=dict)  # attribute -> flagged comments
    comments: int = 0
    not_english: int = 0  # comments the English model did not judge
    reloads: dict = field(default_factory=lambda: {"ok": 0, "failed": 0})
    in_flight: int = 0
    started: float = field(default_factory=time.time)

    def observe(self, endpoint: str, code: int, seconds: float) -> None:
        key = (endpoint, code)
        self.requests[key] = self.requests.get(key, 0) + 1
        histogram = self.latency.get(endpoint)
        if histogram is None:
            histogram = self.latency[endpoint] = Histogram()
        histogram.observe(seconds)

    def scored(self, results: list[dict]) -> None:
        comments, _, by_attribute, foreign = flag_counts(results)
        self.comments += comments
        self.not_english += foreign
        for attribute, n in by_attribute.items():
            self.flags[attribute] = self.flags.get(attribute, 0) + n

    def render(self, loaded: Loaded) -> str:
        lines = [
            "# HELP moderator_requests_total HTTP requests answered, by endpoint and status.",
            "# TYPE moderator_requests_total counter",
        ]
        for (endpoint, code), n in sorted(self.requests.items()):
            lines.append(f'moderator_requests_total{{endpoint="{endpoint}",code="{code}"}} {n}')
        lines += [
            "# HELP moderator_request_duration_seconds Time from request to response.",
            "# TYPE moderator_request_duration_seconds histogram",
        ]
        for endpoint, histogram in sorted(self.latency.items()):
            running = 0
            for bound, n in zip((*histogram.buckets, math.inf), histogram.counts, strict=True):
                running += n
                le = "+Inf" if bound == math.inf else repr(bound)
                lines.append(f'moderator_request_duration_seconds_bucket{{endpoint="{endpoint}",'
                             f'le="{le}"}} {running}')
            lines.append(f'moderator_request_duration_seconds_sum{{endpoint="{endpoint}"}} '
                         f"{histogram.total:.6f}")
            lines.append(f'moderator_request_duration_seconds_count{{endpoint="{endpoint}"}} '
                         f"{running}")
        lines += [
            "# HELP moderator_comments_scored_total Comments scored.",
            "# TYPE moderator_comments_scored_total counter",
            f"moderator_comments_scored_total {self.comments}",
            "# HELP moderator_comments_not_english_total Comments answered without scores: "
            "not in English, the language the model reads.",
            "# TYPE moderator_comments_not_english_total counter",
            f"moderator_comments_not_english_total {self.not_english}",
            "# HELP moderator_flags_total Comments flagged by the policy, by attribute.",
            "# TYPE moderator_flags_total counter",
        ]
        for attribute in loaded.model.attributes:
            lines.append(f'moderator_flags_total{{attribute="{attribute}"}} '
                         f"{self.flags.get(attribute, 0)}")
        for attribute, n in sorted(self.flags.items()):
            if attribute not in loaded.model.attributes:  # banned_word, a dropped attribute
                lines.append(f'moderator_flags_total{{attribute="{attribute}"}} {n}')
        lines += [
            "# HELP moderator_requests_in_flight Requests being answered.",
            "# TYPE moderator_requests_in_flight gauge",
            f"moderator_requests_in_flight {self.in_flight}",
            "# HELP moderator_model_reloads_total Model reloads, by result.",
            "# TYPE moderator_model_reloads_total counter",
        ]
        for result, n in sorted(self.reloads.items()):
            lines.append(f'moderator_model_reloads_total{{result="{result}"}} {n}')
        lines += [
            "# HELP moderator_model_info The model in use.",
            "# TYPE moderator_model_info gauge",
            f'moderator_model_info{{sha256="{loaded.sha256}",version="{__version__}"}} 1',
            "# HELP moderator_start_time_seconds When the server started (Unix time).",
            "# TYPE moderator_start_time_seconds gauge",
            f"moderator_start_time_seconds {self.started:.3f}",
        ]
        return "\n".join(lines) + "\n"


# --- access ------------------------------------------------------------------------------------


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()


class Access:
    """API keys (compared in constant time) and the per-key rate limit."""

    MISSING = "The request is missing a valid API key."
    INVALID = "API key not valid. Please pass a valid API key."

    def __init__(self, keys: list[str], requests_per_minute: int | None):
        self._digests = [_digest(k) for k in keys]
        self.enabled = bool(keys)
        self.rate = requests_per_minute
        self._buckets: dict[str, tuple[float, float]] = {}

    def check(self, request: Request) -> str:
        """The caller's key (or address without keys); RequestError 403 or 429."""
        caller = request.client.host if request.client else ""
        if self.enabled:
            key = request.query_params.get("key") or request.headers.get("x-goog-api-key")
            if not key:
                raise RequestError(self.MISSING, 403, "PERMISSION_DENIED")
            digest = _digest(key)
            # every key compared, no early exit: the time says nothing about which matched
            matched = False
            for known in self._digests:
                matched |= hmac.compare_digest(digest, known)
            if not matched:
                raise RequestError(self.INVALID, 403, "PERMISSION_DENIED")
            caller = digest.hex()
        if self.rate:
            self._take(caller)
        return caller

    def _take(self, caller: str) -> None:
        """A token bucket per caller: ``rate`` requests a minute, bursts up to ``rate``."""
        now = time.monotonic()
        tokens, last = self._buckets.get(caller, (float(self.rate), now))
        tokens = min(float(self.rate), tokens + (now - last) * self.rate / 60.0)
        if tokens < 1.0:
            self._buckets[caller] = (tokens, now)
            raise RequestError(f"Quota exceeded: {self.rate} requests per minute for this "
                               f"API key; retry later", 429, "RESOURCE_EXHAUSTED")
        self._buckets[caller] = (tokens - 1.0, now)


# --- the application ---------------------------------------------------------------------------


@dataclass
class ServerOptions:
    max_body: int = DEFAULT_MAX_BODY
    client_timeout: float = DEFAULT_CLIENT_TIMEOUT
    watch_interval: float = DEFAULT_WATCH_INTERVAL


async def read_body(request: Request, options: ServerOptions) -> bytes:
    """The body, refused past ``max_body`` bytes (413) or ``client_timeout`` seconds (408)."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > options.max_body:
        raise RequestError(f"Request body too large: {int(length):,} bytes; the limit is "
                           f"{options.max_body:,}", 413, "INVALID_ARGUMENT")
    chunks = []
    size = 0

    async def receive() -> None:
        nonlocal size
        async for chunk in request.stream():
            size += len(chunk)
            if size > options.max_body:
                raise RequestError(f"Request body too large: more than {options.max_body:,} "
                                   f"bytes", 413, "INVALID_ARGUMENT")
            chunks.append(chunk)

    try:
        await asyncio.wait_for(receive(), options.client_timeout)
    except TimeoutError:
        raise RequestError(f"Request body not received within {options.client_timeout:g} s",
                           408, "DEADLINE_EXCEEDED") from None
    return b"".join(chunks)


_BARE_KEY = re.compile(r"[A-Za-z_$][\w$]*(?=\s*:)")


def quote_bare_keys(text: str) -> str:
    """``{comment: {text: "…"}}`` -> ``{"comment": {"text": "…"}}``: object keys written
    without quotes, as Perspective's own curl example sends them (Google's parser took
    them). Strings are copied untouched; anything else is left for ``json`` to judge."""
    out = []
    last = ""  # the last character copied that is not white space
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':  # a string: copy it whole, escapes included
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i, last = j + 1, '"'
            continue
        match = _BARE_KEY.match(text, i) if last in ("{", ",") else None
        if match:
            out.append(f'"{match.group()}"')
            i, last = match.end(), '"'
            continue
        out.append(ch)
        if not ch.isspace():
            last = ch
        i += 1
    return "".join(out)


def decode_json(body: bytes, deep: bool = False) -> Any:
    """The JSON document in ``body``; RequestError 400 for anything else. ``deep`` allows
    nesting past Python's recursion limit (thread files: 20,000-level reply chains)."""
    try:
        text = body.decode("utf-8-sig")  # a byte order mark is not an error
    except UnicodeDecodeError as exc:
        raise RequestError(f"Invalid JSON payload received. Not UTF-8 text: byte "
                           f"0x{body[exc.start]:02x} at offset {exc.start}") from None
    if not text.strip():
        raise RequestError("Invalid JSON payload received. The request body is empty.")
    try:
        try:
            return json.loads(text)
        except RecursionError:
            if not deep:
                raise
            return loads_iterative(text)  # no recursion: as deep as the body allows
        except json.JSONDecodeError:
            relaxed = quote_bare_keys(text)
            if relaxed == text:
                raise
            try:
                return json.loads(relaxed)
            except json.JSONDecodeError:
                pass
            raise
    except json.JSONDecodeError as exc:
        raise RequestError(f"Invalid JSON payload received. {exc.msg} at line {exc.lineno}, "
                           f"column {exc.colno}") from None
    except RecursionError:
        raise RequestError("Invalid JSON payload received. Nested too deeply.") from None


def create_app(scorer: Scorer, access: Access, options: ServerOptions,
               metrics: Metrics) -> Starlette:
    """The ASGI application (routes, errors, metrics) around ``scorer``."""
    batcher = Batcher(scorer)

    def endpoint(name: str, handler, authorize: bool = True):
        async def run(request: Request) -> Response:
            started = time.perf_counter()
            metrics.in_flight += 1
            try:
                if authorize:
                    access.check(request)
                response = await handler(request)
            except RequestError as exc:
                response = _error(exc)
            except ClientDisconnect:
                response = Response(status_code=499)
            except Exception:  # noqa: BLE001 - one request's bug must not stop the server
                log.exception("error answering %s", name)  # the traceback, not the body
                response = _error(RequestError("Internal error; the server's log has the "
                                               "details.", 500, "INTERNAL"))
            finally:
                metrics.in_flight -= 1
            metrics.observe(name, response.status_code, time.perf_counter() - started)
            return response

        return run

    async def analyze_comment(request: Request) -> Response:
        body = decode_json(await read_body(request, options))
        loaded = scorer.current
        parsed = parse_analyze(body, loaded.model.attributes)
        detect_language(parsed, loaded.policy)  # a comment not in English: refused here
        result = await batcher.analyze(parsed)
        metrics.comments += 1
        metrics.not_english += result.language != ENGLISH
        for attribute in result.flagged:
            metrics.flags[attribute] = metrics.flags.get(attribute, 0) + 1
        return _json(result.response)

    async def suggest_score(request: Request) -> Response:
        body = decode_json(await read_body(request, options))
        if not isinstance(body, dict):
            raise RequestError("Invalid value at '': expected an object")
        token = body.get("clientToken")
        if token is not None and not isinstance(token, str):
            raise RequestError("Invalid value at 'clientToken': expected a string")
        answer: dict = {}
        if token is not None:
            answer["clientToken"] = token
        if isinstance(body.get("languages"), list):
            answer["requestedLanguages"] = body["languages"]
        return _json(answer)  # nothing is kept: this server learns from `moderator train`

    async def score_threads(request: Request) -> Response:
        body = decode_json(await read_body(request, options), deep=True)
        loaded = scorer.current

        def work() -> list[dict]:
            threads = _threads_of(body)
            documents = []
            for thread in threads:
                results = score_thread(loaded.model, thread, loaded.policy)
                metrics_results.append(results)
                documents.append(scored_document(thread, results))
            return documents

        metrics_results: list = []
        documents = await anyio.to_thread.run_sync(work)
        for results in metrics_results:
            metrics.scored(results)
        return _json(documents)

    async def healthz(request: Request) -> Response:
        loaded = scorer.current
        return _json({"status": "ok", "model": {"sha256": loaded.sha256,
                                                "attributes": loaded.model.attributes},
                      "version": __version__})

    async def prometheus(request: Request) -> Response:
        return Response(metrics.render(scorer.current), media_type="text/plain; version=0.0.4")

    async def not_found(request: Request, exc) -> Response:
        status = getattr(exc, "status_code", 404)
        if status == 405:
            error = RequestError(f"{request.method} {request.url.path}: method not allowed",
                                 405, "UNIMPLEMENTED")
        else:
            error = RequestError(f"{request.url.path}: no such method", 404, "NOT_FOUND")
        metrics.observe("other", error.code, 0.0)
        return _error(error)

    routes = [
        Route("/v1alpha1/comments:analyze", endpoint("analyze", analyze_comment),
              methods=["POST"]),
        Route("/v1alpha1/comments:suggestscore", endpoint("suggestscore", suggest_score),
              methods=["POST"]),
        Route("/v1/threads:score", endpoint("threads", score_threads), methods=["POST"]),
        Route("/healthz", endpoint("healthz", healthz, authorize=False), methods=["GET"]),
        Route("/metrics", endpoint("metrics", prometheus), methods=["GET"]),
    ]

    async def watch() -> None:
        loop = asyncio.get_running_loop()
        if threading.current_thread() is threading.main_thread():
            loop.add_signal_handler(signal.SIGHUP, lambda: loop.create_task(
                anyio.to_thread.run_sync(scorer.reload, "SIGHUP")))
        while options.watch_interval > 0:
            await asyncio.sleep(options.watch_interval)
            if scorer.changed_on_disk():
                await anyio.to_thread.run_sync(scorer.reload, "file changed")

    @asynccontextmanager
    async def lifespan(app):
        task = asyncio.get_running_loop().create_task(watch())
        try:
            yield
        finally:
            task.cancel()

    return Starlette(routes=routes, lifespan=lifespan,
                     exception_handlers={404: not_found, 405: not_found})


def _threads_of(body: Any) -> list:
    """Threads from a decoded ``/v1/threads:score`` body (one thread or a list of them)."""
    try:
        if isinstance(body, list):
            if not body:
                raise RequestError("Invalid value at '': an empty list: no threads")
            return [thread_from_object(item, "request", f"request-{i + 1}", f"[{i}]")
                    for i, item in enumerate(body)]
        return [thread_from_object(body, "request", "request")]
    except ThreadFormatError as exc:
        raise RequestError(f"Invalid value: {exc.reason}") from None


# --- slow clients ------------------------------------------------------------------------------


class DeadlineProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol with a deadline for each request's headers: a client that
    connects and then sends nothing, or dribbles its headers a byte at a time, is cut off
    after ``client_timeout`` seconds instead of holding a connection open for ever."""

    client_timeout = DEFAULT_CLIENT_TIMEOUT

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._deadline = self.loop.call_later(self.client_timeout, self._too_slow)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if getattr(self, "_deadline", None) is None:
            self._deadline = self.loop.call_later(self.client_timeout, self._too_slow)

    def on_headers_complete(self) -> None:
        self._cancel_deadline()
        super().on_headers_complete()

    def connection_lost(self, exc) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def _cancel_deadline(self) -> None:
        deadline = getattr(self, "_deadline", None)
        if deadline is not None:
            deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being answered: its body has its own timeout
        body = json.dumps(RequestError(
            f"Request headers not received within {self.client_timeout:g} s", 408,
            "DEADLINE_EXCEEDED").payload()).encode()
        self.transport.write(b"HTTP/1.1 408 Request Timeout\r\nContent-Type: "
                             b"application/json\r\nConnection: close\r\nContent-Length: "
                             + str(len(body)).encode() + b"\r\n\r\n" + body)
        self.transport.close()


# --- running -----------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: any free port)."""
    host = host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ModeratorError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def api_keys(settings: ServeSettings) -> list[str]:
    """The config's keys and those in ``$MODERATOR_API_KEYS`` (comma-separated)."""
    keys = list(settings.api_keys)
    keys += [k.strip() for k in os.environ.get(API_KEYS_ENV, "").split(",") if k.strip()]
    return keys


def run(scorer: Scorer, access: Access, metrics: Metrics, sock: socket.socket,
        options: ServerOptions, drain_timeout: float, verbose: int) -> None:
    """Serve on ``sock`` until SIGTERM (in-flight requests finish) or Ctrl-C."""
    app = create_app(scorer, access, options, metrics)
    DeadlineProtocol.client_timeout = options.client_timeout
    config = uvicorn.Config(
        app, http=DeadlineProtocol, loop="uvloop" if _has_uvloop() else "asyncio",
        # no access log, ever: its lines would carry the clients' API keys (?key=)
        lifespan="on", access_log=False, log_level="info" if verbose else "warning",
        timeout_keep_alive=5, timeout_graceful_shutdown=drain_timeout,
        limit_concurrency=1000, server_header=False,
    )
    uvicorn.Server(config).run(sockets=[sock])


def _has_uvloop() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True
