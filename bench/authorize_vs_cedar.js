#!/usr/bin/env node
// authorize_vs_cedar.js — `larch authorize --requests` against Cedar's own
// evaluator compiled to WebAssembly (@cedar-policy/cedar-wasm 4.13, with the
// policy set preparsed once, as a long-running Node service would use it).
//
// Deterministic workload (fixed seed): P policies over a hierarchy of E
// entities, R JSONL requests. larch decides all R in one process (load once,
// one JSON parse per line); cedar-wasm decides a sample of them. Both answers
// are checked to be identical on the sample (a hash is printed), so a fast
// wrong answer cannot pass. Prints µs/request for each and the ratio.
//
// usage: node bench/authorize_vs_cedar.js LARCH_BINARY [--requests R]
//        [--sample S] [--policies P] [--entities E]
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { execFileSync } = require('child_process');

let cedar;
try {
  cedar = require('@cedar-policy/cedar-wasm/nodejs');
} catch (e) {
  console.log('cedar-wasm not installed (npm install in bench/): skipped');
  process.exit(0);
}
const args = process.argv.slice(2);
const larch = args[0];
const opt = (n, d) => (args.indexOf(n) >= 0 ? Number(args[args.indexOf(n) + 1]) : d);
const NREQ = opt('--requests', 50000), SAMPLE = opt('--sample', 500);
const NPOL = opt('--policies', 100), NENT = opt('--entities', 300);

let seed = 42;
const rnd = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 4294967296;
};
const int = (n) => Math.floor(rnd() * n);

const NUSER = Math.floor(NENT / 3), NDOC = NENT - NUSER - 20;
const pol = [];
for (let i = 0; i < NPOL; i++) {
  if (i % 10 === 9) pol.push(`forbid (principal, action == Action::"delete", resource) unless { principal in Group::"admins" };`);
  else pol.push(`permit (principal in Group::"g${i % 20}", action in [Action::"view", Action::"edit"], resource in Folder::"f${i % 20}") when { context.level >= ${i % 5} && resource.owner != principal && (context has ip && context.ip.isInRange(ip("10.0.0.0/8"))) };`);
}
const ents = [];
for (let i = 0; i < 20; i++) ents.push({ uid: { type: 'Folder', id: `f${i}` }, attrs: {}, parents: [] });
for (let i = 0; i < 20; i++) ents.push({ uid: { type: 'Group', id: `g${i}` }, attrs: {}, parents: [] });
ents.push({ uid: { type: 'Group', id: 'admins' }, attrs: {}, parents: [] });
for (let i = 0; i < NUSER; i++) ents.push({ uid: { type: 'User', id: `u${i}` }, attrs: { age: i }, parents: [{ type: 'Group', id: `g${i % 20}` }] });
for (let i = 0; i < NDOC; i++) ents.push({ uid: { type: 'Doc', id: `d${i}` }, attrs: { owner: { __entity: { type: 'User', id: `u${int(NUSER)}` } } }, parents: [{ type: 'Folder', id: `f${i % 20}` }] });
const reqs = [];
for (let k = 0; k < NREQ; k++) {
  const ctx = { level: int(6) };
  if (int(4)) ctx.ip = { __extn: { fn: 'ip', arg: int(2) ? '10.1.2.3' : '192.168.0.1' } };
  // half the requests pair a user and a document of the same group/folder
  const u = int(NUSER);
  let d = int(NDOC);
  if (int(2)) d = Math.min(NDOC - 1, d - (d % 20) + (u % 20));
  reqs.push({
    principal: { type: 'User', id: `u${u}` },
    action: { type: 'Action', id: ['view', 'edit', 'delete'][int(3)] },
    resource: { type: 'Doc', id: `d${d}` },
    context: ctx,
  });
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'larch-bench-'));
fs.writeFileSync(path.join(dir, 'p.cedar'), pol.join('\n') + '\n');
fs.writeFileSync(path.join(dir, 'e.json'), JSON.stringify(ents));
fs.writeFileSync(path.join(dir, 'r.jsonl'), reqs.map((r) => JSON.stringify(r)).join('\n') + '\n');

const t0 = process.hrtime.bigint();
const out = execFileSync(larch, ['authorize', '--policies', path.join(dir, 'p.cedar'), '--entities',
  path.join(dir, 'e.json'), '--requests', path.join(dir, 'r.jsonl')], { encoding: 'utf8', maxBuffer: 1 << 30 });
const larchUs = Number(process.hrtime.bigint() - t0) / 1000 / NREQ;
const lines = out.trim().split('\n');
if (lines.length !== NREQ) throw new Error(`larch answered ${lines.length} of ${NREQ}`);

cedar.preparsePolicySet('bench', { staticPolicies: pol.join('\n') });
const key = (d, reasons, errors) => `${d}|${[...reasons].sort()}|${[...errors].sort()}`;
const hl = crypto.createHash('sha256'), hc = crypto.createHash('sha256');
let allows = 0;
const t1 = process.hrtime.bigint();
for (let k = 0; k < SAMPLE; k++) {
  const r = reqs[k];
  const a = cedar.statefulIsAuthorized({ ...r, preparsedPolicySetId: 'bench', entities: ents });
  if (a.type !== 'success') throw new Error(JSON.stringify(a.errors));
  const d = a.response.diagnostics;
  hc.update(key(a.response.decision, d.reason, d.errors.map((e) => e.policyId)) + '\n');
  allows += a.response.decision === 'allow';
}
const cedarUs = Number(process.hrtime.bigint() - t1) / 1000 / SAMPLE;
for (let k = 0; k < SAMPLE; k++) {
  const g = JSON.parse(lines[k]);
  hl.update(key(g.decision, g.reasons, g.errors.map((e) => e.policy)) + '\n');
}
fs.rmSync(dir, { recursive: true, force: true });
const [a, b] = [hl.digest('hex').slice(0, 16), hc.digest('hex').slice(0, 16)];
console.log(`workload: ${NPOL} policies, ${ents.length} entities, ${NREQ} requests (${allows}/${SAMPLE} allowed in the sample)`);
console.log(`larch authorize --requests: ${larchUs.toFixed(2)} us/request (whole process: load + ${NREQ} requests)`);
console.log(`cedar-wasm statefulIsAuthorized: ${cedarUs.toFixed(2)} us/request (${SAMPLE} requests, preparsed policies)`);
console.log(`ratio cedar-wasm/larch: ${(cedarUs / larchUs).toFixed(1)}x; answers hash larch ${a} cedar ${b} ${a === b ? 'EQUAL' : 'DIFFERENT'}`);
process.exit(a === b ? 0 : 1);
