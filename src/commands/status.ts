import { existsSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import type { CommandContext } from '../context.js';
import type { Topology } from '../config/types.js';
import { ExitCode } from '../errors.js';
import type { Style } from '../ui/output.js';
import { readState, type State } from '../state/state.js';
import { isOurProcess } from '../state/pids.js';
import { httpStatus, probeReadyz } from '../ledger/probe.js';
import { jsonApiUrl } from '../config/endpoints.js';
import { portsFilePath } from '../render/canton-conf.js';
import { readSupervisorStatus } from '../signer/launch.js';
import type { SupervisorStatus } from '../signer/backoff.js';
import { metricsUrl } from '../ci/metrics.js';

/** Every probe runs in parallel under this budget, so `status` answers within ~250 ms. */
export const STATUS_PROBE_TIMEOUT_MS = 200;

export interface NodeStatus {
  name: string;
  kind: 'sequencer' | 'mediator' | 'participant';
  ports: Record<string, number>;
  up: boolean;
  /** /readyz status for participants (0: no answer); a TCP probe of the admin port otherwise. */
  readyz?: number;
  jsonApi?: string;
  ledgerApi?: string;
}

export interface Summary {
  healthy: boolean;
  stateDir: string;
  storage: string;
  canton: { running: boolean; pid?: number; version?: string; startedAt?: string; readyAt?: string };
  nodes: NodeStatus[];
  parties: Array<{ name: string; id: string; participant: string }>;
  users: Array<{ id: string; participant: string; primaryParty?: string; actAs: string[]; readAs: string[]; participantAdmin: boolean; exists?: boolean }>;
  postgres?: { embedded: boolean; running?: boolean; host: string; port: number; databases: string[] };
  signer?: {
    running: boolean;
    pid?: number;
    childPid?: number;
    state?: string;
    /** `running`, `restarting` (exited and backing off, or restarted less than a settle period ago), `stopped`. */
    condition: 'running' | 'restarting' | 'stopped';
    restarts: number;
    lastExit?: SupervisorStatus['lastExit'];
    healthUrl?: string;
  };
  /** The config file in use (undefined: built-in defaults). */
  config?: string;
  /** How the config differs from what runs (see `up`). */
  drift?: { refused: string[]; inPlace: string[] };
  /** Processes of the project found by marker but not in state.json. */
  unrecorded?: Array<{ role: string; pid: number }>;
  logs: Record<string, string>;
  problems: string[];
  /** The Prometheus scrape endpoint, when `metrics` is enabled. */
  metrics?: { url: string; up: boolean };
}

function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

function host(address: string): string {
  return address === '0.0.0.0' ? '127.0.0.1' : address;
}

const DEFAULT_SETTLE_MS = 2_000;

/** A signer that exited and waits to restart, or restarted less than a settle period ago, is "restarting". */
export function signerCondition(supervisorRunning: boolean, sup: SupervisorStatus | undefined, settleMs: number, now = Date.now()): 'running' | 'restarting' | 'stopped' {
  if (!supervisorRunning) return 'stopped';
  if (sup?.state === 'backoff') return 'restarting';
  if (sup && sup.restarts > 0 && sup.childStartedAt && now - Date.parse(sup.childStartedAt) < settleMs) return 'restarting';
  return 'running';
}

function restartingText(s: { restarts: number; lastExit?: SupervisorStatus['lastExit'] }): string {
  const last = s.lastExit ? (s.lastExit.signal ? `, last killed by ${s.lastExit.signal}` : `, last exit code ${String(s.lastExit.code)}`) : '';
  return `restarting (${s.restarts} time${s.restarts === 1 ? '' : 's'}${last})`;
}

/** Probe everything in parallel and describe it; used by `status` and at the end of `up`. */
export async function summarize(t: Topology, state: State | undefined, opts: { probeTimeoutMs?: number } = {}): Promise<Summary> {
  const timeout = opts.probeTimeoutMs ?? STATUS_PROBE_TIMEOUT_MS;
  const problems: string[] = [];
  const cantonRunning = isOurProcess(state?.canton);
  const nodesP = Promise.all(
    [...t.sequencers, ...t.mediators, ...t.participants].map(async (n): Promise<NodeStatus> => {
      const ports = { ...n.ports } as Record<string, number>;
      if (n.kind === 'participant') {
        const url = jsonApiUrl(n);
        const code = cantonRunning ? await probeReadyz(url, timeout) : 0;
        return { name: n.name, kind: n.kind, ports, up: code === 200, readyz: code, jsonApi: url, ledgerApi: `${host(n.address)}:${n.ports.ledger}` };
      }
      const up = cantonRunning && (await tcpOpen(host(n.address), n.ports.admin, timeout));
      return { name: n.name, kind: n.kind, ports, up };
    }),
  );
  const usersP = Promise.all(
    (state?.users ?? []).map(async (u) => {
      // Unknown (not "missing") while Canton is down.
      if (!cantonRunning) return { ...u, exists: undefined as boolean | undefined };
      const p = t.participants.find((x) => x.name === u.participant);
      if (!p) return { ...u, exists: false };
      const code = await httpStatus(`${jsonApiUrl(p)}/v2/users/${encodeURIComponent(u.id)}`, timeout);
      // Only a definite 404 is "missing"; no answer or 5xx is reported by the node's own line.
      return { ...u, exists: code === 404 ? false : code === 200 ? true : undefined };
    }),
  );
  const signerP = state?.signer ? readSupervisorStatus(state.signer.statusFile) : Promise.resolve(undefined);
  // An answering health URL is the signer's own word that it runs.
  const healthP = state?.signer?.healthUrl && isOurProcess(state.signer.supervisor) ? httpStatus(state.signer.healthUrl, timeout) : Promise.resolve(0);
  const metricsP = t.metrics && cantonRunning ? httpStatus(metricsUrl(t)!, timeout) : Promise.resolve(0);
  const [nodes, users, sup, health, metricsCode] = await Promise.all([nodesP, usersP, signerP, healthP, metricsP]);

  if (!state?.canton) problems.push('Canton is not started (run `canton-mpc up`)');
  else if (!cantonRunning) problems.push(`the Canton daemon (pid ${state.canton.pid}) is not running; \`canton-mpc up\` restarts it`);
  // /readyz is only the Ledger API's health (200 while the bootstrap still runs); the ports file is
  // what says the bootstrap finished (Canton writes it after the bootstrap script).
  if (cantonRunning && !existsSync(portsFilePath(t))) problems.push('the bootstrap has not finished (no ports file yet): the nodes may answer, but the synchronizer, parties and users may not be in place');
  for (const n of nodes) if (cantonRunning && !n.up) problems.push(`${n.name} is not ready${n.readyz !== undefined ? ` (/readyz: ${n.readyz || 'no answer'})` : ''}`);
  for (const u of users) if (cantonRunning && u.exists === false) problems.push(`user ${u.id} is missing on ${u.participant}`);

  let postgres: Summary['postgres'];
  if (state?.postgres) {
    const running = state.postgres.embedded ? isOurProcess(state.postgres.server) : undefined;
    if (running === false) problems.push('the embedded PostgreSQL is not running');
    postgres = { embedded: state.postgres.embedded, running, host: state.postgres.host, port: state.postgres.port, databases: state.postgres.databases };
  }
  let signer: Summary['signer'];
  if (t.signer || state?.signer) {
    const running = isOurProcess(state?.signer?.supervisor);
    const condition = health >= 200 && health < 300 ? 'running' : signerCondition(running, sup, t.signer?.settleMs ?? DEFAULT_SETTLE_MS);
    signer = { running, pid: state?.signer?.supervisor.pid, childPid: sup?.childPid, state: sup?.state, condition, restarts: sup?.restarts ?? 0, lastExit: sup?.lastExit, healthUrl: state?.signer?.healthUrl };
    if (!running) problems.push('the signer supervisor is not running');
    else if (condition === 'restarting') problems.push(`the signer is ${restartingText(signer)}`);
  }
  const logs: Record<string, string> = {};
  if (state?.canton) {
    logs.canton = state.canton.logFile;
    logs.cantonStdout = state.canton.stdoutFile;
  }
  if (state?.signer) logs.signer = state.signer.logFile;
  if (state?.postgres?.embedded) logs.postgres = `${t.stateDir}/logs/postgres.log`;

  return {
    healthy: problems.length === 0,
    stateDir: t.stateDir,
    storage: state?.storage ?? t.storage,
    canton: { running: cantonRunning, pid: state?.canton?.pid, version: state?.canton?.version, startedAt: state?.canton?.startedAt, readyAt: state?.canton?.readyAt },
    nodes,
    parties: Object.entries(state?.parties ?? {}).map(([name, p]) => ({ name, id: p.id, participant: p.participant })),
    users,
    ...(postgres ? { postgres } : {}),
    ...(signer ? { signer } : {}),
    logs,
    problems,
    ...(t.metrics ? { metrics: { url: metricsUrl(t)!, up: metricsCode === 200 } } : {}),
  };
}

export function formatSummary(s: Summary, style: Style): string {
  const ok = (b: boolean) => (b ? style.green('up  ') : style.red('down'));
  const lines: string[] = [];
  lines.push(`${style.bold('Canton')} ${s.canton.version ?? ''}  ${ok(s.canton.running)}${s.canton.pid ? `  pid ${s.canton.pid}` : ''}  storage ${s.storage}`);
  for (const n of s.nodes) {
    const ports = Object.entries(n.ports).map(([k, v]) => `${k} ${v}`).join(', ');
    lines.push(`  ${ok(n.up)} ${n.name.padEnd(14)} ${n.kind.padEnd(11)} ${ports}${n.jsonApi ? `  ${n.jsonApi}` : ''}`);
  }
  if (s.postgres) lines.push(`${style.bold('PostgreSQL')} ${s.postgres.embedded ? 'embedded' : 'external'} ${s.postgres.host}:${s.postgres.port}${s.postgres.running === undefined ? '' : `  ${ok(s.postgres.running)}`}  databases ${s.postgres.databases.join(', ')}`);
  if (s.parties.length) {
    lines.push(style.bold('Parties'));
    for (const p of s.parties) lines.push(`  ${p.name.padEnd(14)} ${p.id}  (on ${p.participant})`);
  }
  if (s.users.length) {
    lines.push(style.bold('Users'));
    for (const u of s.users) {
      const rights = [...u.actAs.map((p) => `actAs ${p.split('::')[0]}`), ...u.readAs.map((p) => `readAs ${p.split('::')[0]}`), ...(u.participantAdmin ? ['admin'] : [])].join(', ');
      lines.push(`  ${u.exists === false ? style.red('missing ') : ''}${u.id.padEnd(14)} on ${u.participant}: ${rights || 'no rights'}`);
    }
  }
  if (s.signer) {
    const cond = s.signer.condition === 'restarting' ? style.yellow(restartingText(s.signer)) : s.signer.condition === 'running' ? style.green('running') : style.red('stopped');
    lines.push(`${style.bold('Signer')}  ${cond}${s.signer.pid ? `  supervisor pid ${s.signer.pid}` : ''}${s.signer.childPid ? `, signer pid ${s.signer.childPid}` : ''}  restarts ${s.signer.restarts}`);
  }
  if (s.metrics) lines.push(`${style.bold('Metrics')}  ${ok(s.metrics.up)}  ${s.metrics.url}`);
  if (s.drift && (s.drift.refused.length || s.drift.inPlace.length)) {
    lines.push(style.bold('Config drift'));
    for (const d of s.drift.refused) lines.push(`  ${style.red('needs down/up')}  ${d}`);
    for (const d of s.drift.inPlace) lines.push(`  ${style.yellow('up applies   ')}  ${d}`);
  }
  if (s.config !== undefined || s.drift) lines.push(`${style.bold('Config')}  ${s.config ?? 'built-in defaults (no canton-mpc.yaml found)'}`);
  if (Object.keys(s.logs).length) {
    lines.push(style.bold('Logs'));
    for (const [k, v] of Object.entries(s.logs)) lines.push(`  ${k.padEnd(14)} ${v}`);
  }
  if (s.problems.length) {
    lines.push(style.bold(style.red('Problems')));
    for (const p of s.problems) lines.push(`  - ${p}`);
  }
  return lines.join('\n');
}

export async function run(ctx: CommandContext): Promise<number> {
  const { loadProject } = await import('../config/load.js');
  // Readiness answers only mean something for our daemon; parsing the config is the slow part of
  // start-up, so it is done once, up front.
  const opts = { cache: true, requireProject: true, cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env };
  let { topology, file } = await loadProject(opts);
  const state = await readState(topology.stateDir, (m) => ctx.output.warn(m));
  // Read the config as `up --storage …` did (a cache hit when it is unchanged).
  if (state?.storageOverride) ({ topology, file } = await loadProject({ ...opts, storageOverride: state.storageOverride }));
  const [{ findProjectProcesses }, { desiredView, driftOf }] = await Promise.all([import('../state/discover.js'), import('../up/observe.js')]);
  const summary = await summarize(topology, state);
  summary.config = file;
  summary.drift = driftOf(topology, state, desiredView(topology));
  for (const d of summary.drift.refused) summary.problems.push(`config drift: ${d} (needs \`canton-mpc down\` then \`up\`)`);
  for (const d of summary.drift.inPlace) summary.problems.push(`config drift: ${d} (\`canton-mpc up\` applies it)`);
  const recorded = new Set([state?.canton?.pid, state?.postgres?.server?.pid, state?.signer?.supervisor.pid].filter((p): p is number => p !== undefined));
  const unrecorded = findProjectProcesses(topology.stateDir).filter((p) => p.pid === p.pgid && !recorded.has(p.pid) && p.role !== 'signer');
  if (unrecorded.length) {
    summary.unrecorded = unrecorded.map((p) => ({ role: p.role, pid: p.pid }));
    summary.problems.push(`running but not recorded in state.json: ${unrecorded.map((p) => `${p.role} pid ${p.pid}`).join(', ')} (\`canton-mpc down\` stops them; \`up\` adopts Canton and PostgreSQL)`);
  }
  summary.healthy = summary.problems.length === 0;
  ctx.output.result(formatSummary(summary, ctx.output.style), { ok: summary.healthy, ...summary });
  return summary.healthy ? ExitCode.OK : ExitCode.FAILURE;
}
