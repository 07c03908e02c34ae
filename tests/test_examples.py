"""Golden tests for the screenplays in examples/: each compiles cleanly, byte for byte.

The golden files hold exactly what `ody compile examples/<stem>.ody` prints. To refresh one
after a deliberate change of output, run that command into tests/golden/<stem>.json and
read the diff before committing it. A library file (header lines only, for `include`) has
nothing to compile, so no golden file: it is linted, and some screenplay includes it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from odyssey_dsl import compile_path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOLDEN = ROOT / "tests" / "golden"
LIBRARIES = sorted(p for p in EXAMPLES.glob("*.ody") if compile_path(p).library)
SCREENPLAYS = sorted(set(EXAMPLES.glob("*.ody")) - set(LIBRARIES))
IDS = [p.stem for p in SCREENPLAYS]


def _ody_executable() -> str | None:
    """The `ody` console script of the environment running the tests."""
    beside = Path(sys.executable).with_name("ody.exe" if os.name == "nt" else "ody")
    return str(beside) if beside.is_file() else shutil.which("ody")


def ody(*args: str) -> subprocess.CompletedProcess[bytes]:
    """Run the real command line, as a writer would (from the repository's root)."""
    exe = _ody_executable()
    if exe is None:
        pytest.skip("the `ody` command is not installed in this environment")
    return subprocess.run([exe, *args], cwd=ROOT, capture_output=True, timeout=120)


def _directive(path: Path, name: str) -> str | None:
    """The value of a directive as written at the top of the file or of a file it includes
    (None when absent)."""
    text = path.read_text(encoding="utf-8")
    match = re.search(rf"^{name}[ \t]+(\S+)", text, re.MULTILINE)
    if match:
        return match.group(1)
    included = (_directive(path.parent / inner, name) for inner in re.findall(r'^include[ \t]+"([^"]+)"', text, re.MULTILINE))
    return next((value for value in included if value is not None), None)


def _has_scenes(path: Path) -> bool:
    return re.search(r'^scene[ \t]+"', path.read_text(encoding="utf-8"), re.MULTILINE) is not None


def _batch(path: Path) -> bool:
    """Whether it compiles to several scripts (scenes, or variants): the API's `scripts`."""
    return compile_path(path).batch


def test_there_are_enough_examples() -> None:
    assert len(SCREENPLAYS) >= 6
    assert (EXAMPLES / "window-cat.ody") in SCREENPLAYS
    assert any(_has_scenes(p) for p in SCREENPLAYS), "one example must use scenes"
    assert any('image "' in p.read_text(encoding="utf-8") for p in SCREENPLAYS), "one example must embed an image"
    assert any(n.variant for p in SCREENPLAYS for n in compile_path(p).names or ()), "one example must use variants"
    assert LIBRARIES, "one example must be a library another includes"


@pytest.mark.parametrize("library", LIBRARIES, ids=[p.stem for p in LIBRARIES])
def test_every_library_is_included_by_a_screenplay(library: Path) -> None:
    includes = f'include "{library.name}"'
    assert any(includes in p.read_text(encoding="utf-8") for p in SCREENPLAYS)


def test_every_example_has_a_golden_file_and_no_golden_file_is_orphaned() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == IDS


@pytest.mark.parametrize("path", SCREENPLAYS, ids=IDS)
def test_compiles_without_any_diagnostic(path: Path) -> None:
    result = compile_path(path)
    assert [(d.code, d.span.line, d.message) for d in result.diagnostics] == []
    assert result.ok


@pytest.mark.parametrize("path", SCREENPLAYS, ids=IDS)
def test_compile_output_matches_the_golden_file(path: Path) -> None:
    run = ody("compile", str(path.relative_to(ROOT)))
    assert run.returncode == 0, run.stderr.decode("utf-8", "replace")
    assert run.stderr == b""
    assert run.stdout == (GOLDEN / f"{path.stem}.json").read_bytes()


@pytest.mark.parametrize("path", SCREENPLAYS, ids=IDS)
def test_the_api_gives_the_same_bytes_as_the_command(path: Path) -> None:
    assert compile_path(path).script_json().encode("utf-8") == (GOLDEN / f"{path.stem}.json").read_bytes()


@pytest.mark.parametrize("path", SCREENPLAYS, ids=IDS)
def test_golden_file_is_the_canonical_json(path: Path) -> None:
    """indent=2, keys in API order, UTF-8 kept, one final newline; times whole milliseconds."""
    text = (GOLDEN / f"{path.stem}.json").read_text(encoding="utf-8")
    value = json.loads(text)
    assert text == json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    scripts = value if _batch(path) else [value]
    for script in scripts:
        assert script[0]["timestamp_ms"] == 0 and list(script[0]) == ["timestamp_ms", "start"]
        assert list(script[-1]) == ["timestamp_ms", "end"] and script[-1]["end"] == {}
        times = [entry["timestamp_ms"] for entry in script]
        assert all(isinstance(t, int) for t in times) and times == sorted(set(times))
        for entry in script:
            body = next(v for k, v in entry.items() if k != "timestamp_ms")
            assert list(body) in ([], ["prompt"], ["prompt", "image"])


@pytest.mark.parametrize("path", SCREENPLAYS, ids=IDS)
def test_output_validates_against_the_published_schema(path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from odyssey_dsl.models import schema_text

    schema = json.loads(schema_text())
    jsonschema.validate(json.loads((GOLDEN / f"{path.stem}.json").read_bytes()), schema)
    jsonschema.validate(json.loads(compile_path(path).request_json()), schema)


@pytest.mark.parametrize("path", SCREENPLAYS, ids=IDS)
def test_request_body(path: Path) -> None:
    run = ody("compile", "--request", str(path.relative_to(ROOT)))
    assert run.returncode == 0, run.stderr.decode("utf-8", "replace")
    body = json.loads(run.stdout)
    key = "scripts" if _batch(path) else "script"
    expected = ["portrait", "output_video"]
    if _directive(path, "prompt-expansion") == "off":
        expected.append("bypass_vlm_expansion")
        assert body["bypass_vlm_expansion"] is True
    assert list(body) == [key, *expected]
    assert body[key] == json.loads((GOLDEN / f"{path.stem}.json").read_bytes())
    assert body["portrait"] is (_directive(path, "orientation") != "landscape")
    assert body["output_video"] is True


@pytest.mark.parametrize("path", SCREENPLAYS, ids=IDS)
def test_lint_exits_0_and_reports_nothing(path: Path) -> None:
    run = ody("lint", "--format", "json", str(path.relative_to(ROOT)))
    assert run.returncode == 0, run.stdout.decode("utf-8", "replace")
    assert json.loads(run.stdout) == []


def test_lint_of_the_whole_folder_exits_0() -> None:
    run = ody("lint", "--strict", "examples")
    assert run.returncode == 0, run.stdout.decode("utf-8", "replace")


def test_image_is_embedded_as_a_data_url_of_the_file_bytes() -> None:
    import base64

    [path] = [p for p in SCREENPLAYS if 'image "' in p.read_text(encoding="utf-8")][:1]
    found = re.search(r'image "([^"]+)"', path.read_text(encoding="utf-8"))
    assert found is not None, path
    written = found.group(1)
    image = json.loads((GOLDEN / f"{path.stem}.json").read_bytes())[0]["start"]["image"]
    header, payload = image.split(",", 1)
    assert header == "data:image/png;base64"
    assert base64.b64decode(payload, validate=True) == (path.parent / written).read_bytes()

    kept = ody("compile", "--no-embed-images", str(path.relative_to(ROOT)))
    assert kept.returncode == 0
    assert json.loads(kept.stdout)[0]["start"]["image"] == written


def test_example_image_is_small() -> None:
    for image in EXAMPLES.glob("*.png"):
        assert image.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        assert image.stat().st_size < 8 * 1024


@pytest.mark.parametrize(
    "path", [p for p in SCREENPLAYS if "# ody: ignore[" in p.read_text(encoding="utf-8")],
    ids=lambda p: p.stem,
)
def test_suppression_comments_in_examples_do_real_work(path: Path) -> None:
    """Without its `# ody: ignore[...]` comments, the example shows the warnings they silence."""
    from odyssey_dsl import compile_text

    text = path.read_text(encoding="utf-8")
    named = set(re.findall(r"# ody: ignore\[(ODY\d{3})\]", text))
    bare = re.sub(r"[ \t]*# ody: ignore\[[^\]]*\]", "", text)
    found = {d.code for d in compile_text(bare, path=path).diagnostics}
    assert named and named <= found


@pytest.mark.parametrize("path", SCREENPLAYS, ids=IDS)
def test_compiled_output_passes_the_json_check(path: Path) -> None:
    """`ody check` judges JSON by the same rules: the compiler's output has no error.

    (Warnings may appear: a JSON script carries no `min-gap` directive, so canyon-drone's
    deliberate 2-second gaps are measured against the default 3s.)
    """
    from odyssey_dsl.jsoncheck import check_json

    for text in ((GOLDEN / f"{path.stem}.json").read_bytes(), compile_path(path).request_json().encode("utf-8")):
        result = check_json(text, base_dir=EXAMPLES, ignore=frozenset())
        assert [d for d in result.diagnostics if d.is_error] == []
