// party status / party replicate (Workflow 1) against the emulator, with memory and Postgres storage:
// the seed's multi-controller submission fails before the replication (decoded into a fix naming
// `party replicate`) and succeeds after it; a re-run has nothing to do.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ledgerError } from '../../src/ledger/errors.js';
import { makeProject, resultLine, type CliProject } from '../support/cli.js';
import { consoleOps, proposals, submitCreate } from '../support/party.js';
import { ProgressEvent } from '../../src/ui/event-schema.js';

const projects: CliProject[] = [];
afterAll(async () => {
  for (const p of projects) await p.cleanup();
});

describe.each(['memory', 'postgres'] as const)('party replicate Depositor --to participant1 (%s)', (storage) => {
  it('status, dry run, replicate, status, the multi-controller submission, a converging re-run', async () => {
    const opsLog = join(await import('node:os').then((os) => os.tmpdir()), `ops-${storage}-${process.pid}-${Date.now()}.ndjson`);
    const p = await makeProject({ env: { CANTON_EMULATOR_CONSOLE_LOG: opsLog } });
    projects.push(p);
    const up = await p.run(['up', '--storage', storage, '--timeout', '90s']);
    expect(up.exitCode, up.stderr).toBe(0);
    const parties = p.state().parties as Record<string, { id: string }>;
    const issuer = parties.Issuer!.id;
    const depositor = parties.Depositor!.id;
    const p1 = p.ports.participant1.json;

    const before = await submitCreate(p1, [issuer, depositor], { issuer, depositor });
    expect(before.status).toBe(404);
    expect(before.body.code).toBe('NO_SYNCHRONIZER_ON_WHICH_ALL_SUBMITTERS_CAN_SUBMIT');
    const decoded = ledgerError('POST', `http://127.0.0.1:${p1}/v2/commands/submit-and-wait`, before.status, before.body);
    expect(decoded.hint).toContain('canton-mpc party replicate PARTY --to PARTICIPANT');

    const s1 = await p.run(['party', 'status', 'Depositor', '--json']);
    expect(s1.exitCode, s1.stderr).toBe(0);
    const d1 = JSON.parse(s1.stdout).parties[0];
    expect(d1).toMatchObject({ name: 'Depositor', id: depositor, kind: 'local', namespace: 'single', owner: 'participant2', threshold: 1, workflow: 1, history: { state: 'none' } });
    expect(d1.hosts).toEqual([{ participant: 'participant2', permission: 'Submission', onboarding: false }]);

    const dry = await p.run(['party', 'replicate', 'Depositor', '--to', 'participant1', '--dry-run', '--json']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    const plan = resultLine(dry.stdout);
    expect(plan.steps.map((s: { id: string; pending: boolean }) => `${s.id}:${s.pending}`)).toEqual(['preflight:true', 'vet-packages:false', 'propose-party-side:true', 'propose-participant-side:true', 'await-effective:true']);
    expect(proposals(consoleOps(opsLog))).toHaveLength(0);

    const rep = await p.run(['party', 'replicate', 'Depositor', '--to', 'participant1', '--json', '--events', 'out/replicate.ndjson']);
    expect(rep.exitCode, rep.stderr).toBe(0);
    // Streamed like `up --json`: every line matches the event schema, one step-start/step-done pair
    // per step that ran, the skipped vetting step, and the result as the last line; the file holds the same.
    const events = rep.stdout.trim().split('\n').map((l, i) => {
      const parsed = ProgressEvent.safeParse(JSON.parse(l));
      if (!parsed.success) throw new Error(`event ${i + 1} does not match the schema: ${l}\n${parsed.error.message}`);
      return parsed.data as Record<string, any>;
    });
    expect(events.map((e) => `${e.event}${e.step ? ` ${e.step}` : ''}`)).toEqual([
      'step-start preflight', 'step-done preflight', 'step-skipped vet-packages',
      'step-start propose-party-side', 'step-done propose-party-side',
      'step-start propose-participant-side', 'step-done propose-participant-side',
      'step-start await-effective', 'step-done await-effective', 'result',
    ]);
    expect(readFileSync(join(p.dir, 'out', 'replicate.ndjson'), 'utf8')).toBe(`${rep.stdout}\n`);
    const r = resultLine(rep.stdout);
    expect(r).toMatchObject({ ok: true, workflow: 1, source: 'participant2', target: 'participant1', permission: 'Submission', alreadyDone: false, consoleRuns: 2 });
    expect(proposals(consoleOps(opsLog)).map((o) => `${o.node}:${o.ok}`)).toEqual(['participant2:true', 'participant1:true']);

    const s2 = JSON.parse((await p.run(['party', 'status', '--json'])).stdout);
    const dep = s2.parties.find((x: { name: string }) => x.name === 'Depositor');
    expect(dep.hosts).toEqual([
      { participant: 'participant2', permission: 'Submission', onboarding: false },
      { participant: 'participant1', permission: 'Submission', onboarding: false },
    ]);
    expect(dep.serial).toBe(2);
    expect(s2.parties.find((x: { name: string }) => x.name === 'Issuer').hosts).toHaveLength(1);

    const after = await submitCreate(p1, [issuer, depositor], { issuer, depositor });
    expect(after.status, JSON.stringify(after.body)).toBe(200);

    const again = await p.run(['party', 'replicate', 'Depositor', '--to', 'participant1', '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(resultLine(again.stdout)).toMatchObject({ event: 'result', alreadyDone: true, changed: false, consoleRuns: 1 });
    expect(proposals(consoleOps(opsLog))).toHaveLength(2);
    // Depositor has a contract now: a third participant would need Workflow 2.
    const st = JSON.parse((await p.run(['party', 'status', 'Depositor', '--json'])).stdout).parties[0];
    expect(st).toMatchObject({ workflow: 2, history: { state: 'used' } });
  }, 180_000);
});
