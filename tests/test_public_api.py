"""The Python API users build on: `odyssey_dsl.__all__` is what the package's docstring documents,
every name in it imports and is fully annotated, and the package says so to type checkers
(`py.typed`), so that a user's own tool type-checks against it."""

from __future__ import annotations

import importlib.util
import inspect
import re
import subprocess
import sys
import typing
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import odyssey_dsl

# A backticked name in the docstring's list, with or without its arguments: `parse(text, ...)`.
_DOCUMENTED = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)(?:\([^`]*\))?`")
# What the docstring lists, each name a user may import (kept here so that dropping one from
# both the docstring and __all__ is a visible change, not a silent one).
DOCUMENTED = {
    "parse", "Document", "compile_text", "compile_path", "Compilation",
    "Diagnostic", "Span", "Fix", "Related", "Severity", "CODES", "Settings", "load_settings",
    "SourceError", "ConfigError",
}


def documented() -> set[str]:
    assert odyssey_dsl.__doc__ is not None
    listed = odyssey_dsl.__doc__.split("The public API", 1)[1]
    return set(_DOCUMENTED.findall(listed))


def test_the_docstring_documents_the_api_listed_here() -> None:
    assert documented() == DOCUMENTED


def test_all_names_each_documented_name_once() -> None:
    assert len(odyssey_dsl.__all__) == len(set(odyssey_dsl.__all__)), "a name twice in __all__"
    assert set(odyssey_dsl.__all__) == DOCUMENTED


def test_all_is_exactly_what_the_docstring_documents() -> None:
    assert set(odyssey_dsl.__all__) == documented()


def _defining_module(name: str, value: object) -> ModuleType:
    """The odyssey_dsl module that defines `name` (for a value that does not say, like a dict)."""
    module = getattr(value, "__module__", None)
    if isinstance(module, str) and module.startswith("odyssey_dsl"):
        return sys.modules[module]
    for module_name, candidate in sorted(sys.modules.items()):
        if module_name.startswith("odyssey_dsl.") and candidate.__dict__.get(name) is value and \
                name in getattr(candidate, "__annotations__", {}):
            return candidate
    raise AssertionError(f"no odyssey_dsl module annotates {name}")


def _unannotated(function: Any, owner: str) -> list[str]:
    """The parameters and return of `function` that have no annotation, as `owner.name(param)`."""
    signature = inspect.signature(function)
    missing = [f"{owner}({p.name})" for p in signature.parameters.values()
               if p.annotation is inspect.Parameter.empty and p.name not in ("self", "cls")]
    if signature.return_annotation is inspect.Signature.empty and function.__name__ != "__init__":
        missing.append(f"{owner} -> ?")
    typing.get_type_hints(function)  # and the annotations resolve (no stale forward references)
    return missing


@pytest.mark.parametrize("name", sorted(odyssey_dsl.__all__))
def test_every_public_name_imports_and_is_annotated(name: str) -> None:
    namespace: dict[str, Any] = {}
    exec(f"from odyssey_dsl import {name}", namespace)  # as a user imports it
    value = namespace[name]
    missing: list[str] = []
    if inspect.isclass(value):
        if hasattr(value, "_fields"):  # a NamedTuple: every field annotated
            missing += [f"{name}.{field}" for field in value._fields if field not in typing.get_type_hints(value)]
        for attribute, member in vars(value).items():
            if attribute.startswith("_") and attribute != "__init__":
                continue
            if isinstance(member, property) and member.fget is not None:
                missing += _unannotated(member.fget, f"{name}.{attribute}")
            elif inspect.isfunction(member) or isinstance(member, (staticmethod, classmethod)):
                missing += _unannotated(getattr(value, attribute), f"{name}.{attribute}")
    elif callable(value):
        missing += _unannotated(value, name)
    else:
        module = _defining_module(name, value)
        assert name in typing.get_type_hints(module), f"{name} has no annotation in {module.__name__}"
    assert not missing, f"not annotated: {missing}"


def test_the_package_says_it_is_typed() -> None:
    spec = importlib.util.find_spec("odyssey_dsl")
    assert spec is not None and spec.origin is not None
    assert (Path(spec.origin).parent / "py.typed").is_file()


USER_TOOL = '''\
from pathlib import Path

from odyssey_dsl import Compilation, Diagnostic, compile_path, compile_text, parse


def errors(text: str) -> list[Diagnostic]:
    result: Compilation = compile_text(text, path=Path("scene.ody"))
    return [d for d in result.diagnostics if d.code.startswith("ODY")]


reveal_type(compile_text("@0 start \\"a\\"\\n@3s end\\n").ok)
reveal_type(compile_path(Path("scene.ody")).script_json())
parse("@0 start \\"a\\"\\n", first_line="1")  # a user's mistakes that a typed API catches
compile_text(42)
'''


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed")
def test_a_users_tool_type_checks_against_the_api(tmp_path: Path) -> None:
    """mypy sees the installed package as typed (py.typed): real types, and a wrong argument
    is an error, where an untyped package would be `Any` everywhere."""
    (tmp_path / "tool.py").write_text(USER_TOOL, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir",
                           str(tmp_path / "cache"), "tool.py"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    lines = done.stdout.splitlines()
    revealed = [re.sub(r'"builtins\.', '"', line) for line in lines if "Revealed type" in line]
    assert revealed == ['tool.py:11: note: Revealed type is "bool"', 'tool.py:12: note: Revealed type is "str"'], lines
    errors = [line.split(": error: ")[0] + " " + line.rsplit(" ", 1)[1] for line in lines if ": error:" in line]
    assert errors == ["tool.py:13 [arg-type]", "tool.py:14 [arg-type]"], done.stdout
