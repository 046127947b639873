// Admin-API stand-in. Real Canton serves gRPC admin services here; the emulator serves a private
// JSON-RPC (`POST /emulator/console`) so that `bin/canton run script -c remote.conf` in another
// process can act on this daemon's state, one console operation per request.
import { createServer, request, type Server } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { ClientTls, ServerTls } from './security.js';
import type { Env } from './env.js';
import { CantonError } from './errors.js';
import { runOp } from './ops.js';
import { ConsoleRuntimeError } from './api.js';
import type { Endpoint } from './config.js';

export interface RpcRequest { node: string; op: string; args: Record<string, unknown> }
export type RpcResponse = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

export function adminServer(env: Env, nodeName: string, o: { tls?: ServerTls; verify?: (authorization: string | undefined) => Promise<void> } = {}): Server {
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: RpcResponse | string) => {
        const data = typeof body === 'string' ? body : JSON.stringify(body);
        res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
        res.end(data);
      };
      if (req.url !== '/emulator/console') return reply(404, 'not found');
      if (req.method !== 'POST') return reply(405, 'method not allowed');
      let r: RpcRequest;
      try { r = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RpcRequest; } catch { return reply(400, 'bad json'); }
      (o.verify ? o.verify(req.headers.authorization) : Promise.resolve()).then(() => runOp(env, r.node || nodeName, r.op, r.args ?? {})).then(
        (result) => reply(200, { ok: true, result: result ?? null }),
        (e: unknown) => reply(200, { ok: false, error: e instanceof CantonError ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: String((e as Error)?.message ?? e) } }),
      );
    });
  };
  return o.tls ? createHttpsServer(o.tls, handler) : createServer(handler);
}

/** Client side, used by a console whose node is remote. */
export function rpcCall(ep: Endpoint, body: RpcRequest, token?: string, tls?: ClientTls): Promise<unknown> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const send = tls ? httpsRequest : request;
    const req = send({ ...(tls ?? {}), host: ep.address, port: ep.port, method: 'POST', path: '/emulator/console', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...(token ? { authorization: `Bearer ${token}` } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let r: RpcResponse;
        try { r = JSON.parse(Buffer.concat(chunks).toString('utf8')) as RpcResponse; } catch {
          return reject(new ConsoleRuntimeError(`Request failed for ${body.node}: admin API at ${ep.address}:${ep.port} answered ${res.statusCode}`));
        }
        if (r.ok) resolve(r.result);
        else reject(new ConsoleRuntimeError(`Request failed for ${body.node}. ${r.error.message}`));
      });
    });
    req.on('error', (e) => reject(new ConsoleRuntimeError(`Request failed for ${body.node}: UNAVAILABLE: io exception: ${e.message} (${ep.address}:${ep.port})`)));
    req.end(data);
  });
}
