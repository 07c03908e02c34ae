"""Go to definition, find references and rename, for defines and their `{NAME}` uses, and for
scene names and the `after`s that name them (in the file: scenes are never included).

A name means the same define in every file of a compilation (the file and all it includes),
so the places of a name are gathered over each open file whose compilation holds that
define: the define itself, and every `{NAME}` in that file and the files it includes, open
or not (those not open are read from disk, and renamed there by the client).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.uris import from_fs_path

from ..diagnostics import Span, shown
from ..strings import quote
from ..templates import NAME
from . import names, scenes
from .document import LiveDocument

if TYPE_CHECKING:
    from ..syntax import Item
    from .server import OdyServer


class Refused(JsonRpcException):
    """A rename that cannot be done, answered with its reason (the client shows it)."""

    CODE = types.LSPErrorCodes.RequestFailed


def register(server: OdyServer) -> None:
    """Definition, references, prepareRename and rename; names read open buffers first."""
    from .server import guarded  # server.py imports this module: imported once both exist

    names.use_open_documents(lambda: [file.live for file in server.files.values()])

    def none() -> None:
        return None

    def empty() -> list[Any]:
        return []

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    @guarded(none)
    def definition(ls: OdyServer, params: types.DefinitionParams) -> types.Location | None:
        scene = _scene_cursor(ls, params.text_document.uri, params.position)
        if scene is not None:
            line = scenes.defined(scene[0], scene[1].name)
            return _here(ls, params.text_document.uri, scene[0], line.name.span) if line is not None else None
        found = _cursor(ls, params.text_document.uri, params.position)
        if found is None:
            return None
        live, use = found
        defined = names.lookup(live, use.name)
        if defined is None:
            return None
        scope, named = defined
        return _location(ls, scope, named.path, named.define.name.span)

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    @guarded(empty)
    def references(ls: OdyServer, params: types.ReferenceParams) -> list[types.Location]:
        own = params.context.include_declaration
        scene = _scene_cursor(ls, params.text_document.uri, params.position)
        if scene is not None:
            return [_here(ls, params.text_document.uri, scene[0], text.span)
                    for text, declaration in scenes.places(scene[0], scene[1].name) if own or not declaration]
        found = _cursor(ls, params.text_document.uri, params.position)
        if found is None:
            return []
        live, use = found
        defined = names.lookup(live, use.name)
        if defined is None:
            return []
        return [_location(ls, scope, path, span) for scope, path, span, declaration in _places(live, defined[1])
                if own or not declaration]

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    def prepare_rename(ls: OdyServer, params: types.PrepareRenameParams) -> types.PrepareRenamePlaceholder:
        """Refused (with the reason) where there is no define's or scene's name to rename."""
        scene = _scene_renamed(ls, params.text_document.uri, params.position)
        if scene is not None:
            return types.PrepareRenamePlaceholder(ls.columns.range(scene[0].line, scene[1].text.span), scene[1].name)
        live, use, _ = _renamed(ls, params.text_document.uri, params.position)
        return types.PrepareRenamePlaceholder(ls.columns.range(live.line, use.span), use.name)

    @server.feature(types.TEXT_DOCUMENT_RENAME)
    def rename(ls: OdyServer, params: types.RenameParams) -> types.WorkspaceEdit:
        """Every place of the name, in every file where it means that define; refused for a
        new name that is not a name, or is already defined there (a scene: every place its name
        is written, in the file)."""
        new = params.new_name
        scene = _scene_renamed(ls, params.text_document.uri, params.position)
        if scene is not None:
            return _rename_scene(ls, params.text_document.uri, *scene, new)
        live, use, named = _renamed(ls, params.text_document.uri, params.position)
        if NAME.fullmatch(new) is None:
            raise Refused(f"`{shown(new, 60)}` cannot name a define: a name is letters, digits, `_` and `-`, "
                          "beginning with a letter or `_`")
        if new == use.name:
            return types.WorkspaceEdit(changes={})
        places = list(_places(live, named))
        clash = next((scope.defines[new] for scope, *_ in places if new in scope.defines), None)
        if clash is not None:
            raise Refused(f"`{shown(new, 60)}` is already defined: line {clash.define.span.line}{_of(clash.path, live)}")
        changes: dict[str, list[types.TextEdit]] = {}
        for scope, path, span, _ in places:
            location = _location(ls, scope, path, span)
            changes.setdefault(location.uri, []).append(types.TextEdit(location.range, new))
        return types.WorkspaceEdit(changes=changes)


def _cursor(ls: OdyServer, uri: str, position: types.Position) -> tuple[LiveDocument, names.Use] | None:
    """The open file and the name at `position` in it."""
    found = _item_at(ls, uri, position)
    use = names.name_at(*found[1:]) if found is not None else None
    return (found[0], use) if found is not None and use is not None else None


def _scene_cursor(ls: OdyServer, uri: str, position: types.Position) -> tuple[LiveDocument, scenes.Named] | None:
    """The open file and the scene name at `position` in it (a scene line's, or after `after`)."""
    found = _item_at(ls, uri, position)
    named = scenes.name_at(*found[1:]) if found is not None else None
    return (found[0], named) if found is not None and named is not None else None


def _item_at(ls: OdyServer, uri: str, position: types.Position) -> tuple[LiveDocument, Item, int, int] | None:
    """The open file, the statement at `position` and the 1-based line and column there."""
    file = ls.files.get(uri)
    if file is None:
        return None
    live = file.live
    line, column = ls.columns.point(live.line, position, live.line_count)
    item = live.item_at(line + 1)
    return (live, item, line + 1, column + 1) if item is not None else None


def _scene_renamed(ls: OdyServer, uri: str, position: types.Position) -> tuple[LiveDocument, scenes.Named] | None:
    """The scene name to rename at `position` (None: not on one); refused for an `after` that
    names no scene."""
    found = _scene_cursor(ls, uri, position)
    if found is not None and scenes.defined(found[0], found[1].name) is None:
        raise Refused(f"no scene is named `{shown(found[1].name, 60)}`: there is nothing to rename")
    return found


def _rename_scene(ls: OdyServer, uri: str, live: LiveDocument, named: scenes.Named, new: str) -> types.WorkspaceEdit:
    """The scene line's name and every `after` naming it, written `new`; refused for a blank
    name or one another scene has."""
    if not new.strip():
        raise Refused("a scene name cannot be empty")
    if new == named.name:
        return types.WorkspaceEdit(changes={})
    clash = scenes.defined(live, new)
    if clash is not None:
        raise Refused(f"`{shown(new, 60)}` is already a scene: line {clash.span.line}")
    written = quote(new)
    return types.WorkspaceEdit(changes={uri: [types.TextEdit(ls.columns.range(live.line, text.span), written)
                                              for text, _ in scenes.places(live, named.name)]})


def _here(ls: OdyServer, uri: str, live: LiveDocument, span: Span) -> types.Location:
    """`span` of the open file `live`, as the client counts it."""
    return types.Location(uri, ls.columns.range(live.line, span))


def _renamed(ls: OdyServer, uri: str, position: types.Position) -> tuple[LiveDocument, names.Use, names.Named]:
    found = _cursor(ls, uri, position)
    if found is None:
        raise Refused("only a define's or a scene's name can be renamed: put the cursor on `define NAME`, on a "
                      "`{NAME}` or on a scene's name")
    live, use = found
    defined = names.lookup(live, use.name)
    if defined is None:
        raise Refused(f"`{{{shown(use.name, 60)}}}` names no define: there is nothing to rename")
    return live, use, defined[1]


def _places(live: LiveDocument, named: names.Named) -> Iterator[tuple[names.Scope, Path | None, Span, bool]]:
    """Each place of `named` (the define first: True), once, with the compilation it was seen in:
    over every open file whose names give that define."""
    seen: set[tuple[object, Span]] = set()
    documents = names.open_documents()
    for document in [live, *(d for d in documents if d is not live and d.path is not None)]:
        scope = names.Scope(document, documents)
        if (found := scope.defines.get(named.define.name.text)) is None or found.key != named.key:
            continue
        if named.key not in seen:
            seen.add(named.key)
            yield scope, named.path, named.define.name.span, True
        for path, use in scope.uses_of(named.define.name.text):
            key = (path if path is not None else id(document), use.span)  # an unsaved file has no path
            if key not in seen:
                seen.add(key)
                yield scope, path, use.span, False


def _location(ls: OdyServer, scope: names.Scope, path: Path | None, span: Span) -> types.Location:
    """Where `span` of a file of `scope`'s compilation is, as the client names and counts it."""
    if path is None or path == scope.path:
        uri = next(f.uri for f in ls.files.values() if f.live is scope.live)
    else:
        uri = next((f.uri for f in ls.files.values() if names.absolute(f.live.path) == path), None) or _uri(path)
    return types.Location(uri, ls.columns.range(scope.line_at(path), span))


def _uri(path: Path) -> str:
    uri = from_fs_path(str(path))
    return uri if uri is not None else path.as_uri()


def _of(path: Path | None, live: LiveDocument) -> str:
    """` of `common.ody`` for a place in another file than `live`."""
    return f" of `{shown(path.name, 60)}`" if path is not None and path != names.absolute(live.path) else ""
