/**
 * The adapters behind the party runbooks: console runs against the running daemon (through the one
 * console runner), the Ledger API history check, and where each run keeps its files. Built from the
 * project's topology and state by the commands and by `up`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { runConsoleScript, type ConsoleTarget } from '../canton/console.js';
import { jsonApiUrl } from '../config/endpoints.js';
import type { Topology } from '../config/types.js';
import { PrerequisiteError, RemoteError } from '../errors.js';
import type { State } from '../state/state.js';
import { isOurProcess } from '../state/pids.js';
import type { ProcessRunner } from '../system/process.js';
import { partyHistory, summarizeHistory, participantHistory } from './history.js';
import { historyReader } from './history-reader.js';
import { parseObservation } from './observe.js';
import type { PartyIO } from './replicate.js';
import type { OfflineIO } from './offline.js';
import { dumpDatabase, findPgTools, restoreDatabase, serverMajor, type PgTools } from '../postgres/backup.js';
import type { PgConnection } from '../postgres/provision.js';
import { readPostgresPassword } from '../postgres/password.js';
import { registerSecret } from '../ui/redact.js';
import { renderObserveScript } from './scripts.js';

export interface PartyEnv {
  topology: Topology;
  state: State | undefined;
  runner: ProcessRunner;
  signal?: AbortSignal;
  /** Where this run's scripts and console log go. */
  dir: string;
  templatesDir?: string;
  /** The command's environment (auth secrets named in the config); defaults to this process's. */
  processEnv?: NodeJS.ProcessEnv;
}

/** Fixes for the Canton errors the party scripts can meet. */
export function decodePartyError(e: { code: string }): string | undefined {
  switch (e.code) {
    case 'TOPOLOGY_MAPPING_ALREADY_EXISTS':
      return 'The change is already in effect; run `canton-mpc party status` and the same command again (it observes before it proposes).';
    case 'TOPOLOGY_SERIAL_MISMATCH':
      return 'The mapping changed while canton-mpc was working on it; run the same command again.';
    case 'TOPOLOGY_UNKNOWN_MEMBERS':
      return 'The target participant is not a member of the synchronizer: connect it first (`canton-mpc status`).';
    case 'PARTICIPANT_PRUNED_DATA_ACCESSED':
      return 'The source pruned data the export needs ("data not available"): start over with pruning disabled on the source (canton-mpc pauses the schedule; stop any manual pruning) and run the command again.';
    case 'IMPORT_ACS_ERROR':
      return 'The import was refused; canton-mpc stopped before reconnecting the target. Fix the cause named above, then `party replicate ... --resume` (it restores the backup first if the import had started).';
    case 'PROTO_DESERIALIZATION_FAILURE':
      return 'The ACS export file is unreadable; `party replicate ... --resume` exports it again.';
    case 'TOPOLOGY_INVALID_TOPOLOGY_MAPPING':
      return 'Canton refused the mapping itself; check --permission and --threshold against `canton-mpc party status`.';
    default:
      return undefined;
  }
}

/** The running daemon's console coordinates, or a prerequisite error naming `up`. */
export function consoleTarget(env: PartyEnv): ConsoleTarget {
  const c = env.state?.canton;
  if (!c || !isOurProcess(c) || !c.readyAt) {
    throw new PrerequisiteError('the topology is not running', { hint: 'Start it with `canton-mpc up`, then run this command again.', kind: 'not_running' });
  }
  const t = env.topology;
  // A secured topology: fresh console tokens before each run (the ones `up` wrote may have expired).
  const beforeRun = t.security.jwt ? async () => (await import('../security/console-tokens.js')).writeConsoleTokens(t, env.processEnv ?? process.env) : undefined;
  return { cantonHome: c.home, javaHome: c.javaHome, remoteConf: join(t.stateDir, 'config', 'remote.conf'), dir: env.dir, runner: env.runner, signal: env.signal, ...(beforeRun ? { beforeRun } : {}) };
}

export interface CountingPartyIO extends PartyIO {
  /** JVM starts so far (the bench prints it). */
  consoleRuns: number;
}

export function createPartyIO(env: PartyEnv): CountingPartyIO {
  const t = env.topology;
  // Resolved on first use: a restore runs before the daemon is up again.
  let target: ConsoleTarget | undefined;
  const console = () => (target ??= consoleTarget(env));
  const io: CountingPartyIO = {
    consoleRuns: 0,
    darFiles: t.dars.filter((d) => existsSync(d)),
    projectDir: t.projectDir,
    alias: t.synchronizer.name,
    templatesDir: env.templatesDir,
    async observe(partyIds, anchor) {
      io.consoleRuns++;
      const script = renderObserveScript({ projectDir: t.projectDir, templatesDir: env.templatesDir, alias: t.synchronizer.name, anchor, participants: t.participants.map((p) => p.name), partyIds });
      const r = await runConsoleScript(console(), { name: 'party-observe.canton', script, decode: decodePartyError });
      return parseObservation(r.steps, partyIds);
    },
    async history(partyId, hosts) {
      const reader = historyReader(t, env.processEnv ?? process.env);
      const sources = hosts.flatMap((h) => {
        const p = t.participants.find((x) => x.name === h);
        return p ? [{ participant: h, url: jsonApiUrl(p), ...(reader ? { authorization: () => reader(h) } : {}) }] : [];
      });
      const outside = hosts.filter((h) => !t.participants.some((x) => x.name === h));
      if (outside.length === 0) return partyHistory(sources, partyId);
      const rows = await Promise.all(sources.map((s) => participantHistory(s, partyId)));
      return summarizeHistory([...rows, ...outside.map((h) => ({ participant: h, activeContracts: 0, transactions: 0, prunedUpTo: 0, error: 'not a participant of this project, so canton-mpc cannot ask it' }))]);
    },
    async runScript(name, script, onStep, onSpawn) {
      io.consoleRuns++;
      return runConsoleScript(console(), { name, script, onStep, onSpawn, decode: decodePartyError });
    },
  };
  return io;
}

/** A party named in the config (by name) or given by id, resolved against the running state. */
export function resolveParty(topology: Topology, state: State | undefined, nameOrId: string): { name?: string; id: string } {
  if (nameOrId.includes('::')) {
    const name = Object.entries(state?.parties ?? {}).find(([, v]) => v.id === nameOrId)?.[0];
    return { ...(name ? { name } : {}), id: nameOrId };
  }
  const id = state?.parties[nameOrId]?.id;
  if (id) return { name: nameOrId, id };
  if (topology.parties.some((p) => p.name === nameOrId)) {
    throw new RemoteError(`party ${nameOrId} has no id in .canton-mpc/state.json`, { hint: 'Run `canton-mpc up` (it records the ids of the parties it allocates).' });
  }
  return { id: '' };
}

/** Free bytes the run directory needs for the export and the backup (the emulator's are tiny; real ones are not). */
const MIN_FREE_BYTES = 256 * 1024 * 1024;

/** The target's database connection for its backup, from state.json (embedded: the password file). */
async function targetConnection(env: PartyEnv, processEnv: NodeJS.ProcessEnv): Promise<PgConnection> {
  const pgState = env.state?.postgres;
  if (!pgState) throw new PrerequisiteError('no PostgreSQL is recorded in .canton-mpc/state.json', { hint: 'The target needs Postgres storage: `canton-mpc up --storage postgres`.' });
  const password = pgState.embedded ? await readPostgresPassword(env.topology.stateDir) : processEnv[env.topology.postgres.passwordEnv];
  registerSecret(password);
  return { host: pgState.host, port: pgState.port, user: pgState.user, ...(password ? { password } : {}) };
}

export function createOfflineIO(env: PartyEnv, target: string, processEnv: NodeJS.ProcessEnv): OfflineIO & CountingPartyIO & { checkBackup(): Promise<void>; restoreTarget(backup: { path: string; sha256: string; database: string }): Promise<void> } {
  const base = createPartyIO({ processEnv, ...env });
  const node = env.topology.participants.find((p) => p.name === target)!;
  let tools: PgTools | undefined;
  const ensureTools = async () => {
    if (tools) return tools;
    const c = await targetConnection(env, processEnv);
    tools = await findPgTools(env.runner, processEnv, await serverMajor(c));
    return tools;
  };
  const database = node.storage.type === 'postgres' ? node.storage.database : '';
  return Object.assign(base, {
    targetStorage: node.storage.type,
    async checkBackup() {
      await ensureTools();
      mkdirSync(env.dir, { recursive: true });
      const fs = await statfs(env.dir);
      const free = Number(fs.bavail) * Number(fs.bsize);
      if (free < MIN_FREE_BYTES) throw new PrerequisiteError(`only ${Math.round(free / 1048576)} MiB are free under ${env.dir}; the export and the backup need room`, { hint: 'Free some disk space, then run the command again.' });
    },
    async backupTarget(dir: string) {
      const t = await ensureTools();
      const path = join(dir, `backup-${target}-${new Date().toISOString().replace(/[:.]/g, '-')}.dump`);
      const r = await dumpDatabase(env.runner, t, await targetConnection(env, processEnv), database, path);
      return { path, sha256: r.sha256, database };
    },
    async restoreTarget(backup: { path: string; sha256: string; database: string }) {
      await restoreDatabase(env.runner, await ensureTools(), await targetConnection(env, processEnv), backup.database, backup.path, backup.sha256);
    },
  });
}
