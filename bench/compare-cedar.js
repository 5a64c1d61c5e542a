#!/usr/bin/env node
// compare-cedar.js — workload 1 of bench_authorize (the bundled rules/ with
// realistic MCP tool calls, written by `bench_authorize --emit`) through
// `larch authorize --requests` end to end (one process: load, compile, then
// one JSON line in and one out per request) and through Cedar's reference
// implementation, @cedar-policy/cedar-wasm (4.13), with its fastest API:
// the policy set preparsed once (preparsePolicySet), then
// statefulIsAuthorized per request, given the request's entity slice (the
// principal, the resource and their ancestors, prepared before timing).
//
// larch decides all N requests (default 100,000); cedar-wasm, about a
// thousand times slower per request here, decides the first S of the same
// requests (default 5,000, after 300 warm-up calls; --cedar-sample N to
// change). The answers on those S (decision, sorted reasons, sorted
// erroring policies) are hashed and must be EQUAL, so a fast wrong run
// cannot pass. Prints µs/request for each, and the ratio.
//
// usage: node bench/compare-cedar.js LARCH BENCH_AUTHORIZE RULES_DIR [--requests N]
//        [--runs R] [--cedar-sample S]
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { execFileSync, spawnSync } = require('child_process');

function loadCedar() {
  const here = __dirname;
  for (const dir of [here, path.join(here, '..', 'tests', 'differential')]) {
    try {
      return require(require.resolve('@cedar-policy/cedar-wasm/nodejs', { paths: [dir] }));
    } catch (e) { /* next */ }
  }
  return null;
}
const cedar = loadCedar();
if (!cedar) {
  console.log('compare-cedar: cedar-wasm not installed (npm install in bench/): skipped');
  process.exit(0);
}
const args = process.argv.slice(2);
const [larch, benchAuth, rules] = args;
const opt = (n, d) => (args.indexOf(n) >= 0 ? Number(args[args.indexOf(n) + 1]) : d);
const NREQ = opt('--requests', 100000), RUNS = opt('--runs', 3);
const SAMPLE = Math.min(NREQ, opt('--cedar-sample', 5000)), WARM = Math.min(SAMPLE, 300);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'larch-compare-'));
execFileSync(benchAuth, ['--emit', dir, String(NREQ), '--rules', rules]);
const entities = JSON.parse(fs.readFileSync(path.join(dir, 'entities.json'), 'utf8'));
const policies = JSON.parse(fs.readFileSync(path.join(dir, 'policies.json'), 'utf8'));
const reqText = fs.readFileSync(path.join(dir, 'requests.jsonl'), 'utf8');
const reqs = reqText.trim().split('\n').map((l) => JSON.parse(l));

// larch, end to end, median of RUNS whole-process runs: wall time, and CPU
// time (user + system, through /usr/bin/time when present) since the
// machine is shared and wall time moves with its load.
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const larchWall = [], larchCpu = [];
const haveTime = fs.existsSync('/usr/bin/time');
let out = '';
for (let r = 0; r < RUNS; r++) {
  const argv = ['authorize', '--policies', rules, '--entities', path.join(dir, 'entities.json'),
    '--requests', path.join(dir, 'requests.jsonl')];
  const t0 = process.hrtime.bigint();
  const p = haveTime ? spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', larch, ...argv],
    { encoding: 'utf8', maxBuffer: 1 << 30 })
    : spawnSync(larch, argv, { encoding: 'utf8', maxBuffer: 1 << 30 });
  larchWall.push(Number(process.hrtime.bigint() - t0) / 1000 / NREQ);
  if (p.status !== 0) throw new Error(`larch failed: ${p.stderr}`);
  out = p.stdout;
  const m = /cpu ([0-9.]+) ([0-9.]+)/.exec(p.stderr || '');
  if (m) larchCpu.push((Number(m[1]) + Number(m[2])) * 1e6 / NREQ);
}
const larchUs = median(larchWall), larchCpuUs = larchCpu.length ? median(larchCpu) : NaN;
const lines = out.trim().split('\n');
if (lines.length !== NREQ) throw new Error(`larch answered ${lines.length} of ${NREQ}`);

// Cedar: entity slices prepared before timing.
const byKey = new Map(entities.map((e) => [`${e.uid.type}::${e.uid.id}`, e]));
const slice = (uids) => {
  const seen = new Map(), todo = [...uids];
  while (todo.length) {
    const u = todo.pop(), k = `${u.type}::${u.id}`;
    if (seen.has(k)) continue;
    const e = byKey.get(k);
    if (!e) continue;
    seen.set(k, e);
    for (const p of e.parents) todo.push(p);
  }
  return [...seen.values()];
};
const calls = reqs.slice(0, SAMPLE).map((r) => ({ principal: r.principal, action: r.action, resource: r.resource,
  context: r.context, preparsedPolicySetId: 'rules', validateRequest: false,
  entities: slice([r.principal, r.resource, r.action]) }));
const pre = cedar.preparsePolicySet('rules', { staticPolicies: policies });
if (pre.type !== 'success') throw new Error(JSON.stringify(pre.errors));
const key = (d, reasons, errors) => `${d}|${[...reasons].sort()}|${[...errors].sort()}`;
const hc = crypto.createHash('sha256');
let allows = 0;
for (let i = 0; i < WARM; i++) cedar.statefulIsAuthorized(calls[i]);
const t1 = process.hrtime.bigint(), c1 = process.cpuUsage();
for (const c of calls) {
  const a = cedar.statefulIsAuthorized(c);
  if (a.type !== 'success') throw new Error(JSON.stringify(a.errors));
  const d = a.response.diagnostics;
  hc.update(key(a.response.decision, d.reason, d.errors.map((e) => e.policyId)) + '\n');
  allows += a.response.decision === 'allow';
}
const cedarUs = Number(process.hrtime.bigint() - t1) / 1000 / SAMPLE;
const c2 = process.cpuUsage(c1), cedarCpuUs = (c2.user + c2.system) / SAMPLE;
const hl = crypto.createHash('sha256');
let larchAllows = 0;
for (const [i, l] of lines.entries()) {
  const g = JSON.parse(l);
  larchAllows += g.decision === 'allow';
  if (i >= SAMPLE) continue;
  if (g.error) throw new Error(`larch refused a request: ${g.error}`);
  hl.update(key(g.decision, g.reasons, g.errors.map((e) => e.policy)) + '\n');
}
fs.rmSync(dir, { recursive: true, force: true });
const [a, b] = [hl.digest('hex').slice(0, 16), hc.digest('hex').slice(0, 16)];
const ratio = cedarUs / larchUs, cpuRatio = cedarCpuUs / larchCpuUs;
console.log(`workload: rules/ (${Object.keys(policies).length} permit/forbid policies for Cedar, ` +
  `${entities.length} entities), ${NREQ} requests (${larchAllows} allowed)`);
console.log(`larch authorize --requests (whole process: load, compile, ${NREQ} lines; median of ${RUNS} runs): ${larchUs.toFixed(2)} us/request wall, ${larchCpuUs.toFixed(2)} us CPU`);
console.log(`cedar-wasm preparsed + statefulIsAuthorized (first ${SAMPLE} requests, ${allows} allowed): ${cedarUs.toFixed(1)} us/request wall, ${cedarCpuUs.toFixed(1)} us CPU`);
console.log(`answers hash on those ${SAMPLE}: larch ${a} cedar ${b} ${a === b ? 'EQUAL' : 'DIFFERENT'}`);
console.log(`ratio: ${ratio.toFixed(0)}x wall, ${cpuRatio.toFixed(0)}x CPU (load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')})`);
console.log(`figure: larch authorize --requests (${NREQ} requests) vs cedar-wasm, CPU | ${cpuRatio.toFixed(0)}x faster (${larchCpuUs.toFixed(2)} vs ${cedarCpuUs.toFixed(0)} us/request) | target >= 20x`);
console.log(`figure: larch authorize --requests (${NREQ} requests) vs cedar-wasm, wall | ${ratio.toFixed(0)}x faster (${larchUs.toFixed(2)} vs ${cedarUs.toFixed(0)} us/request) | target >= 20x`);
process.exit(a === b ? 0 : 1);
