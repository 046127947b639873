import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { emptyState, readState, statePath, writeState } from '../../src/state/state.js';
import { acquireProjectLock } from '../../src/state/lock.js';
import { isOurProcess, liveGroupMembers, processRef, processStartTime, stopProcessGroup } from '../../src/state/pids.js';

describe('state.json', () => {
  it('round-trips with mode 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-'));
    const s = { ...emptyState('memory'), configHash: 'abc', parties: { Issuer: { id: 'Issuer::1', participant: 'p1' } } };
    await writeState(dir, s);
    expect(statSync(statePath(dir)).mode & 0o777).toBe(0o600);
    expect(await readState(dir)).toEqual(s);
  });
  it.each([
    ['garbage', 'not json at all \u0000', /is not valid JSON/],
    ['truncated', '{"version":1,"updatedAt":"x","nod', /is not valid JSON/],
    ['empty', '', /is empty/],
    ['wrong version', '{"version":7,"nodes":[],"users":[],"parties":{}}', /state version 7/],
    ['not a state', '[1,2,3]', /not a canton-mpc state file/],
  ])('%s: moved aside with a warning, read as missing', async (_n, text, why) => {
    const dir = mkdtempSync(join(tmpdir(), 'st-'));
    expect(await readState(dir)).toBeUndefined();
    writeFileSync(statePath(dir), text);
    const warnings: string[] = [];
    expect(await readState(dir, (m) => warnings.push(m))).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(why);
    const aside = readdirSync(dir).filter((f) => f.startsWith('state.json.unreadable-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]!), 'utf8')).toBe(text);
    expect(readdirSync(dir)).not.toContain('state.json');
  });
  it('a stateDir that is a file is a clear config error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-'));
    writeFileSync(join(dir, 'file'), '');
    await expect(readState(join(dir, 'file'))).rejects.toMatchObject({ exitCode: 3, message: expect.stringContaining('is not a directory') });
  });
});

describe('process identity', () => {
  it('a pid with another start time is not ours (pid reuse)', () => {
    const me = processRef(process.pid);
    expect(me.startTime).toBe(processStartTime(process.pid));
    expect(isOurProcess(me)).toBe(true);
    expect(isOurProcess({ ...me, startTime: (me.startTime ?? 0) + 1 })).toBe(false);
    expect(isOurProcess({ pid: 2 ** 22 + 12345, startedAt: '' })).toBe(false);
  });
  it('stops a whole process group with SIGTERM, escalating to SIGKILL after the grace period', async () => {
    // A leader that ignores SIGTERM and a child in its group.
    const child = spawn('sh', ['-c', 'trap "" TERM; sleep 30 & wait'], { detached: true, stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    await new Promise((r) => setTimeout(r, 100));
    const ref = processRef(child.pid!);
    expect(liveGroupMembers(child.pid!).length).toBeGreaterThanOrEqual(2);
    const t0 = Date.now();
    expect(await stopProcessGroup(ref, { graceMs: 300 })).toBe('killed');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(liveGroupMembers(child.pid!)).toEqual([]);
    expect(await stopProcessGroup(ref)).toBe('not-running');
  });
  it('a cooperative group stops on SIGTERM', async () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    await new Promise((r) => child.once('spawn', r));
    expect(await stopProcessGroup(processRef(child.pid!), { graceMs: 5_000 })).toBe('stopped');
  });
});

describe('project lock', () => {
  it('refuses while a live holder has it, names the holder, and takes over from a dead one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    const release = acquireProjectLock(dir, 'up');
    // Our own pid holds it: a second acquire (as another process would) is refused.
    expect(() => acquireProjectLock(dir, 'down')).toThrow(new RegExp(`canton-mpc up \\(pid ${process.pid}\\)`));
    release();
    // A holder that is gone (SIGKILLed up) does not block.
    const child = spawn('true', [], { stdio: 'ignore' });
    await new Promise((r) => child.once('exit', r));
    writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: child.pid, startTime: 1, startedAt: '', command: 'up' }));
    const r2 = acquireProjectLock(dir, 'up');
    r2();
  });
});
