#!/usr/bin/env node
// cedar_diff.js — differential test of `larch authorize` against Cedar's
// reference implementation (the @cedar-policy/cedar-wasm package, Cedar 4.13).
//
// Generates random policies (scopes, every operator, extension functions,
// arithmetic near overflow, missing attributes and entities), entities with
// a random DAG hierarchy, attributes and tags, and random requests; decides
// every request with both and compares the decision, the set of determining
// policies and the set of erroring policies. `larch authorize` decides on
// the compiled policy set (policy/compile.c) and reads request lines with
// the zero-copy reader where it can, so this checks both against Cedar.
//
// usage: node cedar_diff.js LARCH_BINARY [--seed N] [--rounds N] [--requests N]
//                           [--policies N] [--keep DIR] [--schema]
// --schema: a fixed schema, entities and contexts written with implicit and
// explicit escapes (and the odd wrong value), request validation on: larch
// must accept and refuse exactly what Cedar does, then decide alike.
// Exit status 0 when everything agrees, 1 on a disagreement (printed with the
// policy text and request), 77 when cedar-wasm is not installed (npm install
// in this folder).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

let cedar;
try {
  cedar = require('@cedar-policy/cedar-wasm/nodejs');
} catch (e) {
  console.log('cedar-wasm not installed (run npm install in tests/differential): skipped');
  process.exit(77);
}

const args = process.argv.slice(2);
const larch = args[0];
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
let seed = Number(opt('--seed', 1));
const rounds = Number(opt('--rounds', 20));
const nreq = Number(opt('--requests', 40));
const npol = Number(opt('--policies', 12));
const keep = opt('--keep', null);
const withSchema = args.includes('--schema');

// mulberry32: a small deterministic PRNG
function rng() {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(rng() * n);
const pick = (xs) => xs[int(xs.length)];
const chance = (p) => rng() < p;

const TYPES = ['User', 'Group', 'Doc', 'NS::Folder'];
const IDS = ['a', 'b', 'c', ''];
const ACTIONS = ['view', 'edit', 'share', 'admin'];
const ATTRS = ['age', 'name', 'owner', 'tags', 'level', 'ip', 'score', 'when', 'wait', 'rec', 'flag'];
const STRS = ['', 'a', 'ab', 'a*b', 'Ab', 'b\\u{0}', 'x\\"y', 'tööt'];
const LONGS = ['0', '1', '-1', '7', '9223372036854775807', '-9223372036854775808', '4611686018427387904', '3000000000'];
const DECIMALS = ['1.5', '-0.0001', '922337203685477.5807', '2.25', '0.0', '1.23456', 'abc'];
const IPS = ['10.0.0.1', '10.0.0.0/8', '127.0.0.1', '::1', 'ff00::/8', '224.1.1.1/4', '192.168.0.1/33', '1.2.3.4/08', '::ffff:1.2.3.4'];
const DATETIMES = ['2024-01-01', '2024-01-01T10:00:00Z', '2024-02-29T23:59:59.999Z', '1970-01-01T00:00:00+0100', '2024-13-01', '-0001-01-01'];
const DURATIONS = ['1d', '2h30m', '-5ms', '1d2h3m4s5ms', '0ms', '9223372036854775807ms', '1h1d'];

const uidText = (t, id) => `${t}::"${id}"`;
const randUid = () => uidText(pick(TYPES), pick(IDS));
const actionUid = (a) => `Action::"${a}"`;

// ---- expressions (Cedar text) --------------------------------------------
function lit(depth) {
  switch (int(12)) {
    case 0: return pick(['true', 'false']);
    case 1: case 2: return pick(LONGS);
    case 3: return `"${pick(STRS)}"`;
    case 4: return randUid();
    case 5: return `decimal("${pick(DECIMALS)}")`;
    case 6: return `ip("${pick(IPS)}")`;
    case 7: return `datetime("${pick(DATETIMES)}")`;
    case 8: return `duration("${pick(DURATIONS)}")`;
    case 9: return depth > 0 ? `[${Array.from({ length: int(3) }, () => expr(depth - 1)).join(', ')}]` : '[]';
    case 10: return depth > 0 ? `{${Array.from({ length: int(3) }, () => `"${pick(ATTRS)}": ${expr(depth - 1)}`).filter((v, i, a) => a.findIndex((w) => w.split(':')[0] === v.split(':')[0]) === i).join(', ')}}` : '{}';
    default: return pick(['principal', 'resource', 'context', 'action']);
  }
}

function access(depth) {
  const base = pick(['principal', 'resource', 'context', 'context.rec', 'principal.owner', 'resource.owner']);
  return `${base}.${pick(ATTRS)}`;
}

function expr(depth) {
  if (depth <= 0) return chance(0.5) ? lit(0) : access(0);
  const d = depth - 1;
  switch (int(26)) {
    case 0: return `(${expr(d)} == ${expr(d)})`;
    case 1: return `(${expr(d)} != ${expr(d)})`;
    case 2: return `(${expr(d)} ${pick(['<', '<=', '>', '>='])} ${expr(d)})`;
    case 3: return `(${expr(d)} && ${expr(d)})`;
    case 4: return `(${expr(d)} || ${expr(d)})`;
    case 5: return `(!${expr(d)})`;
    case 6: return `(${expr(d)} ${pick(['+', '-', '*'])} ${expr(d)})`;
    case 7: return `(-${expr(d)})`;
    case 8: return `(${expr(d)} in ${expr(d)})`;
    case 9: return `(${expr(d)} has ${pick(ATTRS)})`;
    case 10: return `(${expr(d)} has ${pick(ATTRS)}.${pick(ATTRS)})`;
    case 11: return `(${expr(d)} like "${pick(['*', 'a*', '*b', 'a\\*b', '', '*a*'])}")`;
    case 12: return `(${expr(d)} is ${pick(TYPES)})`;
    case 13: return `(${expr(d)} is ${pick(TYPES)} in ${expr(d)})`;
    case 14: return `(if ${expr(d)} then ${expr(d)} else ${expr(d)})`;
    case 15: return `${expr(d)}.${pick(['contains', 'containsAll', 'containsAny'])}(${expr(d)})`;
    case 16: return `${expr(d)}.isEmpty()`;
    case 17: return `${expr(d)}.${pick(['getTag', 'hasTag'])}(${chance(0.7) ? `"${pick(ATTRS)}"` : expr(d)})`;
    case 18: return `${expr(d)}.${pick(['lessThan', 'lessThanOrEqual', 'greaterThan', 'greaterThanOrEqual'])}(${expr(d)})`;
    case 19: return `${expr(d)}.${pick(['isIpv4', 'isIpv6', 'isLoopback', 'isMulticast'])}()`;
    case 20: return `${expr(d)}.isInRange(${expr(d)})`;
    case 21: return `${expr(d)}.${pick(['offset', 'durationSince'])}(${expr(d)})`;
    case 22: return `${expr(d)}.${pick(['toDate', 'toTime', 'toDays', 'toHours', 'toMinutes', 'toSeconds', 'toMilliseconds'])}()`;
    case 23: return `${expr(d)}[${JSON.stringify(pick(ATTRS))}]`;
    case 24: return access(d);
    default: return lit(d);
  }
}

function scope(v) {
  switch (int(8)) {
    case 0: case 5: case 6: case 7: return v;
    case 1: return `${v} == ${randUid()}`;
    case 2: return `${v} in ${randUid()}`;
    case 3: return `${v} is ${pick(TYPES)}`;
    default: return `${v} is ${pick(TYPES)} in ${randUid()}`;
  }
}

function actionScope() {
  switch (int(6)) {
    case 0: case 4: case 5: return 'action';
    case 1: return `action == ${actionUid(pick(ACTIONS))}`;
    case 2: return `action in ${actionUid(pick(ACTIONS))}`;
    default: return `action in [${Array.from({ length: int(3) }, () => actionUid(pick(ACTIONS))).join(', ')}]`;
  }
}

// a template: ?principal / ?resource in the scope (== or in)
function template() {
  const ps = chance(0.5) ? `principal ${pick(['==', 'in'])} ?principal` : chance(0.5) ? 'principal' : `principal is ${pick(TYPES)} in ?principal`;
  const rs = chance(0.6) || ps === 'principal' ? `resource ${pick(['==', 'in'])} ?resource` : 'resource';
  const conds = Array.from({ length: int(2) }, () => `${pick(['when', 'unless'])} { ${expr(1 + int(2))} }`);
  return `${pick(['permit', 'permit', 'forbid'])} (${ps}, ${actionScope()}, ${rs}) ${conds.join(' ')};`;
}

function policy() {
  const conds = Array.from({ length: int(3) }, () => `${pick(['when', 'unless'])} { ${expr(1 + int(3))} }`);
  return `${pick(['permit', 'permit', 'forbid'])} (${scope('principal')}, ${actionScope()}, ${scope('resource')}) ${conds.join(' ')};`;
}

// ---- JSON values, entities, requests ------------------------------------
function jsonValue(depth) {
  switch (int(depth > 0 ? 11 : 9)) {
    case 0: return chance(0.5);
    case 1: case 2: return pick([0, 1, -1, 7, 42, 3000000000, 4611686018427387904]);
    case 3: return pick(['', 'a', 'ab', 'Ab', 'a*b']);
    case 4: return { __entity: { type: pick(TYPES), id: pick(IDS) } };
    case 5: return { __extn: { fn: 'decimal', arg: pick(['1.5', '2.25', '-0.5']) } };
    case 6: return { __extn: { fn: 'ip', arg: pick(['10.0.0.1', '10.0.0.0/8', '::1']) } };
    case 7: return { __extn: { fn: 'datetime', arg: pick(['2024-01-01', '2024-01-01T10:00:00Z']) } };
    case 8: return { __extn: { fn: 'duration', arg: pick(['1d', '2h', '-5ms']) } };
    case 9: return Array.from({ length: int(3) }, () => jsonValue(depth - 1));
    default: {
      const r = {};
      for (let i = int(3); i > 0; i--) r[pick(ATTRS)] = jsonValue(depth - 1);
      return r;
    }
  }
}

function record(depth) {
  const r = {};
  for (let i = int(5); i > 0; i--) r[pick(ATTRS)] = jsonValue(depth);
  return r;
}

function entities() {
  const all = [];
  for (const t of TYPES) for (const id of IDS) if (chance(0.7)) all.push({ type: t, id });
  const out = all.map((uid, i) => ({
    uid,
    attrs: record(2),
    // parents only later in the list: a DAG, as Cedar requires
    parents: all.slice(i + 1).filter(() => chance(0.25)),
    tags: chance(0.3) ? record(1) : {},
  }));
  const acts = ACTIONS.map((a, i) => ({
    uid: { type: 'Action', id: a },
    attrs: {},
    parents: ACTIONS.slice(i + 1).filter(() => chance(0.3)).map((p) => ({ type: 'Action', id: p })),
  }));
  return out.concat(acts);
}

function request() {
  const [t1, t2] = [pick(TYPES), pick(TYPES)];
  return {
    principal: { type: t1, id: pick(IDS) },
    action: { type: 'Action', id: pick(ACTIONS) },
    resource: { type: t2, id: pick(IDS) },
    context: record(2),
  };
}

// ---- schema mode: schema-based parsing of entities and context ------------
const SCHEMA = `
entity Group;
entity User in [Group] = { name: String, age?: Long, boss?: User, ip?: ipaddr, score?: decimal,
  when?: datetime, wait?: duration, nick?: Set<String>, rec?: { a: Long, b?: Set<User> } };
entity Doc in [Group] = { owner: User, level?: Long } tags String;
entity Color enum ["red", "green"];
action view appliesTo { principal: [User], resource: [Doc, Color],
  context: { level: Long, ip?: ipaddr, who?: User, d?: decimal, r?: { x: Bool } } };
action edit in [view] appliesTo { principal: [User, Group], resource: [Doc], context: {} };
`;
// a value for a declared type: usually right (implicit or explicit escapes),
// sometimes wrong, so both sides must refuse it alike
const GOOD = {
  ipaddr: ['10.0.0.1', '10.0.0.0/8', '127.0.0.1', '::1', 'ff00::/8'],
  decimal: ['1.5', '-0.0001', '2.25', '0.0'],
  datetime: ['2024-01-01', '2024-01-01T10:00:00Z', '2024-02-29T23:59:59.999Z', '1970-01-01T00:00:00+0100'],
  duration: ['1d', '2h30m', '-5ms', '1d2h3m4s5ms'],
};
const ext = (t, all) => (chance(0.01) ? pick(all) : pick(GOOD[t]));
function typed(t) {
  if (chance(0.01)) return jsonValue(1);
  switch (t) {
    case 'Long': return pick([0, 3, -7, 42]);
    case 'String': return pick(['', 'a', 'bob']);
    case 'Bool': return chance(0.5);
    case 'User': return chance(0.5) ? { type: 'User', id: pick(IDS) } : { __entity: { type: 'User', id: pick(IDS) } };
    case 'ipaddr': return chance(0.6) ? ext('ipaddr', IPS) : { __extn: { fn: 'ip', arg: ext('ipaddr', IPS) } };
    case 'decimal': return chance(0.6) ? ext('decimal', DECIMALS) : { fn: 'decimal', arg: ext('decimal', DECIMALS) };
    case 'datetime': return ext('datetime', DATETIMES);
    case 'duration': return ext('duration', DURATIONS);
    case 'Set<String>': return Array.from({ length: int(3) }, () => typed('String'));
    case 'Set<User>': return Array.from({ length: int(3) }, () => typed('User'));
    case 'rec': {
      const r = { a: typed('Long') };
      if (chance(0.5)) r.b = typed('Set<User>');
      if (chance(0.01)) delete r.a;
      return r;
    }
    case 'ctxrec': return { x: typed('Bool') };
  }
  throw new Error(t);
}
const USER_ATTRS = { age: 'Long', boss: 'User', ip: 'ipaddr', score: 'decimal', when: 'datetime', wait: 'duration', nick: 'Set<String>', rec: 'rec' };
function schemaEntities() {
  const out = [];
  const groups = IDS.map((id) => ({ type: 'Group', id }));
  for (const id of IDS) {
    const attrs = { name: typed('String') };
    for (const [k, t] of Object.entries(USER_ATTRS)) if (chance(0.5)) attrs[k] = typed(t);
    if (chance(0.01)) delete attrs.name;
    out.push({ uid: { type: 'User', id }, attrs, parents: groups.filter(() => chance(0.3)) });
    const dattrs = { owner: typed('User') };
    if (chance(0.5)) dattrs.level = typed('Long');
    const tags = {};
    for (let i = int(3); i > 0; i--) tags[pick(ATTRS)] = typed('String');
    out.push({ uid: { type: 'Doc', id }, attrs: dattrs, parents: groups.filter(() => chance(0.3)), tags });
  }
  out.push(...groups.map((uid) => ({ uid, attrs: {}, parents: [] })));
  out.push({ uid: { type: 'Color', id: 'red' }, attrs: {}, parents: [] });
  return out;
}
function schemaRequest() {
  const action = pick(['view', 'edit']);
  const ctx = {};
  if (action === 'view') {
    ctx.level = typed('Long');
    if (chance(0.5)) ctx.ip = typed('ipaddr');
    if (chance(0.5)) ctx.who = typed('User');
    if (chance(0.5)) ctx.d = typed('decimal');
    if (chance(0.3)) ctx.r = typed('ctxrec');
    if (chance(0.04)) delete ctx.level;
  }
  return {
    principal: { type: pick(['User', 'User', 'Group']), id: pick(IDS) },
    action: { type: 'Action', id: action },
    resource: { type: pick(['Doc', 'Doc', 'Color']), id: pick(['red', 'blue', ...IDS]) },
    context: ctx,
  };
}

// ---- one round ------------------------------------------------------------
const dir = keep || fs.mkdtempSync(path.join(os.tmpdir(), 'larch-diff-'));
fs.mkdirSync(dir, { recursive: true });
const sortIds = (xs) => [...new Set(xs)].sort();
let agree = 0, total = 0, failures = 0, skippedSets = 0, allows = 0, errs = 0, reasons = 0, refusedSets = 0, refusedReqs = 0;

for (let round = 0; round < rounds; round++) {
  // policies Cedar itself rejects are dropped (parse agreement is tested elsewhere)
  const pols = [];
  while (pols.length < npol) {
    const p = policy();
    if (cedar.checkParsePolicySet({ staticPolicies: p }).type === 'success') pols.push(p);
  }
  // a few templates, linked: larch and Cedar must report the links' ids
  const templates = {}, links = [];
  for (let t = int(3); t > 0; t--) {
    let tp;
    do tp = template(); while (cedar.checkParsePolicySet({ templates: { t: tp } }).type !== 'success');
    const id = `policy${pols.length}`;
    pols.push(tp);
    templates[id] = tp;
    for (let l = int(3); l > 0; l--) {
      const values = {};
      if (tp.includes('?principal')) values['?principal'] = { type: pick(TYPES), id: pick(IDS) };
      if (tp.includes('?resource')) values['?resource'] = { type: pick(TYPES), id: pick(IDS) };
      links.push({ templateId: id, newId: `link${links.length}`, values });
    }
  }
  const text = pols.join('\n') + '\n';
  const statics = {};
  pols.forEach((p, i) => { if (!templates[`policy${i}`]) statics[`policy${i}`] = p; });
  const policySet = { staticPolicies: statics, templates, templateLinks: links };
  const ents = withSchema ? schemaEntities() : entities();
  const schemaArg = withSchema ? { schema: SCHEMA } : {};
  const entsOk = cedar.checkParseEntities({ entities: ents, ...schemaArg }).type === 'success';
  if (!entsOk && !withSchema) { skippedSets++; continue; }
  const reqs = Array.from({ length: nreq }, withSchema ? schemaRequest : request);
  const larchArgs = withSchema ? ['--schema', path.join(dir, 's.cedarschema')] : [];
  if (withSchema) fs.writeFileSync(path.join(dir, 's.cedarschema'), SCHEMA);
  fs.writeFileSync(path.join(dir, 'p.cedar'), text);
  fs.writeFileSync(path.join(dir, 'links.json'), JSON.stringify(links));
  fs.writeFileSync(path.join(dir, 'e.json'), JSON.stringify(ents));
  fs.writeFileSync(path.join(dir, 'r.jsonl'), reqs.map((r) => JSON.stringify(r)).join('\n') + '\n');
  let out;
  try {
    out = execFileSync(larch, ['authorize', '--policies', path.join(dir, 'p.cedar'), '--entities',
      path.join(dir, 'e.json'), ...larchArgs, '--links', path.join(dir, 'links.json'), '--requests', path.join(dir, 'r.jsonl')],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    total += nreq;
    if (!entsOk) { agree += nreq; refusedSets++; continue; } // both refuse the entities
    console.log(`round ${round}: larch failed: ${e.stderr || e.message}`);
    fs.writeFileSync(path.join(dir, 'failed.cedar'), text);
    failures++;
    continue;
  }
  if (!entsOk) {
    console.log(`round ${round}: Cedar refuses the entities, larch accepted them: ${JSON.stringify(cedar.checkParseEntities({ entities: ents, ...schemaArg }).errors.map((e) => e.message))}`);
    fs.writeFileSync(path.join(dir, 'failed-entities.json'), JSON.stringify(ents));
    failures++;
    total += nreq;
    continue;
  }
  const lines = out.trim().split('\n');
  reqs.forEach((r, i) => {
    total++;
    const ans = cedar.isAuthorized({ ...r, policies: policySet, entities: ents, ...schemaArg, validateRequest: true });
    const got = JSON.parse(lines[i]);
    if (ans.type !== 'success' || got.error) {
      if ((ans.type !== 'success') === Boolean(got.error)) { agree++; refusedReqs += Boolean(got.error); return; }
      failures++;
      console.log(`MISMATCH round ${round} request ${i}: ${JSON.stringify(r)}`);
      console.log(`  cedar: ${ans.type === 'success' ? JSON.stringify(ans.response.decision) : JSON.stringify(ans.errors.map((e) => e.message))}`);
      console.log(`  larch: ${JSON.stringify(got)}`);
      return;
    }
    allows += ans.response.decision === 'allow';
    errs += ans.response.diagnostics.errors.length;
    reasons += ans.response.diagnostics.reason.length;
    const want = {
      decision: ans.response.decision,
      reasons: sortIds(ans.response.diagnostics.reason),
      errors: sortIds(ans.response.diagnostics.errors.map((e) => e.policyId)),
    };
    const g = { decision: got.decision, reasons: sortIds(got.reasons || []), errors: sortIds((got.errors || []).map((e) => e.policy)) };
    if (JSON.stringify(g) === JSON.stringify(want)) { agree++; return; }
    failures++;
    if (failures <= 10) {
      const ids = new Set([...want.reasons, ...want.errors, ...g.reasons, ...g.errors]);
      const diffIds = [...ids].filter((id) => want.reasons.includes(id) !== g.reasons.includes(id) || want.errors.includes(id) !== g.errors.includes(id));
      console.log(`MISMATCH round ${round} request ${i}: ${JSON.stringify(r)}`);
      console.log(`  cedar: ${JSON.stringify(want)}`);
      for (const e of ans.response.diagnostics.errors) if (diffIds.includes(e.policyId)) console.log(`    cedar ${e.policyId}: ${e.error.message}`);
      console.log(`  larch: ${JSON.stringify(got)}`);
      for (const id of diffIds) {
        const link = links.find((l) => l.newId === id);
        if (link) console.log(`  ${id}: link of ${link.templateId} with ${JSON.stringify(link.values)}: ${templates[link.templateId]}`);
        else console.log(`  ${id}: ${pols[Number(id.slice(6))]}`);
      }
    }
  });
}
console.log(`cedar differential: ${agree}/${total} requests agree (${rounds} rounds, ${npol} policies each${skippedSets ? `, ${skippedSets} entity sets Cedar refused` : ''}; Cedar answered ${allows} allow, ${reasons} determining and ${errs} erroring policies${withSchema ? `; both refused ${refusedSets} entity sets and ${refusedReqs} requests` : ''})`);
if (!keep) fs.rmSync(dir, { recursive: true, force: true });
process.exit(failures ? 1 : 0);
