'use strict';
// The parts of the extension that run before the language server: finding the executable and
// the message when it is missing. VS Code cannot run here, so `vscode` is a small stand-in
// (stand-in.js, which also says what ODY_EXTENSION does).
// Usage: [ODY_EXTENSION=path/to/dist/extension.js] node --test tests/extension.test.js

const assert = require('node:assert/strict');
const fs = require('node:fs');
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');
const test = require('node:test');
const { extension, bundle, requested, shown, settings } = require('./stand-in');

function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'ody-vscode-'));
}

test('an executable is found on PATH, a plain file or a missing one is not', { skip: process.platform === 'win32' }, () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'ody'), '#!/bin/sh\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'not-executable'), '', { mode: 0o644 });
  const saved = process.env.PATH;
  process.env.PATH = ['/nonexistent', dir].join(path.delimiter);
  try {
    assert.equal(extension.findExecutable('ody'), path.join(dir, 'ody'));
    assert.equal(extension.findExecutable('not-executable'), null);
    assert.equal(extension.findExecutable('missing'), null);
    assert.equal(extension.findExecutable(path.join(dir, 'ody')), path.join(dir, 'ody'));
    assert.equal(extension.findExecutable(dir), null);
  } finally {
    process.env.PATH = saved;
  }
});

test('the setting may name the workspace folder, the home folder or a relative path', { skip: process.platform === 'win32' }, () => {
  assert.equal(extension.expand('${workspaceFolder}/.venv/bin/ody'), '/work/screenplays/.venv/bin/ody');
  assert.equal(extension.expand('~/bin/ody'), path.join(os.homedir(), 'bin/ody'));
  assert.equal(extension.expand('${userHome}/bin/ody'), path.join(os.homedir(), 'bin/ody'));
  assert.equal(extension.expand('.venv/bin/ody'), '/work/screenplays/.venv/bin/ody');
  assert.equal(extension.expand('ody'), 'ody');
});

test('a missing executable gives one clear message, and activation does not wait for it', async () => {
  settings['server.path'] = 'ody-that-does-not-exist';
  shown.length = 0;
  const context = { subscriptions: [] };
  await extension.activate(context);
  assert.equal(shown.length, 1);
  const { text, actions } = shown[0];
  assert.match(text, /cannot find `ody-that-does-not-exist`/);
  assert.match(text, /pip install odyssey-dsl/);
  assert.match(text, /ody\.server\.path/);
  assert.deepEqual(actions, ['Open Settings', 'Show Output']);
  await extension.deactivate();
});

test('the bundle needs nothing but vscode and Node\'s own modules', { skip: !bundle && 'ODY_EXTENSION is not set' }, () => {
  const foreign = [...requested].filter((name) => name !== 'vscode' && name !== path.resolve(bundle) && !Module.isBuiltin(name));
  assert.deepEqual(foreign, []);
  assert.equal(typeof extension.activate, 'function');
  assert.equal(typeof extension.deactivate, 'function');
});
