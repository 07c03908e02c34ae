"""What a package index shows and installs: the wheel's metadata (classifiers, project URLs, a
README whose links work there, no pydantic or jsonschema in the default install), `py.typed`
in the wheel, and an sdist that carries its own test suite and changelog. Both are built here
by hatchling, the project's build backend, as `pip install .` builds them (about a second)."""

from __future__ import annotations

import email.message
import email.parser
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("hatchling", reason="hatchling (the dev extra) builds the packages")
from packaging.requirements import Requirement  # hatchling's own dependency

ROOT = Path(__file__).resolve().parent.parent
URL = "https://github.com/odyssey-dsl/odyssey-dsl"
EXTRAS_ONLY = {"pydantic": {"emulator", "dev"}, "pydantic-core": set(), "jsonschema": {"dev"},
               "av": {"video", "emulator", "dev"}, "pillow": {"video", "emulator", "dev"}}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The wheel and the sdist, freshly built from this tree."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "hatchling", "build", "-d", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (wheel,) = out.glob("odyssey_dsl-*.whl")
    (sdist,) = out.glob("odyssey_dsl-*.tar.gz")
    return wheel, sdist


@pytest.fixture(scope="module")
def metadata(dist: tuple[Path, Path]) -> email.message.Message:
    with zipfile.ZipFile(dist[0]) as wheel:
        (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(wheel.read(name).decode("utf-8"))


def test_classifiers_say_what_it_is(metadata: email.message.Message) -> None:
    classifiers = metadata.get_all("Classifier") or []
    for wanted in ("Typing :: Typed", "Programming Language :: Python :: 3 :: Only",
                   "Programming Language :: Python :: 3.11", "Programming Language :: Python :: 3.12",
                   "Programming Language :: Python :: 3.13", "Environment :: Console"):
        assert wanted in classifiers
    assert any(c.startswith("Development Status :: ") for c in classifiers)
    assert metadata["License-Expression"] == "MIT" and metadata["Requires-Python"] == ">=3.11"


def test_project_urls_point_at_the_repository(metadata: email.message.Message) -> None:
    urls = dict(entry.split(", ", 1) for entry in metadata.get_all("Project-URL") or [])
    assert {"Homepage", "Source", "Issues", "Changelog", "Documentation"} <= set(urls)
    assert all(url.startswith(URL) for url in urls.values()), urls
    assert urls["Changelog"] == f"{URL}/blob/main/CHANGELOG.md"


def test_the_default_install_has_no_pydantic_nor_jsonschema(metadata: email.message.Message) -> None:
    """Only the extras that use them bring them (the emulator; tests)."""
    extras: dict[str, set[str]] = {}
    for line in metadata.get_all("Requires-Dist") or []:
        requirement = Requirement(line)
        name = requirement.name.lower().replace("_", "-")
        marker = str(requirement.marker) if requirement.marker else ""
        found = set(re.findall(r'extra == "([\w-]+)"', marker))
        assert found or name not in EXTRAS_ONLY, f"{line}: in the default install"
        extras.setdefault(name, set()).update(found)
    for name, wanted in EXTRAS_ONLY.items():
        assert extras.get(name, set()) == wanted, (name, extras.get(name))


def test_readme_links_work_on_an_index_page(metadata: email.message.Message) -> None:
    """The long description is the README: an index page has none of the repository's files,
    so a link must be absolute (or an anchor in the page)."""
    description = metadata.get_payload()
    assert isinstance(description, str) and description.startswith("# odyssey-dsl")
    assert metadata["Description-Content-Type"] == "text/markdown"
    links = re.findall(r"\]\(([^)\s]+)\)", description) + re.findall(r'(?:src|href)="([^"]+)"', description)
    assert links
    relative = [link for link in links if not link.startswith(("https://", "http://", "#", "mailto:"))]
    assert not relative, f"links that only work in the repository: {relative}"


def test_the_wheel_ships_py_typed_and_the_grammar(dist: tuple[Path, Path]) -> None:
    with zipfile.ZipFile(dist[0]) as wheel:
        names = set(wheel.namelist())
    assert {"odyssey_dsl/py.typed", "odyssey_dsl/grammar/ody.lark", "odyssey_dsl/__init__.py"} <= names
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n or n.endswith(".pyc")]


def test_the_sdist_carries_its_tests_and_changelog(dist: tuple[Path, Path]) -> None:
    """`pip install '.[dev]' && python -m pytest` works from the unpacked sdist: every test
    module and what the tests read is inside."""
    with tarfile.open(dist[1]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    tests = {f"tests/{p.name}" for p in (ROOT / "tests").glob("*.py")}
    assert tests and tests <= names, sorted(tests - names)
    for wanted in ("PKG-INFO", "pyproject.toml", "README.md", "CHANGELOG.md", "LICENSE", "odyssey_dsl/py.typed",
                   "grammar/ody.lark", "examples/window-cat.ody", "editors/vscode/package.json"):
        assert wanted in names
    assert not [n for n in names if "node_modules/" in n or "__pycache__" in n]


def test_the_changelog_has_this_version(metadata: email.message.Message) -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## \[([^\]]+)\]", changelog, re.MULTILINE)
    assert versions[0] == "Unreleased" and metadata["Version"] in versions
    for version in versions:  # every heading links to its changes (Keep a Changelog)
        assert re.search(rf"^\[{re.escape(version)}\]: {re.escape(URL)}/", changelog, re.MULTILINE), version
