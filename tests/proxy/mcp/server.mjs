// server.mjs — an MCP server built with the official TypeScript SDK
// (Streamable HTTP, stateful sessions) for tests/proxy/test_mcp.py.
// Usage: node server.mjs PORT LOGFILE [json|sse]
// Every JSON-RPC message that arrives is appended to LOGFILE (one JSON
// line: {method, name, args}), so a test can prove denied calls never did.
import fs from 'node:fs';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const [port, logfile, mode = 'sse'] = process.argv.slice(2);
const log = (o) => fs.appendFileSync(logfile, JSON.stringify(o) + '\n');

function newServer() {
  const s = new McpServer({ name: 'larch-test-server', version: '1.0.0' });
  s.tool('echo', 'Echoes its text', { text: z.string() }, async ({ text }) => ({
    content: [{ type: 'text', text: 'echo: ' + text }],
  }));
  s.tool('add', 'Adds two numbers', { a: z.number(), b: z.number() }, async ({ a, b }) => ({
    content: [{ type: 'text', text: String(a + b) }],
  }));
  s.tool('delete_file', 'Deletes a file', { path: z.string() }, async ({ path }) => ({
    content: [{ type: 'text', text: 'deleted ' + path }],
  }));
  s.tool('send_email', 'Sends an email', { to: z.string(), body: z.string() },
    async ({ to }) => ({ content: [{ type: 'text', text: 'sent to ' + to }] }));
  s.resource('readme', 'file:///readme.txt', async (uri) => ({
    contents: [{ uri: uri.href, text: 'read me' }],
  }));
  return s;
}

const transports = new Map();
const httpServer = http.createServer(async (req, res) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  let parsed;
  if (body) {
    try { parsed = JSON.parse(body); } catch { parsed = undefined; }
    for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
      if (m && m.method) log({ method: m.method, name: m.params?.name, args: m.params?.arguments });
    }
  }
  const sid = req.headers['mcp-session-id'];
  let t = sid ? transports.get(sid) : undefined;
  if (!t) {
    if (sid) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }));
      return;
    }
    t = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: mode === 'json',
      onsessioninitialized: (id) => transports.set(id, t),
    });
    await newServer().connect(t);
  }
  await t.handleRequest(req, res, parsed);
});
httpServer.listen(Number(port), '127.0.0.1', () => console.log('ready'));
