'use strict';
// A small stand-in for the `vscode` module (VS Code cannot run here), recording what the
// extension asks of it: messages, commands, webview panels, output lines; and the extension
// loaded through it. ODY_EXTENSION names the file to test: ci.sh gives the bundle unpacked
// from the .vsix (which must then load with nothing but `vscode` and Node's own modules);
// the default is the source.

const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

const shown = [];  // notifications: { level, text, actions }
const output = [];  // lines of the output channel
const panels = [];  // webview panels created
const commands = new Map();
const saveListeners = [];
const settings = { 'server.path': 'ody', 'inlayHints.enabled': true };

class Uri {
  constructor(scheme, fsPath) {
    this.scheme = scheme;
    this.fsPath = fsPath;
    this.path = fsPath;
  }

  static file(fsPath) {
    return new Uri('file', fsPath);
  }

  toString() {
    return `${this.scheme}:${this.fsPath}`;
  }
}

// A text document: `save()` fires onDidSaveTextDocument as VS Code does, and waits for what
// the listeners return (the extension returns its renders, so that tests can wait for them).
const documents = new Map();  // URI -> the document openTextDocument gives

function textDocument(uri, { isDirty = false, languageId = 'ody' } = {}) {
  const document = {
    uri,
    languageId,
    isDirty,
    saveFails: false,
    async save() {
      if (this.saveFails) {
        return false;
      }
      this.isDirty = false;
      await Promise.all(saveListeners.map((listener) => listener(this)));
      return true;
    },
  };
  documents.set(uri.toString(), document);
  return document;
}

function notify(level) {
  // Like VS Code's, the promise settles only when the user closes the notification: here never.
  return (text, ...actions) => {
    shown.push({ level, text, actions });
    return new Promise(() => {});
  };
}

const vscode = {
  Uri,
  ViewColumn: { Active: -1, Beside: -2 },
  workspace: {
    workspaceFolders: [{ uri: { fsPath: '/work/screenplays' } }],
    getConfiguration: () => ({ get: (key, fallback) => (key in settings ? settings[key] : fallback) }),
    onDidChangeConfiguration: () => ({ dispose() {} }),
    onDidGrantWorkspaceTrust: () => ({ dispose() {} }),
    onDidSaveTextDocument: (listener) => {
      saveListeners.push(listener);
      return { dispose() {} };
    },
    openTextDocument: async (uri) => documents.get(uri.toString()) || textDocument(uri),
  },
  window: {
    activeTextEditor: undefined,
    createOutputChannel: () => ({ appendLine: (line) => output.push(line), show() {}, dispose() {} }),
    showErrorMessage: notify('error'),
    showWarningMessage: notify('warning'),
    showInformationMessage: notify('information'),
    createWebviewPanel: (viewType, title, showOptions, options) => {
      const disposeListeners = [];
      const panel = {
        viewType,
        title,
        showOptions,
        options,
        revealed: [],
        disposed: false,
        webview: {
          html: '',
          cspSource: 'https://*.vscode-cdn.net',
          // Unlike VS Code's, the path is not percent-encoded: the page must escape it.
          asWebviewUri: (uri) => ({ toString: () => `https://file+.vscode-resource.vscode-cdn.net${uri.fsPath}` }),
        },
        reveal: (column, preserveFocus) => panel.revealed.push({ column, preserveFocus }),
        onDidDispose: (listener) => {
          disposeListeners.push(listener);
          return { dispose() {} };
        },
        dispose: () => {
          panel.disposed = true;
          disposeListeners.forEach((listener) => listener());
        },
      };
      panels.push(panel);
      return panel;
    },
  },
  commands: {
    registerCommand: (name, handler) => {
      commands.set(name, handler);
      return { dispose() {} };
    },
    executeCommand: async (name, ...args) => (commands.has(name) ? commands.get(name)(...args) : undefined),
  },
};

// vscode-languageclient subclasses a few of VS Code's classes as it loads: any name this
// stand-in lacks is an empty class.
const stub = new Proxy(vscode, { get: (target, name) => (name in target ? target[name] : class {}) });
const bundle = process.env.ODY_EXTENSION;
const requested = new Set();
const load = Module._load;
Module._load = function (request, ...rest) {
  requested.add(request);
  return request === 'vscode' ? stub : load.call(this, request, ...rest);
};
const extension = require(bundle ? path.resolve(bundle) : '../src/extension.js');
// The manifest shipped with the file tested: the .vsix's when ci.sh unpacked it.
const manifest = JSON.parse(fs.readFileSync(
  bundle ? path.resolve(path.dirname(bundle), '..', 'package.json') : path.join(__dirname, '..', 'package.json'), 'utf8'));

module.exports = {
  vscode, extension, manifest, bundle, requested, shown, output, panels, commands, settings, textDocument,
};
