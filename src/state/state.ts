import { join } from 'node:path';
import { UserError } from '../errors.js';
import type { UserSpec } from '../config/types.js';
import { readJsonIfExists, writeFileAtomic } from '../system/fs.js';

export const STATE_VERSION = 1;

/** A process we started, identified by pid and kernel start time so a reused pid is not mistaken for ours. */
export interface ProcessRef {
  pid: number;
  /** `/proc/<pid>/stat` field 22 (clock ticks since boot); absent where /proc is unavailable. */
  startTime?: number;
  startedAt: string;
}

export interface NodeEndpoints {
  name: string;
  kind: 'sequencer' | 'mediator' | 'participant';
  address: string;
  ports: Record<string, number>;
}

/** A user as created: the config's shape, with full party ids where the config has party names. */
export type StateUser = UserSpec;

/** `.canton-mpc/state.json` (0600): what `up` started and learned; `status`, `down` and `logs` read it. */
export interface State {
  version: number;
  updatedAt: string;
  /** sha256 of the rendered files the running daemon was started with. */
  configHash: string;
  storage: 'memory' | 'postgres';
  canton?: ProcessRef & {
    version: string;
    home: string;
    javaHome: string;
    logFile: string;
    /** The daemon's stdout (bootstrap output); party lines are read from `stdoutOffset` on. */
    stdoutFile: string;
    stdoutOffset: number;
    /** Set when readiness completed for this daemon. */
    readyAt?: string;
  };
  postgres?: {
    embedded: boolean;
    host: string;
    port: number;
    user: string;
    databases: string[];
    dataDir?: string;
    /** Path of the 0600 file holding the password (never the password itself). */
    passwordFile?: string;
    server?: ProcessRef;
  };
  nodes: NodeEndpoints[];
  /** Party name → full party id, as allocated by this daemon. */
  parties: Record<string, { id: string; participant: string }>;
  users: StateUser[];
  signer?: {
    supervisor: ProcessRef;
    command: string;
    logFile: string;
    statusFile: string;
    healthUrl?: string;
  };
}

export function statePath(stateDir: string): string {
  return join(stateDir, 'state.json');
}

export async function readState(stateDir: string): Promise<State | undefined> {
  const path = statePath(stateDir);
  let state: State | undefined;
  try {
    state = await readJsonIfExists<State>(path);
  } catch (e) {
    throw new UserError(`${path} is not valid JSON`, {
      where: path,
      hint: 'Run `canton-mpc down` to stop what is running, then delete the file; `up` writes it again.',
      exitCode: 3,
      kind: 'state_invalid',
      cause: e,
    });
  }
  if (state && state.version !== STATE_VERSION) {
    throw new UserError(`${path} has state version ${String(state.version)}; this canton-mpc reads version ${STATE_VERSION}`, {
      where: path,
      hint: 'It was written by a different canton-mpc release: use that release to `down` the topology first.',
      exitCode: 3,
      kind: 'state_version',
    });
  }
  return state;
}

export async function writeState(stateDir: string, state: State): Promise<void> {
  await writeFileAtomic(statePath(stateDir), `${JSON.stringify(state, null, 2)}\n`, 0o600);
}

export function emptyState(storage: 'memory' | 'postgres'): State {
  return { version: STATE_VERSION, updatedAt: new Date().toISOString(), configHash: '', storage, nodes: [], parties: {}, users: [] };
}
