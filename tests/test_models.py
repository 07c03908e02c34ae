"""The request models (`odyssey_dsl.models`, pydantic) follow the API's key tables, produce the
shipped JSON Schema, and stay off the path of `ody schema`, which needs no pydantic."""

from __future__ import annotations

import subprocess
import sys

import pytest

from odyssey_dsl import models
from odyssey_dsl.api import ACTION_KEYS, ACTIONS, ENTRY_KEYS, REQUEST_KEYS, SOURCES
from odyssey_dsl.emit import schema_text


def test_the_request_model_has_the_request_keys_in_order() -> None:
    assert tuple(models.SimulationRequest.model_fields) == REQUEST_KEYS
    assert set(models._REQUEST_FIELDS) == set(REQUEST_KEYS)  # no type for a key that is gone


def test_each_entry_model_has_the_time_and_one_action_with_its_keys() -> None:
    assert [tuple(entry.model_fields) for entry in models.ENTRIES] == [(models.TIME_KEY, a) for a in ACTIONS]
    assert {models.TIME_KEY, *ACTIONS} == set(ENTRY_KEYS)
    for entry, action in zip(models.ENTRIES, ACTIONS, strict=True):
        action_model = entry.model_fields[action].annotation
        assert isinstance(action_model, type) and tuple(action_model.model_fields) == ACTION_KEYS[action]
    assert set(models._FIELDS) == {models.TIME_KEY, *(k for keys in ACTION_KEYS.values() for k in keys)}


@pytest.mark.parametrize("body", [{}, {name: None for name in SOURCES}, {"script_url": "u", "scripts": []}])
def test_a_request_needs_exactly_one_source(body: dict[str, object]) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="exactly one of `script`, `scripts` and `script_url` is required"):
        models.SimulationRequest.model_validate(body)


def test_the_models_make_the_shipped_schema() -> None:
    assert models.render_schema() == schema_text()


def test_ody_schema_prints_the_shipped_file_without_pydantic() -> None:
    blocked = ("import sys; sys.modules['pydantic'] = None; sys.argv = ['ody', 'schema']\n"
               "from odyssey_dsl.cli import run\nrun()")
    done = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True, encoding="utf-8",
                          timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert done.stdout == schema_text()
