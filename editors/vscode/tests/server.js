'use strict';
// Talks to the real language server the way the extension starts it (`ody lsp`, stdio, the
// same initializationOptions), with the extension's own JSON-RPC library: the server answers
// `initialize`, publishes diagnostics, gives inlay hints and formats.
// Usage: ODY=/path/to/ody node tests/server.js

const assert = require('node:assert/strict');
const cp = require('node:child_process');
const rpc = require('vscode-jsonrpc/node');

const ody = process.env.ODY;
if (!ody) {
  console.error('tests/server.js: set ODY to the ody executable');
  process.exit(2);
}

const uri = 'untitled:window-cat.ody';
const text = '@0 start "A ginger cat dozes"\n@+3s interct "The cat wakes"\n@+3s end\n';

function within(ms, promise, what) {
  const timeout = new Promise((_, reject) => {
    setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms).unref();
  });
  return Promise.race([promise, timeout]);
}

async function main() {
  const server = cp.spawn(ody, ['lsp'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = rpc.createMessageConnection(
    new rpc.StreamMessageReader(server.stdout), new rpc.StreamMessageWriter(server.stdin));
  const diagnostics = new Promise((resolve) => {
    connection.onNotification('textDocument/publishDiagnostics', (params) => {
      if (params.uri === uri) {
        resolve(params.diagnostics);
      }
    });
  });
  connection.onRequest(() => null);  // registrations, refreshes: accepted, nothing to do
  connection.listen();

  const init = await within(20000, connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: null,
    capabilities: { textDocument: { inlayHint: {}, publishDiagnostics: {} }, general: { positionEncodings: ['utf-16'] } },
    initializationOptions: { inlayHints: true },
  }), 'answer to initialize');
  const features = init.capabilities;
  for (const provider of ['hoverProvider', 'completionProvider', 'documentSymbolProvider',
    'documentFormattingProvider', 'codeActionProvider', 'foldingRangeProvider', 'inlayHintProvider']) {
    assert.ok(features[provider], `the server does not offer ${provider}`);
  }
  connection.sendNotification('initialized', {});
  connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'ody', version: 1, text } });

  const found = await within(10000, diagnostics, 'diagnostics');
  assert.ok(found.some((d) => d.code === 'ODY004'), `expected ODY004, got ${JSON.stringify(found)}`);

  const fixed = text.replace('interct', 'interact');
  connection.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 }, contentChanges: [{ text: fixed }],
  });
  const range = { start: { line: 0, character: 0 }, end: { line: 3, character: 0 } };
  const hints = await connection.sendRequest('textDocument/inlayHint', { textDocument: { uri }, range });
  const labels = (hints || []).map((hint) => (typeof hint.label === 'string' ? hint.label : hint.label.map((p) => p.value).join('')));
  assert.equal(labels.length, 2, `expected a hint after each relative time, got ${JSON.stringify(labels)}`);
  assert.ok(labels.every((label) => label.startsWith('= ')), JSON.stringify(labels));

  const edits = await connection.sendRequest('textDocument/formatting', {
    textDocument: { uri }, options: { tabSize: 4, insertSpaces: true },
  });
  assert.ok(Array.isArray(edits), 'formatting answered nothing');

  await connection.sendRequest('shutdown');
  connection.sendNotification('exit');
  const code = await within(10000, new Promise((resolve) => server.on('exit', resolve)), 'exit');
  assert.equal(code, 0, `ody lsp exited with ${code}`);
  connection.dispose();
  console.log(`\`${ody} lsp\`: initialize, diagnostics, ${labels.length} inlay hints (${labels.join(', ')}), formatting, shutdown`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
