"""The registry: a rule registered once is run by every driver (`ody lint`, `ody check` on JSON,
the editor's LiveDocument), none of which names it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from conftest import diags

from odyssey_dsl import Settings, Span
from odyssey_dsl.diagnostics import SHORT_GAP, Diagnostic
from odyssey_dsl.jsoncheck import check_json
from odyssey_dsl.lsp.document import LiveDocument
from odyssey_dsl.rules.registry import CueStep, on_cue


def _shouting(step: CueStep) -> Iterator[Diagnostic]:
    """A throwaway rule: a prompt in capitals (reported under an existing warning's code)."""
    prompt = step.cue.prompt
    if prompt is not None and prompt.value is not None and prompt.value.isupper():
        yield SHORT_GAP.at(prompt.span, "shouting")


def test_a_rule_registered_once_runs_in_every_driver(tmp_path: Path) -> None:
    text = '@0 start "CAT"\n@3s end\n'
    script = b'[{"timestamp_ms": 0, "start": {"prompt": "CAT"}}, {"timestamp_ms": 3000, "end": {}}]'
    assert diags(text) == [] and check_json(script, tmp_path).diagnostics == ()
    on_cue(_shouting)
    try:
        found = diags(text)
        assert [(d.message, d.span) for d in found] == [("shouting", Span(1, 10, 1, 15))]
        assert LiveDocument(text, None, Settings()).diagnostics == tuple(found)
        live = LiveDocument(text.replace("CAT", "cat"), None, Settings())
        live.edit((0, 10), (0, 13), "CAT")
        assert live.diagnostics == tuple(found)
        assert [(d.message, d.span) for d in check_json(script, tmp_path).diagnostics] == [
            ("shouting", Span(1, 42, 1, 47))]
    finally:
        on_cue.rules.remove(_shouting)
    assert diags(text) == []
