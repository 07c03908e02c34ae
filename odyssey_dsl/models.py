"""Pydantic models of what the compiler emits and the API takes: script entries, scripts,
batches and the `POST /simulation-jobs` request body.

They are the single source of the published JSON Schema (`ody schema`, shipped as
`script.schema.json`; a test keeps the two equal) and validate requests in the emulator. The
compiler itself never imports pydantic: it writes JSON directly, and `ody schema` prints the
shipped file. Only the emulator and the tests import this module.

Which keys exist, and where, is `odyssey_dsl.api.request`'s to say: the models are built from
its tables, and this module only gives each key its type (`_FIELDS`). A key added to a table
without a type here fails at import.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, RootModel, create_model, model_validator

from .api import ACTION_KEYS, ACTIONS, ENTRY_KEYS, REQUEST_KEYS, SOURCES
from .emit import schema_text

_STRICT = ConfigDict(extra="forbid", strict=True)
Milliseconds = Annotated[int, Field(ge=0, description="Time from the start of the video, in milliseconds.")]
Prompt = Annotated[str, Field(min_length=1, pattern=r"\S", description="What happens, in words (not blank).")]
(TIME_KEY,) = (key for key in ENTRY_KEYS if key not in ACTIONS)

# The type of every key an action may hold, and of the entry's time.
_FIELDS: dict[str, Any] = {  # (type, default) for create_model
    TIME_KEY: (Milliseconds, ...),
    "prompt": (Prompt, ...),
    "image": (str | None, Field(
        default=None,
        description="Opening image as a data URL `data:image/<type>;base64,...` (or a path for SDK users).",
    )),
}


def _action(name: str) -> type[BaseModel]:
    """`StartAction` and its kin: the keys ACTION_KEYS gives the action."""
    fields: dict[str, Any] = {key: _FIELDS[key] for key in ACTION_KEYS[name]}
    return create_model(f"{name.title()}Action", __config__=_STRICT, **fields)


def _entry(name: str) -> type[BaseModel]:
    """`StartEntry` and its kin: a time and one action (titled with the action's name)."""
    fields: dict[str, Any] = {TIME_KEY: _FIELDS[TIME_KEY], name: (_action(name), ...)}
    return create_model(f"{name.title()}Entry", __config__=ConfigDict(extra="forbid", strict=True, title=name),
                        **fields)


ENTRIES: tuple[type[BaseModel], ...] = tuple(_entry(name) for name in ACTIONS)

if TYPE_CHECKING:
    Entry = BaseModel
else:
    Entry = Union[ENTRIES]  # noqa: UP007  # built from a tuple at run time: `|` cannot take one
ScriptList = Annotated[list[Entry], Field(min_length=1, description="Entries in time order, `start` at 0 first, `end` last.")]


class Script(RootModel[ScriptList]):
    """One script: what `ody compile` writes for a file without scenes."""


class Batch(RootModel[Annotated[list[ScriptList], Field(min_length=1)]]):
    """Several scripts run in parallel (batch mode): one per `scene`."""


class _Request(BaseModel):
    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"oneOf": [{"required": [name]} for name in SOURCES]},
    )

    @model_validator(mode="after")
    def _one_source(self) -> _Request:
        """Exactly one of `script`, `scripts` and `script_url`, as the API requires."""
        given = [name for name in SOURCES if getattr(self, name) is not None]
        if len(given) != 1:
            *names, last = (f"`{name}`" for name in SOURCES)
            raise ValueError(f"exactly one of {', '.join(names)} and {last} is required")
        return self


_REQUEST_FIELDS: dict[str, Any] = {  # (type, default) for create_model
    "script": (ScriptList | None, None),
    "scripts": (list[ScriptList] | None, None),
    "script_url": (str | None, None),
    "portrait": (bool, True),
    "output_video": (Literal[True], True),
    "bypass_vlm_expansion": (bool, False),
}

SimulationRequest: type[BaseModel] = create_model(
    "SimulationRequest", __base__=_Request, __doc__="The body of `POST /simulation-jobs` (`ody compile --request`).",
    **{key: _REQUEST_FIELDS[key] for key in REQUEST_KEYS})  # REQUEST_KEYS' order is the schema's

if TYPE_CHECKING:
    _AnyRequest = BaseModel
else:
    _AnyRequest = SimulationRequest


class CompilerOutput(RootModel[Script | Batch | _AnyRequest]):
    """Anything `ody compile` writes: a script, a batch of scripts, or a request body."""


def build_schema() -> dict[str, object]:
    """The JSON Schema generated from the models (what `script.schema.json` must contain)."""
    schema = CompilerOutput.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Odyssey Simulate script (odyssey-dsl output)"
    return schema


def render_schema() -> str:
    """`build_schema` as the shipped file's text."""
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


__all__ = ["ENTRIES", "Batch", "CompilerOutput", "Script", "SimulationRequest", "build_schema", "render_schema",
           "schema_text"]
