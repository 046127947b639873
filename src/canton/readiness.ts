import { TimeoutError, RemoteError } from '../errors.js';

/** Readiness stages in order; the one that is stuck is named in errors and shown on a TTY. */
export type ReadinessStage = 'process' | 'ports-file' | 'readyz' | 'parties';

export const STAGE_TITLES: Record<ReadinessStage, string> = {
  process: 'daemon process running',
  'ports-file': 'nodes started and bootstrap done (ports file written)',
  readyz: '/readyz is 200 on every participant',
  parties: 'every party visible on its hosting participant',
};

/**
 * Fast polls: detection should add little over the daemon's own start time. A ports-file poll is one
 * stat() and the others are loopback requests, so polling often costs next to nothing.
 */
export const PORTS_FILE_POLL_MS = 25;
export const READYZ_POLL_MS = 50;
export const PARTIES_POLL_MS = 50;
export const READYZ_PROBE_TIMEOUT_MS = 1_000;

export interface ReadinessDeps {
  /** The daemon's exit, if it has exited (or is gone). */
  exited(): { code: number | null; signal: string | null } | undefined;
  portsFileWritten(): Promise<boolean>;
  /** Status of GET /readyz (0 when nothing answers). */
  readyz(participant: string): Promise<number>;
  /** Party ids printed by the bootstrap so far (name → id). */
  partyIds(): Promise<Record<string, string>>;
  /** Is this party id listed on this participant? */
  partyVisible(participant: string, partyId: string): Promise<boolean>;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  now(): number;
}

export interface ReadinessTarget {
  participants: string[];
  parties: Array<{ name: string; participant: string }>;
}

export interface ReadinessResult {
  partyIds: Record<string, string>;
  /** ms since the start of the wait at which each stage completed. */
  stages: Partial<Record<ReadinessStage, number>>;
}

/** Thrown when the daemon exits before it is ready; `up` adds the log tail and cleans up. */
export class DaemonExitedError extends RemoteError {
  constructor(
    readonly stage: ReadinessStage,
    readonly daemonExitCode: number | null,
    readonly daemonSignal: string | null,
    message: string,
  ) {
    super(message, { kind: 'daemon_exited', data: { stage, daemonExitCode, daemonSignal } });
  }
}

export class ReadinessTimeoutError extends TimeoutError {
  constructor(
    readonly stage: ReadinessStage,
    message: string,
    readonly detail: string,
  ) {
    super(message, { kind: 'readiness_timeout', data: { stage, detail } });
  }
}

/**
 * Wait through the stages. Each poll first checks that the daemon is still alive, so an early exit
 * is reported as such within one poll interval instead of as a timeout.
 */
export async function waitForReadiness(
  target: ReadinessTarget,
  deps: ReadinessDeps,
  opts: { timeoutMs: number; signal?: AbortSignal; onStage?: (stage: ReadinessStage, detail?: string) => void },
): Promise<ReadinessResult> {
  const t0 = deps.now();
  const deadline = t0 + opts.timeoutMs;
  const stages: ReadinessResult['stages'] = {};
  let stage: ReadinessStage = 'process';
  let detail = '';

  const check = () => {
    opts.signal?.throwIfAborted();
    const ex = deps.exited();
    if (ex) throw new DaemonExitedError(stage, ex.code, ex.signal, `the Canton daemon exited while waiting for: ${STAGE_TITLES[stage]}`);
    if (deps.now() > deadline) {
      throw new ReadinessTimeoutError(stage, `Canton did not become ready within ${Math.round(opts.timeoutMs / 1000)} s; stuck at: ${STAGE_TITLES[stage]}${detail ? ` (${detail})` : ''}`, detail);
    }
  };
  const enter = (s: ReadinessStage, d?: string) => {
    stage = s;
    detail = d ?? '';
    opts.onStage?.(s, d);
  };

  enter('process');
  check();
  stages.process = deps.now() - t0;

  enter('ports-file');
  for (;;) {
    check();
    if (await deps.portsFileWritten()) break;
    await deps.sleep(PORTS_FILE_POLL_MS, opts.signal);
  }
  stages['ports-file'] = deps.now() - t0;

  enter('readyz');
  let pending = [...target.participants];
  for (;;) {
    check();
    const codes = await Promise.all(pending.map(async (p) => [p, await deps.readyz(p)] as const));
    pending = codes.filter(([, c]) => c !== 200).map(([p]) => p);
    if (pending.length === 0) break;
    detail = `waiting for ${pending.join(', ')}`;
    opts.onStage?.('readyz', detail);
    await deps.sleep(READYZ_POLL_MS, opts.signal);
  }
  stages.readyz = deps.now() - t0;

  enter('parties');
  let ids: Record<string, string> = {};
  let waiting = [...target.parties];
  for (;;) {
    check();
    ids = { ...ids, ...(await deps.partyIds()) };
    const results = await Promise.all(
      waiting.map(async (p) => {
        const id = ids[p.name];
        return { p, ok: id !== undefined && (await deps.partyVisible(p.participant, id)) };
      }),
    );
    waiting = results.filter((r) => !r.ok).map((r) => r.p);
    if (waiting.length === 0) break;
    detail = `waiting for ${waiting.map((p) => `${p.name} on ${p.participant}`).join(', ')}`;
    opts.onStage?.('parties', detail);
    await deps.sleep(PARTIES_POLL_MS, opts.signal);
  }
  stages.parties = deps.now() - t0;
  return { partyIds: ids, stages };
}
