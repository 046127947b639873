/**
 * The adapters behind the party runbooks: console runs against the running daemon (through the one
 * console runner), the Ledger API history check, and where each run keeps its files. Built from the
 * project's topology and state by the commands and by `up`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runConsoleScript, type ConsoleTarget } from '../canton/console.js';
import { jsonApiUrl } from '../config/endpoints.js';
import type { Topology } from '../config/types.js';
import { PrerequisiteError, RemoteError } from '../errors.js';
import type { State } from '../state/state.js';
import { isOurProcess } from '../state/pids.js';
import type { ProcessRunner } from '../system/process.js';
import { partyHistory, summarizeHistory, participantHistory } from './history.js';
import { parseObservation } from './observe.js';
import type { PartyIO } from './replicate.js';
import { renderObserveScript } from './scripts.js';

export interface PartyEnv {
  topology: Topology;
  state: State | undefined;
  runner: ProcessRunner;
  signal?: AbortSignal;
  /** Where this run's scripts and console log go. */
  dir: string;
  templatesDir?: string;
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
  return { cantonHome: c.home, javaHome: c.javaHome, remoteConf: join(env.topology.stateDir, 'config', 'remote.conf'), dir: env.dir, runner: env.runner, signal: env.signal };
}

export interface CountingPartyIO extends PartyIO {
  /** JVM starts so far (the bench prints it). */
  consoleRuns: number;
}

export function createPartyIO(env: PartyEnv): CountingPartyIO {
  const t = env.topology;
  const target = consoleTarget(env);
  const io: CountingPartyIO = {
    consoleRuns: 0,
    darFiles: t.dars.filter((d) => existsSync(d)),
    projectDir: t.projectDir,
    alias: t.synchronizer.name,
    templatesDir: env.templatesDir,
    async observe(partyIds, anchor) {
      io.consoleRuns++;
      const script = renderObserveScript({ projectDir: t.projectDir, templatesDir: env.templatesDir, alias: t.synchronizer.name, anchor, participants: t.participants.map((p) => p.name), partyIds });
      const r = await runConsoleScript(target, { name: 'party-observe.canton', script, decode: decodePartyError });
      return parseObservation(r.steps, partyIds);
    },
    async history(partyId, hosts) {
      const sources = hosts.flatMap((h) => {
        const p = t.participants.find((x) => x.name === h);
        return p ? [{ participant: h, url: jsonApiUrl(p) }] : [];
      });
      const outside = hosts.filter((h) => !t.participants.some((x) => x.name === h));
      if (outside.length === 0) return partyHistory(sources, partyId);
      const rows = await Promise.all(sources.map((s) => participantHistory(s, partyId)));
      return summarizeHistory([...rows, ...outside.map((h) => ({ participant: h, activeContracts: 0, transactions: 0, prunedUpTo: 0, error: 'not a participant of this project, so canton-mpc cannot ask it' }))]);
    },
    async runScript(name, script, onStep, onSpawn) {
      io.consoleRuns++;
      return runConsoleScript(target, { name, script, onStep, onSpawn, decode: decodePartyError });
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
