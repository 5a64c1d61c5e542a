// parse_diff.js — differential test of larch's Cedar front end against
// Cedar's own (cedar-wasm):
// 1. mutants of valid policies (tokens replaced, inserted, deleted,
//    duplicated, swapped, biased towards Cedar's keywords, operators and edge
//    literals) must be accepted or rejected by `larch check --strict` exactly
//    when Cedar accepts or rejects them;
// 2. `larch fmt` must not change meaning as Cedar sees it: for a sample of
//    corpus files, Cedar's JSON form (EST) of every policy of the formatted
//    text equals that of the original.
//
//   node parse_diff.js LARCH CORPUS_DIR [--count N] [--fmt N] [--seed S]
//
// Exits 77 (skipped) when cedar-wasm is not installed (`npm install` here).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

let cedar;
try {
  cedar = require('@cedar-policy/cedar-wasm/nodejs');
} catch (e) {
  console.log('skipped: run `npm install` in tests/grammar/differential first');
  process.exit(77);
}

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const [larch, corpus] = args;
const count = opt('--count', 3000);
let seed = opt('--seed', 1) >>> 0;
const rand = () => {
  // xorshift32: deterministic for a given seed
  seed ^= seed << 13, seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5, seed >>>= 0;
  return seed / 4294967296;
};
const pick = (a) => a[Math.floor(rand() * a.length)];

const TOKEN = /"(?:\\.|[^"\\])*"|[A-Za-z_][A-Za-z0-9_]*|\?[A-Za-z_]+|[0-9]+|::|==|!=|<=|>=|&&|\|\||\/\/[^\n]*|\s+|[^]/g;
const WORDS = ['true', 'false', 'if', 'then', 'else', 'in', 'has', 'like', 'is', 'principal',
  'action', 'resource', 'context', 'permit', 'forbid', 'when', 'unless', '__cedar', 'foo', 'User',
  'Action', 'contains', 'isEmpty', 'getTag', 'ip', 'decimal', 'containsAll', '?principal',
  '?resource', '?foo', '9223372036854775808', '9223372036854775807', '-', '!', '(', ')', '[', ']',
  '{', '}', ',', ':', '::', '.', '==', '=', '!=', '<', '<=', '>', '>=', '&&', '||', '+', '*', '/',
  '%', '"a"', '"\\*"', '"\\u{2a}"', '"\\x41"', '"\\q"', '@id("x")', 'is User',
  'in [Action::"a"]', 'has a.b', 'like "*"', '.contains(1)', '.isEmpty()', '.lessThan(1, 2)',
  '["a"]', '0', '-9223372036854775808'];

const seeds = fs.readdirSync(corpus).filter((f) => f.endsWith('.cedar')).sort()
  .map((f) => fs.readFileSync(path.join(corpus, f), 'utf8'));
if (!seeds.length) {
  console.error(`no .cedar files in ${corpus}`);
  process.exit(2);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'larch-parse-diff-'));
const names = [];
for (let n = 0; n < count; n++) {
  const toks = pick(seeds).match(TOKEN);
  const edits = 1 + Math.floor(rand() * 2);
  for (let e = 0; e < edits; e++) {
    const i = Math.floor(rand() * toks.length), r = rand();
    if (r < 0.4) toks[i] = pick(WORDS);
    else if (r < 0.6) toks.splice(i, 0, pick(WORDS) + ' ');
    else if (r < 0.75) toks.splice(i, 1);
    else if (r < 0.9) toks.splice(i, 0, pick(toks));
    else {
      const j = Math.floor(rand() * toks.length);
      [toks[i], toks[j]] = [toks[j], toks[i]];
    }
  }
  const name = `m${String(n).padStart(6, '0')}.cedar`;
  fs.writeFileSync(path.join(dir, name), toks.join(''));
  names.push(name);
}

// larch: one run over the folder; a file is rejected when it has an error line
const run = spawnSync(larch, ['check', '--strict', '--quiet', dir], {
  encoding: 'utf8', maxBuffer: 1 << 28,
});
const rejected = new Set();
for (const line of run.stderr.split('\n')) {
  const m = /([^/\s]+\.cedar):\d+:\d+: error/.exec(line);
  if (m) rejected.add(m[1]);
}

let mismatches = 0, accepted = 0;
for (const name of names) {
  const text = fs.readFileSync(path.join(dir, name), 'utf8');
  const ours = !rejected.has(name);
  const theirs = cedar.policySetTextToParts(text).type === 'success';
  if (theirs) accepted++;
  if (ours !== theirs) {
    if (++mismatches <= 10)
      console.log(`MISMATCH ${name}: larch ${ours ? 'accepts' : 'rejects'}, Cedar ` +
                  `${theirs ? 'accepts' : 'rejects'}:\n${text}\n`);
  }
}
fs.rmSync(dir, { recursive: true, force: true });
console.log(`parse differential: ${count} mutants, ${accepted} valid, ${mismatches} mismatches`);

// 2. formatting keeps Cedar's meaning
const est = (text) => {
  const parts = cedar.policySetTextToParts(text);
  if (parts.type !== 'success') return null;
  return JSON.stringify([parts.policies.map((p) => cedar.policyToJson(p)),
                         parts.policy_templates.map((t) => cedar.templateToJson(t))]);
};
const files = fs.readdirSync(corpus).filter((f) => f.endsWith('.cedar')).sort();
const nfmt = Math.min(opt('--fmt', 300), files.length);
let fmtBad = 0;
for (let k = 0; k < nfmt; k++) {
  const f = path.join(corpus, files[Math.floor(k * files.length / nfmt)]);
  const out = spawnSync(larch, ['fmt', f], { encoding: 'utf8' });
  const a = est(fs.readFileSync(f, 'utf8')), b = out.status === 0 ? est(out.stdout) : null;
  if (a === null || a !== b) {
    if (++fmtBad <= 5) console.log(`FMT MISMATCH ${f}:\n${out.stdout}${out.stderr}`);
  }
}
console.log(`fmt differential: ${nfmt} corpus files, ${fmtBad} changed meaning`);
process.exit(mismatches || fmtBad ? 1 : 0);
