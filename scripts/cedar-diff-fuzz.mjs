// cedar-diff-fuzz.mjs — differential fuzzing of larch's evaluator against
// Cedar's reference implementation (@cedar-policy/cedar-wasm from npm).
//
// Each round generates 100 random conditions, writes them as
// `permit(principal, action, resource) when { C };` (ids policy0..policy99),
// decides one request over a fixed entity set with both `larch authorize
// --requests` and cedar-wasm's isAuthorized, and compares every policy's
// outcome: satisfied (in reasons), erroring (in errors) or neither. Rounds
// that Cedar refuses to parse are skipped. Deterministic for a given seed.
//
// setup: npm install @cedar-policy/cedar-wasm (in any folder D), then
//        CEDAR_WASM=D/node_modules/@cedar-policy/cedar-wasm/nodejs/cedar_wasm.js
// usage: node scripts/cedar-diff-fuzz.mjs SEED ROUNDS path/to/larch
//        MODE=parse ... fuzzes the decimal/ip/datetime/duration parsers and
//        their methods instead of whole expressions.
//        MODE=values ... `like`, deep equality, contains, has on random literals.
//        MODE=scope ... random hierarchies, scopes, permit/forbid, templates and
//        links, requests,
//        comparing decision + reasons + errors per request.
// Prints the disagreeing conditions (up to 30) and "seed S: N/M agree".
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';

// CEDAR_WASM may name the package's nodejs/cedar_wasm.js file directly.
const cedar = await import(process.env.CEDAR_WASM ? pathToFileURL(process.env.CEDAR_WASM).href
                                                  : '@cedar-policy/cedar-wasm/nodejs');
const seed0 = Number(process.argv[2] || 1);
const rounds = Number(process.argv[3] || 10);
const larch = process.argv[4];
const tmp = mkdtempSync(tmpdir() + '/cedar-diff-');
let s = seed0 >>> 0 || 1;
function rnd() { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296; }
const ri = (n) => Math.floor(rnd() * n);
const pick = (a) => a[ri(a.length)];

const entities = [
  { uid: { type: 'User', id: 'alice' }, attrs: { name: 'alice', age: 30, roles: ['admin', 'dev'],
    addr: { city: 'Paris', zip: '75001' }, boss: { __entity: { type: 'User', id: 'bob' } },
    ip: { __extn: { fn: 'ip', arg: '10.1.2.3' } }, dec: { __extn: { fn: 'decimal', arg: '1.5' } },
    big: 9007199254740991, neg: -9007199254740991, e: [] },
    parents: [{ type: 'Group', id: 'g1' }], tags: { dept: 'eng', level: 3 } },
  { uid: { type: 'User', id: 'bob' }, attrs: { name: 'bob', age: 40 }, parents: [{ type: 'Group', id: 'g2' }] },
  { uid: { type: 'Group', id: 'g1' }, attrs: {}, parents: [{ type: 'Group', id: 'g2' }] },
  { uid: { type: 'Group', id: 'g2' }, attrs: { n: 1 }, parents: [{ type: 'Group', id: 'g3' }] },
  { uid: { type: 'Photo', id: 'p' }, attrs: { owner: { __entity: { type: 'User', id: 'alice' } }, tags: ['a', 'b'] },
    parents: [{ type: 'Album', id: 'a' }] },
  { uid: { type: 'Action', id: 'view' }, attrs: {}, parents: [{ type: 'Action', id: 'read' }] },
  { uid: { type: 'Action', id: 'read' }, attrs: {}, parents: [] },
];
const request = {
  principal: { type: 'User', id: 'alice' }, action: { type: 'Action', id: 'view' },
  resource: { type: 'Photo', id: 'p' },
  context: { n: 5, s: 'hi', set: [1, 2, 3], rec: { a: { b: true } },
    when: { __extn: { fn: 'datetime', arg: '2024-10-15T11:38:02Z' } },
    d: { __extn: { fn: 'duration', arg: '1h30m' } } },
};

const str = (x) => JSON.stringify(x);
const longs = ['0', '1', '2', '-1', '7', '100', '9223372036854775807', '-9223372036854775807',
  '4611686018427387904', '3037000499', '3037000500'];
const strs = ['""', '"a"', '"hi"', '"alice"', '"a*b"', '"eng"', '"dept"', '"level"', '"name"', '"x y"', '"\\u{e9}t\\u{e9}"'];
const uids = ['User::"alice"', 'User::"bob"', 'User::"carol"', 'Group::"g1"', 'Group::"g2"', 'Group::"g3"',
  'Album::"a"', 'Photo::"p"', 'Action::"view"', 'Action::"read"'];
const types = ['User', 'Group', 'Photo', 'Album', 'Action', 'Other'];
const attrs = ['name', 'age', 'roles', 'addr', 'boss', 'ip', 'dec', 'big', 'neg', 'e', 'owner', 'tags', 'n',
  's', 'set', 'rec', 'a', 'b', 'city', 'when', 'd', 'zip', 'x'];
const decs = ['1.0', '-1.5', '0.1234', '1.23456', '922337203685477.5807', '-922337203685477.5808',
  '922337203685477.5808', '1.', '.5', '-0.5', '00.1', '1.5'];
const ips = ['10.0.0.0/8', '10.1.2.3', '127.0.0.1', '127.0.0.1/7', '::1', '::1/127', 'ff02::1', '224.0.0.1/3',
  '1.2.3.4/33', '01.2.3.4', '::ffff:1.2.3.4', '2001:db8::/32', '0.0.0.0/0', '1.2.3.4/00', '10.0.0.1/08',
  '1:2:3:4:5:6:7:8', '::', '1.2.3', 'fe80::1%1'];
const dts = ['2024-10-15', '2024-10-15T11:38:02Z', '2024-10-15T11:38:02.101+1134', '1969-12-31T23:59:59.999Z',
  '2024-02-30', '2024-01-01T24:00:00Z', '0000-01-01', '9999-12-31T23:59:59.999-2359', '2024-01-01T00:00:00+2400',
  '2016-12-31T23:59:60Z', '2024-1-01'];
const durs = ['1d2h3m4s5ms', '-1d', '1h', '90m', '0ms', '1ms', '-9223372036854775808ms', '9223372036854775807ms',
  '106751991167d', '106751991168d', '1s1m', '', '-', '1.5h', '2h30m'];

function gen(t, d) {
  if (d <= 0 || rnd() < 0.25) return leaf(t);
  if (rnd() < 0.04) return gen(pick(['bool', 'long', 'str', 'ent', 'set', 'rec', 'dec', 'ip', 'dt', 'dur']), d - 1);
  const g = (tt) => `(${gen(tt, d - 1)})`;
  switch (t) {
    case 'bool': return pick([
      () => `${g('bool')} && ${g('bool')}`, () => `${g('bool')} || ${g('bool')}`, () => `!${g('bool')}`,
      () => { const tt = pick(['long', 'str', 'ent', 'set', 'rec', 'dec', 'ip', 'dt', 'dur']); return `${g(tt)} == ${g(tt)}`; },
      () => `${g('long')} ${pick(['<', '<=', '>', '>='])} ${g('long')}`,
      () => `${g('dt')} ${pick(['<', '<=', '>', '>=', '!='])} ${g('dt')}`,
      () => `${g('dur')} ${pick(['<', '<=', '>', '>='])} ${g('dur')}`,
      () => `${g('ent')} in ${rnd() < 0.5 ? g('ent') : g('set')}`,
      () => `${g(pick(['ent', 'rec']))} has ${pick(attrs)}${rnd() < 0.3 ? '.' + pick(attrs) : ''}`,
      () => `${g('str')} like "${pick(['*', 'a*', '*i', 'h*i', 'a\\*b', '**', '', 'al*e', '*e*'])}"`,
      () => `${g('ent')} is ${pick(types)}${rnd() < 0.3 ? ' in ' + g('ent') : ''}`,
      () => `${g('set')}.contains(${g(pick(['long', 'str', 'ent']))})`,
      () => `${g('set')}.${pick(['containsAll', 'containsAny'])}(${g('set')})`,
      () => `${g('set')}.isEmpty()`,
      () => `${g('ent')}.hasTag(${g('str')})`,
      () => `if ${g('bool')} then ${g('bool')} else ${g('bool')}`,
      () => `${g('dec')}.${pick(['lessThan', 'lessThanOrEqual', 'greaterThan', 'greaterThanOrEqual'])}(${g('dec')})`,
      () => `${g('ip')}.${pick(['isIpv4', 'isIpv6', 'isLoopback', 'isMulticast'])}()`,
      () => `${g('ip')}.isInRange(${g('ip')})`,
      () => `(${g('bool')})`,
    ])();
    case 'long': return pick([
      () => `${g('long')} ${pick(['+', '-', '*'])} ${g('long')}`, () => `-${g('long')}`,
      () => `${g(pick(['ent', 'rec']))}.${pick(['age', 'n', 'big', 'neg'])}`,
      () => `${g('ent')}.getTag("level")`,
      () => `${g('dur')}.${pick(['toDays', 'toHours', 'toMinutes', 'toSeconds', 'toMilliseconds'])}()`,
      () => `if ${g('bool')} then ${g('long')} else ${g('long')}`, () => `(${g('long')})`,
    ])();
    case 'str': return pick([() => `${g('ent')}.name`, () => `${g('ent')}.getTag(${g('str')})`,
      () => `context.s`, () => `${g('rec')}.city`])();
    case 'ent': return pick([() => `${g('ent')}.${pick(['boss', 'owner'])}`,
      () => `if ${g('bool')} then ${g('ent')} else ${g('ent')}`])();
    case 'set': return pick([() => `[${Array.from({ length: ri(4) }, () => g(pick(['long', 'str', 'ent'])))}]`,
      () => `${g('ent')}.${pick(['roles', 'tags', 'e'])}`, () => 'context.set'])();
    case 'rec': return pick([() => `{${Array.from({ length: ri(3) }, (_, i) => `${pick(['a', 'b', 'c', '"x y"'])}${i}: ${g(pick(['long', 'str', 'bool']))}`)}}`,
      () => `${g('ent')}.addr`, () => 'context.rec', () => 'context.rec.a'])();
    case 'dec': return pick([() => `${g('ent')}.dec`, () => `decimal(${g('str')})`])();
    case 'ip': return pick([() => `${g('ent')}.ip`, () => `ip(${g('str')})`])();
    case 'dt': return pick([() => `${g('dt')}.offset(${g('dur')})`, () => `${g('dt')}.toDate()`, () => 'context.when'])();
    case 'dur': return pick([() => `${g('dt')}.durationSince(${g('dt')})`, () => `${g('dt')}.toTime()`, () => 'context.d'])();
  }
  return leaf(t);
}
const alphabet = '0123456789abcdefABCDEF.:/-+TZ%xd hmsu';
function mutate(x) {
  let a = x.split('');
  const k = 1 + ri(3);
  for (let i = 0; i < k; i++) {
    const op = ri(4), p = ri(a.length + 1);
    if (op === 0) a.splice(p, 0, pick(alphabet));
    else if (op === 1 && a.length) a.splice(Math.min(p, a.length - 1), 1);
    else if (op === 2 && a.length) a[Math.min(p, a.length - 1)] = pick(alphabet);
    else a.splice(p, 0, a[Math.min(p, a.length - 1)] || '0');
  }
  return a.join('');
}
const pad = (n, w) => String(n).padStart(w, '0');
const randValid = {
  decimal: () => `${rnd() < 0.3 ? '-' : ''}${ri(3) ? ri(1000) : ri(1e9) * 1e6 + ri(1e6)}.${pad(ri(10000), 1 + ri(4)).slice(0, 1 + ri(4))}`,
  ip: () => rnd() < 0.5 ? `${ri(256)}.${ri(256)}.${pick([0, 127, 10, 224, 255, ri(256)])}.${ri(256)}${rnd() < 0.5 ? '/' + ri(33) : ''}`
    : `${Array.from({ length: 8 }, () => (ri(3) ? ri(65536) : 0).toString(16)).join(':')}${rnd() < 0.5 ? '/' + ri(129) : ''}`.replace(/(^|:)0(:0)+(:|$)/, '::'),
  datetime: () => `${pad(ri(10000), 4)}-${pad(1 + ri(12), 2)}-${pad(1 + ri(31), 2)}` + (rnd() < 0.2 ? '' :
    `T${pad(ri(24), 2)}:${pad(ri(60), 2)}:${pad(ri(60), 2)}${rnd() < 0.5 ? '.' + pad(ri(1000), 3) : ''}${rnd() < 0.5 ? 'Z' : pick(['+', '-']) + pad(ri(24), 2) + pad(ri(60), 2)}`),
  duration: () => (rnd() < 0.3 ? '-' : '') + ['d', 'h', 'm', 's', 'ms'].map((u) => (rnd() < 0.5 ? ri(rnd() < 0.1 ? 1e9 : 100) + u : '')).join('') || '0ms',
};
const ctorOf = new Map();
const pool = (arr) => { const r = rnd(); if (r < 0.3) return pick(arr); if (r < 0.5) return mutate(pick(arr)); return randValid[ctorOf.get(arr)](); };
function leaf(t) {
  switch (t) {
    case 'bool': return pick(['true', 'false', 'context.rec.a.b']);
    case 'long': return pick(longs.concat(['principal.age', 'context.n']));
    case 'str': return pick(strs);
    case 'ent': return pick(uids.concat(['principal', 'resource', 'action']));
    case 'set': return pick(['[]', '[1, 2]', '["admin"]', '[User::"alice", Group::"g3"]', 'context.set', '[1, "a"]']);
    case 'rec': return pick(['{}', 'context', '{a: 1}', 'context.rec']);
    case 'dec': return `decimal(${str(pool(decs))})`;
    case 'ip': return `ip(${str(pool(ips))})`;
    case 'dt': return `datetime(${str(pool(dts))})`;
    case 'dur': return `duration(${str(pool(durs))})`;
  }
}

ctorOf.set(decs, 'decimal').set(ips, 'ip').set(dts, 'datetime').set(durs, 'duration');
let mismatches = 0, total = 0, stat = { sat: 0, unsat: 0, err: 0 };

// MODE=values: `like` on random strings and patterns (escapes, non-ASCII),
// deep equality of random nested literals, `has` with odd keys.
const chars = ['a', 'b', '*', ' ', 'é', '😀', '\\n', '\\t', '\\"', '\\\\', '\\0', '\\u{e9}', '\\u{1f600}', 'ab'];
const rstr = (n) => Array.from({ length: ri(n) }, () => pick(chars)).join('');
const rpat = (n) => Array.from({ length: ri(n) }, () => pick(chars.concat(['*', '*', '\\*']))).join('');
function rval(d) {
  const k = d <= 0 ? ri(4) : ri(6);
  if (k === 0) return pick(['1', '-1', '0', 'true', 'false']);
  if (k === 1) return `"${rstr(3)}"`;
  if (k === 2) return pick(['User::"a"', 'User::"b"', 'decimal("1.0")', 'decimal("1.00")', 'ip("::1")', 'ip("::1/128")',
    'datetime("2024-01-01")', 'datetime("2024-01-01T00:00:00Z")', 'duration("1h")', 'duration("60m")']);
  if (k === 3) return pick(['[]', '{}']);
  if (k === 4) return `[${Array.from({ length: ri(4) }, () => rval(d - 1)).join(', ')}]`;
  return `{${[...new Set(Array.from({ length: ri(4) }, () => pick(['a', 'b', '"c d"', '"é"', '"😀"'])))].map((key) => `${key}: ${rval(d - 1)}`).join(', ')}}`;
}
function valueCond() {
  switch (ri(4)) {
    case 0: return `"${rstr(6)}" like "${rpat(5)}"`;
    case 1: { const v = rval(3); return rnd() < 0.5 ? `${v} == ${v}` : `${v} == ${rval(3)}`; }
    case 2: return `${rval(3)}.contains(${rval(1)})`;
    default: return `${rval(2)} has ${pick(['a', 'b', '"c d"', '"é"', '"😀"'])}`;
  }
}

// MODE=scope: random hierarchies, scopes, effects and requests; compares
// decision, reasons and errors of whole requests.
function scopeMode() {
  const tys = ['User', 'Group', 'Doc', 'NS::Folder'];
  const ents = [];
  for (let i = 0; i < 14; i++) {
    const uid = { type: pick(tys), id: 'e' + i };
    const parents = [];
    for (let k = 0; k < ri(3) && i > 0; k++) parents.push(ents[ri(i)].uid);
    if (rnd() < 0.2) parents.push({ type: pick(tys), id: 'ghost' + ri(3) });
    ents.push({ uid, attrs: { level: ri(5), owner: { __entity: pick(ents.length ? ents : [{ uid }]).uid } }, parents,
      tags: rnd() < 0.5 ? { t: ri(3) } : {} });
  }
  const acts = [{ uid: { type: 'Action', id: 'a0' }, attrs: {}, parents: [] },
    { uid: { type: 'Action', id: 'a1' }, attrs: {}, parents: [{ type: 'Action', id: 'a0' }] },
    { uid: { type: 'Action', id: 'a2' }, attrs: {}, parents: [{ type: 'Action', id: 'a1' }] }];
  const all = ents.concat(acts);
  const anyUid = () => (rnd() < 0.85 ? pick(ents).uid : { type: pick(tys), id: 'ghost' + ri(3) });
  const lit = (u) => `${u.type}::${str(u.id)}`;
  const scope = (v) => pick([() => v, () => `${v} == ${lit(anyUid())}`, () => `${v} in ${lit(anyUid())}`,
    () => `${v} is ${pick(tys)}`, () => `${v} is ${pick(tys)} in ${lit(anyUid())}`])();
  const aScope = () => pick(['action', `action == Action::"a${ri(3)}"`, `action in Action::"a${ri(3)}"`,
    `action in [${Array.from({ length: ri(3) }, () => `Action::"a${ri(3)}"`).join(', ')}]`]);
  const cond = () => pick(['', ` when { principal.level ${pick(['<', '>=', '=='])} ${ri(5)} }`,
    ` unless { resource in principal.owner }`, ` when { principal has owner && principal.owner.level > 1 }`,
    ` when { resource.hasTag("t") && resource.getTag("t") == ${ri(3)} }`, ` when { principal.getTag("t") > 0 }`,
    ` when { context.k in principal }`, ` when { resource.owner is ${pick(tys)} }`]);
  const text = Array.from({ length: 12 }, () =>
    `${rnd() < 0.7 ? 'permit' : 'forbid'}(${scope('principal')}, ${aScope()}, ${scope('resource')})${cond()};`).join('\n');
  // templates (ids policy12..) and links, written after the static policies
  const templates = {}, links = [];
  const slotScope = (v, slot) => pick([`${v} == ${slot}`, `${v} in ${slot}`, `${v} in ${slot}`, `${v} is ${pick(tys)} in ${slot}`]);
  for (let t = 0; t < ri(4); t++) {
    const useP = rnd() < 0.7, useR = !useP || rnd() < 0.5;
    const id = `policy${12 + t}`;
    templates[id] = `${rnd() < 0.7 ? 'permit' : 'forbid'}(${useP ? slotScope('principal', '?principal') : scope('principal')}, ` +
      `${aScope()}, ${useR ? slotScope('resource', '?resource') : scope('resource')})${cond()};`;
    for (let k = 0; k < 1 + ri(3); k++) {
      const values = {};
      const linkUid = () => (rnd() < 0.6 ? ents[ri(4)].uid : anyUid()); /* low ids have many descendants */
      if (useP) values['?principal'] = linkUid();
      if (useR) values['?resource'] = linkUid();
      links.push({ templateId: id, newId: `link${links.length}`, values });
    }
  }
  const out = [];
  for (let q = 0; q < 20; q++) {
    const req = { principal: anyUid(), action: { type: 'Action', id: 'a' + ri(3) }, resource: anyUid(),
      context: { k: { __entity: anyUid() } } };
    out.push(req);
  }
  return { text, templates, links, entities: all, requests: out };
}

if (process.env.MODE === 'scope') {
  for (let r = 0; r < rounds; r++) {
    const { text, templates, links, entities: es, requests } = scopeMode();
    const pset = { staticPolicies: text, templates, templateLinks: links };
    const pr = cedar.checkParsePolicySet(pset);
    if (pr.type !== 'success') { console.log('parse', str(pr.errors).slice(0, 300)); continue; }
    writeFileSync(tmp + '/p.cedar', text + '\n' + Object.values(templates).join('\n') + '\n');
    writeFileSync(tmp + '/l.json', str(links));
    writeFileSync(tmp + '/e.json', str(es));
    writeFileSync(tmp + '/r.jsonl', requests.map(str).join('\n') + '\n');
    let out;
    try { out = execFileSync(larch, ['authorize', '--policies', tmp + '/p.cedar', '--entities', tmp + '/e.json', '--links', tmp + '/l.json', '--requests', tmp + '/r.jsonl']).toString(); }
    catch (e) { out = e.stdout.toString(); if (!out) console.log(e.stderr.toString()); }
    const lines = out.trim().split('\n');
    requests.forEach((req, i) => {
      const ans = cedar.isAuthorized({ ...req, policies: pset, entities: es });
      total++;
      if (ans.type !== 'success') { console.log('cedar failure', str(ans.errors).slice(0, 300)); return; }
      const c = { d: ans.response.decision, r: [...ans.response.diagnostics.reason].sort(), e: ans.response.diagnostics.errors.map((x) => x.policyId).sort() };
      const l0 = JSON.parse(lines[i] || '{}');
      const l = { d: l0.decision, r: [...(l0.reasons || [])].sort(), e: (l0.errors || []).map((x) => x.policy).sort() };
      stat[c.d === 'allow' ? 'sat' : 'unsat']++;
      if (c.r.some((id) => id.startsWith('link'))) stat.err++;
      if (str(c) !== str(l)) {
        mismatches++;
        if (mismatches <= 10) console.log(`MISMATCH request ${str(req)}\n  cedar ${str(c)}\n  larch ${str(l)} ${l0.error || ''}\n${text}\n${str(templates)}\n${str(links)}\n${str(es)}`);
      }
    });
  }
  console.log(`seed ${seed0}: ${total - mismatches}/${total} requests agree (allow ${stat.sat}, deny ${stat.unsat}, decided by a link ${stat.err})`);
  process.exit(mismatches ? 1 : 0);
}
for (let r = 0; r < rounds; r++) {
  const conds = [];
  const mode = process.env.MODE || 'expr';
  for (let i = 0; i < 100; i++) {
    if (mode === 'expr') { conds.push(gen('bool', 1 + ri(5))); continue; }
    if (mode === 'values') { conds.push(valueCond()); continue; }
    const k = pick(['dec', 'ip', 'dt', 'dur']);
    const [ctor, arr] = { dec: ['decimal', decs], ip: ['ip', ips], dt: ['datetime', dts], dur: ['duration', durs] }[k];
    const m1 = pool(arr), m2 = rnd() < 0.3 ? m1 : pool(arr);
    const a = `${ctor}(${str(m1)})`, b = `${ctor}(${str(m2)})`;
    const ops = { dec: ['==', '.lessThan', '.greaterThanOrEqual'], ip: ['==', '.isInRange', 'loop', 'multi'],
      dt: ['==', '<', '<=', 'date', 'time'], dur: ['==', '<', '>=', 'days', 'secs'] }[k];
    const op = pick(ops);
    if (op.startsWith('.')) conds.push(`${a}${op}(${b})`);
    else if (op === 'loop') conds.push(`${a}.isLoopback()`);
    else if (op === 'multi') conds.push(`${a}.isMulticast()`);
    else if (op === 'date') conds.push(`${a}.toDate() == ${b}`);
    else if (op === 'time') conds.push(`${a}.toTime() < ${b}.toTime()`);
    else if (op === 'days') conds.push(`${a}.toDays() == ${b}.toHours() / 1`.replace(' / 1', ''));
    else if (op === 'secs') conds.push(`${a}.toSeconds() < ${b}.toMilliseconds()`);
    else conds.push(`${a} ${op} ${b}`);
  }
  const text = conds.map((c) => `permit(principal, action, resource) when { ${c} };`).join('\n') + '\n';
  { const pr = cedar.checkParsePolicySet({ staticPolicies: text }); if (pr.type !== 'success') continue; }
  const ans = cedar.isAuthorized({ ...request, policies: { staticPolicies: text }, entities });
  if (ans.type !== 'success') { console.log('cedar failure', str(ans.errors)); continue; }
  writeFileSync(tmp + '/p.cedar', text);
  writeFileSync(tmp + '/e.json', str(entities));
  writeFileSync(tmp + '/r.jsonl', str(request) + '\n');
  let out;
  try { out = execFileSync(larch, ['authorize', '--policies', tmp + '/p.cedar', '--entities', tmp + '/e.json', '--requests', tmp + '/r.jsonl']).toString(); }
  catch (e) { out = e.stdout.toString(); if (!out) { console.log('larch failed', e.stderr.toString()); process.exit(1); } }
  const lr = JSON.parse(out.trim().split('\n')[0]);
  if (lr.error) { console.log('larch request error', lr.error); process.exit(1); }
  const cSat = new Set(ans.response.diagnostics.reason), cErr = new Set(ans.response.diagnostics.errors.map((e) => e.policyId));
  const lSat = new Set(lr.reasons), lErr = new Set(lr.errors.map((e) => e.policy));
  const cMsg = Object.fromEntries(ans.response.diagnostics.errors.map((e) => [e.policyId, e.error.message]));
  const lMsg = Object.fromEntries(lr.errors.map((e) => [e.policy, e.message]));
  for (let i = 0; i < conds.length; i++) {
    const id = `policy${i}`;
    const c = cSat.has(id) ? 'sat' : cErr.has(id) ? 'err' : 'unsat';
    const l = lSat.has(id) ? 'sat' : lErr.has(id) ? 'err' : 'unsat';
    total++; stat[c]++;
    if (c !== l) {
      mismatches++;
      if (mismatches <= 30) console.log(`MISMATCH cedar=${c} larch=${l}: ${conds[i]}\n   cedar: ${cMsg[id] || ''}\n   larch: ${lMsg[id] || ''}`);
    }
  }
}
console.log(`seed ${seed0}: ${total - mismatches}/${total} agree (cedar: ${str(stat)})`);
process.exit(mismatches ? 1 : 0);
