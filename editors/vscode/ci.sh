#!/usr/bin/env bash
# CI for the VS Code extension: install the pinned tools (package-lock.json, `npm ci`), test the
# grammar and the extension's start-up code, talk to `$ODY lsp` as the extension does (when ODY
# names an ody executable), package the .vsix and check what is inside it. VS Code itself cannot
# run here: these tests and the language server's own tests are the proof.
# Needs Node.js 20+ and npm (the registry, or a warm npm cache), and python3 to read the .vsix.
# Usage: ODY=/path/to/ody editors/vscode/ci.sh
set -euo pipefail
if [[ "${ODY:-}" == */* ]]; then  # a relative path stays right after the cd below
    ODY="$(cd "$(dirname "$ODY")" && pwd)/$(basename "$ODY")"
fi
cd "$(dirname "$0")"
echo "node $(node --version), npm $(npm --version)"

npm ci --no-audit --no-fund --ignore-scripts  # no install script is needed to test or package

# 1. The TextMate grammar, scope by scope (tests/*.test.ody, vscode-tmgrammar-test).
npm test
# 2. The screenplays the project ships: nothing marked invalid, every time coloured as a time.
node tests/examples.js
# 3. extension.js before the server starts: finding `ody`, the message when it is missing.
node --test tests/extension.test.js
# 4. The real server, started as the extension starts it, when ODY names the ody executable.
if [ -n "${ODY:-}" ]; then
    ODY="$ODY" node tests/server.js
else
    echo "ci.sh: ODY is not set: the language server is not started (ODY=/path/to/ody ci.sh)"
fi

# 5. The .vsix, with the runtime dependencies (vscode-languageclient and what it needs).
rm -f odyssey-dsl.vsix
npm run package
runtime=$(npm ls --omit=dev --all --parseable | sed -n "s|^$PWD/||p" | grep '^node_modules/' || true)
[ -n "$runtime" ] || { echo "ci.sh: npm ls found no runtime dependency" >&2; exit 1; }
python3 - odyssey-dsl.vsix $runtime <<'PY'
import json, sys, zipfile
vsix, runtime = sys.argv[1], sys.argv[2:]
names = set(zipfile.ZipFile(vsix).namelist())
manifest = json.loads(zipfile.ZipFile(vsix).read("extension/package.json"))
grammars = [g["path"].removeprefix("./") for g in manifest["contributes"]["grammars"]]
languages = [l["configuration"].removeprefix("./") for l in manifest["contributes"]["languages"]]
needed = ["extension/package.json", "extension/" + manifest["main"].removeprefix("./"),
          "extension/LICENSE.txt", "extension/readme.md"]
needed += ["extension/" + p for p in grammars + languages]
needed += [f"extension/{package}/package.json" for package in runtime]
needed.append("extension/node_modules/vscode-languageclient/lib/node/main.js")
missing = [n for n in needed if n not in names]
unwanted = sorted(n for n in names if n.startswith(("extension/tests/", "extension/node_modules/.bin/"))
                  or n.startswith(("extension/node_modules/vscode-tmgrammar-test/", "extension/node_modules/@vscode/vsce/")))
if missing or unwanted:
    sys.exit(f"ci.sh: {vsix} is wrong: missing {missing}, unwanted {unwanted[:5]}")
print(f"{vsix}: {len(names)} files, with the grammar, the extension and {len(runtime)} runtime packages")
PY
