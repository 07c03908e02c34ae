'use strict';
// "Preview screenplay": runs `ody preview FILE -o OUT --json` for a saved screenplay and shows
// every video it renders, with its captions, in a webview beside the editor; saving a
// screenplay renders it again. The videos live in the extension's storage, never beside the
// user's files: each render gets a folder of its own (so the webview's URLs change, and a
// failed render leaves the last good one untouched), and closing the panel deletes them all.
// A save renders again the previews that read the file saved (the screenplay, an include), as
// `ody preview --watch` does; until a render has said what it read, every save does. A panel's
// folder is named after the extension host's process (`preview-<pid>-…`): one left behind by a
// window that ended without closing its panels (killed, crashed) is deleted at the next start,
// while the folders of other windows open on the same workspace are left alone.

const crypto = require('crypto');
const cp = require('child_process');
const fs = require('fs');
const path = require('path');
const vscode = require('vscode');

const COMMAND = 'ody.previewScreenplay';
const VIEW_TYPE = 'ody.preview';
const UPGRADE = 'Upgrade odyssey-dsl (`pip install -U odyssey-dsl`, in the environment of `ody.server.path`).';
// stdout is one JSON document and stderr the screenplay's errors: both small, but never cut.
const MAX_BUFFER = 64 * 1024 * 1024;

// document URI -> its open Preview; one panel a screenplay.
const previews = new Map();

function register(context, deps) {
  // The workspace's storage, or the global one when no folder is open.
  const storage = () => (context.storageUri || context.globalStorageUri).fsPath;
  if (context.storageUri || context.globalStorageUri) {  // VS Code always gives one; a bare host may not
    sweep(storage());
  }
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMAND, (uri) => open(uri, storage(), deps)),
    // The previews that read the saved file render again (each at most one render behind,
    // see Preview.refresh). VS Code ignores what a listener returns; the tests wait for it.
    vscode.workspace.onDidSaveTextDocument((document) => {
      const screenplay = document.languageId === 'ody';
      const readers = [...previews.values()].filter((shown) => shown.reads(document.uri.fsPath, screenplay));
      return Promise.all(readers.map((shown) => shown.refresh()));
    }),
  );
}

// The command: from the editor's title bar or context menu `uri` is the file, from the
// palette the active editor's. Returns the preview's first render (the tests wait for it).
async function open(uri, storage, deps) {
  const document = uri
    ? await vscode.workspace.openTextDocument(uri)
    : vscode.window.activeTextEditor && vscode.window.activeTextEditor.document;
  if (!document) {
    vscode.window.showWarningMessage('Odyssey: open a screenplay (.ody) to preview it.');
    return;
  }
  if (document.uri.scheme !== 'file') {
    vscode.window.showWarningMessage(
      'Odyssey: save the screenplay to a file first: `ody preview` renders the file on disk.');
    return;
  }
  const key = document.uri.toString();
  const existing = previews.get(key);
  // Saving renders an open preview again (onDidSaveTextDocument): no second render for it.
  const saveRenders = document.isDirty && existing !== undefined;
  if (document.isDirty && !(await document.save())) {
    vscode.window.showWarningMessage(
      `Odyssey: ${path.basename(document.uri.fsPath)} could not be saved, and the preview renders the file on disk: `
      + 'save it, then preview again.');
    return;
  }
  if (existing) {
    existing.panel.reveal(vscode.ViewColumn.Beside, true);
    return saveRenders ? existing.running : existing.refresh();
  }
  fs.mkdirSync(storage, { recursive: true });
  const shown = new Preview(document.uri, fs.mkdtempSync(path.join(storage, `preview-${process.pid}-`)), deps);
  previews.set(key, shown);
  shown.panel.onDidDispose(() => {
    previews.delete(key);
    shown.close();
  });
  return shown.refresh();
}

// Deletes the preview folders in `storage` whose window is gone: its process has ended, or the
// name says none (an earlier version's). A folder that cannot be read or deleted is left.
function sweep(storage) {
  let names;
  try {
    names = fs.readdirSync(storage);
  } catch {
    return;  // no storage yet: nothing left behind
  }
  for (const name of names) {
    const owner = /^preview-(\d+)-/.exec(name);
    if (name.startsWith('preview-') && !(owner && running(Number(owner[1])))) {
      try {
        fs.rmSync(path.join(storage, name), { recursive: true, force: true });
      } catch {
        // in use on a system that locks open files, or not ours to delete: the next start tries again
      }
    }
  }
}

function running(pid) {
  try {
    process.kill(pid, 0);  // signal 0: nothing is sent, the process is only looked up
    return true;
  } catch (error) {
    return error.code === 'EPERM';  // someone else's process: alive
  }
}

function closeAll() {
  for (const shown of [...previews.values()]) {
    shown.panel.dispose();
  }
}

class Preview {
  constructor(uri, root, { output, locate, missing, install }) {
    this.file = uri.fsPath;
    this.root = root;
    this.output = output;
    this.locate = locate;
    this.missing = missing;
    this.install = install;
    this.renders = 0;
    this.good = null;  // { folder, videos } of the last render that succeeded
    // The files the last render read (`sources` of `ody preview --json`), or null when unknown:
    // no render yet, the last one failed (its includes may have changed), an older `ody`.
    this.sources = null;
    this.running = null;  // the promise of the renders in progress
    this.pending = false;  // saved during a render: one more render after it
    this.child = null;
    this.closed = false;
    this.saidMissing = false;
    this.panel = vscode.window.createWebviewPanel(
      VIEW_TYPE, `Preview ${path.basename(this.file)}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: false, localResourceRoots: [vscode.Uri.file(root)] },
    );
  }

  // Whether saving `file` (`screenplay`: a .ody document) may change what this preview shows:
  // it is the screenplay or a file the last render read (an include may have any name), or a
  // screenplay while what the preview reads is not known (no render has said, or one is
  // running: the screenplay saved may have just started including it).
  reads(file, screenplay) {
    if (file === this.file || (this.sources !== null && this.sources.has(file))) {
      return true;
    }
    return screenplay && (this.sources === null || this.running !== null);
  }

  // One render at a time: a save during a render asks for one more, however many saves.
  refresh() {
    if (this.running) {
      this.pending = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.pending = false;
          try {
            await this.render();
          } catch (error) {  // the storage folder went away, say: shown, and the next save tries again
            this.output.appendLine(`Preview of ${this.file} failed: ${error.message}`);
            this.show({ problem: `The preview failed: ${error.message}` });
          }
        } while (this.pending && !this.closed);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  async render() {
    const ody = this.locate();
    if (ody.executable === null) {
      if (!this.saidMissing) {  // once a panel, not at every save
        this.missing(ody, 'which previews screenplays (`ody preview`)');
        this.saidMissing = true;
      }
      this.show({ problem: `Cannot find \`${ody.configured}\`. ${this.install}` });
      return;
    }
    this.saidMissing = false;
    this.renders += 1;
    const folder = path.join(this.root, String(this.renders));
    fs.mkdirSync(folder);
    this.show({ status: `Rendering ${path.basename(this.file)}…` });
    const result = await runPreview(ody.executable, this.file, folder, (child) => { this.child = child; });
    this.child = null;
    if (this.closed) {
      return;
    }
    this.output.appendLine(`${ody.executable} ${previewArguments(this.file, result.out).join(' ')}`);
    if (result.stderr.trim()) {
      this.output.appendLine(result.stderr.trimEnd());
    }
    this.sources = result.sources || null;
    if (result.videos) {
      const previous = this.good;
      this.good = { folder, videos: result.videos };
      if (previous) {
        fs.rmSync(previous.folder, { recursive: true, force: true });
      }
      this.show({ status: `Rendered at ${new Date().toLocaleTimeString()}.` });
    } else {
      fs.rmSync(folder, { recursive: true, force: true });
      this.output.appendLine(`Preview of ${this.file}: ${result.problem}`);
      const kept = this.good ? ' The videos below are the last good render.' : '';
      this.show({ problem: result.problem + kept, details: result.details });
    }
  }

  show(state) {
    if (this.closed) {
      return;
    }
    const webview = this.panel.webview;
    const videos = this.good ? this.good.videos.map((video) => ({
      ...video,
      videoUri: webview.asWebviewUri(vscode.Uri.file(video.video)).toString(),
      captionsUri: video.captions && webview.asWebviewUri(vscode.Uri.file(video.captions)).toString(),
    })) : [];
    webview.html = html({
      cspSource: webview.cspSource,
      nonce: crypto.randomBytes(16).toString('base64'),
      file: path.basename(this.file),
      videos,
      ...state,
    });
  }

  close() {
    this.closed = true;
    if (this.child) {
      this.child.kill();
    }
    Promise.resolve(this.running).finally(() => fs.rmSync(this.root, { recursive: true, force: true }));
  }
}

function previewArguments(file, out) {
  return ['preview', file, '-o', out, '--json'];
}

// Renders `file` into `folder` (made, empty) with `executable preview FILE -o OUT --json` (no
// shell: the names are arguments, never parsed). OUT is the folder `folder/preview` written with
// a trailing separator, which `ody` makes and fills with `<recording name>.mp4` and `.vtt` for
// every script, one or several: how many the screenplay has need not be known here. The
// answer: `{ out, stderr }` and `videos` when it rendered (every file inside `folder`) with
// `sources` (a Set of the files it read; null from an `ody` that does not say), else `problem`
// (and `details`) in words a writer can act on.
function runPreview(executable, file, folder, started = () => {}) {
  const out = path.join(folder, 'preview') + path.sep;
  return new Promise((resolve) => {
    const child = cp.execFile(executable, previewArguments(file, out),
      { cwd: path.dirname(file), maxBuffer: MAX_BUFFER, windowsHide: true },
      (error, stdout, stderr) => {
        const code = error ? error.code : 0;
        resolve({
          out, stderr: String(stderr),
          ...interpret(executable, code, error, String(stdout), String(stderr), folder),
        });
      });
    started(child);
  });
}

function interpret(executable, code, error, stdout, stderr, folder) {
  if (code === 0) {
    try {
      const answer = JSON.parse(stdout);
      return { videos: videosIn(answer, folder), sources: sourcesIn(answer) };
    } catch (problem) {
      return { problem: `\`${executable} preview\` answered something unexpected: ${problem.message}`, details: stdout };
    }
  }
  if (code === 1) {
    return { problem: 'The screenplay has errors.', details: stderr };
  }
  if (code === 2 && /No such command/.test(stderr)) {
    return { problem: `\`${executable}\` has no \`preview\` command: this odyssey-dsl is older than the preview. ${UPGRADE}` };
  }
  if (typeof code === 'string') {  // ENOENT, EACCES, too much output...
    return { problem: `\`${executable} preview\` failed: ${error.message}` };
  }
  const how = error && error.signal ? `was stopped by ${error.signal}` : `failed (exit status ${code})`;
  return { problem: `\`${executable} preview\` ${how}.`, details: stderr };
}

// The videos of `ody preview --json`, checked: each one's files must lie in `folder` (the
// webview may show nothing else), and a captions file that is not there is left out.
function videosIn(answer, folder) {
  if (!answer || !Array.isArray(answer.videos) || answer.videos.length === 0) {
    throw new Error('no "videos" list');
  }
  const inside = fs.realpathSync(folder) + path.sep;
  const within = (file) => {
    if (typeof file !== 'string' || !path.isAbsolute(file) || !fs.existsSync(file)) {
      return false;
    }
    return fs.realpathSync(file).startsWith(inside);
  };
  return answer.videos.map((video) => {
    if (!within(video.video)) {
      throw new Error(`the video ${JSON.stringify(video.video)} is not a file in ${folder}`);
    }
    return {
      name: String(video.name || path.basename(video.video)),
      scene: typeof video.scene === 'string' ? video.scene : null,
      video: video.video,
      captions: within(video.captions) ? video.captions : null,
      durationMs: Number.isFinite(video.duration_ms) ? video.duration_ms : null,
    };
  });
}

// The files a render read, when the answer lists them as absolute paths; else null (unknown).
function sourcesIn(answer) {
  const listed = answer.sources;
  if (!Array.isArray(listed) || !listed.every((file) => typeof file === 'string' && path.isAbsolute(file))) {
    return null;
  }
  return new Set(listed);
}

// The panel's page: no script, nothing remote; media only from the webview's own resources
// (the preview's folder), the one style block by nonce, every text escaped.
function html({ cspSource, nonce, file, videos, status, problem, details }) {
  const csp = [
    "default-src 'none'",
    `media-src ${cspSource}`,
    `img-src ${cspSource}`,
    `style-src 'nonce-${nonce}'`,
  ].join('; ');
  const figures = videos.map((video) => {
    const about = [video.scene && `scene ${video.scene}`, video.durationMs !== null && seconds(video.durationMs)]
      .filter(Boolean).join(', ');
    const track = video.captionsUri
      ? `\n    <track kind="captions" label="Prompts" default src="${escape(video.captionsUri)}">`
      : '';
    return `<figure>
  <figcaption>${escape(video.name)}${about ? ` <span class="about">(${escape(about)})</span>` : ''}</figcaption>
  <video controls preload="metadata" src="${escape(video.videoUri)}">${track}
  </video>
</figure>`;
  }).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escape(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Preview ${escape(file)}</title>
<style nonce="${escape(nonce)}">
body { padding: 0 1em; }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(16em, 1fr)); gap: 1em; }
figure { margin: 0; }
figcaption { font-weight: bold; margin-bottom: 0.3em; }
.about { font-weight: normal; opacity: 0.8; }
video { max-width: 100%; max-height: 75vh; background: #000; }
.problem { color: var(--vscode-errorForeground, #c00); }
pre { white-space: pre-wrap; background: var(--vscode-textCodeBlock-background); padding: 0.5em; }
</style>
</head>
<body>
${status ? `<p role="status">${escape(status)}</p>\n` : ''}${problem ? `<p class="problem" role="alert">${escape(problem)}</p>\n` : ''}${details ? `<pre>${escape(details.trimEnd())}</pre>\n` : ''}<main>
${figures}
</main>
</body>
</html>
`;
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

module.exports = { register, closeAll, runPreview, html, COMMAND };
