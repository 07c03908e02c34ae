"""Reading a decoded JSON answer into one of the response dataclasses.

A server that answers something else (a missing `job_id`, a status that is a number, streams
that are not a list) gives one `ShapeError` naming the field, never a KeyError or a
TypeError deep in the runner. Fields the server adds are ignored: the API may grow.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, TypeVar, Union

T = TypeVar("T")


class ShapeError(ValueError):
    """A JSON value that does not fit the shape the API documents: `where` names the field."""

    def __init__(self, where: str, expected: str, value: object) -> None:
        self.where = where
        super().__init__(f"`{where}` should be {expected}, not {_kind(value)}")


def read(cls: type[T], data: object, where: str = "answer") -> T:
    """`data` (decoded JSON) as a `cls` dataclass, or ShapeError."""
    if not isinstance(data, dict):
        raise ShapeError(where, "an object", data)
    values: dict[str, Any] = {}
    for field, hint in _fields(cls):
        if field.name in data:
            values[field.name] = _value(hint, data[field.name], f"{where}.{field.name}")
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise ShapeError(f"{where}.{field.name}", _expected(hint), _ABSENT)
    return cls(**values)


_FIELDS: dict[type, tuple[tuple[dataclasses.Field[Any], Any], ...]] = {}


def _fields(cls: type) -> tuple[tuple[dataclasses.Field[Any], Any], ...]:
    """Each field with its resolved type (computed once per class: answers arrive every second)."""
    found = _FIELDS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = _FIELDS[cls] = tuple((f, hints[f.name]) for f in dataclasses.fields(cls))
    return found


def _value(hint: Any, value: object, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        for option in options:
            if option is not type(None):
                try:
                    return _value(option, value, where)
                except ShapeError as error:
                    if error.where != where:  # deeper down: that field is the one to name
                        raise
        raise ShapeError(where, _expected(hint), value)
    if origin is list:
        if not isinstance(value, list):
            raise ShapeError(where, _expected(hint), value)
        (item,) = typing.get_args(hint)
        return [_value(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ShapeError(where, "an object", value)
        return value
    if dataclasses.is_dataclass(hint):
        return read(hint, value, where)  # type: ignore[arg-type]  # a dataclass type, as checked above
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint is Any or isinstance(value, hint):
        return value
    raise ShapeError(where, _expected(hint), value)


def _expected(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        return " or ".join(_expected(option) for option in typing.get_args(hint))
    if origin is list:
        return "a list"
    if origin is dict or dataclasses.is_dataclass(hint):
        return "an object"
    names = {str: "a string", int: "a whole number", float: "a number", bool: "true or false", type(None): "null"}
    return names.get(hint, getattr(hint, "__name__", str(hint)))


_ABSENT = object()


def _kind(value: object) -> str:
    if value is _ABSENT:
        return "missing"
    if value is None:
        return "null"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)
