"""`ody emulator`: a local Odyssey Simulate API with real recordings (docs/emulator.md).

Only click and the settings are imported here, because `ody --help` imports every command;
the web stack loads when the server starts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from ..emulator.settings import KEYS_ENV, QUEUE_LIMIT, Settings, parse_keys
from .exits import fail

_RATE = click.FloatRange(0.0, 1.0)


def _default_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path("odyssey-dsl", appauthor=False) / "emulator"


@click.command(name="emulator", context_settings={"max_content_width": 100})
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback unless --allow-remote).")
@click.option("--port", type=click.IntRange(0, 65535), default=8787, show_default=True, help="Port; 0 picks a free one.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where jobs, tokens and recordings live (default: the user data folder).")
@click.option("--allow-remote", is_flag=True, help="Allow a non-loopback --host (prints a warning).")
@click.option("--api-key", "api_keys", multiple=True, metavar="KEY",
              help=f"Accept only this key (repeatable; also --api-keys-file and ${KEYS_ENV}). Default: any ody_ key.")
@click.option("--api-keys-file", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="File of accepted keys, one per line (# comments).")
@click.option("--token-ttl", type=click.FloatRange(min=0, min_open=True), default=3600.0, show_default=True,
              help="Seconds an access token lives.")
@click.option("--url-ttl", type=click.FloatRange(min=0, min_open=True), default=3600.0, show_default=True,
              help="Seconds a file URL stays valid.")
@click.option("--speed", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True,
              help="Simulated seconds per real second.")
@click.option("--pending-seconds", type=click.FloatRange(min=0), default=5.0, show_default=True,
              help="Simulated seconds a job stays pending.")
@click.option("--dispatched-seconds", type=click.FloatRange(min=0), default=3.0, show_default=True,
              help="Simulated seconds a job stays dispatched.")
@click.option("--no-bypass-privilege", is_flag=True, help="Answer 403 to bypass_vlm_expansion, as for a key without it.")
@click.option("--allow-remote-script-urls", is_flag=True, help="Fetch script_url from any host, not only loopback.")
@click.option("--script-url-timeout", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True,
              help="Seconds to fetch a script_url.")
@click.option("--latency", "latency_ms", type=click.FloatRange(min=0), default=0.0, metavar="MS",
              help="Milliseconds added to every response.")
@click.option("--error-rate", type=_RATE, default=0.0, help="Fraction of API requests answered 500/502/503 unhandled.")
@click.option("--drop-rate", type=_RATE, default=0.0, help="Fraction of API requests handled, then hung up on.")
@click.option("--truncate-rate", type=_RATE, default=0.0, help="Fraction of file downloads cut off mid-body.")
@click.option("--fail-rate", type=_RATE, default=0.0, help="Fraction of streams that fail (decided at submit).")
@click.option("--rate-limit", type=click.FloatRange(min=0, min_open=True), default=None, metavar="N",
              help="Requests per second per key (sliding window); beyond it 429 RATE_LIMITED.")
@click.option("--queue-limit", type=click.IntRange(min=0), default=QUEUE_LIMIT, show_default=True, metavar="N",
              help="Jobs not yet final per key (pending, dispatched, processing); beyond it 429 "
                   "CONCURRENT_LIMIT_REACHED. 0: no limit.")
@click.option("--concurrent-limit", type=click.IntRange(min=0), default=None, metavar="N", hidden=True,
              help="The old name of --queue-limit (deprecated).")
@click.option("--max-duration", type=click.FloatRange(min=0, min_open=True), default=None, metavar="S",
              help="Longest script in seconds; beyond it 429 STREAM_DURATION_EXCEEDED.")
@click.option("--monthly-limit-reached", is_flag=True, help="Answer every submit 429 MONTHLY_LIMIT_REACHED.")
@click.option("--seed", type=int, default=None, help="Seed the faults' random streams, so they repeat.")
@click.option("--render-delay", type=click.FloatRange(min=0), default=0.0, metavar="S", hidden=True,
              help="Real seconds to wait before each render (for crash tests).")
@click.option("--video-padding", "video_padding_bytes", type=click.IntRange(min=0), default=0, metavar="BYTES",
              hidden=True, help="Bytes added to every video, in a trailing MP4 `free` box (for download benchmarks).")
@click.option("--access-log", is_flag=True, help="Log every request on stderr.")
def command(host: str, port: int, data_dir: Path | None, allow_remote: bool, api_keys: tuple[str, ...],
            api_keys_file: Path | None, no_bypass_privilege: bool, concurrent_limit: int | None,
            **options: Any) -> None:
    """Serve a local Odyssey Simulate API that renders real recordings.

    The first line on stdout is `listening on http://HOST:PORT`. Point a client (or the SDK's
    ODYSSEY_API_URL) at that address; any `ody_...` key works unless keys are given.
    """
    if concurrent_limit is not None:
        click.echo("ody emulator: --concurrent-limit is now --queue-limit (jobs not yet final per key)", err=True)
        options["queue_limit"] = concurrent_limit
    keys = list(api_keys)
    try:
        if api_keys_file is not None:
            keys += parse_keys(api_keys_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        fail(f"cannot read {api_keys_file}: {error}")
    keys += parse_keys(os.environ.get(KEYS_ENV, ""))
    try:
        settings = Settings(data_dir=data_dir or _default_data_dir(), host=host, port=port,
                            allow_remote=allow_remote, api_keys=frozenset(keys) if keys else None,
                            bypass_privilege=not no_bypass_privilege, **options)
    except ValueError as error:
        fail(str(error))
    try:
        from ..emulator.server import StartupError, serve
    except ImportError as error:
        fail(f"the emulator needs its extra ({error.name} is missing): pip install 'odyssey-dsl[emulator]'")
    try:
        serve(settings)
    except StartupError as error:
        fail(str(error))

