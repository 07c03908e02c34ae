'use strict';
// The "Preview screenplay" command, through the `vscode` stand-in (stand-in.js): its wiring in
// the manifest, how it runs `ody preview` (a stand-in `ody`, a small Node script that answers
// as the contract says and logs its arguments), the page it shows, renders on save, and what
// it says when something goes wrong. With ODY naming a real `ody`, the runner also previews
// examples/window-cat.ody with it.
// Usage: [ODY_EXTENSION=path/to/dist/extension.js] [ODY=path/to/ody] node --test tests/preview.test.js

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const test = require('node:test');
const {
  vscode, extension, manifest, shown, output, panels, commands, settings, textDocument,
} = require('./stand-in');

const COMMAND = 'ody.previewScreenplay';
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ody-preview-'));
const storage = path.join(work, 'storage');
const log = path.join(work, 'ody.log');
process.env.FAKE_ODY_LOG = log;

// The stand-in `ody preview`: what it does depends on words in the screenplay. ERROR: the
// screenplay has errors (exit 1); WAIT: says it started, then waits for the gate file; TWO:
// two scripts, the recordings day and night; HOSTILE: a recording name made of HTML; OUTSIDE:
// names a video outside the output folder; OLD: an `ody` from before `sources` (none listed).
// Otherwise one script, named after the file; the files it read (`sources`) are the file and
// every `include "NAME"` it holds, resolved against its folder. As the
// real one, -o naming a folder (one that exists, or written with a trailing separator) gets
// `<recording name>.mp4` and `.vtt` for every script, one or several, the folder made if missing
// (its parent must exist); any other -o (a .mp4, which the extension never gives) is exit 2.
const fakeOdy = path.join(work, 'bin', 'ody');
fs.mkdirSync(path.dirname(fakeOdy));
fs.writeFileSync(fakeOdy, `#!${process.execPath}
'use strict';
const fs = require('fs');
const path = require('path');
const [command, file, flag, out, json] = process.argv.slice(2);
const log = process.env.FAKE_ODY_LOG;
fs.appendFileSync(log, JSON.stringify({ args: process.argv.slice(2), cwd: process.cwd() }) + '\\n');
if (command !== 'preview' || flag !== '-o' || json !== '--json') {
  process.stderr.write('Error: bad arguments');
  process.exit(2);
}
const text = fs.readFileSync(file, 'utf8');
function finish() {
  if (text.includes('ERROR')) {
    process.stderr.write(path.basename(file) + ':3:5: error: unknown action \`interct\` <not a tag> [ODY004]\\n');
    process.exit(1);
  }
  const write = (video, name, scene) => {
    fs.writeFileSync(video, 'not really an mp4');
    const captions = video.replace(/\\.mp4$/, '.vtt');
    fs.writeFileSync(captions, 'WEBVTT\\n\\n00:00:00.000 --> 00:00:03.000\\nA ginger cat dozes\\n');
    return { name, scene, video, captions, duration_ms: 9000 };
  };
  const scripts = text.includes('TWO') ? [['day', 'day'], ['night', 'night']]
    : [[text.includes('HOSTILE') ? '<img src=x onerror=alert(1)> & "quotes"' : path.basename(file, '.ody'), null]];
  if (!out.endsWith(path.sep) && !(fs.existsSync(out) && fs.statSync(out).isDirectory())) {
    process.stderr.write('stand-in ody preview: -o ' + out + ': give a folder\\n');
    process.exit(2);
  }
  if (!fs.existsSync(out)) {
    fs.mkdirSync(out);  // not recursive: its parent must exist
  }
  const videos = scripts.map(([name, scene]) => write(path.join(out, name + '.mp4'), name, scene));
  if (text.includes('OUTSIDE')) {
    videos[0].video = __filename;
  }
  const sources = [path.resolve(file),
    ...[...text.matchAll(/include "([^"]+)"/g)].map((match) => path.resolve(path.dirname(file), match[1]))];
  process.stdout.write(JSON.stringify(text.includes('OLD') ? { videos } : { videos, sources }) + '\\n');
}
if (text.includes('WAIT')) {
  fs.writeFileSync(log + '.started', '');
  const wait = setInterval(() => {
    if (fs.existsSync(log + '.gate')) {
      clearInterval(wait);
      finish();
    }
  }, 10);
} else {
  finish();
}
`, { mode: 0o755 });

// An odyssey-dsl from before `ody preview`: click's answer to an unknown command.
const oldOdy = path.join(work, 'bin', 'old-ody');
fs.writeFileSync(oldOdy, `#!/bin/sh
echo "Usage: ody [OPTIONS] COMMAND [ARGS]..." >&2
echo "Try 'ody --help' for help." >&2
echo "" >&2
echo "Error: No such command '$1'." >&2
exit 2
`, { mode: 0o755 });

function invocations() {
  return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map(JSON.parse) : [];
}

// A screenplay on disk and its document; `name` may hold any character a file name can.
function screenplay(name, text) {
  const folder = fs.mkdtempSync(path.join(work, 'screenplays-'));
  const file = path.join(folder, name);
  fs.writeFileSync(file, text);
  return textDocument(vscode.Uri.file(file));
}

async function preview(document) {
  await vscode.commands.executeCommand(COMMAND, document.uri);
  return panels.find((panel) => panel.title === `Preview ${path.basename(document.uri.fsPath)}` && !panel.disposed);
}

// The src of each <video> and <track> in the page.
function sources(html, tag) {
  return [...html.matchAll(new RegExp(`<${tag}\\b[^>]*\\bsrc="([^"]*)"`, 'g'))].map((match) => match[1]);
}

async function until(check, what) {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > 30000) {
      throw new Error(`${what} did not happen`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// Left in the storage before the extension starts: a window that is gone (a pid no process
// has), this very process's (another window open on the workspace, say), an earlier version's.
const gone = path.join(storage, 'preview-4194999-gone');
const alive = path.join(storage, `preview-${process.pid}-alive`);
const older = path.join(storage, 'preview-Ab12cD');
for (const folder of [gone, alive, older]) {
  fs.mkdirSync(path.join(folder, '1', 'preview'), { recursive: true });
  fs.writeFileSync(path.join(folder, '1', 'preview', 'cat.mp4'), 'a video');
}
fs.writeFileSync(path.join(storage, 'notes.txt'), 'not a preview');

test.before(async () => {
  settings['server.path'] = 'ody-that-does-not-exist';  // no language server in these tests
  await extension.activate({ subscriptions: [], storageUri: vscode.Uri.file(storage) });
  settings['server.path'] = fakeOdy;
});

test.afterEach(() => {
  // Saving a screenplay may render an open preview again: close what a test left open.
  panels.filter((panel) => !panel.disposed).forEach((panel) => panel.dispose());
});

test.beforeEach(() => {
  shown.length = 0;
  output.length = 0;
  fs.rmSync(log, { force: true });
});

test.after(async () => {
  await extension.deactivate();
  fs.rmSync(work, { recursive: true, force: true });
});

test('the command is contributed for screenplays only, and registered when the extension starts', () => {
  const contributed = manifest.contributes.commands.find((command) => command.command === COMMAND);
  assert.deepEqual([contributed.title, contributed.category], ['Preview screenplay', 'Odyssey']);
  const menus = manifest.contributes.menus;
  for (const [menu, when] of [['editor/title', 'editorLangId == ody'], ['editor/context', 'editorLangId == ody'],
    ['commandPalette', 'editorLangId == ody'], ['explorer/context', 'resourceLangId == ody']]) {
    const entries = menus[menu].filter((entry) => entry.command === COMMAND);
    assert.deepEqual(entries.map((entry) => entry.when), [when], menu);
  }
  // VS Code 1.74 and later activate an extension for its contributed commands (and
  // languages) without activation events; an engine that allows older needs onCommand.
  const [major, minor] = manifest.engines.vscode.replace(/^\^/, '').split('.').map(Number);
  assert.ok(major > 1 || minor >= 74 || manifest.activationEvents.includes(`onCommand:${COMMAND}`),
    `engine ${manifest.engines.vscode} needs onCommand:${COMMAND}`);
  for (const command of manifest.contributes.commands) {
    assert.ok(commands.has(command.command), `${command.command} is not registered at activation`);
  }
});

test('the preview folders of windows that are gone are deleted at the start, the others kept', () => {
  assert.ok(!fs.existsSync(gone) && !fs.existsSync(older));
  assert.ok(fs.existsSync(path.join(alive, '1', 'preview', 'cat.mp4')));
  assert.ok(fs.existsSync(path.join(storage, 'notes.txt')));
});

test('ody previews the file into the extension storage, names passed as arguments, never through a shell', async () => {
  const name = 'it\'s a "cat" $(touch pwned); `touch pwned` & more.ody';
  const document = screenplay(name, '@0 start "A cat"\n@9s end\n');
  const before = fs.readdirSync(path.dirname(document.uri.fsPath));
  const panel = await preview(document);
  const [{ args, cwd }] = invocations();
  assert.deepEqual(args.slice(0, 3), ['preview', document.uri.fsPath, '-o']);
  assert.equal(args[4], '--json');
  assert.equal(args.length, 5);
  assert.ok(args[3].startsWith(storage + path.sep), `${args[3]} is not in the extension's storage`);
  // A folder, written with a trailing separator: one run, whether the screenplay has one script
  // or several.
  assert.ok(args[3].endsWith(`${path.sep}preview${path.sep}`), args[3]);
  assert.equal(cwd, path.dirname(document.uri.fsPath));
  assert.deepEqual(fs.readdirSync(path.dirname(document.uri.fsPath)), before, 'something was written beside the screenplay');
  assert.ok(!fs.existsSync(path.join(cwd, 'pwned')), 'a shell ran the file name');
  assert.equal(sources(panel.webview.html, 'video').length, 1);
  assert.equal(output[0], `${fakeOdy} preview ${document.uri.fsPath} -o ${args[3]} --json`);
  panel.dispose();
});

test('the panel opens beside the editor with the video and its captions, under a policy that allows nothing else', async () => {
  const document = screenplay('window-cat.ody', '@0 start "A cat"\n@9s end\n');
  const panel = await preview(document);
  assert.deepEqual(panel.showOptions, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true });
  assert.equal(panel.options.enableScripts, false);
  const out = invocations()[0].args[3];
  const root = path.dirname(path.dirname(out));
  assert.deepEqual(panel.options.localResourceRoots.map((uri) => uri.fsPath), [root]);
  const video = path.join(out, 'window-cat.mp4');
  const html = panel.webview.html;
  const policy = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/)[1].replace(/&#39;/g, "'");
  assert.match(policy, /default-src 'none'/);
  assert.match(policy, /media-src https:\/\/\*\.vscode-cdn\.net(;|$)/);
  assert.match(policy, /img-src https:\/\/\*\.vscode-cdn\.net(;|$)/);
  assert.doesNotMatch(policy, /script-src|unsafe|http:|\*(?!\.vscode-cdn)/);
  assert.doesNotMatch(html, /<script/);
  assert.deepEqual(sources(html, 'video'), [`https://file+.vscode-resource.vscode-cdn.net${video}`]);
  assert.deepEqual(sources(html, 'track'), [`https://file+.vscode-resource.vscode-cdn.net${video.replace(/\.mp4$/, '.vtt')}`]);
  assert.match(html, /<track kind="captions" label="Prompts" default src=/);
  assert.match(html, /<video controls /);
  assert.match(html, /window-cat <span class="about">\(9 s\)<\/span>/);
  panel.dispose();
});

test('a screenplay of several scripts shows every video, each with its captions and scene, rendered by one run as one script is', async () => {
  const document = screenplay('seasons.ody', 'TWO\n');
  const panel = await preview(document);
  const html = panel.webview.html;
  assert.equal(sources(html, 'video').length, 2);
  assert.deepEqual(sources(html, 'track').map((src) => path.basename(src)), ['day.vtt', 'night.vtt']);
  assert.match(html, /day <span class="about">\(scene day, 9 s\)/);
  assert.match(html, /night <span class="about">\(scene night, 9 s\)/);
  assert.doesNotMatch(html, /class="problem"/);
  // Down to one script, and up to two again: one run each, the same -o, whatever the count.
  fs.writeFileSync(document.uri.fsPath, '@0 start "A cat"\n@9s end\n');
  await document.save();
  assert.deepEqual(sources(panel.webview.html, 'video').map((src) => path.basename(src)), ['seasons.mp4']);
  assert.match(panel.webview.html, /<p role="status">Rendered at /);
  fs.writeFileSync(document.uri.fsPath, 'TWO\n');
  await document.save();
  assert.equal(sources(panel.webview.html, 'video').length, 2);
  const outs = invocations().map(({ args }) => args[3]);
  assert.equal(outs.length, 3);
  assert.deepEqual(outs.map((out) => path.relative(path.dirname(path.dirname(out)), out)),
    ['1', '2', '3'].map((render) => path.join(render, 'preview')));
  panel.dispose();
});

test('names from the file and from ody are escaped in the page', async () => {
  const document = screenplay('<b>bold<b> & "it\'s".ody', 'HOSTILE\n');
  const panel = await preview(document);
  const html = panel.webview.html;
  assert.doesNotMatch(html, /<b>|<img|"quotes"|"it/);
  assert.match(html, /&#60;img src=x onerror=alert\(1\)&#62; &#38; &#34;quotes&#34;/);
  assert.match(html, /<title>Preview &#60;b&#62;bold&#60;b&#62; &#38; &#34;it&#39;s&#34;\.ody<\/title>/);
  for (const src of sources(html, 'video').concat(sources(html, 'track'))) {
    assert.doesNotMatch(src, /[<>"']/);
  }
  panel.dispose();
});

test('saving renders again into a new folder, so the video URL changes, and the previous render is deleted', async () => {
  const document = screenplay('cat.ody', '@0 start "A cat"\n@9s end\n');
  const panel = await preview(document);
  const [first] = sources(panel.webview.html, 'video');
  await document.save();
  const [second] = sources(panel.webview.html, 'video');
  assert.notEqual(second, first);
  const [one, two] = invocations().map(({ args }) => args[3]);
  assert.equal(path.dirname(path.dirname(one)), path.dirname(path.dirname(two)));
  assert.ok(!fs.existsSync(path.dirname(one)), 'the previous render was kept');
  assert.ok(fs.existsSync(two));
  assert.match(panel.webview.html, /<p role="status">Rendered at /);
  panel.dispose();
});

test('a save renders again the previews that read the file saved, and all of them when that is not known', async () => {
  const document = screenplay('cat.ody', 'include "lib/names.ody"\n@0 start "A cat"\n@9s end\n');
  const folder = path.dirname(document.uri.fsPath);
  fs.mkdirSync(path.join(folder, 'lib'));
  fs.writeFileSync(path.join(folder, 'lib', 'names.ody'), 'define hero "a cat"\n');
  const library = textDocument(vscode.Uri.file(path.join(folder, 'lib', 'names.ody')));
  const unrelated = textDocument(vscode.Uri.file(path.join(folder, 'other.ody')));
  fs.writeFileSync(unrelated.uri.fsPath, '@0 start "A dog"\n@9s end\n');
  const alone = screenplay('dog.ody', '@0 start "A dog"\n@9s end\n');
  const old = screenplay('old.ody', 'OLD\n@0 start "A bird"\n@9s end\n');
  const opened = [await preview(document), await preview(alone), await preview(old)];
  const renders = () => invocations().map(({ args }) => path.basename(args[1]));
  assert.deepEqual(renders(), ['cat.ody', 'dog.ody', 'old.ody']);
  await library.save();  // read by cat.ody; old.ody's ody does not say what it read
  assert.deepEqual(renders().slice(3).sort(), ['cat.ody', 'old.ody']);
  await unrelated.save();
  assert.deepEqual(renders().slice(5), ['old.ody']);
  await alone.save();
  assert.deepEqual(renders().slice(6).sort(), ['dog.ody', 'old.ody']);
  // A render that failed read files nobody can say: every save renders it again.
  fs.writeFileSync(document.uri.fsPath, 'ERROR\n');
  await document.save();
  await unrelated.save();
  assert.deepEqual(renders().slice(8).sort(), ['cat.ody', 'cat.ody', 'old.ody', 'old.ody']);
  opened.forEach((panel) => panel.dispose());
});

test('an include of any name is followed, and a screenplay saved during a render is rendered after it', async () => {
  const document = screenplay('cat.ody', 'include "look.txt"\n@0 start "A cat"\n@9s end\n');
  const folder = path.dirname(document.uri.fsPath);
  fs.writeFileSync(path.join(folder, 'look.txt'), 'define hero "a cat"\n');
  const look = textDocument(vscode.Uri.file(path.join(folder, 'look.txt')), { languageId: 'plaintext' });
  const notes = textDocument(vscode.Uri.file(path.join(folder, 'notes.txt')), { languageId: 'plaintext' });
  const panel = await preview(document);
  await look.save();
  await notes.save();
  assert.equal(invocations().length, 2);  // the include's save, not the notes'
  // The screenplay starts including new.ody, which is saved while that render runs: the
  // render may have read it before the save, so one more follows.
  const added = textDocument(vscode.Uri.file(path.join(folder, 'new.ody')));
  fs.writeFileSync(added.uri.fsPath, 'define place "a windowsill"\n');
  fs.writeFileSync(document.uri.fsPath, 'WAIT\ninclude "new.ody"\n@0 start "A cat"\n@9s end\n');
  const running = document.save();
  await until(() => fs.existsSync(`${log}.started`), 'the render');
  const during = added.save();
  fs.writeFileSync(`${log}.gate`, '');
  await Promise.all([running, during]);
  assert.equal(invocations().length, 4);
  await notes.save();
  assert.equal(invocations().length, 4);
  panel.dispose();
  fs.rmSync(`${log}.started`);
  fs.rmSync(`${log}.gate`);
});

test('saves during a render queue one more render, not one each', async () => {
  const document = screenplay('slow.ody', 'WAIT\n');
  const first = vscode.commands.executeCommand(COMMAND, document.uri);
  await until(() => fs.existsSync(`${log}.started`), 'the first render');
  const panel = panels[panels.length - 1];
  assert.match(panel.webview.html, /<p role="status">Rendering slow\.ody…<\/p>/);
  const saves = [document.save(), document.save(), document.save()];
  fs.writeFileSync(`${log}.gate`, '');
  await Promise.all([first, ...saves]);
  assert.equal(invocations().length, 2);
  assert.equal(sources(panel.webview.html, 'video').length, 1);
  panel.dispose();
  fs.rmSync(`${log}.started`);
  fs.rmSync(`${log}.gate`);
});

test('a screenplay with errors shows them in the panel and the output, keeping the last good video', async () => {
  const document = screenplay('cat.ody', '@0 start "A cat"\n@9s end\n');
  const panel = await preview(document);
  const [good] = sources(panel.webview.html, 'video');
  fs.writeFileSync(document.uri.fsPath, 'ERROR\n');
  await document.save();
  const html = panel.webview.html;
  assert.match(html, /<p class="problem" role="alert">The screenplay has errors\. The videos below are the last good render\.<\/p>/);
  assert.match(html, /<pre>cat\.ody:3:5: error: unknown action `interct` &#60;not a tag&#62; \[ODY004\]<\/pre>/);
  assert.deepEqual(sources(html, 'video'), [good]);
  assert.ok(fs.existsSync(new URL(good.replace('https://file+.vscode-resource.vscode-cdn.net', 'file://')).pathname));
  assert.ok(output.includes('cat.ody:3:5: error: unknown action `interct` <not a tag> [ODY004]'), output.join('\n'));
  assert.equal(fs.readdirSync(path.dirname(path.dirname(invocations()[1].args[3]))).length, 1, 'the failed render was kept');
  panel.dispose();
});

test('without ody the preview says what the language server says, with the same actions', async () => {
  settings['server.path'] = 'ody-that-does-not-exist';
  try {
    const document = screenplay('cat.ody', '@0 start "A cat"\n@9s end\n');
    const panel = await preview(document);
    assert.equal(shown.length, 1);
    assert.match(shown[0].text, /^Odyssey: cannot find `ody-that-does-not-exist`, which previews screenplays \(`ody preview`\)\. /);
    assert.match(shown[0].text, /pip install odyssey-dsl/);
    assert.match(shown[0].text, /ody\.server\.path/);
    assert.deepEqual(shown[0].actions, ['Open Settings', 'Show Output']);
    assert.match(panel.webview.html, /<p class="problem" role="alert">Cannot find `ody-that-does-not-exist`\. Install it with `pip install odyssey-dsl`/);
    await document.save();
    assert.equal(shown.length, 1, 'said again at a save');
    panel.dispose();
  } finally {
    settings['server.path'] = fakeOdy;
  }
});

test('an ody from before the preview command says to upgrade', async () => {
  settings['server.path'] = oldOdy;
  try {
    const panel = await preview(screenplay('cat.ody', '@0 start "A cat"\n@9s end\n'));
    const problem = `\`${oldOdy}\` has no \`preview\` command: this odyssey-dsl is older than the preview. `
      + 'Upgrade odyssey-dsl (`pip install -U odyssey-dsl`, in the environment of `ody.server.path`).';
    assert.ok(panel.webview.html.includes(`<p class="problem" role="alert">${problem.replace(/'/g, '&#39;')}</p>`), panel.webview.html);
    assert.ok(output.some((line) => line.endsWith(problem)), output.join('\n'));
    panel.dispose();
  } finally {
    settings['server.path'] = fakeOdy;
  }
});

test('an answer naming a video outside the preview\'s folder is refused', async () => {
  const panel = await preview(screenplay('cat.ody', 'OUTSIDE\n'));
  assert.equal(sources(panel.webview.html, 'video').length, 0);
  assert.match(panel.webview.html, /answered something unexpected: the video &#34;[^&]*&#34; is not a file in /);
  panel.dispose();
});

test('an unsaved screenplay is saved first; one that cannot be saved, or an untitled one, is not previewed', async () => {
  const dirty = screenplay('dirty.ody', '@0 start "A cat"\n@9s end\n');
  dirty.isDirty = true;
  const panel = await preview(dirty);
  assert.equal(dirty.isDirty, false);
  assert.equal(invocations().length, 1);
  panel.dispose();

  const stuck = screenplay('stuck.ody', '@0 start "A cat"\n@9s end\n');
  stuck.isDirty = true;
  stuck.saveFails = true;
  vscode.window.activeTextEditor = { document: stuck };
  try {
    await vscode.commands.executeCommand(COMMAND);  // from the palette: the active editor
  } finally {
    vscode.window.activeTextEditor = undefined;
  }
  assert.match(shown[0].text, /stuck\.ody could not be saved, and the preview renders the file on disk/);

  const untitled = textDocument(new vscode.Uri('untitled', 'Untitled-1'));
  vscode.window.activeTextEditor = { document: untitled };
  try {
    await vscode.commands.executeCommand(COMMAND);
  } finally {
    vscode.window.activeTextEditor = undefined;
  }
  assert.match(shown[1].text, /save the screenplay to a file first/);
  assert.equal(invocations().length, 1);
});

test('previewing an open preview again reveals it and renders once; closing it deletes its renders', async () => {
  const document = screenplay('cat.ody', '@0 start "A cat"\n@9s end\n');
  const panel = await preview(document);
  assert.equal(await preview(document), panel);
  assert.deepEqual(panel.revealed, [{ column: vscode.ViewColumn.Beside, preserveFocus: true }]);
  assert.equal(invocations().length, 2);
  const root = path.dirname(path.dirname(invocations()[1].args[3]));
  panel.dispose();
  await until(() => !fs.existsSync(root), 'deleting the renders');
  await document.save();
  assert.equal(invocations().length, 2, 'a closed preview rendered again');
});

// With ODY naming a real `ody`: the runner as the panel uses it, on two shipped screenplays.
const real = process.env.ODY;
const examples = path.resolve(__dirname, '..', '..', '..', 'examples');

async function realPreview(t, name) {
  if (!real) {
    t.skip('ODY is not set: no real `ody` to preview with (ODY=/path/to/ody)');
    return null;
  }
  const folder = fs.mkdtempSync(path.join(work, 'real-'));
  const before = fs.readdirSync(examples);
  const result = await extension.runPreview(real, path.join(examples, name), folder);
  if (/has no `preview` command/.test(result.problem || '')) {
    t.skip(`${real} has no \`preview\` command yet: this test runs once it does`);
    return null;
  }
  assert.ok(result.videos, `${result.problem}\n${result.details || ''}`);
  assert.deepEqual(fs.readdirSync(examples), before, 'ody preview wrote beside the screenplay');
  for (const video of result.videos) {
    assert.ok(fs.statSync(video.video).size > 1000, `${video.video} is empty`);
    assert.equal(fs.readFileSync(video.video).subarray(4, 8).toString('latin1'), 'ftyp', `${video.video} is not an MP4`);
    assert.match(fs.readFileSync(video.captions, 'utf8'), /^WEBVTT/);
  }
  return { folder, result };
}

test('the real ody previews examples/window-cat.ody: one video and its captions', async (t) => {
  const done = await realPreview(t, 'window-cat.ody');
  if (done) {
    const { folder, result } = done;
    assert.deepEqual(result.videos.map((video) => [video.name, video.scene, video.durationMs]), [['window-cat', null, 9000]]);
    assert.match(fs.readFileSync(result.videos[0].captions, 'utf8'), /A ginger cat dozes on a sunlit windowsill/);
    assert.deepEqual(fs.readdirSync(folder), ['preview']);
    assert.deepEqual(fs.readdirSync(path.join(folder, 'preview')).sort(), ['window-cat.mp4', 'window-cat.vtt']);
  }
});

test('the real ody previews examples/four-seasons.ody: a video a scene', async (t) => {
  const done = await realPreview(t, 'four-seasons.ody');
  if (done) {
    const { folder, result } = done;
    const seasons = ['spring', 'summer', 'autumn', 'winter'];
    assert.deepEqual(result.videos.map((video) => [video.name, video.scene]), seasons.map((season) => [season, season]));
    assert.deepEqual(fs.readdirSync(folder), ['preview']);
    assert.deepEqual(fs.readdirSync(path.join(folder, 'preview')).sort(),
      seasons.flatMap((season) => [`${season}.mp4`, `${season}.vtt`]).sort());
    const page = extension.previewPage({
      cspSource: 'https://*.vscode-cdn.net', nonce: 'n', file: 'four-seasons.ody',
      videos: result.videos.map((video) => ({ ...video, videoUri: video.video, captionsUri: video.captions })),
    });
    assert.equal(sources(page, 'track').length, 4);
  }
});

test('the real ody refuses a screenplay with errors, and says them as ody lint does', async (t) => {
  if (!real) {
    t.skip('ODY is not set: no real `ody` to preview with (ODY=/path/to/ody)');
    return;
  }
  const document = screenplay('typo.ody', '@0 start "A cat dozes"\n@3s interct "The cat wakes"\n@6s end\n');
  const folder = fs.mkdtempSync(path.join(work, 'real-'));
  const result = await extension.runPreview(real, document.uri.fsPath, folder);
  if (/has no `preview` command/.test(result.problem || '')) {
    t.skip(`${real} has no \`preview\` command yet: this test runs once it does`);
    return;
  }
  assert.equal(result.problem, 'The screenplay has errors.');
  assert.match(result.details, /ODY004.*interct.*\n --> (.*\/)?typo\.ody:2:5\n/);
  assert.deepEqual(fs.readdirSync(folder), []);
});
