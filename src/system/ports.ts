import { promises as fsp } from 'node:fs';
import { createServer } from 'node:net';
import { createProcessRunner, type ProcessRunner } from './process.js';

/**
 * Is a TCP port free on an address, and if not, who holds it? Free means we could listen on it
 * right now (the same test Canton's bind will face). The holder comes from /proc on Linux
 * (listening socket inode → the process with that fd), else from `ss -ltnp` or `lsof`.
 */
export interface PortHolder {
  pid: number;
  command: string;
  /** Process group: lets a caller recognise children of its own detached process group. */
  pgid?: number;
}

export interface PortProbe {
  free: boolean;
  holder?: PortHolder;
  /** Why we could not listen when it is not "in use" (EACCES for a privileged port …). */
  error?: string;
}

const LSOF_TIMEOUT_MS = 3_000;

export async function probePort(host: string, port: number, deps: { runner?: ProcessRunner; procRoot?: string } = {}): Promise<PortProbe> {
  const err = await tryListen(host, port);
  if (!err) return { free: true };
  if (err !== 'EADDRINUSE') return { free: false, error: err };
  const holder = await findHolder(port, deps).catch(() => undefined);
  return holder ? { free: false, holder } : { free: false };
}

function tryListen(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    // exclusive: in a cluster worker, a shared handle would make a busy port look free.
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(undefined)));
  });
}

async function findHolder(port: number, deps: { runner?: ProcessRunner; procRoot?: string }): Promise<PortHolder | undefined> {
  const proc = deps.procRoot ?? '/proc';
  const inodes = await listeningInodes(proc, port);
  if (inodes.size > 0) {
    const h = await processWithSocket(proc, inodes);
    if (h) return h;
  }
  const runner = deps.runner ?? createProcessRunner();
  return (await fromSs(runner, port).catch(() => undefined)) ?? (await fromLsof(runner, port).catch(() => undefined));
}

/** Inodes of sockets in LISTEN state (st 0A) on `port`, from /proc/net/tcp and tcp6. */
export function parseProcNetTcp(text: string, port: number): string[] {
  const out: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const local = f[1]!;
    const st = f[3];
    const portHex = local.slice(local.lastIndexOf(':') + 1);
    if (st === '0A' && parseInt(portHex, 16) === port) out.push(f[9]!);
  }
  return out;
}

async function listeningInodes(proc: string, port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const f of ['net/tcp', 'net/tcp6']) {
    try {
      for (const i of parseProcNetTcp(await fsp.readFile(`${proc}/${f}`, 'utf8'), port)) if (i !== '0') inodes.add(i);
    } catch {
      // not Linux, or IPv6 disabled
    }
  }
  return inodes;
}

async function processWithSocket(proc: string, inodes: Set<string>): Promise<PortHolder | undefined> {
  const targets = new Set([...inodes].map((i) => `socket:[${i}]`));
  const pids = (await fsp.readdir(proc)).filter((n) => /^\d+$/.test(n));
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await fsp.readdir(`${proc}/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      const link = await fsp.readlink(`${proc}/${pid}/fd/${fd}`).catch(() => '');
      if (targets.has(link)) return describeProcess(proc, Number(pid));
    }
  }
  return undefined;
}

async function describeProcess(proc: string, pid: number): Promise<PortHolder> {
  const cmdline = (await fsp.readFile(`${proc}/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').filter(Boolean).join(' ');
  const comm = (await fsp.readFile(`${proc}/${pid}/comm`, 'utf8').catch(() => '')).trim();
  const stat = await fsp.readFile(`${proc}/${pid}/stat`, 'utf8').catch(() => '');
  // pgid is the 3rd field after the parenthesised command (which may contain spaces).
  const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const pgid = Number(after[2]);
  return { pid, command: truncate(cmdline || comm || '?'), ...(Number.isInteger(pgid) && pgid > 0 ? { pgid } : {}) };
}

function truncate(s: string, max = 160): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** `LISTEN 0 4096 127.0.0.1:5011 0.0.0.0:* users:(("java",pid=1234,fd=99))` */
export function parseSsOutput(text: string, port: number): PortHolder | undefined {
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/);
    const local = cols[3] ?? '';
    if (!local.endsWith(`:${port}`)) continue;
    const m = /users:\(\("([^"]*)",pid=(\d+)/.exec(line);
    if (m) return { pid: Number(m[2]), command: m[1]! };
  }
  return undefined;
}

async function fromSs(runner: ProcessRunner, port: number): Promise<PortHolder | undefined> {
  const r = await runner.run('ss', ['-Hltnp', `sport = :${port}`], { timeoutMs: LSOF_TIMEOUT_MS });
  return r.exitCode === 0 ? parseSsOutput(r.stdout, port) : undefined;
}

/** `lsof -Fpc` prints `p<pid>` and `c<command>` lines. */
async function fromLsof(runner: ProcessRunner, port: number): Promise<PortHolder | undefined> {
  const r = await runner.run('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc'], { timeoutMs: LSOF_TIMEOUT_MS });
  const pid = /^p(\d+)$/m.exec(r.stdout)?.[1];
  const command = /^c(.+)$/m.exec(r.stdout)?.[1];
  return pid ? { pid: Number(pid), command: command ?? '?' } : undefined;
}
