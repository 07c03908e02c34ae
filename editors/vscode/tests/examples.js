'use strict';
// Colours every screenplay the project ships (examples/*.ody): they all pass `ody lint
// --strict`, so no token may be marked invalid, every cue's time must be coloured as a time
// and its action as an action, and each file must end outside any string or directive (the
// state a next line starts in).
// Usage: node tests/examples.js [FILE.ody...]   (default: ../../examples/*.ody)

const fs = require('fs');
const path = require('path');
const oniguruma = require('vscode-oniguruma');
const textmate = require('vscode-textmate');

const root = path.resolve(__dirname, '..');
const grammarPath = path.join(root, 'syntaxes', 'ody.tmLanguage.json');

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async () => textmate.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath),
  });
  return registry.loadGrammar('source.ody');
}

function check(grammar, file) {
  const problems = [];
  const lines = fs.readFileSync(file, 'utf8').replace(/^\ufeff/, '').split(/\r\n|\r|\n/);
  let state = textmate.INITIAL;
  lines.forEach((line, index) => {
    const result = grammar.tokenizeLine(line, state);
    const where = `${file}:${index + 1}`;
    for (const token of result.tokens) {
      const bad = token.scopes.find((scope) => scope.startsWith('invalid.'));
      if (bad) {
        problems.push(`${where}:${token.startIndex + 1}: ${bad} on ${JSON.stringify(line.slice(token.startIndex, token.endIndex))}`);
      }
    }
    const first = result.tokens.find((token) => line.slice(token.startIndex, token.endIndex).trim() !== '');
    if (state.depth === textmate.INITIAL.depth && first && line.slice(first.startIndex).startsWith('@')) {
      if (!first.scopes.includes('constant.numeric.time.ody')) {
        problems.push(`${where}: the cue's time is not coloured as a time (${first.scopes.join(' ')})`);
      }
      // the word after the time is the cue's action (these files pass `ody lint --strict`)
      const action = /^\s*@\S+\s+/.exec(line)[0].length;
      const token = result.tokens.find((t) => t.startIndex === action);
      if (!token || !token.scopes.some((scope) => scope.startsWith('keyword.control.action.'))) {
        problems.push(`${where}: the cue's action is not coloured as an action`);
      }
    }
    state = result.ruleStack;
  });
  if (state.depth !== textmate.INITIAL.depth) {
    problems.push(`${file}: the file ends inside a string or a directive`);
  }
  return problems;
}

async function main() {
  let files = process.argv.slice(2);
  if (files.length === 0) {
    const examples = path.resolve(root, '..', '..', 'examples');
    files = fs.readdirSync(examples).filter((name) => name.endsWith('.ody')).sort()
      .map((name) => path.join(examples, name));
  }
  if (files.length === 0) {
    throw new Error('no .ody files to check');
  }
  const grammar = await loadGrammar();
  const problems = files.flatMap((file) => check(grammar, file));
  for (const problem of problems) {
    console.error(problem);
  }
  if (problems.length > 0) {
    process.exit(1);
  }
  console.log(`coloured ${files.length} screenplays: no invalid token, every time and action coloured`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
