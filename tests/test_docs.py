"""The documentation's examples are compiled, so the docs cannot drift from the compiler.

docs/diagnostics.md: one `## ODYnnn — summary` section per code in CODES, opening with the
  rule's name (`**Name:** `short-gap``), then its severity and its fixes' safety. In a section,
  ```ody        a screenplay that must produce the section's code (and no other code, but
                those named after the fence's language: ```ody ODY201);
  ```ody-bytes  the same, where `<0xNN>` stands for one raw byte (for ODY006);
  ```ody-ok     a corrected screenplay: no errors, and not the section's code;
  ```json       a JSON script that `ody check` must report with the section's code;
  ```json-ok    a JSON script that `ody check` accepts.
  ```lsp        a screenplay as the editor checks and publishes it (for the codes only the
                language server gives), with `setting=value` words after the fence's language:
                `max-bytes=N` (the setting), `shown=N` (what is published, for `publish.SHOWN`).
docs/language.md: every ```ody block compiles without errors; an ```ody-error block is an
intentional mistake and must produce at least one error (```ody-error ODY004: exactly the
codes listed, nothing else). Its table of times is checked too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from odyssey_dsl import CODES, compile_text
from odyssey_dsl.times import TimeError, parse_time

ROOT = Path(__file__).resolve().parent.parent
DIAGNOSTICS = ROOT / "docs" / "diagnostics.md"
LANGUAGE = ROOT / "docs" / "language.md"

_FENCE = re.compile(r"^```([\w-]+)([^\n]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_HEADING = re.compile(r"^## (ODY\d{3}) — (.+)$", re.MULTILINE)


def _sections() -> dict[str, tuple[str, str]]:
    """code → (heading summary, section text)."""
    text = DIAGNOSTICS.read_text(encoding="utf-8")
    found = list(_HEADING.finditer(text))
    sections: dict[str, tuple[str, str]] = {}
    for match, after in zip(found, [*found[1:], None]):
        assert match.group(1) not in sections, f"two sections for {match.group(1)}"
        end = after.start() if after is not None else len(text)
        sections[match.group(1)] = (match.group(2).strip(), text[match.end():end])
    return sections


SECTIONS = _sections()
BLOCKS = [
    pytest.param(code, kind, info.split(), body, id=f"{code}-{kind}-{n}")
    for code, (_, section) in SECTIONS.items()
    for n, (kind, info, body) in enumerate(_FENCE.findall(section))
]


def _bytes(body: str) -> bytes:
    """An `ody-bytes` block: UTF-8 text in which `<0xNN>` is one raw byte."""
    parts = re.split(r"<0x([0-9a-fA-F]{2})>", body)
    return b"".join(bytes([int(p, 16)]) if i % 2 else p.encode("utf-8") for i, p in enumerate(parts))


def _codes(kind: str, body: str, tmp_path: Path, options: dict[str, int]) -> list[tuple[str, bool]]:
    """(code, is_error) of every diagnostic the block produces."""
    if kind == "lsp":
        from odyssey_dsl.config import Settings
        from odyssey_dsl.lsp.document import LiveDocument
        from odyssey_dsl.lsp.publish import SHOWN, shown

        live = LiveDocument(body, tmp_path / "example.ody", Settings(max_bytes=options.get("max-bytes", 1 << 26)))
        found = shown(live.diagnostics, limit=options.get("shown", SHOWN))
    elif kind.startswith("json"):
        from odyssey_dsl.jsoncheck import check_json

        found = check_json(body.encode("utf-8"), base_dir=tmp_path, ignore=frozenset()).diagnostics
    else:
        source: str | bytes = _bytes(body) if kind == "ody-bytes" else body
        found = compile_text(source, path=tmp_path / "example.ody").diagnostics
    return [(d.code, d.is_error) for d in found]


def test_every_code_has_a_section_and_every_section_a_code() -> None:
    assert sorted(SECTIONS) == sorted(CODES)
    headings = re.findall(r"^## .*ODY.*$", DIAGNOSTICS.read_text(encoding="utf-8"), re.MULTILINE)
    assert len(headings) == len(SECTIONS), "a heading is not written `## ODYnnn — summary`"


def test_each_descriptor_links_to_its_section() -> None:
    """`Descriptor.doc` is GitHub's anchor for the heading: lower case, punctuation dropped."""
    text = DIAGNOSTICS.read_text(encoding="utf-8")
    for code, descriptor in CODES.items():
        heading = next(m.group(0)[3:] for m in _HEADING.finditer(text) if m.group(1) == code)
        anchor = "".join(c for c in heading.lower() if c.isalnum() or c in "- ").replace(" ", "-")
        assert descriptor.doc == f"docs/diagnostics.md#{anchor}"


@pytest.mark.parametrize("code", sorted(SECTIONS))
def test_section_heading_severity_and_content(code: str) -> None:
    summary, section = SECTIONS[code]
    assert summary == CODES[code].summary
    assert section.lstrip().startswith(f"**Name:** `{CODES[code].name}`\n"), f"{code}: the name comes first"
    assert re.search(rf"^\*\*Severity:\*\* {CODES[code].severity.value}\b", section, re.MULTILINE)
    assert re.search(rf"^\*\*Fix:\*\* {CODES[code].fix.value}\b", section, re.MULTILINE), f"{code}: fix safety"
    for part in ("**When:**", "**Why it matters:**", "**How to fix it:**"):
        assert part in section, f"{code} lacks {part}"
    kinds = [kind for kind, _, _ in _FENCE.findall(section)]
    assert {"ody", "ody-bytes", "json", "lsp"} & set(kinds), f"{code} has no example that triggers it"


@pytest.mark.parametrize(("code", "kind", "also", "body"), BLOCKS)
def test_section_example(code: str, kind: str, also: list[str], body: str, tmp_path: Path) -> None:
    assert kind in ("ody", "ody-bytes", "ody-ok", "json", "json-ok", "lsp"), f"unknown fence `{kind}`"
    options = {key: int(value) for key, _, value in (word.partition("=") for word in also if "=" in word)}
    also = [word for word in also if "=" not in word]
    found = _codes(kind, body, tmp_path, options)
    if kind.endswith("-ok"):
        assert not any(is_error for _, is_error in found), found
        assert code not in {c for c, _ in found}
    else:
        # One mistake, one kind of diagnostic: the example shows this code and nothing else,
        # except the codes its fence names (```ody ODY201: this code and ODY201).
        assert found and {c for c, _ in found} == {code, *also}, found


# --- docs/language.md ----------------------------------------------------------------------

LANGUAGE_BLOCKS = [
    pytest.param(kind, info.split(), body, id=f"{kind}-{n}")
    for n, (kind, info, body) in enumerate(_FENCE.findall(LANGUAGE.read_text(encoding="utf-8")))
    if kind in ("ody", "ody-error")
]


def test_language_reference_has_examples() -> None:
    assert len(LANGUAGE_BLOCKS) >= 8


@pytest.mark.parametrize(("kind", "codes", "body"), LANGUAGE_BLOCKS)
def test_language_example(kind: str, codes: list[str], body: str) -> None:
    # Compiled as if it sat in examples/, so `image "paper-boat.png"` and `include "look.ody"` find the real files.
    result = compile_text(body, path=ROOT / "examples" / "from-the-docs.ody")
    errors = [(d.code, d.span.line, d.message) for d in result.diagnostics if d.is_error]
    if kind == "ody":
        assert errors == []
    else:
        assert errors, "an ody-error block must show a mistake"
    if codes:  # ```ody-error ODY004: exactly these codes, no follow-on diagnostics
        assert sorted({d.code for d in result.diagnostics}) == sorted(codes)


_TIME_ROW = re.compile(r"^\| `@([^`]+)` \| ([^|]+?) \|", re.MULTILINE)


def test_table_of_times_is_right() -> None:
    """Rows `| `@<time>` | <milliseconds, or "error"> | ...` say what the compiler does."""
    rows = _TIME_ROW.findall(LANGUAGE.read_text(encoding="utf-8"))
    assert len(rows) >= 15
    for written, value in rows:
        parsed = parse_time(written)
        if value.strip().startswith("error"):
            assert isinstance(parsed, TimeError), written
        else:
            relative = written.startswith("+")
            assert parsed == (relative, int(value.strip().lstrip("+").replace(",", ""))), written
