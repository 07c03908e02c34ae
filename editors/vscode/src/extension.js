'use strict';
// The VS Code side of odyssey-dsl: colouring comes from the TextMate grammar, everything else
// (diagnostics, hover, completion, outline, formatting, quick fixes, folding, inlay hints)
// from the language server, `ody lsp` over stdio. This file only finds the executable, starts
// it, restarts it when its settings change, and says plainly what to do when it cannot; the
// "Preview screenplay" command (preview.js) runs `ody preview` with the same executable.

const fs = require('fs');
const os = require('os');
const path = require('path');
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');
const preview = require('./preview');

const NAME = 'Odyssey screenplay';
const INSTALL = 'Install it with `pip install odyssey-dsl` (in the environment VS Code sees), '
  + 'or set `ody.server.path` to the full path of `ody`.';

let client = null;
let output = null;
// Starts and stops run one after another, never interleaved.
let queue = Promise.resolve();

function activate(context) {
  output = vscode.window.createOutputChannel(NAME);
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('ody.restartServer', () => restart()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('ody.server.path')) {
        restart();
      } else if (event.affectsConfiguration('ody.inlayHints.enabled')) {
        sendOptions();
      }
    }),
    // The workspace's `ody.server.path` only counts once the workspace is trusted.
    vscode.workspace.onDidGrantWorkspaceTrust(() => restart()),
  );
  preview.register(context, { output, locate, missing, install: INSTALL });
  return restart();
}

function deactivate() {
  preview.closeAll();
  return enqueue(stop);
}

function restart() {
  return enqueue(async () => {
    await stop();
    await start();
  });
}

function enqueue(step) {
  queue = queue.then(step, step);
  return queue;
}

async function stop() {
  if (client === null) {
    return;
  }
  const running = client;
  client = null;
  try {
    await running.stop();
  } catch (error) {
    output.appendLine(`Stopping the language server failed: ${message(error)}`);
  }
}

// The `ody` that `ody.server.path` names: `executable` is its full path, or null when it
// cannot be found (`configured` is the setting as written, `command` after expansion).
function locate() {
  const settings = vscode.workspace.getConfiguration('ody');
  const configured = settings.get('server.path', 'ody').trim() || 'ody';
  const command = expand(configured);
  return { configured, command, executable: findExecutable(command) };
}

// Says once that `ody` is missing, for `use` (what it was wanted for), and offers the setting.
function missing({ configured, command }, use) {
  output.appendLine(`Cannot find \`${command}\`, ${use}. ${INSTALL}`);
  offerSettings(`Odyssey: cannot find \`${configured}\`, ${use}. ${INSTALL}`);
}

async function start() {
  const settings = vscode.workspace.getConfiguration('ody');
  const ody = locate();
  const { executable } = ody;
  if (executable === null) {
    missing(ody, 'the language server (`ody lsp`)');
    return;
  }
  // No `transport`: the client then talks over stdio without adding `--stdio` to the arguments.
  const serverOptions = {
    command: executable,
    args: ['lsp'],
    options: { cwd: workspaceFolder() || path.dirname(executable) },
  };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'ody' },
      { scheme: 'untitled', language: 'ody' },
    ],
    initializationOptions: serverOptionsFrom(settings),
    outputChannel: output,
  };
  const candidate = new LanguageClient('ody', NAME, serverOptions, clientOptions);
  try {
    await candidate.start();
    client = candidate;
  } catch (error) {
    output.appendLine(`\`${executable} lsp\` did not start: ${message(error)}`);
    try {
      await candidate.stop();
    } catch (ignored) {
      // it never ran
    }
    offerSettings(
      `Odyssey: \`${executable} lsp\` did not start (${message(error)}). `
      + 'Check that this odyssey-dsl is recent enough to have `ody lsp` (`ody lsp --help`), '
      + 'and see the "Odyssey screenplay" output for details.',
    );
  }
}

// What the server reads at `initialize` and from `workspace/didChangeConfiguration` (section
// `ody`): `{"inlayHints": false}` turns the hints off.
function serverOptionsFrom(settings) {
  return { inlayHints: settings.get('inlayHints.enabled', true) };
}

function sendOptions() {
  return enqueue(async () => {
    if (client === null) {
      return;
    }
    const settings = vscode.workspace.getConfiguration('ody');
    await client.sendNotification('workspace/didChangeConfiguration', { settings: { ody: serverOptionsFrom(settings) } });
  });
}

// Not awaited: the notification stays until dismissed, and starts or stops must not wait for it.
async function offerSettings(text) {
  const choice = await vscode.window.showErrorMessage(text, 'Open Settings', 'Show Output');
  if (choice === 'Open Settings') {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'ody.server.path');
  } else if (choice === 'Show Output') {
    output.show(true);
  }
}

function workspaceFolder() {
  const folders = vscode.workspace.workspaceFolders;
  return folders && folders.length > 0 ? folders[0].uri.fsPath : null;
}

// `${workspaceFolder}`, `${userHome}` and a leading `~` in the setting, as in VS Code's own
// path settings; a relative path with a separator counts from the workspace folder.
function expand(value) {
  const folder = workspaceFolder();
  let result = value.replace(/\$\{userHome\}/g, os.homedir());
  if (folder !== null) {
    result = result.replace(/\$\{workspaceFolder\}/g, folder);
  }
  if (result === '~' || result.startsWith('~/') || result.startsWith('~\\')) {
    result = path.join(os.homedir(), result.slice(1));
  }
  if (hasSeparator(result) && !path.isAbsolute(result)) {
    result = path.resolve(folder || os.homedir(), result);
  }
  return result;
}

function hasSeparator(value) {
  return value.includes('/') || (process.platform === 'win32' && value.includes('\\'));
}

// The full path of `command` (a path, or a name looked up on PATH, with PATHEXT on Windows),
// or null: spawning a missing program only gives an obscure error much later.
function findExecutable(command) {
  const suffixes = process.platform === 'win32'
    ? [''].concat((process.env.PATHEXT || '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean))
    : [''];
  const candidates = (base) => suffixes.map((suffix) => base + suffix);
  if (path.isAbsolute(command)) {
    return candidates(command).find(isExecutable) || null;
  }
  const dirs = (process.env.PATH || '').split(path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    const found = candidates(path.join(dir, command)).find(isExecutable);
    if (found) {
      return found;
    }
  }
  return null;
}

function isExecutable(file) {
  try {
    if (!fs.statSync(file).isFile()) {
      return false;
    }
    if (process.platform !== 'win32') {
      fs.accessSync(file, fs.constants.X_OK);
    }
    return true;
  } catch (error) {
    return false;
  }
}

function message(error) {
  return error instanceof Error ? error.message : String(error);
}

module.exports = { activate, deactivate, findExecutable, expand, runPreview: preview.runPreview, previewPage: preview.html };
