// jwt.mjs — test tokens for tests/proxy/test_mcp.py, signed with node:crypto.
// Usage: node jwt.mjs DIR   writes DIR/jwks.json and prints a JSON object
// of tokens: valid, alg_none, hs256_confusion (HS256 keyed with the RSA
// public key), unknown_kid, expired, malformed, other_user.
import crypto from 'node:crypto';
import fs from 'node:fs';

const dir = process.argv[2];
const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = publicKey.export({ format: 'jwk' });
fs.writeFileSync(dir + '/jwks.json', JSON.stringify({ keys: [{ ...jwk, kid: 'k1', alg: 'RS256', use: 'sig' }] }));
const b64 = (o) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const claims = (sub, extra = {}) => ({ sub, iss: 'https://issuer.test', aud: 'larch', iat: now, exp: now + 600, roles: ['dev'], ...extra });

function rs256(header, payload) {
  const input = b64(header) + '.' + b64(payload);
  return input + '.' + crypto.sign('sha256', Buffer.from(input), privateKey).toString('base64url');
}
function hs256(header, payload, secret) {
  const input = b64(header) + '.' + b64(payload);
  return input + '.' + crypto.createHmac('sha256', secret).update(input).digest('base64url');
}
const pem = publicKey.export({ format: 'pem', type: 'spki' });
console.log(JSON.stringify({
  valid: rs256({ alg: 'RS256', kid: 'k1', typ: 'JWT' }, claims('alice')),
  other_user: rs256({ alg: 'RS256', kid: 'k1', typ: 'JWT' }, claims('mallory', { roles: ['guest'] })),
  alg_none: b64({ alg: 'none', typ: 'JWT' }) + '.' + b64(claims('alice')) + '.',
  hs256_confusion: hs256({ alg: 'HS256', kid: 'k1', typ: 'JWT' }, claims('alice'), pem),
  unknown_kid: rs256({ alg: 'RS256', kid: 'nope', typ: 'JWT' }, claims('alice')),
  expired: rs256({ alg: 'RS256', kid: 'k1', typ: 'JWT' }, claims('alice', { exp: now - 3600, iat: now - 7200 })),
  wrong_issuer: rs256({ alg: 'RS256', kid: 'k1', typ: 'JWT' }, claims('alice', { iss: 'https://evil.test' })),
  malformed: 'eyJhbGciOiJSUzI1NiJ9.not-base64!.x',
}));
