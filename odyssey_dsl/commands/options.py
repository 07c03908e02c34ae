"""What the runner's commands share on the command line: API options, durations, errors."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def api_options(fn: F) -> F:
    fn = click.option("--api-url", default=None, metavar="URL",
                      help="The API's base URL (else $ODYSSEY_API_URL, the config file, https://api.odyssey.ml).")(fn)
    return click.option("--emulator", is_flag=True,
                        help="Run against the local emulator (started in the background; no account needed).")(fn)


def duration(_ctx: click.Context, _param: click.Parameter, value: str) -> float:
    """Seconds from a time in the language's syntax (`90s`, `30m`, `1h`, `1:30:00`)."""
    from ..times import TimeError, parse_time

    parsed = parse_time(value.strip())
    if isinstance(parsed, TimeError) or parsed[0] or parsed[1] <= 0:
        why = parsed.message if isinstance(parsed, TimeError) else "it must be a positive duration"
        raise click.BadParameter(f"{value!r}: {why} (e.g. 90s, 30m, 1h)")
    return parsed[1] / 1000


def fail(message: str, hint: str | None = None, code: int = 2) -> NoReturn:
    click.echo(f"ody: error: {message}" + (f"\n  hint: {hint}" if hint else ""), err=True)
    sys.exit(code)


@contextmanager
def runner_errors() -> Iterator[None]:
    """A RunnerError becomes its message and exit code; Ctrl-C outside a run's own handling
    becomes exit 130 (never a traceback)."""
    from ..runner.client import Interrupted
    from ..runner.errors import EXIT_INTERRUPTED, RunnerError

    try:
        yield
    except RunnerError as error:
        fail(error.message, error.hint, error.exit_code)
    except (KeyboardInterrupt, Interrupted):
        fail("interrupted", None, EXIT_INTERRUPTED)
