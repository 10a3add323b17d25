"""``moderator serve`` under load, on loopback: requests per second and latency.

Starts the real server (``moderator serve --port 0``) in a subprocess and drives it with a
bounded asyncio load generator (plain HTTP/1.1 keep-alive over asyncio streams; it needs
nothing but the standard library):

- *throughput*: CONNECTIONS clients each sending single-comment AnalyzeComment requests
  back to back for SECONDS (at most MAX_REQUESTS in all): requests answered per second;
- *fixed rate*: RATE requests per second, open loop, for SECONDS: the latency of each,
  measured from when it was due (so a stalled server cannot hide its queue), p50 and p99.

The client shares the machine's cores with the server: on 2 cores the numbers are what a
server gets with its client beside it; ``server_cpu_us_per_req`` (the server process's CPU
time over the requests it answered) does not depend on what else the machine is doing.
Every response is checked (status 200, the attribute scored), and a sample of texts is
scored by ``moderator score`` too: the scores must be identical.

    python bench/serve_load.py               # or: python bench/run.py serve_load
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from gen_threads import synthetic_texts  # noqa: E402

CONNECTIONS = 32
SECONDS = 5.0
MAX_REQUESTS = 50_000
RATE = 500
SAMPLE_CHECKED = 40
MODERATOR = (sys.executable, "-c", "from moderator.cli import main; main()")


def _model() -> Path:
    """The default model when there is one, else one trained on the test fixture."""
    default = REPO / "models" / "moderator.joblib"
    if default.is_file():
        return default
    from moderator.labels import load_labels_csv
    from moderator.model import save_model
    from moderator.model.training import train

    path = Path(tempfile.mkdtemp(prefix="serve-bench-")) / "small.joblib"
    save_model(train([load_labels_csv(REPO / "tests" / "fixtures" / "labels_small.csv")],
                     folds=3), path)
    return path


def start_server(model: Path, *args: str) -> tuple[subprocess.Popen, int]:
    """``moderator serve --port 0`` and the port it printed."""
    process = subprocess.Popen(
        [*MODERATOR, "serve", "--port", "0", "--model", str(model),
         *args], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        found = re.search(r"listening on http://[^ ]+:(\d+)", line)
        if found:
            return process, int(found.group(1))
    process.kill()
    raise RuntimeError(f"the server did not start: {process.stderr.read()}")


def request_bytes(text: str, port: int) -> bytes:
    body = json.dumps({"comment": {"text": text},
                       "requestedAttributes": {"TOXICITY": {}}}).encode()
    return (f"POST /v1alpha1/comments:analyze HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
    return status, await reader.readexactly(length)


class Connection:
    def __init__(self, port: int):
        self.port = port

    async def __aenter__(self):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc):
        self.writer.close()

    async def send(self, payload: bytes) -> tuple[int, bytes]:
        self.writer.write(payload)
        return await read_response(self.reader)


def _check(status: int, body: bytes) -> None:
    if status != 200 or b'"TOXICITY"' not in body:
        raise RuntimeError(f"bad response {status}: {body[:200]!r}")


async def throughput(port: int, payloads: list[bytes]) -> dict:
    done = 0
    stop_at = time.perf_counter() + SECONDS

    async def client(k: int) -> None:
        nonlocal done
        async with Connection(port) as connection:
            i = k
            while time.perf_counter() < stop_at and done < MAX_REQUESTS:
                _check(*await connection.send(payloads[i % len(payloads)]))
                done += 1
                i += CONNECTIONS

    started = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(CONNECTIONS)))
    seconds = time.perf_counter() - started
    return {"requests": done, "seconds": seconds, "per_second": done / seconds}


async def fixed_rate(port: int, payloads: list[bytes], rate: int) -> dict:
    """Open loop: request i is due at i / rate; its latency counts from then."""
    total = int(rate * SECONDS)
    latencies: list[float] = []
    idle: asyncio.Queue = asyncio.Queue()
    connections = []
    for _ in range(CONNECTIONS):
        connection = Connection(port)
        await connection.__aenter__()
        connections.append(connection)
        idle.put_nowait(connection)

    async def one(i: int, due: float) -> None:
        connection = await idle.get()
        try:
            _check(*await connection.send(payloads[i % len(payloads)]))
        finally:
            idle.put_nowait(connection)
        latencies.append(time.perf_counter() - due)

    started = time.perf_counter()
    tasks = []
    for i in range(total):
        due = started + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(one(i, due)))
    await asyncio.gather(*tasks)
    for connection in connections:
        await connection.__aexit__()
    latencies.sort()
    return {"requests": total, "p50_ms": 1000 * latencies[len(latencies) // 2],
            "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)],
            "max_ms": 1000 * latencies[-1]}


def same_as_score(port: int, model: Path, texts: list[str]) -> bool:
    """The server's TOXICITY for each text equals ``moderator score``'s for a one-comment
    thread of it."""
    import urllib.request

    served = []
    for text in texts:
        body = json.dumps({"comment": {"text": text},
                           "requestedAttributes": {"TOXICITY": {}}}).encode()
        with urllib.request.urlopen(urllib.request.Request(
                f"http://127.0.0.1:{port}/v1alpha1/comments:analyze", data=body)) as answer:
            served.append(json.load(answer)["attributeScores"]["TOXICITY"]["summaryScore"]
                          ["value"])
    threads = [{"id": f"t{i}", "comments": [{"text": text}]} for i, text in enumerate(texts)]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(threads, handle)
    try:
        out = subprocess.run([*MODERATOR, "score", handle.name,
                              "--model", str(model), "--output", "json"],
                             capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(handle.name)
    scored = [thread["comments"][0]["scores"]["toxicity"] for thread in json.loads(out)]
    return served == scored


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run(coroutine):
    """``asyncio.run``, on uvloop when it is installed (the client then costs less CPU)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def main() -> list[dict]:
    model = _model()
    texts = list(synthetic_texts(2000, length="tweet", seed=7))
    process, port = start_server(model, "--watch-interval", "0")
    try:
        payloads = [request_bytes(text, port) for text in texts]
        identical = same_as_score(port, model, texts[:SAMPLE_CHECKED])
        _run(throughput(port, payloads[:200]))  # warm up
        cpu_before = cpu_seconds(process.pid)
        burst = _run(throughput(port, payloads))
        server_cpu = cpu_seconds(process.pid) - cpu_before
        paced = _run(fixed_rate(port, payloads, RATE))
    finally:
        process.terminate()
        process.wait(30)
    # what the server spent per request, whatever else the machine was doing
    cpu_us = 1e6 * server_cpu / max(burst["requests"], 1)
    return [
        {"test": f"throughput, {CONNECTIONS} connections", "requests": burst["requests"],
         "req_per_s": round(burst["per_second"]), "server_cpu_us_per_req": round(cpu_us),
         "p50_ms": None, "p99_ms": None, "same_as_score": identical},
        {"test": f"fixed rate {RATE}/s", "requests": paced["requests"], "req_per_s": RATE,
         "server_cpu_us_per_req": None, "p50_ms": paced["p50_ms"], "p99_ms": paced["p99_ms"],
         "same_as_score": identical},
    ]


if __name__ == "__main__":
    sys.path.insert(0, str(BENCH))
    from run import format_table

    print(format_table(main()))
