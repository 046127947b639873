// Fault injection and request recording, all driven by environment variables (see README.md).
import { appendFileSync, writeFileSync } from 'node:fs';

const env = process.env;
const num = (v: string | undefined): number | undefined => (v === undefined || v === '' ? undefined : Number(v));

export const faults = {
  startDelayMs: num(env.CANTON_EMULATOR_START_DELAY_MS) ?? 0,
  failBootstrap: env.CANTON_EMULATOR_FAIL_BOOTSTRAP !== undefined && env.CANTON_EMULATOR_FAIL_BOOTSTRAP !== '' && env.CANTON_EMULATOR_FAIL_BOOTSTRAP !== '0',
  failBootstrapMessage: env.CANTON_EMULATOR_FAIL_BOOTSTRAP,
  crashAfterMs: num(env.CANTON_EMULATOR_CRASH_AFTER_MS),
  crashExitCode: num(env.CANTON_EMULATOR_CRASH_EXIT_CODE) ?? 2,
  json5xxRate: num(env.CANTON_EMULATOR_JSON_5XX_RATE) ?? 0,
  neverReady: env.CANTON_EMULATOR_NEVER_READY !== undefined && env.CANTON_EMULATOR_NEVER_READY !== '' && env.CANTON_EMULATOR_NEVER_READY !== '0',
  requestLog: env.CANTON_EMULATOR_REQUEST_LOG || undefined,
  argvLog: env.CANTON_EMULATOR_ARGV_LOG || undefined,
  consoleLog: env.CANTON_EMULATOR_CONSOLE_LOG || undefined,
  wsDropAfterMs: num(env.CANTON_EMULATOR_WS_DROP_AFTER_MS),
  wsRefuse: env.CANTON_EMULATOR_WS_REFUSE === '1',
  startLog: env.CANTON_EMULATOR_START_LOG || undefined,
  /** A marker file path: the first ACS import (half done) SIGKILLs the daemon and writes the marker. */
  killDuringImport: env.CANTON_EMULATOR_KILL_DURING_IMPORT || undefined,
  /** A marker file path: the first ACS export writes a corrupt file (in the console process) and the marker. */
  corruptExport: env.CANTON_EMULATOR_CORRUPT_EXPORT || undefined,
};

// mulberry32: tiny, seedable, good enough to make "20 % of requests fail" deterministic in tests.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const seed = num(env.CANTON_EMULATOR_SEED);
export const random: () => number = seed === undefined ? Math.random : mulberry32(seed);

export function recordRequest(node: string, method: string, path: string, status: number): void {
  if (!faults.requestLog) return;
  try {
    appendFileSync(faults.requestLog, JSON.stringify({ ts: new Date().toISOString(), node, method, path, status }) + '\n');
  } catch { /* test-only aid; never break the API */ }
}

/** argv plus env-var *names* (values may hold secrets) plus -D property names moved into JAVA_OPTS. */
export function recordArgv(argv: string[]): void {
  // One line per start of bin/canton (a JVM start of the real thing): benches count them.
  if (faults.startLog) { try { appendFileSync(faults.startLog, JSON.stringify({ ts: new Date().toISOString(), command: argv[0] ?? '' }) + '\n'); } catch { /* ignore */ } }
  if (!faults.argvLog) return;
  const jvmProps = (env.JAVA_OPTS ?? '').split(/\s+/).filter((s) => s.startsWith('-D')).map((s) => s.slice(2).split('=')[0]);
  try {
    writeFileSync(faults.argvLog, JSON.stringify({ argv, cwd: process.cwd(), env: Object.keys(env).sort(), jvmProps }) + '\n');
  } catch { /* ignore */ }
}

/** One line per console operation a node executed (name only: arguments may hold DAR bytes). */
export function recordConsoleOp(node: string, op: string, ok: boolean): void {
  if (!faults.consoleLog) return;
  try {
    appendFileSync(faults.consoleLog, JSON.stringify({ ts: new Date().toISOString(), node, op, ok }) + '\n');
  } catch { /* test-only aid */ }
}
