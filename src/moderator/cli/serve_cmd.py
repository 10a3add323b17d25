"""``moderator serve``: a Perspective-compatible scoring API on this machine."""

from __future__ import annotations

import signal
import sys

import click

from .score_cmd import load_policy_and_model, policy_options

SERVE_EXTRA = "pip install 'moderator[serve]'"


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (other than loopback: needs API keys or --no-auth).")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Port to listen on (0: any free port, printed at start).")
@policy_options
@click.option("--no-auth", is_flag=True,
              help="Serve a non-loopback address without API keys (anyone who can reach it "
                   "may use it).")
@click.option("--max-body", type=click.IntRange(min=1024), default=1024 * 1024,
              show_default=True, metavar="BYTES", help="Largest request body accepted (413).")
@click.option("--client-timeout", type=click.FloatRange(min=0.1), default=10.0,
              show_default=True, metavar="SECONDS",
              help="Time a client has to send its headers, and again its body (408).")
@click.option("--watch-interval", type=click.FloatRange(min=0), default=2.0,
              show_default=True, metavar="SECONDS",
              help="Reload the model or config when their files change, looking this often "
                   "(0: only on SIGHUP).")
@click.option("--drain-timeout", type=click.FloatRange(min=0), default=30.0,
              show_default=True, metavar="SECONDS",
              help="On SIGTERM, wait this long for requests in flight.")
@click.pass_context
def serve(ctx, host, port, model_path, config_path, thresholds, no_auth, max_body,
          client_timeout, watch_interval, drain_timeout):
    """Answer Perspective API requests (and whole threads) over HTTP.

    POST /v1alpha1/comments:analyze takes Perspective's AnalyzeComment request, so a
    platform that called Perspective (Coral Talk, the perspective-api-client library)
    switches by changing its endpoint URL. POST /v1/threads:score scores a JSON thread as
    `moderator score --output json` does; GET /healthz and GET /metrics (Prometheus).

    API keys come from the config's [serve] api_keys and $MODERATOR_API_KEYS
    (comma-separated); clients send ?key=KEY or an X-Goog-Api-Key header. Without keys
    the server answers this machine only. SIGHUP (or a changed model file) reloads the
    model; SIGTERM finishes the requests in flight and stops.

    \b
    Examples:
      moderator serve
      moderator serve --port 8080 --config moderator.toml
      MODERATOR_API_KEYS=$(openssl rand -hex 24) moderator serve --host 0.0.0.0
      curl -s localhost:8080/v1alpha1/comments:analyze \\
        -d '{"comment": {"text": "You are an idiot"}, "requestedAttributes": {"TOXICITY": {}}}'
    """
    try:
        from moderator import server
    except ImportError as exc:
        missing = (exc.name or "its web stack").split(".")[0]
        raise click.ClickException(f"moderator serve needs {missing}: {SERVE_EXTRA}") from None
    from moderator.policy_config import load_serve_settings

    settings = load_serve_settings(config_path)
    keys = server.api_keys(settings)
    if not keys and not no_auth and not server.is_loopback(host):
        raise click.UsageError(
            f"no API keys: serving {host} would let anyone who reaches it use the server; "
            f"set $MODERATOR_API_KEYS or [serve] api_keys in --config, or pass --no-auth",
            ctx)
    metrics = server.Metrics()
    scorer = server.Scorer(lambda: load_policy_and_model(model_path, config_path, thresholds),
                           config_path, metrics)
    access = server.Access(keys, settings.requests_per_minute)
    options = server.ServerOptions(max_body=max_body, client_timeout=client_timeout,
                                   watch_interval=watch_interval)
    sock = server.bind(host, port)
    address = sock.getsockname()
    shown = f"[{address[0]}]" if sock.family.name == "AF_INET6" else address[0]
    if keys:
        access_line = f"{len(keys)} API key{'s' if len(keys) != 1 else ''}"
    elif server.is_loopback(host):
        access_line = "no API keys: answering this machine only"
    else:
        access_line = "no API keys (--no-auth): answering anyone who reaches it"
    loaded = scorer.current
    click.echo(f"moderator serve: model {loaded.model_path} ({loaded.sha256[:12]}), "
               f"{access_line}", err=True)
    click.echo(f"moderator serve: listening on http://{shown}:{address[1]}", err=True)
    stopped = []
    # uvicorn finishes the requests in flight on SIGTERM, then raises the signal again:
    # a drained stop is the normal end of a service (exit 0), not the CLI's "Terminated."
    signal.signal(signal.SIGTERM, lambda signum, frame: stopped.append(signum))
    verbose = ctx.find_root().params.get("verbose", 0)
    server.run(scorer, access, metrics, sock, options, drain_timeout, verbose)
    if stopped:
        click.echo("moderator serve: stopped (SIGTERM), requests in flight answered",
                   err=True)
    sys.stdout.flush()


COMMANDS = [serve]
