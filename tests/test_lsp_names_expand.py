"""What the editor says a prompt becomes (hover, inlay hints) is what `ody compile` sends: for
random defines, styles, negatives, scenes and variants, each cue's first variant is the prompt
of its scene's first script, and its count of variants divides the scene's."""

from __future__ import annotations

from pathlib import Path

from hypothesis import assume, given
from hypothesis import strategies as st

from odyssey_dsl.compiler import SourceError, compile_text
from odyssey_dsl.config import Settings
from odyssey_dsl.lsp import names
from odyssey_dsl.lsp.document import LiveDocument
from odyssey_dsl.syntax import Cue

FOLDER = Path(__file__).resolve().parent / "__no_such_folder__"
NAMES = ("hero", "look", "place")

words = st.sampled_from(["a cat", "the harbour", "at dusk", "", " ", "!", ".", ",", "{{", "}}", "é 🐈"])
group = st.lists(st.sampled_from(["red", "blue", "", "green."]), min_size=2, max_size=3).map(lambda o: "{" + "|".join(o) + "}")
ref = st.sampled_from(NAMES).map(lambda n: "{" + n + "}")


def template(parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(parts, max_size=4).map("".join)


@st.composite
def screenplay(draw: st.DrawFn) -> tuple[str, str]:
    """(a screenplay, the file it includes): defines, a style and a negative in either, scenes
    with their own style or not, prompts with names and variants."""
    defines = [f'define {n} "{draw(template(st.one_of(words, group)))}"' for n in NAMES if draw(st.booleans())]
    included: list[str] = []
    if draw(st.booleans()) and defines:
        included.append(defines.pop())
    lines = ['include "lib.ody"', *defines]
    for kind in ("style", "negative"):
        if draw(st.booleans()):
            (included if draw(st.booleans()) else lines).append(f'{kind} "{draw(template(st.one_of(words, ref)))}"')
    scenes = draw(st.integers(0, 2))
    for scene in range(max(scenes, 1)):
        if scenes:
            lines.append(f'scene "s{scene}"')
            if draw(st.booleans()):
                lines.append(f'style "{draw(template(st.one_of(words, ref)))}"')
        for index in range(draw(st.integers(1, 3))):
            prompt = draw(template(st.one_of(words, group, ref))) or "x"
            lines.append(f'@{index * 3}s {"start" if index == 0 else "interact"} "{prompt}"')
        lines.append("@9s end")
    return "\n".join(lines) + "\n", "\n".join(included) + "\n"


@given(screenplay())
def test_the_editor_expands_a_prompt_as_the_compiler_does(case: tuple[str, str]) -> None:
    text, library = case

    def resolve(path: Path) -> str:
        if path != FOLDER / "lib.ody":
            raise SourceError(f"{path}: not found")
        return library

    compiled = compile_text(text, path=FOLDER / "t.ody", resolver=resolve, check_images=False)
    assume(compiled.scripts is not None)
    assert compiled.scripts is not None and compiled.names is not None
    firsts: dict[str | None, list[str | None]] = {}
    counts: dict[str | None, int] = {}
    for script, name in zip(compiled.scripts, compiled.names):
        counts[name.scene] = counts.get(name.scene, 0) + 1
        if name.variant in (None, 1):
            firsts[name.scene] = [entry.prompt for entry in script]

    live = LiveDocument(text, FOLDER / "t.ody", Settings())
    scope = names.Scope(live, [LiveDocument(library, FOLDER / "lib.ody", Settings())])  # lib.ody, open
    seen: dict[str | None, list[str | None]] = {}
    for item in live.items_from_top():
        if isinstance(item, Cue):
            placed = live.place(item.span.line)
            assert placed is not None
            scene = placed.scene.name.value if placed.scene is not None else None
            made = names.composed(scope, item, names.scene_styles(live, item.span.line))
            seen.setdefault(scene, []).append(made.first if made is not None else None)
            if made is not None:
                assert counts[scene] % made.variants == 0
    assert seen == firsts



def test_a_file_included_twice_gives_its_names_and_styles_once(tmp_path: Path) -> None:
    """The editor's own include walk read a file reached by two includes twice (its style
    counted twice); it now reads includes as the checks do."""
    (tmp_path / "look.ody").write_text('style "dusk"\ndefine hero "a cat"\n', encoding="utf-8")
    (tmp_path / "a.ody").write_text('include "look.ody"\n', encoding="utf-8")
    (tmp_path / "b.ody").write_text('include "look.ody"\n', encoding="utf-8")
    live = LiveDocument('include "a.ody"\ninclude "b.ody"\n@0 start "{hero}"\n@3s end\n', tmp_path / "m.ody",
                        Settings())
    scope = names.Scope(live, [live])
    assert [style.value.value for style, _ in scope.styles] == ["dusk"]
    assert scope.defines["hero"].path == tmp_path / "look.ody"
