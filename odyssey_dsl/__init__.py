"""odyssey-dsl: .ody screenplays for Odyssey's Simulate API, checked and compiled.

The public API, for the tools built on it (formatter, runner, language server):

- `parse(text, first_line=1)` → `Document`: the typed syntax tree with spans and syntax errors;
- `compile_text(text_or_bytes, path=..., settings=..., resolver=...)` / `compile_path(path)` →
  `Compilation`: options, scripts (one per scene and variant, with their names), canonical JSON
  and every diagnostic, without printing or exiting; the resolver reads included files (an
  editor's unsaved buffers; default: from disk, relative to the path);
- `Diagnostic`, `Span`, `Fix`, `Related`, `Severity`, `CODES`: one diagnostic type for all;
- `Settings`, `load_settings(path)`: the project configuration (`[tool.ody]` / `ody.toml`);
- `SourceError` (a file `compile_path` cannot read) and `ConfigError` (a bad `[tool.ody]` /
  `ody.toml`): the exceptions they raise, each one line for the user.
"""

from .compiler import Compilation, SourceError, compile_path, compile_text
from .config import ConfigError, Settings, load_settings
from .diagnostics import CODES, Diagnostic, Fix, Related, Severity, Span
from .syntax import Document, parse

__all__ = [
    "CODES", "Compilation", "ConfigError", "Diagnostic", "Document", "Fix", "Related", "Settings",
    "Severity", "SourceError", "Span", "compile_path", "compile_text", "load_settings", "parse",
]
