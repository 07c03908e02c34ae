#!/usr/bin/env bash
# CI for the VS Code extension: install the pinned tools (package-lock.json, `npm ci`), test the
# grammar, package the .vsix (esbuild bundles src/extension.js with vscode-languageclient into
# dist/extension.js) and check what is inside it, test the extension's start-up code and its
# preview command as shipped (the bundle unpacked from the .vsix, away from node_modules), and
# talk to `$ODY lsp` as the extension does (when ODY names an ody executable). VS Code itself
# cannot run here: these tests and the language server's own tests are the proof.
# Needs Node.js 20+ and npm (the registry, or a warm npm cache), and python3 to read the .vsix.
# Usage: ODY=/path/to/ody editors/vscode/ci.sh
set -euo pipefail
if [[ "${ODY:-}" == */* ]]; then  # a relative path stays right after the cd below
    ODY="$(cd "$(dirname "$ODY")" && pwd)/$(basename "$ODY")"
fi
cd "$(dirname "$0")"
echo "node $(node --version), npm $(npm --version)"

npm ci --no-audit --no-fund --ignore-scripts  # no install script is needed to test, bundle or package

# 1. The TextMate grammar, scope by scope (tests/*.test.ody, vscode-tmgrammar-test).
npm test
# 2. The screenplays the project ships: nothing marked invalid, every cue's time and action coloured.
node tests/examples.js

# 3. The .vsix: exactly the manifest, the one-file bundle, the grammar, the language
# configuration, licence, readme and changelog; no node_modules, no sources, no tests.
rm -rf odyssey-dsl.vsix dist
npm run package
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked" dist' EXIT  # the bundle is in the .vsix; the sdist must not take it
python3 - odyssey-dsl.vsix "$unpacked" <<'PY'
import json, sys, zipfile
vsix, into = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(vsix) as archive:
    names = set(archive.namelist())
    manifest = json.loads(archive.read("extension/package.json"))
    archive.extractall(into)
contributes = manifest["contributes"]
files = [manifest["main"]] + [g["path"] for g in contributes["grammars"]]
files += [language["configuration"] for language in contributes["languages"]]
wanted = {"[Content_Types].xml", "extension.vsixmanifest", "extension/package.json", "extension/LICENSE.txt",
          "extension/readme.md", "extension/changelog.md"} | {"extension/" + f.removeprefix("./") for f in files}
if names != wanted:
    sys.exit(f"ci.sh: {vsix} is wrong: missing {sorted(wanted - names)}, unwanted {sorted(names - wanted)[:10]}")
if "dependencies" in manifest:
    sys.exit(f"ci.sh: {vsix}: the extension has runtime dependencies {manifest['dependencies']}: bundle them")
print(f"{vsix}: {len(names)} files, the extension in one bundle ({manifest['main']})")
PY
# 4. The bundle as shipped, before the server starts: finding `ody`, the message when it is
# missing, and that it loads with nothing but `vscode` and Node's own modules; the "Preview
# screenplay" command with a stand-in `ody` (and with `$ODY preview`, when ODY is set).
ODY_EXTENSION="$unpacked/extension/dist/extension.js" node --test tests/extension.test.js tests/preview.test.js
# 5. The real server, started as the extension starts it, when ODY names the ody executable.
if [ -n "${ODY:-}" ]; then
    ODY="$ODY" node tests/server.js
else
    echo "ci.sh: ODY is not set: the language server is not started (ODY=/path/to/ody ci.sh)"
fi
