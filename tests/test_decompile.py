"""`ody decompile` (issue 3): any script a person already has becomes a .ody file that compiles
back to the same bytes.

Property 1 of the issue is proven here with generated scripts, batches and request bodies in
the canonical form (byte for byte) and in other spellings (prompts with braces and `|` among
them: a script's braces are text, which decompile writes `{{`/`}}`): other key orders, `"image": null`,
other whitespace, defaults left out, Python literals (equal up to the defaults). Golden files in
`decompile_golden/` pin the layout of typical conversions; the other tests pin the errors, the
image files and the command line.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import NOWHERE, data_url, png_bytes
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from odyssey_dsl import compile_text, parse
from odyssey_dsl.decompile import DecompileError, ImageFiles, Screenplay, decompile, load
from odyssey_dsl.emit import Entry, request_json, script_json
from odyssey_dsl.syntax import Comment, Cue
from odyssey_dsl.times import MAX_MS

GOLDEN = Path(__file__).parent / "decompile_golden"
ODY = shutil.which("ody", path=str(Path(sys.executable).parent)) or "ody"
# Hypothesis runs as many examples as the profile says (conftest: 200, nightly 5,000).
PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00"
       b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")  # a real 1x1 GIF


def bmp_bytes() -> bytes:
    """A real 1x1 24-bit BMP: file header, BITMAPINFOHEADER, one padded row."""
    info = struct.pack("<IiiHHIIiiII", 40, 1, 1, 1, 24, 0, 4, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 58, 0, 0, 54) + info + b"\x00\x00\xff\x00"


# --- the generated screenplays ----------------------------------------------------------------

# Braces and `|` are text in a script: what a template would read as a name, a variant group,
# a doubled brace or a brace problem must come back as the same text.
BRACES = st.sampled_from(["{hero}", "{a|b}", "{|}", "{{", "}}", "{", "}", "{}", "a|b", "{ hero }", "{{x}}", "{a{b}"])
WORDY = st.lists(st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=12)
                 | st.sampled_from(["", " ", "\t", "\n", '"', "\\", "\\n"]) | BRACES, min_size=8, max_size=40).map(" ".join)
PROMPTS = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), min_size=1),
    st.lists(st.text(max_size=3) | BRACES, min_size=1, max_size=5).map("".join),
    WORDY,  # long enough to be folded into a """ string by the formatter
    st.sampled_from(['say "hi"', "back\\slash", "two\nlines", "\ttab", "  lead", "a  b", "\x00\x7f\x85",
                     "x\u2028\u2029", "😀 e\u0301", '"""', "# not a comment", "trail ", "{hero} {a|b} {{"]),
).filter(lambda p: p.strip())
IMAGES = st.one_of(
    st.builds(png_bytes, st.integers(1, 4), st.integers(1, 4)).map(lambda b: data_url("image/png", b)),
    st.just(data_url("image/gif", GIF)),
    st.just(data_url("image/bmp", bmp_bytes())),
)
GAPS = st.one_of(st.integers(1, 20_000), st.integers(1, 10**8), st.integers(1, MAX_MS))


@st.composite
def scripts(draw: st.DrawFn) -> list[Entry]:
    """A valid script: `start` at 0 (maybe with an image), interacts, `end` last, times rising."""
    times = sorted(draw(st.lists(GAPS, min_size=1, max_size=6, unique=True)))
    image = draw(st.none() | IMAGES)
    entries = [Entry(0, "start", draw(PROMPTS), image)]
    entries += [Entry(t, "interact", draw(PROMPTS)) for t in times[:-1]]
    return [*entries, Entry(times[-1], "end")]


@st.composite
def screenplays(draw: st.DrawFn) -> Screenplay:
    batch, request = draw(st.booleans()), draw(st.booleans())
    found = draw(st.lists(scripts(), min_size=1, max_size=3)) if batch else [draw(scripts())]
    return Screenplay(found, batch, request, draw(st.booleans()) if request else True,
                      draw(st.booleans()) if request else True)


def canonical(play: Screenplay) -> str:
    """What `ody compile` prints for this screenplay: the canonical JSON."""
    if play.request:
        return request_json(play.scripts, play.batch, play.portrait, play.expansion)
    return script_json(play.scripts, play.batch)


def compiled(text: str, play: Screenplay, path: Path = NOWHERE) -> str:
    result = compile_text(text, path=path)
    assert result.ok, (text, [d.message for d in result.diagnostics])
    return result.request_json() if play.request else result.script_json()


# --- property 1 ---------------------------------------------------------------------------------

@PROPERTY
@given(screenplays(), st.booleans(), st.booleans())
@example(Screenplay([[Entry(0, "start", "\x85a\u2028"), Entry(MAX_MS, "end")]], False), False, False)
@example(Screenplay([[Entry(0, "start", "a", data_url("image/gif", GIF)), Entry(1, "end")]] * 2, True, True,
                    False, False), True, True)
@example(Screenplay([[Entry(0, "start", "0", data_url("image/gif", GIF)), Entry(4, "interact", "data:"),
                      Entry(5, "end")]], False), False, True)
@example(Screenplay([[Entry(0, "start", "{hero} meets {a|b} {{x}} }{"), Entry(1, "end")]], False), False, False)
def test_canonical_json_round_trips_byte_for_byte(play: Screenplay, relative: bool, extract: bool) -> None:
    source = canonical(play)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.ody"
        files = ImageFiles(Path(folder) / "images", "t", Path(folder)) if extract else None
        text = decompile(source, relative=relative, image_ref=files)
        assert compiled(text, play, path) == source
        if files is not None:  # every image these tests make compiles back: all are files now
            assert not [c for c in parse(text).statements if isinstance(c, Cue) and c.image is not None
                        and (c.image.value or "").startswith("data:")]


@PROPERTY
@given(screenplays(), st.data())
def test_other_spellings_round_trip_up_to_the_defaults(play: Screenplay, data: st.DataObject) -> None:
    value = spelled(play, data)
    if data.draw(st.booleans(), label="python"):
        source = data.draw(st.sampled_from(["", "script = ", "scripts: list = "]), label="assign") + repr(value)
    else:
        indent = data.draw(st.sampled_from([None, 0, 1, 4, "\t"]), label="indent")
        separators = data.draw(st.sampled_from([None, (",", ":"), (" , ", " : ")]), label="separators")
        source = json.dumps(value, indent=indent, separators=separators,
                            ensure_ascii=data.draw(st.booleans(), label="ascii"))
    assert json.loads(compiled(decompile(source), play)) == json.loads(canonical(play))


def spelled(play: Screenplay, data: st.DataObject) -> object:
    """The screenplay as JSON values written another way: shuffled keys, `"image": null`,
    defaults left out or written out."""
    def shuffled(pairs: dict[str, object]) -> dict[str, object]:
        return dict(data.draw(st.permutations(list(pairs.items()))))

    def entry(e: Entry) -> dict[str, object]:
        written = e.to_json()[e.action]
        assert isinstance(written, dict)
        body = dict(written)
        if e.image is None and data.draw(st.booleans()):
            body["image"] = None
        return shuffled({"timestamp_ms": e.timestamp_ms, e.action: shuffled(body)})

    written = [[entry(e) for e in s] for s in play.scripts]
    value: object = written if play.batch else written[0]
    if not play.request:
        return value
    body: dict[str, object] = {"scripts" if play.batch else "script": value}
    if not play.portrait or data.draw(st.booleans()):
        body["portrait"] = play.portrait
    if data.draw(st.booleans()):
        body["output_video"] = True
    if not play.expansion or data.draw(st.booleans()):
        body["bypass_vlm_expansion"] = not play.expansion
    return shuffled(body)


COMMENT_TEXT = st.text(st.characters(exclude_categories=["Cs", "Cc", "Zl", "Zp"]), max_size=20).map(
    lambda t: ("# " + t).rstrip())


@PROPERTY
@given(screenplays().filter(lambda p: not p.request), st.data())
def test_python_comments_carry_over_in_order(play: Screenplay, data: st.DataObject) -> None:
    lines: list[str] = []
    expected: list[str] = []

    def comments(label: str, pad: str) -> None:
        for text in data.draw(st.lists(COMMENT_TEXT, max_size=2), label=label):
            lines.append(pad + text)
            expected.append(text)

    comments("header", "")
    lines.append("scripts = [" if play.batch else "script = [")
    pad = "        " if play.batch else "    "
    for script in play.scripts:
        if play.batch:
            comments("before the scene", "    ")
            lines.append("    [")
        for e in script:
            comments("before the entry", pad)
            trailing = data.draw(st.none() | COMMENT_TEXT, label="trailing")
            lines.append(pad + repr(e.to_json()) + "," + (f"  {trailing}" if trailing else ""))
            expected += [trailing] if trailing else []
        lines += ["    ],"] if play.batch else []
    lines.append("]")
    comments("footer", "")
    text = decompile("\n".join(lines) + "\n")
    assert compiled(text, play) == canonical(play)
    assert comments_of(text) == expected


def comments_of(text: str) -> list[str]:
    """Every comment of a .ody text, full-line or trailing, in line order."""
    found = []
    for item in parse(text).items:
        comment = item if isinstance(item, Comment) else item.comment
        if comment is not None:
            found.append(comment.text.rstrip())
    return found


KEYS = st.sampled_from(["timestamp_ms", "start", "interact", "end", "prompt", "image", "script", "scripts",
                        "script_url", "portrait", "output_video", "bypass_vlm_expansion", "x"])
LEAVES = (st.none() | st.booleans() | st.integers(-5, 2**54) | st.floats() | st.text(max_size=4)
          | st.just(data_url("image/png", png_bytes())))
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
                      max_leaves=16)


@PROPERTY
@given(VALUES, st.booleans())
def test_any_value_is_converted_or_refused_never_crashes(value: object, python: bool) -> None:
    """Whatever the input, an error placed in it or a .ody file that compiles back to it."""
    source = repr(value) if python else json.dumps(value)
    try:
        play = load(source)
    except DecompileError as error:
        lines = source.splitlines() or [""]
        assert 1 <= error.diagnostic.span.line <= len(lines) and error.diagnostic.span.column >= 1
        return
    result = compile_text(decompile(source), path=NOWHERE)
    if result.ok:
        assert (result.request_json() if play.request else result.script_json()) == canonical(play)


# --- what is written -----------------------------------------------------------------------------

def words(text: str) -> list[list[str]]:
    """The words of each line: what is written, whatever the alignment."""
    return [line.split() for line in text.splitlines()]


def script(*entries: tuple[int, str, str | None]) -> str:
    return json.dumps([{"timestamp_ms": t, a: {"prompt": p} if p is not None else {}} for t, a, p in entries])


@pytest.mark.parametrize(("ms", "text"), [
    (250, "250ms"), (3000, "3s"), (1500, "1.5s"), (3250, "3.25s"), (60_000, "1m"), (90_000, "1m30s"),
    (62_250, "1m2.25s"), (3_600_000, "1h"), (3_723_500, "1h2m3.5s"), (1, "1ms"), (1001, "1.001s"),
])
def test_times_are_written_in_the_canonical_form(ms: int, text: str) -> None:
    out = decompile(script((0, "start", "a"), (ms, "end", None)))
    assert words(out) == [["@0", "start", '"a"'], [f"@{text}", "end"]]


def test_relative_times_count_from_the_previous_cue_and_never_go_back() -> None:
    out = decompile(script((0, "start", "a"), (3000, "interact", "b"), (2000, "interact", "c"), (2500, "end", None)),
                    relative=True)
    assert [line[0] for line in words(out)] == ["@0", "@+3s", "@2s", "@+500ms"]


def test_directives_only_for_what_differs_from_the_defaults() -> None:
    body = {"script": json.loads(script((0, "start", "a"), (3000, "end", None)))}
    assert "orientation" not in decompile(json.dumps({**body, "portrait": True, "bypass_vlm_expansion": False}))
    out = decompile(json.dumps({**body, "portrait": False, "bypass_vlm_expansion": True}))
    assert words(out)[:4] == [["orientation", "landscape"], ["prompt-expansion", "off"], [], ["@0", "start", '"a"']]


def test_a_script_that_breaks_the_rules_is_written_as_it_is() -> None:
    out = decompile(script((0, "start", "a"), (6000, "interact", "b"), (3000, "interact", ""), (0, "start", "c")))
    assert [line[0] for line in words(out)] == ["@0", "@6s", "@3s", "@0"]
    codes = {d.code for d in compile_text(out).diagnostics}
    assert {"ODY102", "ODY103", "ODY105", "ODY106"} <= codes


def test_image_null_means_no_image_and_an_image_elsewhere_is_kept() -> None:
    entries = [{"timestamp_ms": 0, "start": {"prompt": "a", "image": None}},
               {"timestamp_ms": 3000, "interact": {"prompt": "b", "image": "x.png"}},
               {"timestamp_ms": 6000, "end": {"image": None}}]
    out = decompile(json.dumps(entries))
    assert words(out) == [["@0", "start", '"a"'], ["@3s", "interact", '"b"', "image", '"x.png"'], ["@6s", "end"]]
    assert "ODY107" in {d.code for d in compile_text(out, path=NOWHERE).diagnostics}


def test_python_comments_are_placed_by_position() -> None:
    source = """\
# the header
scripts = [  # about the batch
    # spring
    [{'timestamp_ms': 0, 'start': {'prompt': 'a'}},  # first
     {'timestamp_ms': 3000,
      # inside the entry
      'end': {}}],
    # winter
    [{'timestamp_ms': 0, 'start': {'prompt': 'b'}}, {'timestamp_ms': 3000, 'end': {}}],  # last
]
# the footer
"""
    assert words(decompile(source)) == [
        ["#", "the", "header"], [],
        ["#", "about", "the", "batch"], ["#", "spring"], ["scene", '"scene-1"'],
        ["@0", "start", '"a"', "#", "first"], ["#", "inside", "the", "entry"], ["@3s", "end"], [],
        ["#", "winter"], ["scene", '"scene-2"'], ["@0", "start", '"b"'], ["@3s", "end", "#", "last"], [],
        ["#", "the", "footer"],
    ]


def test_scene_names_are_given_in_order_and_checked() -> None:
    batch = json.dumps([json.loads(script((0, "start", "a"), (3000, "end", None)))] * 2)
    assert 'scene "scene-1"' in decompile(batch) and 'scene "scene-2"' in decompile(batch)
    out = decompile(batch, scene_names=["the cat", 'say "hi"'])
    assert 'scene "the cat"' in out and 'scene "say \\"hi\\""' in out
    for names, words in [(["a"], "1 scene names given for a batch of 2"), (["a", "a"], "given twice"),
                         (["a", " "], "not a scene name")]:
        with pytest.raises(ValueError, match=words):
            decompile(batch, scene_names=names)
    with pytest.raises(ValueError, match="one script"):
        decompile(script((0, "start", "a")), scene_names=["a"])


def test_the_example_in_the_language_reference_is_what_decompile_writes() -> None:
    text = (Path(__file__).parent.parent / "docs" / "language.md").read_text(encoding="utf-8")
    section = text[text.index("## Converting existing scripts"):]
    python = re.search(r"^```python\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)
    ody_block = re.search(r"^```ody\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)
    assert python is not None and ody_block is not None
    assert decompile(python.group(1)) == ody_block.group(1)


# --- what cannot be written -------------------------------------------------------------------

@pytest.mark.parametrize(("source", "where", "words"), [
    ('[{"timestamp_ms": -1, "end": {}}]', (1, 19), "negative"),
    ('[{"timestamp_ms": 1.5, "end": {}}]', (1, 19), "whole number"),
    ('[{"timestamp_ms": 1e3, "end": {}}]', (1, 19), "whole number"),
    ('[{"timestamp_ms": "3000", "end": {}}]', (1, 19), "not a string"),
    (f'[{{"timestamp_ms": {2**53}, "end": {{}}}}]', (1, 19), "too large"),
    ('[{"timestamp_ms": 0, "strat": {"prompt": "a"}}]', (1, 22), "unknown key `strat`"),
    ('[{"timestamp_ms": 0, "start": {"prompt": "a", "seed": 1}}]', (1, 47), "unknown key `seed`"),
    ('[{"timestamp_ms": 0, "start": {"prompt": "a"}, "end": {}}]', (1, 48), "two actions"),
    ('[{"timestamp_ms": 0, "end": {"prompt": "a"}}]', (1, 30), "unknown key `prompt`"),
    ('[{"timestamp_ms": 0, "start": {}}]', (1, 31), "no `prompt`"),
    ('[{"timestamp_ms": 0, "start": {"prompt": 3}}]', (1, 42), "must be a string"),
    ('[{"start": {"prompt": "a"}}]', (1, 2), "no `timestamp_ms`"),
    ('[{"timestamp_ms": 0}]', (1, 2), "no action"),
    ('{"script_url": "https://x"}', (1, 2), "script_url"),
    ('{"script": [], "scripts": []}', (1, 16), "exactly one"),
    ('{"script": [], "output_video": false}', (1, 32), "always asks for the video"),
    ('{"scripts": []}', (1, 13), "empty"),
    ('{"script": [], "portrait": "yes"}', (1, 28), "true or false"),
    ('[[], {"timestamp_ms": 0, "end": {}}]', (1, 6), "in this batch"),
    ('"a cat"', (1, 1), "expected a script"),
    ('[{"a": 1, "a": 2}]', (1, 11), "appears twice"),
    ('[\n  {"timestamp_ms": 0, "start": {"prompt": "\\ud800"}}\n]', (2, 43), "lone surrogate"),
    ('[{"timestamp_ms": 0,, "end": {}}]', (1, 21), "invalid JSON"),
    ("   ", (1, 1), "empty"),
    ("[{'timestamp_ms': 0, 'start': {'prompt': 'é', 'x': 1}}]", (1, 47), "unknown key `x`"),
    ("script = [{'timestamp_ms': 0, 'start': {'prompt': PROMPT}}]", (1, 51), "never runs code"),
    ("script = [{'timestamp_ms': 0, 'start': dict(prompt='a')}]", (1, 40), "never runs code"),
    ("[{'timestamp_ms': True, 'end': {}}]", (1, 19), "a boolean"),
    ("[{'timestamp_ms': 0, 'start': {'prompt': 'a\\ud800'}}]", (1, 42), "lone surrogate"),
    ("[{'timestamp_ms': 0, 'end': {}}, {1, 2}]", (1, 34), "a Python set"),
    ("import os\nscript = []", (1, 1), "one value"),
    ("script = []\nprint(script)", (2, 1), "one value"),
    ("[{'timestamp_ms': 0 'end': {}}]", (1, 19), "neither JSON nor a Python literal"),
])
def test_what_the_language_cannot_say_is_an_error_placed_in_the_input(source: str, where: tuple[int, int],
                                                                      words: str) -> None:
    with pytest.raises(DecompileError) as caught:
        load(source)
    diagnostic = caught.value.diagnostic
    assert words in diagnostic.message
    assert (diagnostic.span.line, diagnostic.span.column) == where
    assert caught.value.source == source


def test_the_file_suffix_picks_the_reader() -> None:
    text = "[{'timestamp_ms': 0, 'end': {}}]"
    assert load(text).scripts == [[Entry(0, "end")]]
    with pytest.raises(DecompileError, match="invalid JSON"):
        load(text, name="x.json")
    with pytest.raises(DecompileError, match="Python"):
        load('[{"timestamp_ms": 0, "end": {}}] x', name="x.py")


def test_undecodable_bytes_are_reported_where_they_are() -> None:
    with pytest.raises(DecompileError) as caught:
        load(b'[\n  "\xff"]')
    assert caught.value.diagnostic.code == "ODY006" and caught.value.diagnostic.span.line == 2


# --- images -------------------------------------------------------------------------------------

def test_extracted_images_are_numbered_reused_and_never_overwrite(tmp_path: Path) -> None:
    png, gif = data_url("image/png", png_bytes()), data_url("image/gif", GIF)
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "cat-1.png").write_bytes(b"someone else's")
    (tmp_path / "img" / "cat-3.gif").write_bytes(GIF)
    files = ImageFiles(tmp_path / "img", "cat", tmp_path / "out")
    assert files(png) == "../img/cat-2.png"
    assert files(png) == "../img/cat-2.png"
    assert files(gif) == "../img/cat-3.gif"  # the same bytes were already there
    assert (tmp_path / "img" / "cat-1.png").read_bytes() == b"someone else's"
    assert (tmp_path / "img" / "cat-2.png").read_bytes() == png_bytes()


@pytest.mark.parametrize("ref", [
    data_url("image/png", png_bytes()).replace("data:image/png", "data:image/PNG"),  # not canonical
    data_url("image/gif", png_bytes()),  # declared type is not the sniffed one
    "data:image/png;base64,!!!!",
])
def test_only_images_that_compile_back_to_the_same_url_are_extracted(tmp_path: Path, ref: str) -> None:
    assert ImageFiles(tmp_path, "x", tmp_path)(ref) == ref
    assert list(tmp_path.iterdir()) == []


# --- the command line ---------------------------------------------------------------------------

def ody(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_COLOR="1")
    result = subprocess.run([ODY, *args], cwd=cwd, input=stdin, capture_output=True, env=env, timeout=60)
    return subprocess.CompletedProcess(result.args, result.returncode,
                                       result.stdout.decode("utf-8"), result.stderr.decode("utf-8"))


#: Golden conversions: input file → expected .ody, with the command-line flags.
GOLDEN_CASES = {
    "python-with-comments.py": [],
    "batch.json": ["--scene-names", "spring,winter"],
    "request.json": [],
    "relative.json": ["--relative"],
    "extract-images.json": ["--extract-images", "images"],
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden_conversions(name: str, tmp_path: Path) -> None:
    """The layout is the formatter's: after a deliberate change to it, rewrite the expected
    files with ODY_UPDATE_GOLDEN=1 and review the diff."""
    source = GOLDEN / name
    shutil.copy(source, tmp_path / name)
    (tmp_path / "out").mkdir()
    result = ody("decompile", name, "-o", "out/result.ody", *GOLDEN_CASES[name], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    expected = source.with_suffix(".ody")
    written = (tmp_path / "out" / "result.ody").read_text(encoding="utf-8")
    if os.environ.get("ODY_UPDATE_GOLDEN"):
        expected.write_text(written, encoding="utf-8")
    assert written == expected.read_text(encoding="utf-8")
    back = ody("compile", "out/result.ody", *(["--request"] if name == "request.json" else []), cwd=tmp_path)
    assert back.returncode == 0, back.stderr
    assert json.loads(back.stdout) == original(source)
    if source.suffix == ".json":  # the JSON inputs are in the canonical form: the same bytes
        assert back.stdout == source.read_text(encoding="utf-8")


def original(source: Path) -> object:
    """The value of a golden input, `"image": None` dropped as the compiler drops it."""
    text = source.read_text(encoding="utf-8")
    if source.suffix == ".json":
        return json.loads(text)
    statement = ast.parse(text).body[0]
    assert isinstance(statement, ast.Assign)
    value = ast.literal_eval(statement.value)
    return [{key: {k: v for k, v in part.items() if v is not None} if isinstance(part, dict) else part
             for key, part in entry.items()} for entry in value]


def test_extracted_images_sit_where_the_golden_file_says(tmp_path: Path) -> None:
    shutil.copy(GOLDEN / "extract-images.json", tmp_path)
    (tmp_path / "out").mkdir()
    assert ody("decompile", "extract-images.json", "-o", "out/x.ody", "--extract-images", "images",
               cwd=tmp_path).returncode == 0
    assert sorted(p.name for p in (tmp_path / "images").iterdir()) == ["x-1.png", "x-2.gif"]
    assert 'image "../images/x-1.png"' in (tmp_path / "out" / "x.ody").read_text(encoding="utf-8")
    stdout = ody("decompile", "extract-images.json", "--extract-images", "images", cwd=tmp_path).stdout
    assert 'image "images/extract-images-1.png"' in stdout  # stdout: relative to the current folder


def test_stdin_to_stdout_with_the_diagnostics_of_the_result_on_stderr(tmp_path: Path) -> None:
    result = ody("decompile", "-", "--format", "gcc", cwd=tmp_path,
                 stdin=script((0, "start", "a"), (1000, "interact", "b")).encode())
    assert result.returncode == 0
    assert words(result.stdout) == [["@0", "start", '"a"'], ["@1s", "interact", '"b"']]
    assert "<stdout>:2:1: error: this script has no `end` [ODY103]" in result.stderr
    assert "[ODY201]" in result.stderr


def test_input_errors_exit_1_and_point_into_the_input(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text('[\n  {"timestamp_ms": 0, "start": {"prompt": "a"}, "end": {}}\n]\n')
    result = ody("decompile", "s.json", "-o", "s.ody", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout == ""
    assert "error[ODY302]: two actions in one entry" in result.stderr and "--> s.json:2:49" in result.stderr
    assert not (tmp_path / "s.ody").exists()
    items = json.loads(ody("decompile", "s.json", "--format", "json", cwd=tmp_path).stderr)
    assert (items[0]["file"], items[0]["line"], items[0]["column"]) == ("s.json", 2, 49)


def test_output_is_written_atomically(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text(script((0, "start", "a"), (3000, "end", None)))
    (tmp_path / "s.ody").write_text("old")
    assert ody("decompile", "s.json", "-o", "s.ody", cwd=tmp_path).returncode == 0
    assert words((tmp_path / "s.ody").read_text())[0] == ["@0", "start", '"a"']
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json", "s.ody"]


@pytest.mark.parametrize(("args", "words"), [
    (["nope.json"], "nope.json: no such file"),
    (["s.json", "--scene-names", "a,b"], "--scene-names: scene names are for a batch"),
    (["s.json", "-o", "missing/s.ody", "--extract-images", "img"], "s.ody: cannot write it (no folder missing)"),
])
def test_usage_and_io_problems_exit_2(tmp_path: Path, args: list[str], words: str) -> None:
    (tmp_path / "s.json").write_text(script((0, "start", "a"), (3000, "end", None)))
    result = ody("decompile", *args, cwd=tmp_path)
    assert result.returncode == 2 and words in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]


def test_stdin_over_the_size_limit_is_refused_in_the_words_of_every_command(tmp_path: Path) -> None:
    (tmp_path / "ody.toml").write_text("max-bytes = 10\n", encoding="utf-8")
    result = ody("decompile", "-", cwd=tmp_path, stdin=b'[{"timestamp_ms": 0}]')
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "ody decompile: <stdin>: over the 10 byte limit (see --max-bytes)\n"
