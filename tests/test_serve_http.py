"""`moderator serve` as clients meet it: the real server in a subprocess on a loopback
port, spoken to over HTTP (and raw sockets for the misbehaving clients)."""

from __future__ import annotations

import csv
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

KEY = "test-key-0123456789abcdef"
OTHER_KEY = "second-key-0123456789abcdef"
MODERATOR = Path(sys.executable).with_name("moderator")
INSULT = "You are a pathetic idiot and everyone here knows it"


class Server:
    """``moderator serve --port 0 ARGS`` with its port, its stderr lines and its exit."""

    def __init__(self, *args: str, env: dict | None = None):
        environment = {**os.environ, "MODERATOR_API_KEYS": ""}
        environment.update(env or {})
        self.process = subprocess.Popen(
            [str(MODERATOR), "serve", "--port", "0", *args], stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True, env=environment)
        self.lines: list[str] = []
        self.port = None
        ready = threading.Event()

        def read():
            for line in self.process.stderr:
                self.lines.append(line.rstrip("\n"))
                found = re.search(r"listening on http://[^ ]+:(\d+)$", line.strip())
                if found:
                    self.port = int(found.group(1))
                    ready.set()
            ready.set()

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()
        ready.wait(60)
        if self.port is None:
            self.process.kill()
            raise AssertionError("server did not start:\n" + "\n".join(self.lines))

    def request(self, method: str, path: str, body=None, headers: dict | None = None,
                key: str | None = KEY, raw: bytes | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        if key is not None:
            path += ("&" if "?" in path else "?") + f"key={key}"
        data = raw if raw is not None else (None if body is None else json.dumps(body))
        connection.request(method, path, body=data, headers=headers or {})
        response = connection.getresponse()
        payload = response.read()
        connection.close()
        kind = response.getheader("content-type", "")
        return response.status, (json.loads(payload) if "json" in kind else payload.decode())

    def analyze(self, body, **kwargs):
        return self.request("POST", "/v1alpha1/comments:analyze", body, **kwargs)

    def stop(self, sig=signal.SIGTERM, timeout: float = 30) -> int:
        """Send ``sig`` (None: it was sent) and wait for the exit status."""
        if sig is not None and self.process.poll() is None:
            self.process.send_signal(sig)
        status = self.process.wait(timeout)
        self.reader.join(10)
        self.process.stderr.close()
        return status

    def wait_for_line(self, pattern: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if re.search(pattern, line):
                    return line
            time.sleep(0.05)
        raise AssertionError(f"no line matching {pattern!r} in:\n" + "\n".join(self.lines))


@pytest.fixture(scope="module")
def server(trained_model_path):
    running = Server("--model", str(trained_model_path), "--client-timeout", "1",
                     "--watch-interval", "0", "--max-body", "65536",
                     env={"MODERATOR_API_KEYS": f"{KEY}, {OTHER_KEY}"})
    yield running
    assert running.stop() == 0


def analyze_body(text=INSULT, **fields):
    body = {"comment": {"text": text}, "requestedAttributes": {"TOXICITY": {}}}
    body.update(fields)
    return body


def google_error(code, status, message):
    return {"error": {"code": code, "message": message, "status": status}}


# --- AnalyzeComment --------------------------------------------------------------------------


def test_analyze_answers_perspectives_shape(server, trained_model_path):
    import moderator
    from moderator.perspective import analyze, parse_analyze

    body = analyze_body(requestedAttributes={"TOXICITY": {}, "OFF_TOPIC": {}, "INSULT": {}},
                        clientToken="comment:1", doNotStore=True, languages=["en"],
                        context={"entries": [{"text": "The library closes for renovation."},
                                             {"text": "Good, the heating was broken."}]})
    status, answer = server.analyze(body)
    assert status == 200
    model = moderator.load_model(trained_model_path)
    assert answer == analyze(model, parse_analyze(body, model.attributes)).response
    assert answer["clientToken"] == "comment:1"
    assert answer["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.5
    assert "detectedLanguages" not in answer  # the client named the language


def test_key_in_header_html_comment_and_span_annotations(server):
    status, answer = server.analyze(
        analyze_body("<p>😀 You <b>idiot</b></p>", spanAnnotations=True,
                     comment={"text": "<p>😀 You <b>idiot</b></p>", "type": "HTML"}),
        key=None, headers={"X-Goog-Api-Key": OTHER_KEY})
    assert status == 200
    spans = answer["attributeScores"]["TOXICITY"]["spanScores"]
    text = "😀 You idiot"  # the text scored; offsets in UTF-16 units of it
    units = text.encode("utf-16-le")
    shown = [units[2 * s["begin"] : 2 * s["end"]].decode("utf-16-le") for s in spans]
    assert any("idiot" in piece for piece in shown) and all(p in text for p in shown)


def test_text_with_nul_is_scored(server):
    status, answer = server.analyze(analyze_body("nul\x00inside you idiot"))
    assert status == 200 and answer["attributeScores"]["TOXICITY"]["spanScores"][0]["end"] == 20


@pytest.mark.parametrize("key, headers, message", [
    (None, {}, "The request is missing a valid API key."),
    ("wrong-key-0123456789abcdef", {}, "API key not valid. Please pass a valid API key."),
    (None, {"X-Goog-Api-Key": KEY[:-1]}, "API key not valid. Please pass a valid API key."),
])
def test_without_a_valid_key_permission_is_denied(server, key, headers, message):
    status, answer = server.analyze(analyze_body(), key=key, headers=headers)
    assert (status, answer) == (403, google_error(403, "PERMISSION_DENIED", message))
    status, answer = server.request("GET", "/metrics", key=key, headers=headers)
    assert status == 403


@pytest.mark.parametrize("raw, code, message", [
    (b'{"comment": {"text": "hi"', 400,
     "Invalid JSON payload received. Expecting ',' delimiter at line 1, column 26"),
    (b'{"comment": {"text": "caf\xe9"}}', 400,
     "Invalid JSON payload received. Not UTF-8 text: byte 0xe9 at offset 25"),
    (b"", 400, "Invalid JSON payload received. The request body is empty."),
    (b"[" * 30_000 + b"]" * 30_000, 400, "Invalid JSON payload received. Nested too deeply."),
    (b'{"comment": {"text": "a \\udc00 b"}, "requestedAttributes": {"TOXICITY": {}}}', 400,
     "Invalid value at 'comment.text': a lone UTF-16 surrogate (\\udc00) at character 2 is "
     "not text"),
    (json.dumps(analyze_body(comment={"text": ["list"]})).encode(), 400,
     "Invalid value at 'comment.text': expected a string, got an array"),
    (json.dumps(analyze_body("")).encode(), 400, "Comment must be non-empty."),
    (json.dumps(analyze_body("x" * 20_481)).encode(), 400,
     "Comment text too long: 20,481 characters; the maximum is 20,480"),
    (json.dumps(analyze_body(requestedAttributes={"FLIRTATION": {}})).encode(), 400,
     "Unknown requested attribute: FLIRTATION; this server scores TOXICITY, INSULT, THREAT, "
     "IDENTITY_ATTACK, OFF_TOPIC"),
    (json.dumps(analyze_body(languages=["ja"])).encode(), 400,
     "Attribute TOXICITY does not support request languages: ja"),
    (b"x" * 70_000, 413, "Request body too large: 70,000 bytes; the limit is 65,536"),
])
def test_bad_requests_get_one_clear_error_and_the_server_goes_on(server, raw, code, message):
    status, answer = server.request("POST", "/v1alpha1/comments:analyze", raw=raw)
    statuses = {400: "INVALID_ARGUMENT", 413: "INVALID_ARGUMENT"}
    assert (status, answer) == (code, google_error(code, statuses[code], message))
    assert server.analyze(analyze_body())[0] == 200


def test_a_chunked_body_past_the_limit_is_refused(server):
    def chunks():
        for _ in range(20):
            yield b"y" * 4096

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("POST", f"/v1alpha1/comments:analyze?key={KEY}", body=chunks(),
                       encode_chunked=True)
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    assert response.status == 413
    assert json.loads(payload) == google_error(
        413, "INVALID_ARGUMENT", "Request body too large: more than 65,536 bytes")


def test_unknown_paths_and_methods(server):
    assert server.request("GET", "/v1alpha1/comments:nothing") == (
        404, google_error(404, "NOT_FOUND", "/v1alpha1/comments:nothing: no such method"))
    assert server.request("GET", "/v1alpha1/comments:analyze") == (
        405, google_error(405, "UNIMPLEMENTED",
                          "GET /v1alpha1/comments:analyze: method not allowed"))


def test_suggestscore_is_answered_and_nothing_kept(server):
    # what Coral Talk sends when a moderator approves or rejects a comment
    status, answer = server.request("POST", "/v1alpha1/comments:suggestscore", {
        "comment": {"text": "a comment"}, "context": {"entries": [{"text": "{}"}]},
        "attributeScores": {"APPROVED": {"summaryScore": {"value": 1}}}, "languages": ["en"],
        "communityId": "Coral:https://news.example/", "clientToken": "comment:77"})
    assert (status, answer) == (200, {"clientToken": "comment:77", "requestedLanguages": ["en"]})


# --- clients as they are written -------------------------------------------------------------


def striptags(html: str) -> str:
    """What the npm `striptags` package does for this client: drop tags, keep text."""
    return re.sub(r"<[^>]*>", "", html)


def npm_client_payload(text, options=None) -> dict:
    """perspective-api-client's getAnalyzeCommentPayload, ported: HTML stripped, empty and
    over-3000-character texts refused, TOXICITY by default, attribute names upper-cased,
    doNotStore true."""
    options = options or {}
    text = striptags(text) if options.get("stripHTML", True) else text
    if not text:
        raise ValueError("text must not be empty")
    if len(text) > 3000:
        raise ValueError("text must not be greater than 3000 characters in length")
    attributes = options.get("attributes")
    if attributes is None:
        attributes = {"TOXICITY": {}}
    elif isinstance(attributes, list):
        attributes = {name.upper(): {} for name in attributes}
    return {"comment": {"text": text}, "requestedAttributes": attributes,
            "doNotStore": options.get("doNotStore", True)}


def npm_client_analyze(server, text, options=None):
    """The client's analyze(): POST with ?key=, resolve to the body, or reject with the
    error's message (``err.response.data.error.message``)."""
    status, answer = server.analyze(npm_client_payload(text, options))
    if status != 200:
        raise RuntimeError(answer["error"]["message"])
    return answer


def test_the_npm_client_reads_our_answers(server):
    result = npm_client_analyze(server, "<p>What kind of idiot name is foo?</p>")
    assert result["attributeScores"]["TOXICITY"]["summaryScore"]["type"] == "PROBABILITY"
    assert 0.0 <= result["attributeScores"]["TOXICITY"]["summaryScore"]["value"] <= 1.0
    assert result["languages"] == ["en"]
    result = npm_client_analyze(server, "fools!", {"attributes": ["toxicity", "insult"]})
    assert set(result["attributeScores"]) == {"TOXICITY", "INSULT"}
    with pytest.raises(RuntimeError, match="^Unknown requested attribute: SPAM; "):
        npm_client_analyze(server, "fools!", {"attributes": ["spam"]})


def test_perspectives_published_requests(server):
    # the documentation's curl example: object keys without quotes
    raw = (b'{comment: {text: "what kind of idiot name is foo?"}, languages: ["en"], '
           b"requestedAttributes: {TOXICITY:{}} }")
    status, answer = server.request("POST", "/v1alpha1/comments:analyze", raw=raw,
                                    headers={"Content-Type": "application/json"})
    assert status == 200 and answer["attributeScores"]["TOXICITY"]["summaryScore"]["value"]
    # the Python sample (googleapiclient: the key and alt=json in the query)
    status, answer = server.request(
        "POST", f"/v1alpha1/comments:analyze?alt=json&key={KEY}", key=None,
        body={"comment": {"text": "friendly greetings from python"},
              "requestedAttributes": {"TOXICITY": {}}})
    assert status == 200 and answer["attributeScores"]["TOXICITY"]["summaryScore"]["value"] < 0.5


def test_coral_talks_request(server):
    """Coral Talk: POST {endpoint}/comments:analyze?key=…, reads
    attributeScores[model].summaryScore.value and compares it with its threshold."""
    model = "SEVERE_TOXICITY"  # Coral's other choice of model: not scored by this one
    body = {"comment": {"text": INSULT}, "doNotStore": True,
            "requestedAttributes": {model: {}}, "languages": ["en"]}
    status, answer = server.analyze(body)
    assert status == 400 and "SEVERE_TOXICITY" in answer["error"]["message"]
    body["requestedAttributes"] = {"TOXICITY": {}}
    status, answer = server.analyze(body)
    assert status == 200 and answer["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.8


def test_the_real_npm_client(server, tmp_path):
    """perspective-api-client itself, its fixed Google URL pointed at the server (as a site
    would with a proxy); skipped where node or the npm registry is not at hand."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node and npm are not installed")
    try:
        installed = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--silent",
             "perspective-api-client@3"], cwd=tmp_path, capture_output=True, text=True,
            timeout=120)
    except subprocess.TimeoutExpired:
        pytest.skip("npm install timed out")
    if installed.returncode != 0:
        pytest.skip(f"npm install failed: {installed.stderr.strip()[-200:]}")
    script = tmp_path / "run.js"
    script.write_text("""
const axios = require('axios');
const Perspective = require('perspective-api-client');
axios.interceptors.request.use(config => {
  config.url = config.url.replace('https://commentanalyzer.googleapis.com', process.argv[2]);
  return config;
});
const client = new Perspective({apiKey: process.argv[3]});
(async () => {
  const ok = await client.analyze('<b>What kind of idiot</b> name is foo?',
                                  {attributes: ['toxicity', 'insult']});
  let message = null;
  try { await client.analyze('hello', {attributes: ['spam']}); }
  catch (err) { message = err.message; }
  console.log(JSON.stringify({ok, message}));
})();
""")
    ran = subprocess.run(["node", str(script), f"http://127.0.0.1:{server.port}", KEY],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout)
    assert set(result["ok"]["attributeScores"]) == {"TOXICITY", "INSULT"}
    assert result["message"].startswith("Unknown requested attribute: SPAM")


# --- languages ---------------------------------------------------------------------------------

# comments written for these tests (as in tests/test_serve_perspective.py)
FOREIGN = {
    "tr": "Bu kitabı çok sevdim, yazarın anlatımı harika ve karakterler çok canlı.",
    "es": "Me encantó el artículo, pero creo que el alcalde debería explicar mejor el "
          "presupuesto.",
    "de": "Der Artikel ist gut geschrieben, aber die Stadt sollte die Radwege endlich ausbauen.",
}


@pytest.mark.parametrize("code", sorted(FOREIGN))
def test_a_comment_not_in_english_gets_perspectives_language_error(server, code):
    status, answer = server.analyze(analyze_body(FOREIGN[code]))
    assert (status, answer) == (400, google_error(
        400, "INVALID_ARGUMENT",
        f"Attribute TOXICITY does not support request languages: {code}"))
    status, answer = server.analyze(analyze_body(FOREIGN[code], clientToken="c",
                                                 dropUnsupportedAttributes=True))
    assert (status, answer) == (200, {"attributeScores": {}, "languages": [code],
                                      "detectedLanguages": [code], "clientToken": "c"})


@pytest.mark.parametrize("code", sorted(FOREIGN))
def test_english_asserted_is_scored(server, trained_model_path, code):
    import moderator
    from moderator.perspective import analyze, parse_analyze

    body = analyze_body(FOREIGN[code], languages=["en"], spanAnnotations=True,
                        requestedAttributes={"TOXICITY": {}, "INSULT": {}})
    status, answer = server.analyze(body)
    assert status == 200
    model = moderator.load_model(trained_model_path)
    assert answer == analyze(model, parse_analyze(body, model.attributes)).response
    assert answer["languages"] == ["en"] and "detectedLanguages" not in answer
    for scores in answer["attributeScores"].values():
        assert isinstance(scores["summaryScore"]["value"], float)


def test_an_english_comment_gets_detected_languages(server):
    status, answer = server.analyze(analyze_body())
    assert status == 200
    assert (answer["languages"], answer["detectedLanguages"]) == (["en"], ["en"])
    assert answer["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.5


def test_threads_score_of_comments_not_in_english_is_score_output_json(
        server, trained_model_path, tmp_path):
    thread = {"id": "mixed", "article": "The council approves the bike lane on Elm Street.",
              "comments": [{"id": "a", "text": INSULT, "replies": [
                  {"id": "b", "text": FOREIGN["de"]},
                  {"id": "c", "text": FOREIGN["tr"], "replies": [
                      {"id": "d", "text": FOREIGN["es"]}]}]}]}
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(thread, ensure_ascii=False), encoding="utf-8")
    expected = json.loads(subprocess.run(
        [str(MODERATOR), "score", str(path), "--model", str(trained_model_path), "--output",
         "json"], capture_output=True, text=True, check=True).stdout)
    before = server.request("GET", "/metrics")[1]
    status, answer = server.request("POST", "/v1/threads:score", raw=path.read_bytes())
    assert status == 200
    for document in expected:
        document["source"]["path"] = "request"
    assert answer == expected
    comments = {c["id"]: c for c in answer[0]["comments"]}
    assert [comments[i]["language"] for i in "abcd"] == ["en", "de", "tr", "es"]
    for i in "bcd":
        assert set(comments[i]["scores"].values()) == {None}
        assert not comments[i]["flagged"]
    assert comments["a"]["flagged"]
    status, text = server.request("GET", "/metrics")
    assert status == 200

    def value(text, name):
        found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
        return float(found.group(1)) if found else 0.0

    for name, more in (("moderator_comments_scored_total", 4),
                       ("moderator_comments_not_english_total", 3)):
        assert value(text, name) == value(before, name) + more
    # an AnalyzeComment answered without scores counts too
    assert server.analyze(analyze_body(FOREIGN["tr"], dropUnsupportedAttributes=True))[0] == 200
    after = server.request("GET", "/metrics")[1]
    assert value(after, "moderator_comments_not_english_total") == value(
        text, "moderator_comments_not_english_total") + 1


# --- whole threads, health, metrics ----------------------------------------------------------


def test_threads_score_is_score_output_json(server, trained_model_path, fixtures):
    thread_file = Path(__file__).resolve().parent.parent / "examples" / "thread.json"
    with thread_file.open() as stdin:
        expected = json.loads(subprocess.run(
            [str(MODERATOR), "score", "-", "--model", str(trained_model_path), "--output",
             "json"], stdin=stdin, capture_output=True, text=True, check=True).stdout)
    status, answer = server.request("POST", "/v1/threads:score", raw=thread_file.read_bytes())
    assert status == 200
    for document in expected:
        document["source"]["path"] = "request"
    assert answer == expected
    assert any(c["flagged"] and c["reasons"] for c in answer[0]["comments"])


def test_threads_score_deep_replies_and_bad_threads(server):
    levels = 1500  # past Python's recursion limit: written out by hand
    raw = ('{"id": "deep", "comments": [' + '{"text": "reply", "replies": [' * levels
           + '{"text": "the bottom"}' + "]}" * levels + "]}")
    status, answer = server.request("POST", "/v1/threads:score", raw=raw.encode())
    assert status == 200 and len(answer[0]["comments"]) == 1501
    assert answer[0]["comments"][-1]["depth"] == 1500
    status, answer = server.request("POST", "/v1/threads:score", raw=b'{"comments": [')
    assert (status, answer) == (400, google_error(
        400, "INVALID_ARGUMENT", "Invalid JSON payload received. Expecting value at line 1, "
                                 "column 15"))
    status, answer = server.request("POST", "/v1/threads:score",
                                    raw=b'\xef\xbb\xbf{"comments": [{"text": "BOM first"}]}')
    assert status == 200 and answer[0]["comments"][0]["text"] == "BOM first"
    status, answer = server.request("POST", "/v1/threads:score",
                                    {"comments": [{"text": "ok", "replies": [{"text": 5}]}]})
    assert (status, answer) == (400, google_error(
        400, "INVALID_ARGUMENT",
        "Invalid value: comments[0].replies[0].text: expected a string, got a number"))


def test_healthz_and_metrics(server):
    status, health = server.request("GET", "/healthz", key=None)
    assert status == 200 and health["status"] == "ok"
    assert health["model"]["attributes"] == ["toxicity", "insult", "threat", "identity_attack",
                                             "off_topic"]
    before = server.request("GET", "/metrics")[1]
    assert server.analyze(analyze_body())[0] == 200
    status, text = server.request("GET", "/metrics")
    assert status == 200

    def value(text, name):
        found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
        return float(found.group(1)) if found else 0.0

    ok = 'moderator_requests_total{endpoint="analyze",code="200"}'
    assert value(text, ok) == value(before, ok) + 1
    flags = 'moderator_flags_total{attribute="toxicity"}'
    assert value(text, flags) == value(before, flags) + 1  # the insult is flagged
    count = 'moderator_request_duration_seconds_count{endpoint="analyze"}'
    inf = 'moderator_request_duration_seconds_bucket{endpoint="analyze",le="+Inf"}'
    assert value(text, count) == value(text, inf) > 0
    assert "# TYPE moderator_request_duration_seconds histogram" in text
    assert 'moderator_requests_total{endpoint="analyze",code="403"}' in text
    assert re.search(r'^moderator_model_info\{sha256="[0-9a-f]{64}",version=".+"\} 1$', text,
                     re.M)


# --- slow clients ----------------------------------------------------------------------------


def test_slow_clients_are_cut_off_and_others_served(server):
    quiet = socket.create_connection(("127.0.0.1", server.port))
    dribble = socket.create_connection(("127.0.0.1", server.port))
    dribble.sendall(b"POST /v1alpha1/comments:analyze HTTP/1.1\r\nHost: x\r\n")
    body = json.dumps(analyze_body()).encode()
    slow_body = socket.create_connection(("127.0.0.1", server.port))
    slow_body.sendall(f"POST /v1alpha1/comments:analyze?key={KEY} HTTP/1.1\r\nHost: x\r\n"
                      f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:10])
    assert server.analyze(analyze_body())[0] == 200  # others are answered meanwhile
    for sock in (quiet, dribble, slow_body):
        sock.settimeout(5)
        started = time.monotonic()
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
            if sock is slow_body and answer.count(b"}") >= 2:
                break
        assert time.monotonic() - started < 3
        head, _, payload = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408 "), answer
        kind = "body" if sock is slow_body else "headers"
        assert json.loads(payload) == google_error(
            408, "DEADLINE_EXCEEDED", f"Request {kind} not received within 1 s")
        sock.close()
    assert server.analyze(analyze_body())[0] == 200


# --- access from the network, rate limits, starting and stopping -----------------------------


def test_other_addresses_need_keys_or_no_auth(trained_model_path):
    refused = subprocess.run(
        [str(MODERATOR), "serve", "--host", "0.0.0.0", "--port", "0", "--model",
         str(trained_model_path)], capture_output=True, text=True, timeout=60,
        env={**os.environ, "MODERATOR_API_KEYS": ""})
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines()[-1] == (
        "Error: no API keys: serving 0.0.0.0 would let anyone who reaches it use the server; "
        "set $MODERATOR_API_KEYS or [serve] api_keys in --config, or pass --no-auth")
    opened = Server("--host", "0.0.0.0", "--no-auth", "--model", str(trained_model_path),
                    "--watch-interval", "0")
    try:
        assert "no API keys (--no-auth): answering anyone who reaches it" in opened.lines[0]
        assert opened.analyze(analyze_body(), key=None)[0] == 200
    finally:
        assert opened.stop() == 0


def test_loopback_without_keys_says_so_and_rate_limits(trained_model_path, tmp_path):
    config = tmp_path / "moderator.toml"
    config.write_text("[serve]\nrequests_per_minute = 2\n")
    local = Server("--model", str(trained_model_path), "--config", str(config),
                   "--watch-interval", "0")
    try:
        assert local.lines[0].endswith("no API keys: answering this machine only")
        assert [local.analyze(analyze_body(), key=None)[0] for _ in range(2)] == [200, 200]
        assert local.analyze(analyze_body(), key=None) == (429, google_error(
            429, "RESOURCE_EXHAUSTED",
            "Quota exceeded: 2 requests per minute for this API key; retry later"))
    finally:
        assert local.stop() == 0


def test_sigterm_finishes_requests_in_flight(trained_model_path):
    running = Server("--model", str(trained_model_path), "--watch-interval", "0")
    body = json.dumps(analyze_body()).encode()
    sock = socket.create_connection(("127.0.0.1", running.port))
    sock.sendall(f"POST /v1alpha1/comments:analyze HTTP/1.1\r\nHost: x\r\nContent-Length: "
                 f"{len(body)}\r\n\r\n".encode() + body[:20])
    time.sleep(0.3)
    running.process.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    assert running.process.poll() is None  # still draining
    sock.sendall(body[20:])
    sock.settimeout(10)
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    sock.close()
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b'"TOXICITY"' in answer
    assert running.stop(None) == 0
    running.wait_for_line("stopped \\(SIGTERM\\), requests in flight answered")


def test_ctrl_c_exits_130(trained_model_path):
    running = Server("--model", str(trained_model_path), "--watch-interval", "0")
    assert running.analyze(analyze_body(), key=None)[0] == 200
    assert running.stop(signal.SIGINT) == 130
    running.wait_for_line("^Interrupted\\.$")


def test_a_missing_serve_extra_says_how_to_install(monkeypatch):
    from click.testing import CliRunner

    import moderator
    from moderator.cli import main

    # every starlette module, not only the package: an earlier test may have imported them
    for name in [n for n in sys.modules if n == "starlette" or n.startswith("starlette.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "starlette", None)
    monkeypatch.delitem(sys.modules, "moderator.server", raising=False)
    monkeypatch.delattr(moderator, "server", raising=False)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        "Error: moderator serve needs starlette: pip install 'moderator[serve]'")


# --- a new model while serving ---------------------------------------------------------------


@pytest.fixture(scope="module")
def retrained_model(tmp_path_factory):
    """A second model, trained on part of the labels: other weights, other SHA-256."""
    from moderator.labels import load_labels_csv
    from moderator.model import save_model
    from moderator.model.training import train

    source = Path(__file__).resolve().parent / "fixtures" / "labels_small.csv"
    folder = tmp_path_factory.mktemp("retrained")
    with source.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    part = folder / "labels.csv"
    with part.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows[:1] + rows[1:][::-1][:100])
    path = folder / "retrained.joblib"
    save_model(train([load_labels_csv(part)], folds=3), path)
    return path


class Load:
    """Threads sending AnalyzeComment requests until stopped (bounded: at most 20 s)."""

    def __init__(self, server: Server, threads: int = 3):
        self.statuses: list[int] = []
        self.stop = threading.Event()
        self.workers = [threading.Thread(target=self.run, args=(server,)) for _ in range(threads)]
        for worker in self.workers:
            worker.start()

    def run(self, server: Server) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        body = json.dumps(analyze_body())
        deadline = time.monotonic() + 20
        while not self.stop.is_set() and time.monotonic() < deadline:
            connection.request("POST", "/v1alpha1/comments:analyze", body=body)
            response = connection.getresponse()
            response.read()
            self.statuses.append(response.status)
        connection.close()

    def finish(self) -> list[int]:
        self.stop.set()
        for worker in self.workers:
            worker.join()
        return self.statuses


def install(source: Path, target: Path) -> None:
    """Replace target's model and card by source's, each by an atomic rename, the model
    first (a reader in between sees the new model with the old card)."""
    from moderator.model import card_path

    for src, dst in ((source, target), (card_path(source), card_path(target))):
        temporary = dst.with_name(dst.name + ".new")
        shutil.copyfile(src, temporary)
        os.replace(temporary, dst)


def sha_of(path: Path) -> str:
    from moderator.model import card_path

    return json.loads(card_path(path).read_text())["model_sha256"]


@pytest.mark.parametrize("how", ["sighup", "file watch"])
def test_reload_under_load_fails_no_request(trained_model_path, retrained_model, tmp_path,
                                            how):
    target = tmp_path / "live.joblib"
    install(trained_model_path, target)
    watch = "0" if how == "sighup" else "0.2"
    running = Server("--model", str(target), "--watch-interval", watch)
    try:
        assert running.request("GET", "/healthz", key=None)[1]["model"]["sha256"] == sha_of(
            trained_model_path)
        load = Load(running)
        time.sleep(0.5)
        install(retrained_model, target)
        if how == "sighup":
            running.process.send_signal(signal.SIGHUP)
        running.wait_for_line(r"reloaded \((SIGHUP|file changed)\)")
        time.sleep(0.3)
        # a broken model file: the reload fails, the model in use stays
        target.write_bytes(b"not a model")
        if how == "sighup":
            running.process.send_signal(signal.SIGHUP)
        running.wait_for_line("failed, still serving model")
        time.sleep(0.3)
        statuses = load.finish()
        assert len(statuses) > 20 and set(statuses) == {200}
        health = running.request("GET", "/healthz", key=None)[1]
        assert health["model"]["sha256"] == sha_of(retrained_model)
        metrics = running.request("GET", "/metrics", key=None)[1]
        assert re.search(r'^moderator_model_reloads_total\{result="failed"\} [1-9]', metrics,
                         re.M)
        assert re.search(r'^moderator_model_reloads_total\{result="ok"\} 1$', metrics, re.M)
    finally:
        assert running.stop() == 0
