"""`ody config`: the user's settings for the runner (API URL, key, retries, polling).

The key is read from a hidden prompt or from stdin, never from the command line, and the
file is written 0600.
"""

from __future__ import annotations

import sys

import click

from .exits import fail

_SETTINGS = {"max_content_width": 100}


@click.group(name="config", context_settings=_SETTINGS)
def command() -> None:
    """Show or change the user settings (`ody config path` says where they live)."""


@command.command("set")
@click.argument("key")
@click.argument("value", required=False)
def set_(key: str, value: str | None) -> None:
    """Set KEY to VALUE. For `api-key`, give no VALUE: it is read from a prompt or stdin."""
    from ..errors import RunnerError
    from ..runner.target import SETTINGS, check_url, read_config, write_config

    kind = SETTINGS.get(key)
    if kind is None:
        fail(f"unknown setting `{key}`", f"known: {', '.join(SETTINGS)}")
    if key == "api-key":
        if value is not None:
            fail("the API key is never taken as an argument (it would stay in your shell history)",
                 "run `ody config set api-key` and type it at the prompt, or pipe it on stdin")
        value = _read_key()
    assert value is not None
    try:
        typed = _typed(key, value, kind)
        if key == "api-url":
            typed = check_url(str(typed))
        data = read_config()
        data[key] = typed
        path = write_config(data)
    except RunnerError as error:
        fail(error.message, error.hint)
    except OSError as error:
        fail(f"cannot write the config file: {error.strerror or error}")
    click.echo(f"{key} saved in {path}")


def _read_key() -> str:
    if sys.stdin.isatty():
        key = click.prompt("API key", hide_input=True)
    else:
        key = sys.stdin.readline()
    key = key.strip()
    if not key:
        fail("no API key given")
    return key


def _typed(key: str, value: str, kind: type) -> object:
    """The value as the config file will hold it, checked by the rule that reads it back."""
    from ..runner.target import Duration, wrong

    try:
        typed = str(value) if kind is Duration else kind(value)
    except ValueError:
        fail(f"`{key}` takes a {kind.__name__}, not {value!r}")
    problem = wrong(key, typed)
    if problem is not None:
        fail(f"`{key}` {problem}")
    return typed


@command.command("unset")
@click.argument("key")
def unset(key: str) -> None:
    """Remove KEY from the settings."""
    from ..errors import RunnerError
    from ..runner.target import read_config, write_config

    try:
        data = read_config()
        if data.pop(key, None) is None:
            fail(f"`{key}` is not set")
        write_config(data)
    except RunnerError as error:
        fail(error.message, error.hint)
    except OSError as error:
        fail(f"cannot write the config file: {error.strerror or error}")
    click.echo(f"{key} removed")


@command.command("show")
def show() -> None:
    """Print the settings (the key is shown only as `set`)."""
    from ..errors import RunnerError
    from ..runner.target import read_config

    try:
        data = read_config()
    except RunnerError as error:
        fail(error.message, error.hint)
    for key, value in sorted(data.items()):
        click.echo(f"{key} = {'(set)' if key == 'api-key' else value}")


@command.command("path")
def path() -> None:
    """Print where the settings file lives."""
    from ..runner.target import config_path

    click.echo(str(config_path()))
