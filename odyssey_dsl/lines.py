"""The line model: where text breaks into lines, for every position the tools show.

A line ends at `\\r\\n`, a lone `\\r` or `\\n`, and nowhere else, as the LSP specification and
editors count lines. `str.splitlines` also breaks at U+2028, U+0085, form feeds and other
separators, which would put a position on the wrong line: do not use it for positions.
"""

from __future__ import annotations

import re

from .diagnostics import printable

BREAK = re.compile(r"\r\n|\r|\n")
_KEEPING = re.compile(r"(\r\n|\r|\n)")


def split(text: str) -> list[str]:
    """The lines of `text` without their breaks (a final break opens an empty last line)."""
    return BREAK.split(text)


def split_keeping(text: str) -> list[str]:
    """The lines of `text`, each with its break (the last one has none, and may be empty)."""
    parts = _KEEPING.split(text)
    return [a + b for a, b in zip(parts[0::2], parts[1::2])] + [parts[-1]]


def count(text: str) -> int:
    """How many lines an editor shows for `text` (a final line break opens an empty line)."""
    return text.count("\n") + text.count("\r") - text.count("\r\n") + 1


def position(text: str, offset: int, first_line: int = 1) -> tuple[int, int]:
    """Line and column (1-based, code points) of `offset`."""
    breaks = list(BREAK.finditer(text, 0, offset))
    # A "\r" just before `offset` may be the first half of "\r\n": it still ends the line.
    line_start = breaks[-1].end() if breaks else 0
    return first_line + len(breaks), offset - line_start + 1


def normalized(text: str) -> str:
    """`text` with every line break written `\\n`."""
    return BREAK.sub("\n", text)


def unified_diff(before: str, after: str, name: str, label: str) -> str:
    """A unified diff as `patch` reads it (`label`: what `after` is, `formatted` or `fixed`),
    each line with its own line break; a last line without one is marked."""
    import difflib  # only --diff needs it

    name = printable(name)  # a file's name may hold a terminal escape
    lines = difflib.unified_diff([x for x in split_keeping(before) if x], [x for x in split_keeping(after) if x],
                                 f"{name}\t(original)", f"{name}\t({label})")
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
                   for line in lines)
