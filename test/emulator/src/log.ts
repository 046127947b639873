// A logback-like file logger. Lines look like Canton's default file pattern so that tests (and
// the CLI) can grep the same messages they would find in a real canton.log. WARN and above also
// go to stdout, as with Canton's default `--log-level-stdout WARN`.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type Level = (typeof LEVELS)[number];

let file: string | undefined;
let stdoutMin = 3;

export function initLog(fileName: string, stdoutLevel: string): void {
  file = fileName;
  const i = LEVELS.indexOf(stdoutLevel.toUpperCase() as Level);
  stdoutMin = i < 0 ? 3 : i;
  try { mkdirSync(dirname(fileName), { recursive: true }); } catch { /* reported at first write */ }
}

function ts(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}

export function log(level: Level, logger: string, msg: string): void {
  const line = `${ts(new Date())} [main] ${level.padEnd(5)} ${logger} - ${msg}\n`;
  if (file) { try { appendFileSync(file, line); } catch { /* logging must never crash startup */ } }
  if (LEVELS.indexOf(level) >= stdoutMin) process.stdout.write(`${level.padEnd(5)} ${logger} - ${msg}\n`);
}

export const APP = 'c.d.c.CantonCommunityApp$';
export const RUNNER = 'c.d.c.ServerRunner';
export const SCRIPT = 'c.d.c.ConsoleScriptRunner$';
export const ENV = 'c.d.c.e.CommunityEnvironment';
