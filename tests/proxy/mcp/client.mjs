// client.mjs — an MCP client built with the official TypeScript SDK that
// talks to a server through larch (tests/proxy/test_mcp.py).
// Usage: node client.mjs URL SCENARIO [BEARER]
// Prints one JSON line per step: {step, ok, result | error: {code, message, data}}.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [url, scenario, bearer] = process.argv.slice(2);
const headers = bearer ? { Authorization: 'Bearer ' + bearer } : {};
const out = (o) => console.log(JSON.stringify(o));

async function step(name, fn) {
  try {
    out({ step: name, ok: true, result: await fn() });
  } catch (e) {
    out({ step: name, ok: false, error: { code: e.code, message: String(e.message), data: e.data } });
  }
}

const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
const client = new Client({ name: 'larch-test-client', version: '1.0.0' });
await step('connect', async () => {
  await client.connect(transport);
  return { session: transport.sessionId };
});
if (scenario === 'basic') {
  await step('list', async () => (await client.listTools()).tools.map((t) => t.name).sort());
  await step('echo', () => client.callTool({ name: 'echo', arguments: { text: 'hi there' } }));
  await step('add', () => client.callTool({ name: 'add', arguments: { a: 2, b: 40 } }));
  await step('delete', () => client.callTool({ name: 'delete_file', arguments: { path: '/etc/passwd' } }));
  await step('email', () => client.callTool({ name: 'send_email', arguments: { to: 'a@b.c', body: 'x' } }));
  await step('aws', () => client.callTool({ name: 'echo', arguments: { text: 'key AKIA2E0A8F3B244C9986' } }));
  await step('readme', () => client.readResource({ uri: 'file:///readme.txt' }));
}
await step('close', async () => { await client.close(); return true; });
