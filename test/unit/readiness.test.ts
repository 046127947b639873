import { describe, expect, it } from 'vitest';
import { DaemonExitedError, ReadinessTimeoutError, waitForReadiness, type ReadinessDeps } from '../../src/canton/readiness.js';
import { daemonArgs, daemonHeap, exitMeaning } from '../../src/canton/daemon.js';

/** A simulated clock and daemon: each sleep advances time; facts become true at given times. */
function sim(o: { portsAt?: number; readyAt?: Record<string, number>; partiesAt?: number; exitAt?: number; exitCode?: number }) {
  let now = 0;
  const visited = new Set<string>();
  const deps: ReadinessDeps = {
    exited: () => (o.exitAt !== undefined && now >= o.exitAt ? { code: o.exitCode ?? 1, signal: null } : undefined),
    portsFileWritten: async () => o.portsAt !== undefined && now >= o.portsAt,
    readyz: async (p) => (now >= (o.readyAt?.[p] ?? 0) ? 200 : 503),
    partyIds: async (): Promise<Record<string, string>> => (o.partiesAt !== undefined && now >= o.partiesAt ? { Issuer: 'Issuer::12', Holder: 'Holder::34' } : {}),
    partyVisible: async (p, id) => {
      visited.add(`${p}/${id}`);
      return true;
    },
    sleep: async (ms) => {
      now += ms;
    },
    now: () => now,
  };
  return { deps, visited, time: () => now };
}

const target = { participants: ['p1', 'p2'], parties: [{ name: 'Issuer', participant: 'p1' }, { name: 'Holder', participant: 'p2' }] };

describe('waitForReadiness', () => {
  it('passes the stages in order and returns the party ids, polling fast', async () => {
    const s = sim({ portsAt: 1000, readyAt: { p1: 1200, p2: 1500 }, partiesAt: 0 });
    const stages: string[] = [];
    const r = await waitForReadiness(target, s.deps, { timeoutMs: 10_000, onStage: (st) => stages.push(st) });
    expect(r.partyIds).toEqual({ Issuer: 'Issuer::12', Holder: 'Holder::34' });
    expect([...new Set(stages)]).toEqual(['process', 'ports-file', 'readyz', 'parties']);
    expect(r.stages['ports-file']).toBe(1000);
    // Detection adds at most one poll interval over the moment the fact became true.
    expect(r.stages.readyz! - 1500).toBeLessThanOrEqual(100);
    expect([...s.visited].sort()).toEqual(['p1/Issuer::12', 'p2/Holder::34']);
  });
  it.each([
    [{ exitAt: 300, exitCode: 3 }, 'ports-file', 3],
    [{ portsAt: 0, readyAt: { p1: 99_999 }, exitAt: 500, exitCode: 2 }, 'readyz', 2],
  ])('an early exit is reported with its stage and code (%j)', async (o, stage, code) => {
    const s = sim(o);
    const e = await waitForReadiness(target, s.deps, { timeoutMs: 10_000 }).catch((x) => x);
    expect(e).toBeInstanceOf(DaemonExitedError);
    expect(e).toMatchObject({ stage, daemonExitCode: code });
    expect(s.time()).toBeLessThan((o.exitAt ?? 0) + 200);
  });
  it('a timeout names the stuck stage and what it waits for', async () => {
    const s = sim({ portsAt: 0, readyAt: { p1: 0, p2: 1e9 } });
    const e = await waitForReadiness(target, s.deps, { timeoutMs: 2_000 }).catch((x) => x);
    expect(e).toBeInstanceOf(ReadinessTimeoutError);
    expect(e.stage).toBe('readyz');
    expect(e.message).toContain('waiting for p2');
  });
  it('a party whose id is never printed keeps the parties stage stuck', async () => {
    const s = sim({ portsAt: 0 });
    const e = await waitForReadiness(target, s.deps, { timeoutMs: 1_000 }).catch((x) => x);
    expect(e.stage).toBe('parties');
    expect(e.message).toContain('Issuer on p1');
  });
});

describe('daemon helpers', () => {
  const t = (n: number, heap?: string) => ({ canton: { version: '3.4.11', jvmHeap: heap }, sequencers: Array(n).fill({}), mediators: [], participants: [] }) as never;
  it.each([
    [4, undefined, 64e9, '3072m'],
    [30, undefined, 64e9, '8192m'],
    [4, undefined, 2e9, `${Math.floor((2e9 / 1048576) * 0.5)}m`],
    [4, '6g', 64e9, '6g'],
  ])('heap for %i nodes (config %s, %d bytes RAM) is %s', (n, heap, mem, want) => {
    expect(daemonHeap(t(n, heap), mem)).toBe(want);
  });
  it('daemon arguments are the real Canton flags', () => {
    expect(daemonArgs('/s/config', '/s/logs/canton.log')).toEqual(['daemon', '-c', '/s/config/canton.conf', '--bootstrap', '/s/config/bootstrap.canton', '--no-tty', '--log-file-name', '/s/logs/canton.log']);
  });
  it.each([
    [1, null, /startup or configuration/],
    [2, null, /unexpected/],
    [3, null, /bootstrap script failed/],
    [null, 'SIGKILL', /killed by SIGKILL/],
  ])('exit %s / %s', (code, sig, re) => {
    expect(exitMeaning(code, sig)).toMatch(re);
  });
});
