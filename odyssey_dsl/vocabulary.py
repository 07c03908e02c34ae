"""Every word of the language in one place: the parser, the rules, completion, hover, the
formatter and the editor grammar's tests read them from here (the grammar in grammar/ody.lark
spells the same words; tests/test_grammar.py keeps the two in step)."""

from __future__ import annotations

ACTIONS = ("start", "interact", "end")
DIRECTIVES = ("title", "orientation", "prompt-expansion", "min-gap", "max-duration")
#: The two values of each on/off-like directive; the first is the default.
DIRECTIVE_VALUES = {"orientation": ("portrait", "landscape"), "prompt-expansion": ("on", "off")}
#: The directives whose value is a duration (written as a time without `@`).
DURATIONS = ("min-gap", "max-duration")
#: The header lines that say things once (`ody fmt` writes the includes first, then the title and
#: the directives, then the defines, style and negative).
HEADERS = ("include", "define", "style", "negative")
#: The header lines that may also stand at the top of a scene, for that scene.
SCENE_HEADERS = ("style", "negative")
SCENE = "scene"
#: `scene "night" after "day"`: the word only stands on a scene line, after its name.
AFTER = "after"
IMAGE = "image"
#: Every keyword, with the name of its terminal in the grammar (`prompt-expansion`: PROMPT_EXPANSION).
KEYWORDS = {word: word.upper().replace("-", "_") for word in (*ACTIONS, *DIRECTIVES, *HEADERS, SCENE, AFTER, IMAGE)}
#: The units a time is written in, the most common first (completion offers them in this order).
UNITS = ("s", "ms", "m", "h")
