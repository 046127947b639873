import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import getPort from 'get-port';
import { afterEach, describe, expect, it } from 'vitest';
import { parseProcNetTcp, parseSsOutput, probePort } from '../../src/system/ports.js';

const PROC_NET_TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1393 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 123456 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1393 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 777777 1 0000000000000000 20 4 30 10 -1
   2: 00000000:1395 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 654321 1 0000000000000000 100 0 0 10 0
`;

describe('parsers', () => {
  it('/proc/net/tcp: LISTEN sockets on the port only', () => {
    expect(parseProcNetTcp(PROC_NET_TCP, 5011)).toEqual(['123456']);
    expect(parseProcNetTcp(PROC_NET_TCP, 5013)).toEqual(['654321']);
    expect(parseProcNetTcp(PROC_NET_TCP, 5012)).toEqual([]);
  });
  it('ss -Hltnp', () => {
    const out = 'LISTEN 0      4096       127.0.0.1:5011      0.0.0.0:*    users:(("java",pid=1234,fd=99))\nLISTEN 0 5 0.0.0.0:50110 0.0.0.0:* users:(("x",pid=9,fd=3))\n';
    expect(parseSsOutput(out, 5011)).toEqual({ pid: 1234, command: 'java' });
    expect(parseSsOutput(out, 5012)).toBeUndefined();
  });
});

describe('probePort on this machine', () => {
  let server: Server | undefined;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    child?.kill('SIGKILL');
    child = undefined;
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = undefined;
  });

  it('a free port is free', async () => {
    const port = await getPort({ host: '127.0.0.1' });
    expect(await probePort('127.0.0.1', port)).toEqual({ free: true });
  });

  it('a port another process listens on is busy, and that process is named', async () => {
    const port = await getPort({ host: '127.0.0.1' });
    child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child!.stdout!.once('data', () => resolve()));
    const r = await probePort('127.0.0.1', port);
    expect(r.free).toBe(false);
    expect(r.holder?.pid).toBe(child.pid);
    expect(r.holder?.command).toContain('node');
    expect(r.holder?.pgid).toBeGreaterThan(0);
  });

  it('a port held on 0.0.0.0 is busy for 127.0.0.1 too, and the holder is this process', async () => {
    const port = await getPort();
    server = createServer();
    await new Promise<void>((r) => server!.listen(port, '0.0.0.0', () => r()));
    const r = await probePort('127.0.0.1', port);
    expect(r.free).toBe(false);
    expect(r.holder?.pid).toBe(process.pid);
  });
});
