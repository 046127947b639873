import { join } from 'node:path';
import { existsSync, renameSync } from 'node:fs';
import { ExitCode, UserError } from '../errors.js';
import type { UserSpec } from '../config/types.js';
import { readTextIfExists, writeFileAtomic } from '../system/fs.js';

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
  /** `up --storage`: status and drift read the config with the same override. */
  storageOverride?: 'memory' | 'postgres';
  canton?: ProcessRef & {
    version: string;
    home: string;
    javaHome: string;
    logFile: string;
    /** The daemon's stdout (bootstrap output); party lines are read from `stdoutOffset` on. */
    stdoutFile: string;
    stdoutOffset: number;
    /** Size of canton.log when this daemon started: failures quote only this run's lines. */
    logOffset?: number;
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
    /** Hash of the launch spec (command, args, cwd, env, secret names): a change restarts the signer. */
    specHash?: string;
  };
  /** What the running topology was started with and has since converged to (drift is measured against it). */
  applied?: AppliedSpec;
}

/** The running topology as canton-mpc applied it; see up/drift.ts. */
export interface AppliedSpec {
  /** sha256 of the rendered canton.conf: any difference needs a restart of Canton. */
  cantonConf: string;
  /** sha256 of bootstrap.canton rendered without DARs (parties, synchronizer, connections). */
  bootstrap: string;
  cantonVersion: string;
  synchronizer: string;
  storage: Record<string, 'memory' | 'postgres'>;
  parties: Record<string, string>;
  dars: string[];
  users?: UserSpec[];
}

export function statePath(stateDir: string): string {
  return join(stateDir, 'state.json');
}

/** The shape every reader relies on; anything else is treated like a torn file. */
function looksLikeState(v: unknown): v is State {
  if (!v || typeof v !== 'object') return false;
  const s = v as Partial<State>;
  return typeof s.version === 'number' && Array.isArray(s.nodes) && Array.isArray(s.users) && !!s.parties && typeof s.parties === 'object';
}

/**
 * Read state.json defensively: a file that is not valid JSON, not a state, or of another version is
 * moved aside (`state.json.unreadable-<time>`, kept for inspection) with a warning, and the caller
 * proceeds without it. `down` and `status` then find the project's processes by their markers
 * (discover.ts), so a corrupt file never locks anyone out.
 */
export async function readState(stateDir: string, warn: (message: string) => void = defaultWarn): Promise<State | undefined> {
  const path = statePath(stateDir);
  let text: string | undefined;
  try {
    text = await readTextIfExists(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') {
      throw new UserError(`the state directory ${stateDir} is not a directory`, {
        where: stateDir,
        hint: 'stateDir in canton-mpc.yaml must name a directory (it is created when missing); move the file away or pick another stateDir.',
        exitCode: ExitCode.CONFIG,
        kind: 'state_dir_invalid',
      });
    }
    if (code !== 'EISDIR') throw e;
  }
  if (text === undefined && !existsSync(path)) return undefined;
  let parsed: unknown;
  let why: string | undefined;
  try {
    parsed = JSON.parse(text ?? '');
    if (!looksLikeState(parsed)) why = 'is not a canton-mpc state file';
    else if (parsed.version !== STATE_VERSION) why = `has state version ${String(parsed.version)} (this canton-mpc reads version ${STATE_VERSION})`;
  } catch {
    why = text === '' ? 'is empty' : 'is not valid JSON';
  }
  if (!why) return parsed as State;
  const aside = `${path}.unreadable-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    renameSync(path, aside);
  } catch {
    /* a directory named state.json, or a read-only dir: leave it, still ignore it */
  }
  warn(`${path} ${why}; it was moved to ${aside} and is ignored: the project's processes are found by their markers instead`);
  return undefined;
}

function defaultWarn(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

export async function writeState(stateDir: string, state: State): Promise<void> {
  await writeFileAtomic(statePath(stateDir), `${JSON.stringify(state, null, 2)}\n`, 0o600);
}

export function emptyState(storage: 'memory' | 'postgres'): State {
  return { version: STATE_VERSION, updatedAt: new Date().toISOString(), configHash: '', storage, nodes: [], parties: {}, users: [] };
}
