"""`--format sarif`: SARIF 2.1.0, the format GitHub code scanning uploads
(`github/codeql-action/upload-sarif`); docs/output-formats.md describes the fields.

One log, one run: the tool with every rule of the catalogue (so each result's `ruleIndex` is
known before any result is written), then the results, written as each input is checked, like
the JSON format: a million diagnostics cost the memory of one. The layout is
`json.dumps(log, indent=2)`'s. Locations are relative to the current folder (`%SRCROOT%`), where
GitHub expects them relative to the repository's root: run `ody lint` from there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from .diagnostics import CODES, Diagnostic, Span
from .report import Names, Report, Writer, layout, with_help

VERSION = "2.1.0"
SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
HOME = "https://github.com/odyssey-dsl/odyssey-dsl"
ROOT = "%SRCROOT%"  # the base of every relative location: the folder `ody` ran in
_INDENT = " " * 8  # a result's place in the log: log > runs > run > results


class Sarif(Writer):
    def __init__(self, stream: IO[str]) -> None:
        super().__init__(stream)
        self._index = {code: index for index, code in enumerate(sorted(CODES))}
        self._results = 0

    def _write(self, report: Report) -> None:
        write = self.stream.write
        where = Names(report, _artifact)
        for d in report.diagnostics:
            write(",\n" + _INDENT if self._results else _head() + "\n" + _INDENT)
            write(layout(self._result(d, where), 4))
            self._results += 1

    def close(self) -> None:
        self.stream.write("\n      ]" if self._results else _head() + "]")
        self.stream.write("\n    }\n  ]\n}\n")
        super().close()

    def _result(self, d: Diagnostic, where: Names[dict[str, str]]) -> dict[str, Any]:
        """A diagnostic as a result, each place at the artifact of its own file."""
        result: dict[str, Any] = {
            "ruleId": d.code, "ruleIndex": self._index[d.code], "level": d.severity.value,
            "message": {"text": with_help(d)}, "locations": [_location(where(d.file), d.span)],
        }
        if d.related:
            result["relatedLocations"] = [_location(where(r.file), r.span, r.message, number)
                                          for number, r in enumerate(d.related, start=1)]
        if d.fixes:
            result["fixes"] = [{
                "description": {"text": f.title},
                "artifactChanges": [{"artifactLocation": where(f.file), "replacements": [
                    {"deletedRegion": _region(f.span), "insertedContent": {"text": f.replacement}}]}],
                "properties": {"safe": d.is_safe(f)},
            } for f in d.fixes]
        return result


def _head() -> str:
    """The log up to its open list of results: the schema, the tool and its rules."""
    rules = [{
        "id": d.code, "name": d.name, "shortDescription": {"text": d.summary},
        "helpUri": f"{HOME}/blob/main/{d.doc}", "defaultConfiguration": {"level": d.severity.value},
        "properties": {"fix": d.fix.value},
    } for d in (CODES[code] for code in sorted(CODES))]
    driver: dict[str, Any] = {"name": "ody"}
    version = _version()
    if version is not None:
        driver["version"] = version
    driver.update(informationUri=HOME, rules=rules)
    here = Path.cwd().as_uri()
    base = {ROOT: {"uri": here if here.endswith("/") else here + "/"}}
    return (f'{{\n  "$schema": {json.dumps(SCHEMA)},\n  "version": {json.dumps(VERSION)},\n  "runs": [\n    {{\n'
            f'      "tool": {layout({"driver": driver}, 3)},\n      "columnKind": "unicodeCodePoints",\n'
            f'      "originalUriBaseIds": {layout(base, 3)},\n      "results": [')


def _version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("odyssey-dsl")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return None


def _artifact(file: str) -> dict[str, str]:
    """Where a file is, as SARIF says it: a relative URI under %SRCROOT%, or an absolute
    `file:` URI for a file outside the current folder."""
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return {"uri": path.as_uri()}
    return {"uri": quote(path.as_posix(), safe="/"), "uriBaseId": ROOT}


def _location(where: dict[str, str], span: Span, message: str | None = None, number: int | None = None
              ) -> dict[str, Any]:
    location: dict[str, Any] = {} if number is None else {"id": number}
    location["physicalLocation"] = {"artifactLocation": where, "region": _region(span)}
    if message is not None:
        location["message"] = {"text": message}
    return location


def _region(span: Span) -> dict[str, int]:
    """A span as a SARIF region: 1-based, the end column exclusive, as ours."""
    return {"startLine": span.line, "startColumn": span.column, "endLine": span.end_line, "endColumn": span.end_column}
