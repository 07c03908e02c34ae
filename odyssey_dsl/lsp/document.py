"""An open screenplay as the editor sees it, kept checked after every edit.

Positions here are 0-based lines and columns counted in code points; the server converts the
client's encoding (UTF-8, UTF-16 or UTF-32) before calling `edit`. The diagnostics are always
those `ody lint` reports for the same text, path and settings.
"""

from __future__ import annotations

from pathlib import Path

from ..checks import Checked
from ..compiler import compile_text
from ..config import Settings
from ..diagnostics import Diagnostic
from ..syntax import Document


class LiveDocument:
    """The text of one open file with its parse, its checked scripts and its diagnostics."""

    def __init__(self, text: str, path: Path | None, settings: Settings) -> None:
        self.path = path
        self.settings = settings
        self.replace(text)

    def replace(self, text: str) -> None:
        """The whole text changed (open, full sync, settings reloaded)."""
        self._lines = text.split("\n")
        self._recheck()

    def edit(self, start: tuple[int, int], end: tuple[int, int], new_text: str) -> None:
        """Replace the text from `start` to `end` (line, column) by `new_text`."""
        (sl, sc), (el, ec) = start, end
        head, tail = self._lines[sl][:sc], self._lines[el][ec:]
        self._lines[sl:el + 1] = (head + new_text + tail).split("\n")
        self._recheck()

    @property
    def text(self) -> str:
        return "\n".join(self._lines)

    @property
    def line_count(self) -> int:
        return len(self._lines)

    def line(self, index: int) -> str:
        """Line `index` (0-based) without its newline; '' past the end."""
        return self._lines[index] if 0 <= index < len(self._lines) else ""

    def _recheck(self) -> None:
        result = compile_text(self.text, path=self.path, settings=self.settings, embed_images=False)
        self.document: Document = result.document
        self.checked: Checked = result.checked
        self.diagnostics: tuple[Diagnostic, ...] = result.diagnostics
