// Test helpers for anything that needs a running "Canton": pack + extract the emulator
// distribution once per process, give it a fake JDK 21, spawn bin/canton, allocate ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import getPort from 'get-port';
import * as tar from 'tar';
import { makeFakeJdk, type FakeJdkMajor } from '../support/fake-jdk.js';
import { packDistribution, type PackResult } from './pack.js';

export interface Distribution extends PackResult { home: string; canton: string; javaHome: string; base: string }
let dist: Promise<Distribution> | undefined;

/** Packed, extracted distribution with a fake JDK 21 (cached per process). */
export function distribution(): Promise<Distribution> {
  dist ??= (async () => {
    const base = mkdtempSync(join(tmpdir(), 'canton-emu-'));
    const packed = await packDistribution({ outDir: join(base, 'dl') });
    await tar.extract({ file: packed.tarball, cwd: base });
    const home = join(base, packed.dirName);
    const javaHome = makeFakeJdk(join(base, 'jdk-21'), '21');
    return { ...packed, base, home, canton: join(home, 'bin', 'canton'), javaHome };
  })();
  return dist;
}

export function fakeJdk(major: FakeJdkMajor): string {
  const d = mkdtempSync(join(tmpdir(), `fake-jdk-${major}-`));
  return makeFakeJdk(d, major);
}

export interface Running {
  proc: ChildProcess; cwd: string;
  out(): string; err(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** Spawns bin/canton in `cwd` (created if needed) with JAVA_HOME set to a fake JDK 21 unless env overrides it. */
export async function spawnCanton(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Running> {
  const d = await distribution();
  const cwd = opts.cwd ?? mkdtempSync(join(tmpdir(), 'canton-run-'));
  mkdirSync(cwd, { recursive: true });
  const proc = spawn(d.canton, args, { cwd, env: { ...process.env, JAVA_HOME: d.javaHome, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '', err = '';
  proc.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  proc.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  proc.stdin!.end();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  return {
    proc, cwd, out: () => out, err: () => err, exited,
    async stop() { if (proc.exitCode === null && proc.signalCode === null) { proc.kill('SIGTERM'); await exited; } },
  };
}

export async function waitFor<T>(f: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Canton writes the ports file in place, so a reader can see it half-written: wait for valid JSON. */
export function portsFileComplete(p: string): boolean {
  try {
    JSON.parse(readFileSync(p, 'utf8'));
    return true;
  } catch {
    return false;
  }
}

export const readIf = (p: string): string | undefined => (existsSync(p) ? readFileSync(p, 'utf8') : undefined);

export interface Ports { seqPublic: number; seqAdmin: number; medAdmin: number; p: Array<{ ledger: number; admin: number; json: number }> }
export async function allocPorts(participants = 2): Promise<Ports> {
  const used: number[] = [];
  const one = async () => { const p = await getPort({ exclude: used }); used.push(p); return p; };
  const ports: Ports = { seqPublic: await one(), seqAdmin: await one(), medAdmin: await one(), p: [] };
  for (let i = 0; i < participants; i++) ports.p.push({ ledger: await one(), admin: await one(), json: await one() });
  return ports;
}

/** The production guide's multi-node topology (seed 000) with free ports; `extra` goes inside each participant. */
export function topologyConf(ports: Ports, o: { storage?: (node: string) => string; participantExtra?: string; portsFile?: string } = {}): string {
  const st = o.storage ?? (() => 'storage.type = memory');
  return `canton {
  parameters.ports-file = ${JSON.stringify(o.portsFile ?? 'ports.json')}
  sequencers.sequencer1 {
    ${st('sequencer1')}
    public-api.port = ${ports.seqPublic}
    admin-api.port = ${ports.seqAdmin}
    sequencer.type = BFT
  }
  mediators.mediator1 {
    ${st('mediator1')}
    admin-api.port = ${ports.medAdmin}
  }
  participants {
${ports.p.map((p, i) => `    participant${i + 1} {
      ${st(`participant${i + 1}`)}
      admin-api.port = ${p.admin}
      ledger-api.port = ${p.ledger}
      http-ledger-api.port = ${p.json}
      ${o.participantExtra ?? ''}
    }`).join('\n')}
  }
}
`;
}

export const BOOTSTRAP = `nodes.local.start()
bootstrap.synchronizer(
  synchronizerName = "da",
  sequencers = sequencers.all,
  mediators = mediators.all,
  synchronizerOwners = Seq(sequencer1),
  synchronizerThreshold = PositiveInt.one,
  staticSynchronizerParameters = StaticSynchronizerParameters.defaultsWithoutKMS(ProtocolVersion.latest),
)
participant1.synchronizers.connect_local(sequencer1, "da")
participant2.synchronizers.connect_local(sequencer1, "da")
utils.retry_until_true {
  participant2.synchronizers.active("da")
}
val issuer = participant1.parties.enable("Issuer")
val depositor = participant2.parties.enable("Depositor")
println(s"Issuer:  \${issuer.toLf}")
println(s"Depositor: \${depositor.toLf}")
`;

export interface Daemon extends Running { ports: Ports; json(i?: number): string; portsFile: string; confPath: string }

/** Writes the guide's topology + bootstrap into a temp cwd and starts `daemon`; waits for the ports file unless `wait: false`. */
export async function startDaemon(o: { bootstrap?: string | null; env?: NodeJS.ProcessEnv; participantExtra?: string; storage?: (n: string) => string; ports?: Ports; cwd?: string; wait?: boolean; extraArgs?: string[] } = {}): Promise<Daemon> {
  const { writeFileSync } = await import('node:fs');
  const ports = o.ports ?? await allocPorts();
  const cwd = o.cwd ?? mkdtempSync(join(tmpdir(), 'canton-daemon-'));
  const confPath = join(cwd, 'topology.conf');
  writeFileSync(confPath, topologyConf(ports, { participantExtra: o.participantExtra, storage: o.storage }));
  const args = ['daemon', '-c', confPath, '--no-tty', ...(o.extraArgs ?? [])];
  if (o.bootstrap !== null) { writeFileSync(join(cwd, 'bootstrap.canton'), o.bootstrap ?? BOOTSTRAP); args.push('--bootstrap', join(cwd, 'bootstrap.canton')); }
  const r = await spawnCanton(args, { cwd, env: o.env });
  const portsFile = join(cwd, 'ports.json');
  if (o.wait !== false) {
    await waitFor(() => portsFileComplete(portsFile) || r.proc.exitCode !== null, 20_000, 'ports file');
    if (!existsSync(portsFile)) throw new Error(`daemon exited early (${r.proc.exitCode}): ${r.out()} ${r.err()} ${readIf(join(cwd, 'log/canton.log'))}`);
  }
  return { ...r, ports, portsFile, confPath, json: (i = 0) => `http://127.0.0.1:${ports.p[i]!.json}` };
}

/** A zip local-file header is all the emulator checks of a DAR. */
export const FAKE_DAR = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(60, 1)]);

/** A remote.conf naming the daemon's participants, and a runner of console scripts against it (prefix prepended). */
export function remoteParticipants(d: Daemon, prefix = ''): { remote: string; run(script: string): Promise<{ code: number | null; out: string; err: string }> } {
  const remote = join(d.cwd, 'remote.conf');
  writeFileSync(remote, `canton.remote-participants {\n${d.ports.p.map((p, i) => `  participant${i + 1} { ledger-api { address = "127.0.0.1", port = ${p.ledger} }, admin-api { address = "127.0.0.1", port = ${p.admin} } }`).join('\n')}\n}\n`);
  return {
    remote,
    async run(script) {
      const path = join(d.cwd, `s${Math.random().toString(36).slice(2)}.canton`);
      writeFileSync(path, `${prefix}${script}`);
      const r = await spawnCanton(['run', path, '-c', remote], { cwd: d.cwd });
      return { code: (await r.exited).code, out: r.out(), err: r.err() };
    },
  };
}
