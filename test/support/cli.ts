// Run the built CLI (`node bin/canton-mpc.js`) in a temp project with the Canton emulator installed:
// the emulator is packed and installed once per test process (`canton install --file --sha256` into a
// shared CANTON_MPC_HOME), a fake JDK 21 is put in place, ports come from a free `portBase`, and
// `cleanup()` stops everything the project started, whatever state the test left it in.
import { execa } from 'execa';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import getPort from 'get-port';
import { stringify } from 'yaml';
import { makeFakeJdk } from './fake-jdk.js';
import { freePortBase, releasePortBase, topologyOffsets } from './ports.js';
import { packDistribution } from '../emulator/pack.js';

export const CLI = resolve(import.meta.dirname, '../../bin/canton-mpc.js');

/** What a CLI run yields to a test: text streams, never undefined. */
export interface CliResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  signal?: string;
}

export interface SharedRelease {
  base: string;
  cache: string;
  javaHome: string;
  tarball: string;
  sha256: string;
}

let release: Promise<SharedRelease> | undefined;
const releaseDirs: string[] = [];

export function cleanupReleases(): void {
  for (const d of releaseDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

// Test files run in isolated module graphs, so each file packs its own release: remove it when the
// file is done (vitest workers end without an 'exit' event). Outside vitest (bench) nothing registers.
if (process.env.VITEST) {
  const { afterAll } = await import('vitest');
  afterAll(cleanupReleases);
}

/** Pack the emulator and install it once into a cache shared by every project of this process. */
export function sharedRelease(): Promise<SharedRelease> {
  release ??= (async () => {
    const base = mkdtempSync(join(tmpdir(), 'cmpc-release-'));
    releaseDirs.push(base);
    // CANTON_MPC_TEST_RELEASE=<tarball>:<sha256> uses an already packed distribution instead.
    const given = process.env.CANTON_MPC_TEST_RELEASE?.split(':');
    const packed = given && given.length === 2 ? { tarball: given[0]!, sha256: given[1]! } : await packDistribution({ outDir: join(base, 'dl') });
    const cache = join(base, 'cache');
    const javaHome = makeFakeJdk(join(base, 'jdk-21'), '21');
    const r = await execa('node', [CLI, 'canton', 'install', '3.4.11', '--file', packed.tarball, '--sha256', packed.sha256], {
      env: { ...process.env, CANTON_MPC_HOME: cache, CI: '1' },
      reject: false,
    });
    if (r.exitCode !== 0) throw new Error(`canton install failed (${r.exitCode}): ${r.stderr}`);
    return { base, cache, javaHome, tarball: packed.tarball, sha256: packed.sha256 };
  })();
  return release;
}

/** The ports a config with this portBase derives (see src/config/ports.ts), for 1 sequencer, 1 mediator, 2 participants. */
export function derivedPorts(base: number) {
  return {
    sequencer1: { public: base + 1, admin: base + 2 },
    mediator1: { admin: base + 202 },
    participant1: { ledger: base + 11, admin: base + 12, json: base + 13 },
    participant2: { ledger: base + 21, admin: base + 22, json: base + 23 },
  };
}

/** A portBase whose derived ports (and the Postgres port next to them) are all free right now. */
export function freeProjectPortBase(): Promise<number> {
  return freePortBase([...topologyOffsets(2), 230, 240]); // 230: metrics, 240: embedded Postgres
}

export interface ProjectOptions {
  /** Merged over the default test config (memory storage, no DARs, two parties, two users). */
  config?: Record<string, unknown>;
  env?: Record<string, string | undefined>;
}

export interface CliProject {
  dir: string;
  stateDir: string;
  portBase: number;
  ports: ReturnType<typeof derivedPorts>;
  postgresPort: number;
  env: Record<string, string | undefined>;
  release: SharedRelease;
  run(args: string[], opts?: { env?: Record<string, string | undefined>; timeoutMs?: number }): Promise<CliResult>;
  state(): any;
  writeConfig(config: Record<string, unknown>): void;
  cleanup(): Promise<void>;
}

export function baseConfig(portBase: number, postgresPort: number): Record<string, unknown> {
  return {
    portBase,
    storage: 'memory',
    dars: [],
    postgres: { port: postgresPort },
  };
}

/** A project already brought up with `up`, for tests that read or poke a running topology. */
export async function runningProject(): Promise<CliProject> {
  const p = await makeProject();
  const up = await p.run(['up', '--timeout', '60s']);
  if (up.exitCode !== 0) {
    await p.cleanup();
    throw new Error(`up failed (${up.exitCode}): ${up.stderr}`);
  }
  return p;
}

export async function makeProject(opts: ProjectOptions = {}): Promise<CliProject> {
  const rel = await sharedRelease();
  const dir = mkdtempSync(join(tmpdir(), 'cmpc-proj-'));
  // The embedded PostgreSQL runs as user postgres when the tests run as root: it must reach the data dir.
  chmodSync(dir, 0o755);
  const portBase = await freeProjectPortBase();
  const postgresPort = portBase + 240;
  const env: Record<string, string | undefined> = {
    ...process.env,
    CANTON_MPC_HOME: rel.cache,
    JAVA_HOME: rel.javaHome,
    CI: '1',
    NO_COLOR: '1',
    POSTGRES_HOST: undefined,
    POSTGRES_PORT: undefined,
    POSTGRES_USER: undefined,
    POSTGRES_PASSWORD: undefined,
    ...opts.env,
  };
  const writeConfig = (config: Record<string, unknown>) => writeFileSync(join(dir, 'canton-mpc.yaml'), stringify({ ...baseConfig(portBase, postgresPort), ...config }));
  writeConfig(opts.config ?? {});
  const stateDir = join(dir, '.canton-mpc');
  const project: CliProject = {
    dir,
    stateDir,
    portBase,
    ports: derivedPorts(portBase),
    postgresPort,
    env,
    release: rel,
    writeConfig,
    async run(args, o = {}) {
      const r = await execa('node', [CLI, ...args], { cwd: dir, env: withEmulatorEnv({ ...env, ...o.env }), extendEnv: false, reject: false, timeout: o.timeoutMs ?? 120_000 });
      return { exitCode: r.exitCode, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), signal: r.signal ?? undefined };
    },
    state() {
      const p = join(stateDir, 'state.json');
      return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : undefined;
    },
    async cleanup() {
      await project.run(['down'], { timeoutMs: 60_000 }).catch(() => undefined);
      for (const pid of processesMentioning(dir)) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }
      rmSync(dir, { recursive: true, force: true });
      releasePortBase(portBase);
    },
  };
  return project;
}

/**
 * Canton gets an explicit environment (src/system/child-env.ts): the emulator's fault knobs
 * (CANTON_EMULATOR_*) reach it only when named in CANTON_MPC_CANTON_ENV, as a user would name theirs.
 */
export function withEmulatorEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const names = Object.keys(env).filter((k) => k.startsWith('CANTON_EMULATOR_') && env[k] !== undefined);
  return names.length ? { ...env, CANTON_MPC_CANTON_ENV: [env.CANTON_MPC_CANTON_ENV, ...names].filter(Boolean).join(',') } : env;
}

/** The command line of every live process, by pid (NUL separators turned into spaces). */
export function allCmdlines(): Map<number, string> {
  const out = new Map<number, string>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      out.set(Number(name), readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim());
    } catch {
      /* exited */
    }
  }
  return out;
}

/** Live processes whose command line names a path under `dir`: what a project left running. */
export function processesMentioning(dir: string): number[] {
  return [...allCmdlines()].filter(([pid, cmd]) => pid !== process.pid && cmd.includes(dir)).map(([pid]) => pid);
}

/** Every file under `dir`, recursively (for grepping logs and state for secrets). */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

export function ensureDir(p: string): string {
  mkdirSync(p, { recursive: true });
  return p;
}

/** A stand-in MPC signer: records its environment (secrets only as lengths), crashes on its first run, then serves /health. */
export const SIGNER_SCRIPT = `
import { createServer } from 'node:http';
import { existsSync, writeFileSync } from 'node:fs';
const e = process.env;
writeFileSync('signer-env.json', JSON.stringify({
  CANTON_MPC_LEDGER_GRPC: e.CANTON_MPC_LEDGER_GRPC, CANTON_MPC_JSON_API: e.CANTON_MPC_JSON_API,
  CANTON_MPC_PARTY_ISSUER: e.CANTON_MPC_PARTY_ISSUER, CANTON_MPC_PARTY_DEPOSITOR: e.CANTON_MPC_PARTY_DEPOSITOR,
  CANTON_MPC_USER_ID: e.CANTON_MPC_USER_ID, CANTON_JSON_API_URL: e.CANTON_JSON_API_URL, ISSUER_PARTY: e.ISSUER_PARTY,
  argv: process.argv.slice(2), rootKeyLength: (e.MPC_ROOT_KEY ?? '').length, tokenLength: (e.SIGNER_TOKEN ?? '').length,
}));
if (!existsSync('crashed-once')) { writeFileSync('crashed-once', ''); console.log('first run: exiting 1'); process.exit(1); }
createServer((_q, s) => s.end('ok')).listen(Number(e.HEALTH_PORT), '127.0.0.1', () => console.log('signer listening'));
`;

export const ROOT_KEY = 'mpc-root-key-5f4e3d2c1b0a99887766';
export const TOKEN = 'signer-token-a1b2c3d4e5f6';

export async function signerProject(extra: Record<string, unknown> = {}): Promise<CliProject> {
  const healthPort = await getPort();
  const p = await makeProject({ env: { SIGNER_TOKEN: TOKEN } });
  writeFileSync(join(p.dir, 'signer.mjs'), SIGNER_SCRIPT);
  writeFileSync(join(p.dir, 'signer.secrets'), `MPC_ROOT_KEY=${ROOT_KEY}\n`, { mode: 0o600 });
  p.writeConfig({
    signer: {
      command: process.execPath,
      args: ['signer.mjs', '--participant', '{participants.participant1.name}'],
      env: { CANTON_JSON_API_URL: '{participants.participant1.jsonApiUrl}', ISSUER_PARTY: '{parties.Issuer.id}', HEALTH_PORT: String(healthPort) },
      health: { url: `http://127.0.0.1:${healthPort}/health`, timeout: '30s' },
      secretsFile: 'signer.secrets',
      passEnv: ['SIGNER_TOKEN'],
    },
    ...extra,
  });
  return p;
}


/** The last line of a streaming command's `--json` output (NDJSON events): its `result` document. */
export function resultLine(stdout: string): any {
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}
