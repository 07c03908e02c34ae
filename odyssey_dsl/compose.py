"""Composition: what `define`, `style`, `negative` and `{a|b}` variants make of each prompt.

The checks stage feeds a `Composer` the header lines (the file's and its includes', each with
the file it is in), the scene lines and the cues, in order; it reports what is wrong with the
names (ODY112–ODY114, ODY116, ODY209, ODY109 for a misplaced `style`) and gives each cue's
prompt as the API will receive it: a string, or, in a script with variant groups, a `Varying`
whose integers are the script's groups, filled in once per combination by `combinations`.

Only header lines, scene lines and prompts that hold braces can be wrong here: an editor may
feed just those and get the same diagnostics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import product
from typing import NamedTuple, cast

from . import templates
from .diagnostics import (
    BRACE_PROBLEM,
    DEFINE_CYCLE,
    DEFINE_PROBLEM,
    DIRECTIVE_PROBLEM,
    EMPTY_PROMPT,
    TOO_MANY_VARIANTS,
    UNDEFINED_NAME,
    UNUSED_DEFINE,
    Diagnostic,
    Fix,
    Related,
    Span,
    closest,
    shown,
)
from .syntax import Cue, Define, Directive, Style, Text, part_span
from .templates import Group, Ref, Template

#: At most this many scripts in one request, variants included.
MAX_SCRIPTS = 32
#: At most this many characters in a define's, a prompt's or a style's text once expanded: a
#: few lines of defines that each use the one above four times would make gigabytes.
MAX_EXPANDED = 100_000
#: At most this many levels of defines using defines (`{a}` using `{b}` using `{c}`...).
MAX_NESTING = 64

Parts = tuple[str | int, ...]  # text, and the indexes of the script's groups


class Varying(NamedTuple):
    """A prompt in a script with variants: its parts, its style's and its negative's, filled
    in (and joined) once per combination of the script's groups."""

    prompt: Parts
    style: Parts
    negative: Parts

    def fill(self, choice: tuple[str, ...]) -> str:
        return with_negative(with_style(_fill(self.prompt, choice), _fill(self.style, choice)),
                             _fill(self.negative, choice))


def _fill(parts: Parts, choice: tuple[str, ...]) -> str:
    return "".join(p if isinstance(p, str) else choice[p] for p in parts)


Prompt = str | Varying | None

_STYLE_ENDS = (".", ",", ";", ":", "!", "?", "…")
_SENTENCE_ENDS = (".", "!", "?", "…")


def with_style(prompt: str, style: str) -> str:
    """`prompt` with the style added: after a punctuation mark one space, else `", "`."""
    if not style.strip():  # a blank style adds nothing
        return prompt
    prompt = prompt.rstrip(" ")
    return prompt + (" " if prompt.endswith(_STYLE_ENDS) else ", ") + style


def with_negative(prompt: str, negative: str) -> str:
    """`prompt` with `Negative prompt: ...` last, after a sentence's end (`,;:` become `.`)."""
    if not negative.strip():  # a blank negative adds nothing
        return prompt
    prompt = prompt.rstrip(" ")
    if prompt.endswith(_SENTENCE_ENDS):
        return f"{prompt} Negative prompt: {negative}"
    if prompt.endswith((",", ";", ":")):
        prompt = prompt[:-1]
    return f"{prompt}. Negative prompt: {negative}"


class Definition(NamedTuple):
    """A `define` and the file it is in (None: the file compiled)."""

    define: Define
    file: str | None

    @property
    def name(self) -> str:
        return self.define.name.text

    @property
    def template(self) -> Template | None:
        """Its text's template (None: the text has an error of its own, reported with it)."""
        value = self.define.value.value
        parsed = templates.parse(value) if value is not None else None
        return parsed if isinstance(parsed, Template) else None


class Placed(NamedTuple):
    """A style or negative in force, its file, and its text once expanded (known when every
    name is: at the first cue or scene line for the file's, at once for a scene's)."""

    style: Style
    file: str | None
    text: str = ""


class ScriptName(NamedTuple):
    """Which script of a request this is: its scene, and which variant with which choices."""

    scene: str | None
    variant: int | None  # 1-based; None: the scene has no variants
    choices: tuple[str, ...] = ()

    def label(self, stem: str) -> str:
        """`<scene or stem>` or `<scene or stem>.v<n>`: what the runner names its recordings."""
        base = self.scene if self.scene is not None else stem
        return base if self.variant is None else f"{base}.v{self.variant}"


def combinations(prompts: list[Prompt],
                 groups: tuple[tuple[str, ...], ...]) -> Iterator[tuple[tuple[str, ...], list[str | None]]]:
    """Each combination of a script's groups (the first varying slowest), with its prompts."""
    for choice in product(*groups):
        yield choice, [p.fill(choice) if isinstance(p, Varying) else p for p in prompts]


class _Script:
    """The variant groups of the script being read, by first appearance."""

    def __init__(self) -> None:
        self.keys: dict[object, int] = {}
        self.options: list[tuple[str, ...]] = []

    def slot(self, key: object, options: tuple[str, ...]) -> int:
        index = self.keys.get(key)
        if index is None:
            index = self.keys[key] = len(self.options)
            self.options.append(options)
        return index

    @property
    def count(self) -> int:
        total = 1
        for options in self.options:
            total *= len(options)
        return total


class Composer:
    """The names, styles and variants of one compilation, fed in file order.

    `report` takes each diagnostic; `header_done` must be called at the first cue or scene
    line (or at the end): the names are known in full from then on."""

    def __init__(self, report: Callable[[Diagnostic], None]) -> None:
        self._report = report
        self.defines: dict[str, Definition] = {}
        self._styles: dict[str, Placed] = {}  # the file's
        self._scene_styles: dict[str, Placed] = {}
        self._top = False  # at the top of a scene: a style may stand here
        self._body = False
        self._used: set[str] = set()
        self._cycles: set[str] = set()
        self._directives: dict[str, tuple[Directive, str | None]] = {}
        self._script = _Script()
        self._scripts = 0  # scripts made so far, variants counted
        self._over = False  # ODY116 was reported
        self._last_group: tuple[Text, Group, str | None] | None = None  # where ODY116 goes if plain scripts overflow
        self._partial = False  # an include could not be read: some names are unknown
        self._expanded: dict[str, str] = {}  # plain defines, expanded once
        self._sizes: dict[str, int] = {}  # the longest each define's text expands to (capped)
        self._depths: dict[str, int] = {}  # how deep each define's defines nest (0: it uses none)
        self._late: set[str] = set()  # defines below the first cue: an error, never expanded

    # --- header lines ---------------------------------------------------------------------------

    def define(self, item: Define, file: str | None) -> None:
        name = item.name.text
        first = self.defines.get(name)
        if first is not None:
            self._report(DEFINE_PROBLEM.at(
                item.name.span, f"`{shown(name)}` is defined twice", "give each define its own name, or remove one",
                related=(Related(first.define.name.span, f"`{shown(name)}` is first defined here", first.file),),
                file=file))
            return
        if self._body:
            self._report(DEFINE_PROBLEM.at(
                item.keyword, f"`define {shown(name)}` comes after the first cue or scene",
                "defines go at the top of the file, with the directives", file=file))
            self._used.add(name)  # its one mistake is its place
            self._late.add(name)
        if not templates.NAME.fullmatch(name):
            self._used.add(name)  # its one mistake is its name (ODY114)
        self.defines[name] = Definition(item, file)
        if self._body:
            self._check_refs(item.value, file)

    def style(self, item: Style, file: str | None) -> None:
        """A `style` or `negative`: the file's in the header, a scene's at its top."""
        placed = Placed(item, file)
        where = self._scene_styles if self._body else self._styles
        if self._body and not self._top:
            self._report(DIRECTIVE_PROBLEM.at(
                item.keyword, f"`{item.name}` goes at the top of the file or right below a `scene` line",
                "move it above the first cue (for the file) or right below its scene's `scene` line", file=file))
            return
        first = where.get(item.name)
        if first is not None:
            self._report(DIRECTIVE_PROBLEM.at(
                item.span, f"`{item.name}` is set twice", "remove one of them",
                related=(Related(first.style.span, f"`{item.name}` is first set here", first.file),), file=file))
            return
        where[item.name] = self._expand_style(placed) if self._body else placed

    def directive(self, item: Directive, file: str | None) -> None:
        """A directive, for "set twice" across files (the same file's are ODY109's own)."""
        first = self._directives.get(item.name)
        if first is None:
            self._directives[item.name] = (item, file)
        elif first[1] != file:
            self._report(DIRECTIVE_PROBLEM.at(
                item.span, f"`{item.name}` is set twice", "remove one of them",
                related=(Related(first[0].span, f"`{item.name}` is first set here", first[1]),), file=file))

    def include_failed(self) -> None:
        """An include could not be read: a name it may define is not reported undefined."""
        self._partial = True

    def header_done(self) -> None:
        """The first cue or scene line: every name is known; the defines and the file's styles
        are checked (a define may use one written below it)."""
        if self._body:
            return
        self._body = True
        self._find_cycles()
        self._find_depths()
        for name, definition in self.defines.items():
            template = definition.template
            if self._depths[name] == MAX_NESTING + 1:
                self._report(DEFINE_PROBLEM.at(
                    definition.define.name.span, f"`{shown(name)}` uses defines more than {MAX_NESTING} deep",
                    "a define may use another, which may use another...: use fewer levels", file=definition.file))
            elif template is not None and self._size(name) > MAX_EXPANDED and not self._too_long(template):
                self._report(DEFINE_PROBLEM.at(
                    definition.define.name.span, f"`{shown(name)}` is more than {MAX_EXPANDED:,} characters once "
                    "expanded", "a define is a phrase: shorten it, or use its names fewer times", file=definition.file))
        for definition in self.defines.values():
            self._check_refs(definition.define.value, definition.file)
        for name, placed in self._styles.items():
            self._styles[name] = self._expand_style(placed)

    # --- the body -------------------------------------------------------------------------------

    def scene(self) -> None:
        """A scene line: a new script, whose top may hold its own style and negative."""
        self.header_done()
        self._scene_styles = {}
        self._top = True

    def prompt(self, cue: Cue) -> Prompt:
        """The prompt `cue` sends (None: none, or it cannot be known)."""
        self.header_done()
        self._top = False
        text = cue.prompt
        if text is None or text.value is None:
            return None
        value = text.value
        style, negative = self._addition("style"), self._addition("negative")
        if "{" not in value and "}" not in value:
            return with_negative(with_style(value, style), negative) if style or negative else value
        parsed = templates.parse(value)
        if not isinstance(parsed, Template):
            self._broken(parsed, text, None)
            return None
        if self._too_long(parsed, text, None):
            return None
        parts: list[str | int] = []
        complete = self._expand(parsed, parts, text, None, (), self._script)
        if not any(p.__class__ is int for p in parts):
            filled = "".join(cast(list[str], parts))
            if complete and not filled.strip():
                self._empty(text)
            return with_negative(with_style(filled, style), negative) if style or negative else filled
        if complete and not _some_text(parts, self._script.options):
            self._empty(text)
        return Varying(tuple(parts), (style,) if style else (), (negative,) if negative else ())

    def _empty(self, text: Text) -> None:
        self._report(EMPTY_PROMPT.at(text.span, "empty prompt once expanded (its names, or one of its variants)",
                                     "describe what should happen, e.g. \"the cat looks outside\""))

    def _addition(self, name: str) -> str:
        """The expanded style (or negative) in force for the next cue."""
        if not self._styles and not self._scene_styles:
            return ""
        placed = self._scene_styles.get(name) or self._styles.get(name)
        return placed.text if placed is not None else ""

    def _expand_style(self, placed: Placed) -> Placed:
        """`placed` with its text expanded, once every name is known; a variant group that
        reaches it through a define is an error (a group written in it is one of syntax)."""
        text = placed.style.value
        value = text.value
        if value is None:
            return placed
        parsed = templates.parse(value)
        if not isinstance(parsed, Template):
            self._broken(parsed, text, placed.file)
            return placed
        if self._too_long(parsed, text, placed.file):
            return placed
        out: list[str | int] = []
        self._expand(parsed, out, text, placed.file, (), None)
        varying = next((r for r in parsed.refs if self._has_groups(r.name, set())), None)
        if varying is not None:
            self._report(BRACE_PROBLEM.at(
                part_span(text, varying.start, varying.end)[0],
                f"`{{{varying.name}}}` has variants, and a `{placed.style.name}` has none: it is the same in every "
                "script", f"put `{{{varying.name}}}` in the prompts instead", file=placed.file))
        return placed._replace(text="".join(p for p in out if isinstance(p, str)))

    def _has_groups(self, name: str, seen: set[str]) -> bool:
        """Whether the define `name` holds a variant group, itself or through the defines it uses."""
        definition = self.defines.get(name)
        if definition is None or name in seen or definition.template is None or self._too_deep(name):
            return False
        seen.add(name)
        template = definition.template
        return bool(template.groups) or any(self._has_groups(r.name, seen) for r in template.refs)

    def script_done(self, counted: bool = True) -> tuple[tuple[str, ...], ...]:
        """The end of a script: its variant groups' options (none: one script); `counted`:
        it is a script of the request (not the cues above a file's first scene)."""
        options = tuple(self._script.options)
        if counted:
            self._scripts += self._script.count
        self._script = _Script()
        if self._scripts > MAX_SCRIPTS and self._last_group is not None and not self._over:
            self._too_many(*self._last_group, self._scripts)  # plain scripts after the variants
        return options

    def finish(self, library: bool) -> None:
        """The end of the file: (unless it is a library) the unused defines. A library linted
        on its own does not judge its names either: the files including it may define them."""
        if library:
            self._partial = True
        self.header_done()
        if library or self._partial:
            return
        for definition in self.defines.values():
            if definition.file is None and definition.name not in self._used:
                define = definition.define
                self._report(UNUSED_DEFINE.at(
                    define.name.span, f"`{shown(definition.name)}` is never used",
                    f"use it as `{{{definition.name}}}` in a prompt, or remove it",
                    (Fix("Remove the define", define.span, ""),)))

    # --- expanding ------------------------------------------------------------------------------

    def _expand(self, template: Template, out: list[str | int], text: Text, file: str | None,
                stack: tuple[str, ...], script: _Script | None) -> bool:
        """`template` into `out`, references resolved, each group a slot of `script` (None: a
        style's, which has none); False when some name could not be expanded (an error of its
        own, reported where it is written)."""
        complete = True
        for index, part in enumerate(template.parts):
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, Ref):
                complete = self._use(part, out, text, file, stack, script) and complete
            elif script is not None:  # a define's group is one per script wherever it is used: linked variants
                key = (stack[-1], index) if stack else (file, text.span, index)
                self._slot(key, part, out, text, file, script)
        return complete

    def _use(self, ref: Ref, out: list[str | int], text: Text, file: str | None, stack: tuple[str, ...],
             script: _Script | None) -> bool:
        """`ref`'s define expanded into `out`; one written in a prompt or style (not in a
        define: `_check_refs` says those) is noted as used, or as unresolved."""
        name = ref.name
        definition = self.defines.get(name)
        if definition is None:
            if not stack:
                self._undefined(name, part_span(text, ref.start, ref.end)[0], file)
            return False
        self._used.add(name)
        if name in self._cycles or name in self._late or self._too_deep(name) or self._size(name) > MAX_EXPANDED:
            return False
        plain = self._expanded.get(name)
        if plain is not None:
            out.append(plain)
            return True
        template = definition.template
        if template is None:
            return False
        inner: list[str | int] = []
        complete = self._expand(template, inner, definition.define.value, definition.file, (*stack, name), script)
        if complete and script is not None and all(p.__class__ is str for p in inner):
            self._expanded[name] = "".join(p for p in inner if isinstance(p, str))
        out.extend(inner)
        return complete

    def _size(self, name: str) -> int:
        """How long the define `name`'s text is once expanded (the longest alternative of each
        group counted), up to just over MAX_EXPANDED; 0 when it cannot be expanded."""
        size = self._sizes.get(name)
        if size is None:
            definition = self.defines.get(name)
            self._sizes[name] = 0  # a cycle counts nothing
            template = definition.template if definition is not None and not self._too_deep(name) else None
            size = self._sizes[name] = self._length(template) if template is not None else 0
        return size

    def _length(self, template: Template) -> int:
        total = 0
        for part in template.parts:
            total += len(part) if isinstance(part, str) else self._size(part.name) if isinstance(part, Ref) \
                else max(map(len, part.options))
        return min(total, MAX_EXPANDED + 1)

    def _too_long(self, template: Template, text: Text | None = None, file: str | None = None) -> bool:
        """Whether `template` uses a define too long once expanded (reported at that define),
        or is too long itself once expanded (reported here, at `text`, when given). The
        names it uses count as used either way."""
        if text is None:
            return any(self._size(ref.name) > MAX_EXPANDED for ref in template.refs)
        if self._length(template) <= MAX_EXPANDED:
            return False
        self._used.update(ref.name for ref in template.refs if ref.name in self.defines)
        if any(self._size(ref.name) > MAX_EXPANDED for ref in template.refs):
            return True
        self._report(DEFINE_PROBLEM.at(
            text.span, f"more than {MAX_EXPANDED:,} characters once its names are expanded",
            "use the defines fewer times", file=file))
        return True

    def _slot(self, key: object, group: Group, out: list[str | int], text: Text, file: str | None,
              script: _Script) -> None:
        known = key in script.keys
        out.append(script.slot(key, group.options))
        if not known:
            self._last_group = (text, group, file)
            if self._scripts + script.count > MAX_SCRIPTS:
                self._too_many(text, group, file, self._scripts + script.count)

    def _too_many(self, text: Text, group: Group, file: str | None, total: int) -> None:
        """ODY116, once, at the group that makes the request too large (or the last group,
        when plain scripts after it do)."""
        if self._over:
            return
        self._over = True
        self._report(TOO_MANY_VARIANTS.at(
            part_span(text, group.start, group.end)[0],
            f"with these variants the request has at least {total} scripts: at most "
            f"{MAX_SCRIPTS} are allowed", "remove some alternatives, or split the screenplay into several files",
            file=file))

    def _check_refs(self, text: Text, file: str | None) -> None:
        """Each name a define's text uses: defined (and so used), or noted as unresolved."""
        value = text.value
        if value is None or ("{" not in value and "}" not in value):
            return
        parsed = templates.parse(value)
        if isinstance(parsed, Template):
            self._note(parsed, text, file)
        else:
            self._broken(parsed, text, file)

    def _note(self, template: Template, text: Text, file: str | None) -> None:
        """Each name `template` (the value of `text`) uses: used, or noted as unresolved."""
        for ref in template.refs:
            if ref.name in self.defines:
                self._used.add(ref.name)
            else:
                self._undefined(ref.name, part_span(text, ref.start, ref.end)[0], file)

    def _undefined(self, name: str, span: Span, file: str | None) -> None:
        """ODY112 for `{name}` at `span`, said at once (every define is known once the body
        began: a define below it is an error of its own), unless an include could not be
        read (it may define it)."""
        if self._partial:
            return
        guess = closest(name, tuple(n for n in self.defines if templates.NAME.fullmatch(n)))
        if guess:  # the fix makes it used: one mistake, one diagnostic
            self._used.add(guess)
        fixes = (Fix(f"Write `{{{guess}}}`", span, f"{{{guess}}}", file=file),) if guess else (
            Fix(f"Write `{{{{{name}}}}}` (braces that are text)", span, f"{{{{{name}}}}}", safe=False, file=file),)
        self._report(UNDEFINED_NAME.at(
            span, f"`{{{shown(name)}}}` names no define",
            f"did you mean `{{{guess}}}`?" if guess else
            f'define it at the top: `define {name} "..."`, or write `{{{{` and `}}}}` for braces that are text',
            fixes, file=file))

    def _broken(self, errors: tuple[templates.BraceError, ...], text: Text, file: str | None) -> None:
        """A text whose braces are wrong (ODY111): the names it may have meant count as used,
        and its references are judged all the same (read with the wrong braces blanked out),
        so that fixing the braces never reveals an error it hid."""
        self._used.update(e.name for e in errors if e.name is not None)
        value = text.value
        assert value is not None
        blanked = list(value)
        for error in errors:
            blanked[error.start:error.end] = " " * (error.end - error.start)
        rest = templates.parse("".join(blanked))
        if isinstance(rest, Template):
            self._note(rest, text, file)

    def _graph(self) -> dict[str, list[str]]:
        """Each define's name, and the names of the defines its text uses."""
        return {name: [r.name for r in d.template.refs if r.name in self.defines] if d.template else []
                for name, d in self.defines.items()}

    def _find_cycles(self) -> None:
        """ODY113 at each define of a cycle (each define's text naming another, in a loop):
        the defines of each strongly connected part of the graph (Tarjan's, without recursion)."""
        graph = self._graph()
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on_stack: set[str] = set()
        for root in graph:
            if root in index:
                continue
            index[root] = low[root] = len(index)
            stack.append(root)
            on_stack.add(root)
            work = [(root, iter(graph[root]))]
            while work:
                node, children = work[-1]
                child = next(children, None)
                if child is None:
                    work.pop()
                    if work:
                        parent = work[-1][0]
                        low[parent] = min(low[parent], low[node])
                    if low[node] == index[node]:
                        part: set[str] = set()
                        while node not in part:
                            part.add(stack.pop())
                        on_stack -= part
                        if len(part) > 1 or node in graph[node]:
                            self._cycle(part, graph)
                elif child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])

    def _find_depths(self) -> None:
        """How deep each define's defines nest (those of a cycle, and those using one, count
        as too deep: they are never expanded), without recursion: a file may chain thousands."""
        graph = self._graph()
        depths = self._depths
        for name in self._cycles:
            depths[name] = MAX_NESTING + 2
        for start in graph:
            if start in depths:
                continue
            stack = [(start, iter(graph[start]))]
            while stack:
                node, children = stack[-1]
                child = next(children, None)
                if child is None:
                    stack.pop()
                    depths[node] = 1 + max((depths[c] for c in graph[node]), default=-1)
                elif child not in depths:
                    stack.append((child, iter(graph[child])))

    def _too_deep(self, name: str) -> bool:
        """A define in a cycle, or whose defines nest more than MAX_NESTING deep."""
        return self._depths.get(name, 0) > MAX_NESTING

    def _cycle(self, part: set[str], graph: dict[str, list[str]]) -> None:
        """ODY113 at each define of `part`, a set of defines that use each other, with the
        shortest loop from it back to it."""
        for name in part:
            self._cycles.add(name)
            came_from: dict[str, str] = {}
            queue, loop = [name], [name]
            while queue and name not in came_from:  # breadth first, inside `part`
                node = queue.pop(0)
                for child in graph[node]:
                    if child in part and child not in came_from:
                        came_from[child] = node
                        queue.append(child)
            node = came_from[name]
            while node != name:
                loop.insert(1, node)
                node = came_from[node]
            shown_loop = " → ".join(f"`{{{n}}}`" for n in (*loop, name))
            definition = self.defines[name]
            self._report(DEFINE_CYCLE.at(
                definition.define.name.span, f"`{shown(name)}` uses itself: {shown(shown_loop, 120)}",
                "a define's text may use other defines, but never itself through them: break the cycle",
                file=definition.file))

def _some_text(parts: list[str | int], options: list[tuple[str, ...]]) -> bool:
    """Whether every combination leaves some text in the prompt."""
    if any(isinstance(p, str) and p.strip() for p in parts):
        return True
    return any(isinstance(p, int) and all(o.strip() for o in options[p]) for p in parts)
