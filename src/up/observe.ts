import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Topology } from '../config/types.js';
import { renderProject, type RenderedFile } from '../render/index.js';
import { byRole, type FoundProcess } from '../state/discover.js';
import { isOurProcess, processStartTime } from '../state/pids.js';
import { emptyState, type State } from '../state/state.js';
import { classifyDrift, desiredApplied, signerSpecHash, type Drift } from './drift.js';
import { configDir, nodeEndpoints, renderedHash } from './helpers.js';

/**
 * What `up` and `status` observe before acting: the processes that really run (by marker, when
 * state.json lost track of them) and how the config differs from them.
 */

/** The rendered files as last written (what a daemon found by marker was most likely started with). */
function renderedOnDisk(t: Topology, names: string[]): string {
  const files: RenderedFile[] = [];
  for (const name of names) {
    const p = join(configDir(t), name);
    if (!existsSync(p)) return '';
    files.push({ name, content: readFileSync(p, 'utf8') } as RenderedFile);
  }
  return renderedHash(files);
}

/**
 * Adopt a Canton daemon or embedded PostgreSQL that carries the project's markers but is missing
 * from state.json (a run killed between starting it and recording it, or a state file that was
 * unreadable): it is recorded again instead of being started twice. Readiness, parties and users
 * are then observed anew. Supervisors are not adopted: the signer step replaces them.
 */
export function adoptProcesses(state: State | undefined, found: FoundProcess[], t: Topology, files: RenderedFile[]): { state: State | undefined; adopted: string[] } {
  const adopted: string[] = [];
  const leaders = (role: 'canton' | 'postgres') => byRole(found, role).filter((p) => p.pid === p.pgid).sort((a, b) => (a.startTime ?? 0) - (b.startTime ?? 0));
  const daemon = leaders('canton')[0];
  let s = state;
  if (daemon && !isOurProcess(s?.canton)) {
    s = s ? structuredClone(s) : emptyState(t.storage);
    const logs = join(t.stateDir, 'logs');
    s.canton = { pid: daemon.pid, startTime: daemon.startTime ?? processStartTime(daemon.pid), startedAt: new Date().toISOString(), version: t.canton.version, home: '', javaHome: '', logFile: join(logs, 'canton.log'), stdoutFile: join(logs, 'canton.out'), stdoutOffset: 0 };
    s.configHash = renderedOnDisk(t, files.map((f) => f.name));
    s.applied = undefined;
    s.parties = {};
    s.users = [];
    adopted.push(`Canton daemon pid ${daemon.pid}`);
  }
  const server = leaders('postgres')[0];
  if (server && !isOurProcess(s?.postgres?.server)) {
    s = s ? structuredClone(s) : emptyState(t.storage);
    s.postgres = { ...(s.postgres ?? { embedded: true, host: '127.0.0.1', port: t.postgres.port, user: t.postgres.user, databases: [] }), server: { pid: server.pid, startTime: server.startTime, startedAt: new Date().toISOString() } };
    adopted.push(`PostgreSQL pid ${server.pid}`);
  }
  return { state: s, adopted };
}

export interface DesiredView {
  files: RenderedFile[];
  hash: string;
  applied: ReturnType<typeof desiredApplied>;
}

export function desiredView(t: Topology): DesiredView {
  const files = renderProject(t);
  return { files, hash: renderedHash(files), applied: desiredApplied(t, files, renderProject({ ...t, dars: [] })) };
}

/** Drift between the config and a running topology; none when Canton does not run. */
export function driftOf(t: Topology, state: State | undefined, want: DesiredView): Drift {
  if (!state || !isOurProcess(state.canton)) return { refused: [], inPlace: [] };
  return classifyDrift(state, { applied: want.applied, nodes: nodeEndpoints(t), renderedHash: want.hash, signerHash: signerSpecHash(t) });
}
