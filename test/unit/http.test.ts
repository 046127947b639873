import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpExchange } from '../../src/system/http.js';

// The JSON Ledger API exchange: keep-alive sockets, a per-request deadline, failures naming the endpoint.
let server: Server;
let base = '';
const connections: number[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/hang') return; // never answers
    if (req.url === '/stall') return void res.writeHead(200, { 'content-length': '100' }).write('{"partial":'); // starts, never ends
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, body, length: req.headers['content-length'] ?? null }));
    });
  });
  server.on('connection', () => connections.push(Date.now()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('httpExchange', () => {
  it('many sequential requests share one keep-alive connection; bodies carry their length', async () => {
    const before = connections.length;
    for (let i = 0; i < 20; i++) {
      const r = await httpExchange(`${base}/v2/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"é":1}' });
      expect(r).toMatchObject({ status: 200, ok: true });
      expect(JSON.parse(r.text)).toEqual({ method: 'POST', body: '{"é":1}', length: '8' }); // bytes, not characters
    }
    expect(connections.length - before).toBe(1);
  });
  it('a non-2xx answer is returned, not thrown', async () => {
    expect(await httpExchange(`${base}/missing`)).toMatchObject({ status: 404, ok: false });
  });
  it('no answer within the deadline: a RemoteError naming the method, URL and the deadline', async () => {
    await expect(httpExchange(`${base}/hang`, { timeoutMs: 150 })).rejects.toMatchObject({ message: `GET ${base}/hang failed: no answer within 150 ms`, kind: 'http_failed' });
  });
  it('an answer that stops midway is cut at the deadline too', async () => {
    await expect(httpExchange(`${base}/stall`, { timeoutMs: 150 })).rejects.toMatchObject({ message: `GET ${base}/stall failed: no answer within 150 ms` });
  });
  it('nothing listening: the cause and its fix', async () => {
    await expect(httpExchange('http://127.0.0.1:1/x')).rejects.toMatchObject({ message: 'GET http://127.0.0.1:1/x failed: ECONNREFUSED', hint: expect.stringContaining('canton-mpc up') });
  });
  it('a cancelled command aborts the request', async () => {
    const c = new AbortController();
    const p = httpExchange(`${base}/hang`, { signal: c.signal, timeoutMs: 5_000 });
    setTimeout(() => c.abort(), 50);
    await expect(p).rejects.toMatchObject({ kind: 'http_failed' });
  });
});
