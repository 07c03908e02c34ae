"""Pydantic models of what the compiler emits and the API takes: script entries, scripts,
batches and the `POST /simulation-jobs` request body.

They are the single source of the published JSON Schema (`ody schema`, shipped as
`script.schema.json`; a test keeps the two equal) and will validate requests in the emulator
and the runner. The compiler itself never imports pydantic: it writes JSON directly.
"""

from __future__ import annotations

import json
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

from .emit import schema_text

_STRICT = ConfigDict(extra="forbid", strict=True)
Milliseconds = Annotated[int, Field(ge=0, description="Time from the start of the video, in milliseconds.")]
Prompt = Annotated[str, Field(min_length=1, pattern=r"\S", description="What happens, in words (not blank).")]


class StartAction(BaseModel):
    model_config = _STRICT
    prompt: Prompt
    image: str | None = Field(
        default=None,
        description="Opening image as a data URL `data:image/<type>;base64,...` (or a path for SDK users).",
    )


class InteractAction(BaseModel):
    model_config = _STRICT
    prompt: Prompt


class EndAction(BaseModel):
    model_config = _STRICT


class StartEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, title="start")
    timestamp_ms: Milliseconds
    start: StartAction


class InteractEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, title="interact")
    timestamp_ms: Milliseconds
    interact: InteractAction


class EndEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, title="end")
    timestamp_ms: Milliseconds
    end: EndAction


Entry = Union[StartEntry, InteractEntry, EndEntry]
ScriptList = Annotated[list[Entry], Field(min_length=1, description="Entries in time order, `start` at 0 first, `end` last.")]


class Script(RootModel[ScriptList]):
    """One script: what `ody compile` writes for a file without scenes."""


class Batch(RootModel[Annotated[list[ScriptList], Field(min_length=1)]]):
    """Several scripts run in parallel (batch mode): one per `scene`."""


class SimulationRequest(BaseModel):
    """The body of `POST /simulation-jobs` (`ody compile --request`)."""

    model_config = ConfigDict(
        extra="forbid", strict=True,
        json_schema_extra={"oneOf": [{"required": [name]} for name in ("script", "scripts", "script_url")]},
    )
    script: ScriptList | None = None
    scripts: list[ScriptList] | None = None
    script_url: str | None = None
    portrait: bool = True
    output_video: Literal[True] = True
    bypass_vlm_expansion: bool = False

    @model_validator(mode="after")
    def _one_source(self) -> SimulationRequest:
        """Exactly one of `script`, `scripts` and `script_url`, as the API requires."""
        given = [n for n in ("script", "scripts", "script_url") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError("exactly one of `script`, `scripts` and `script_url` is required")
        return self


class CompilerOutput(RootModel[Union[Script, Batch, SimulationRequest]]):
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


__all__ = ["Batch", "CompilerOutput", "Script", "SimulationRequest", "build_schema", "render_schema", "schema_text"]
