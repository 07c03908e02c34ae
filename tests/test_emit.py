"""The canonical JSON (odyssey_dsl.emit): byte for byte what `json.dumps(indent=2,
ensure_ascii=False)` writes, for scripts, batches and request bodies, and what the compiler
produces from a screenplay."""

from __future__ import annotations

import json

from conftest import compile_ody
from hypothesis import given
from hypothesis import strategies as st

from odyssey_dsl.emit import Entry, request_json, script_json

# Prompts with everything JSON must escape or keep: quotes, backslashes, control characters,
# line separators, non-ASCII and astral characters.
PROMPT = st.text(
    st.one_of(
        st.characters(blacklist_categories=["Cs"]),
        st.sampled_from(['"', "\\", "\n", "\r", "\t", "\x00", "\x1f", "\x7f", "\u2028", "é", "😀", "/"]),
    ),
    max_size=30,
)
IMAGE = st.one_of(st.none(), PROMPT, st.just("data:image/png;base64,iVBORw0KGgo="))
TIMESTAMP = st.integers(min_value=0, max_value=2**53 - 1)


@st.composite
def entries(draw: st.DrawFn) -> Entry:
    action = draw(st.sampled_from(["start", "interact", "end"]))
    ms = draw(TIMESTAMP)
    if action == "end":
        return Entry(ms, "end")
    image = draw(IMAGE) if action == "start" else None
    return Entry(ms, action, draw(PROMPT), image)


SCRIPT = st.lists(entries(), min_size=1, max_size=6)


def as_value(script: list[Entry]) -> list[dict[str, object]]:
    """An entry as a plain dict, built independently of Entry.to_json."""
    out: list[dict[str, object]] = []
    for e in script:
        body: dict[str, object] = {}
        if e.prompt is not None:
            body["prompt"] = e.prompt
        if e.image is not None:
            body["image"] = e.image
        out.append({"timestamp_ms": e.timestamp_ms, e.action: body})
    return out


def canonical(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


@given(SCRIPT)
def test_script_json_is_json_dumps(script: list[Entry]) -> None:
    assert script_json([script], batch=False) == canonical(as_value(script))


@given(st.lists(st.lists(entries(), max_size=4), max_size=4))
def test_batch_json_is_json_dumps(scripts: list[list[Entry]]) -> None:
    assert script_json(scripts, batch=True) == canonical([as_value(s) for s in scripts])


@given(SCRIPT, st.booleans(), st.booleans())
def test_request_json_is_json_dumps(script: list[Entry], portrait: bool, expansion: bool) -> None:
    body: dict[str, object] = {"script": as_value(script), "portrait": portrait, "output_video": True}
    if not expansion:
        body["bypass_vlm_expansion"] = True
    text = request_json([script], False, portrait, expansion)
    assert text == canonical(body)
    assert list(json.loads(text)) == list(body)


@given(st.lists(SCRIPT, min_size=1, max_size=3), st.booleans(), st.booleans())
def test_batch_request_json_is_json_dumps(scripts: list[list[Entry]], portrait: bool, expansion: bool) -> None:
    body: dict[str, object] = {"scripts": [as_value(s) for s in scripts], "portrait": portrait, "output_video": True}
    if not expansion:
        body["bypass_vlm_expansion"] = True
    assert request_json(scripts, True, portrait, expansion) == canonical(body)


def test_entry_to_json_key_order() -> None:
    assert list(Entry(5, "start", "p", "i").to_json()) == ["timestamp_ms", "start"]
    body = Entry(5, "start", "p", "i").to_json()["start"]
    assert isinstance(body, dict) and list(body) == ["prompt", "image"]
    assert Entry(9, "end").to_json() == {"timestamp_ms": 9, "end": {}}


def test_exact_text_of_a_small_script() -> None:
    text = script_json([[Entry(0, "start", 'a "cat" é', "x.png"), Entry(3000, "end")]], batch=False)
    assert text == (
        "[\n"
        "  {\n"
        '    "timestamp_ms": 0,\n'
        '    "start": {\n'
        '      "prompt": "a \\"cat\\" é",\n'
        '      "image": "x.png"\n'
        "    }\n"
        "  },\n"
        "  {\n"
        '    "timestamp_ms": 3000,\n'
        '    "end": {}\n'
        "  }\n"
        "]\n"
    )


# --- from a screenplay ------------------------------------------------------------------------


def test_compiled_screenplay_json() -> None:
    result = compile_ody(
        'title "T"\norientation landscape\nprompt-expansion off\n'
        '@0 start """a cat\n  on a sill"""\n@1m30s interact "it\\tjumps \\u00e9"\n@+3s end\n'
    )
    assert result.diagnostics == ()
    expected = [
        {"timestamp_ms": 0, "start": {"prompt": "a cat on a sill"}},
        {"timestamp_ms": 90_000, "interact": {"prompt": "it\tjumps é"}},
        {"timestamp_ms": 93_000, "end": {}},
    ]
    assert result.script_json() == canonical(expected)
    assert result.request_json() == canonical(
        {"script": expected, "portrait": False, "output_video": True, "bypass_vlm_expansion": True}
    )


def test_compiled_defaults_are_portrait_with_expansion() -> None:
    result = compile_ody('@0 start "a"\n@3s end')
    assert json.loads(result.request_json()) == {
        "script": [{"timestamp_ms": 0, "start": {"prompt": "a"}}, {"timestamp_ms": 3000, "end": {}}],
        "portrait": True,
        "output_video": True,
    }


def test_compiled_batch_request() -> None:
    result = compile_ody('scene "A"\n@0 start "a"\n@3s end\nscene "B"\n@0 start "b"\n@4s end')
    body = json.loads(result.request_json())
    assert list(body) == ["scripts", "portrait", "output_video"]
    assert [[e["timestamp_ms"] for e in s] for s in body["scripts"]] == [[0, 3000], [0, 4000]]
    assert result.script_json() == canonical(body["scripts"])
