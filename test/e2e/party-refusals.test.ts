// party replicate refuses, before any topology change, whatever Workflow 1 cannot do safely; and a
// kill -9 of the CLI (and of its console) at every step boundary converges on a re-run with exactly
// one effective change and no proposal Canton would reject.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_DAR } from '../emulator/harness.js';
import { makeProject, resultLine, type CliProject } from '../support/cli.js';
import { consoleOps, consoleRun, proposals, submitCreate } from '../support/party.js';

const KILL_STEPS = ['vet-packages', 'preflight', 'propose-party-side', 'propose-participant-side', 'await-effective'];
const EXTRA = Object.fromEntries(KILL_STEPS.map((_s, i) => [`K${i}`, 'participant2']));
const opsLog = join(tmpdir(), `ops-refusals-${process.pid}-${Date.now()}.ndjson`);
let p: CliProject;
let ids: Record<string, string>;
beforeAll(async () => {
  p = await makeProject({ env: { CANTON_EMULATOR_CONSOLE_LOG: opsLog }, config: { parties: { Issuer: 'participant1', Depositor: 'participant2', Used: 'participant2', Thr: 'participant2', ...EXTRA } } });
  const up = await p.run(['up', '--timeout', '60s']);
  if (up.exitCode !== 0) throw new Error(up.stderr);
  ids = Object.fromEntries(Object.entries(p.state().parties as Record<string, { id: string }>).map(([k, v]) => [k, v.id]));
});
afterAll(async () => {
  await p?.cleanup();
});

const noNewProposals = async (f: () => Promise<void>) => {
  const n = proposals(consoleOps(opsLog)).length;
  await f();
  expect(proposals(consoleOps(opsLog)).length).toBe(n);
};

describe('party replicate refuses before any topology change', () => {
  it('a party with a contract: not Workflow 1; onto a memory participant, Workflow 2 is refused at preflight (exit 8), nothing proposed', async () => {
    const c = await submitCreate(p.ports.participant2.json, [ids.Used!], { owner: ids.Used }, 'depositor-user');
    expect(c.status).toBe(200);
    const st = JSON.parse((await p.run(['party', 'status', 'Used', '--json'])).stdout).parties[0];
    expect(st).toMatchObject({ workflow: 2, history: { state: 'used', detail: 'participant2: has active contracts of it' } });
    await noNewProposals(async () => {
      const r = await p.run(['party', 'replicate', 'Used', '--to', 'participant1']);
      expect(r.exitCode).toBe(8);
      expect(r.stderr).toMatch(/participant1 keeps its state in memory, and Canton's ACS import refuses that/);
      expect(r.stderr).toMatch(/hint: Offline party replication needs persistent storage on the target: set `participants.participant1.storage: postgres`.* Nothing was changed/);
    });
  });

  it('unknown party, unknown participant, the source as target: usage errors (exit 2)', async () => {
    await noNewProposals(async () => {
      const a = await p.run(['party', 'replicate', 'Depositr', '--to', 'participant1']);
      expect(a.exitCode).toBe(2);
      expect(a.stderr).toMatch(/unknown party "Depositr"/);
      expect(a.stderr).toMatch(/did you mean "Depositor"/);
      const b = await p.run(['party', 'replicate', 'Depositor', '--to', 'participant3']);
      expect(b.exitCode).toBe(2);
      expect(b.stderr).toMatch(/unknown participant "participant3"[\s\S]*at: --to[\s\S]*known participants: participant1, participant2/);
      const c = await p.run(['party', 'replicate', 'Depositor', '--to', 'participant2']);
      expect(c.exitCode).toBe(2);
      expect(c.stderr).toMatch(/is the source participant itself/);
    });
  });

  it('a mismatched permission: a pending proposal with another permission (exit 8)', async () => {
    const s = await consoleRun(p, `val party = participant2.topology.party_to_participant_mappings.list(syncId, filterParty = "${ids.Depositor}").head.item.partyId
participant1.topology.party_to_participant_mappings.propose_delta(party = party, adds = Seq((participant1.id, ParticipantPermission.Confirmation)), store = syncId)
`);
    expect(s.code, s.err).toBe(0);
    await noNewProposals(async () => {
      const r = await p.run(['party', 'replicate', 'Depositor', '--to', 'participant1', '--permission', 'submission']);
      expect(r.exitCode).toBe(8);
      expect(r.stderr).toMatch(/a pending proposal already hosts Depositor on participant1 with Confirmation .* both sides must propose the same permission/);
      expect(r.stderr).toMatch(/--permission confirmation/);
    });
    const status = JSON.parse((await p.run(['party', 'status', 'Depositor', '--json'])).stdout).parties[0];
    expect(status.pendingProposals).toBe(1);
    expect(status.hosts).toHaveLength(1);
  });

  it('the target not connected (exit 8)', async () => {
    expect((await consoleRun(p, 'participant1.synchronizers.disconnect_all()\n')).code).toBe(0);
    try {
      await noNewProposals(async () => {
        const r = await p.run(['party', 'replicate', 'Depositor', '--to', 'participant1', '--permission', 'confirmation', '--json']);
        expect(r.exitCode).toBe(8);
        expect(resultLine(r.stdout).error).toMatchObject({ kind: 'participant_not_connected', exitCode: 8 });
        expect(resultLine(r.stdout).error.message).toMatch(/participant1 is not connected to the synchronizer da/);
      });
    } finally {
      expect((await consoleRun(p, 'participant1.synchronizers.reconnect("da")\n')).code).toBe(0);
    }
  });

  it('an external party with --permission submission (exit 8); with confirmation it needs its own key (exit 8)', async () => {
    const admin = p.ports.participant2.admin;
    const res = await fetch(`http://127.0.0.1:${admin}/emulator/console`, { method: 'POST', body: JSON.stringify({ node: 'participant2', op: 'participant.parties.allocate_external', args: { name: 'Ext' } }) });
    const ext = String(((await res.json()) as { result: string }).result);
    await noNewProposals(async () => {
      const a = await p.run(['party', 'replicate', ext, '--from', 'participant2', '--to', 'participant1', '--permission', 'submission']);
      expect(a.exitCode).toBe(8);
      expect(a.stderr).toMatch(/an external party may be hosted on another participant only with Confirmation or Observation, not Submission/);
      const b = await p.run(['party', 'replicate', ext, '--from', 'participant2', '--to', 'participant1', '--permission', 'confirmation']);
      expect(b.exitCode).toBe(8);
      expect(b.stderr).toMatch(/is an external party: its namespace key 1220[0-9a-f]{64} must sign the hosting change, and no key was given/);
    });
  });
});

describe('kill -9 at every step boundary, then a re-run', () => {
  it.each(KILL_STEPS.map((s, i) => [s, `K${i}`] as const))('killed after %s (party %s): converges, one effective change, no rejected proposal', async (step, party) => {
    if (step === 'vet-packages') {
      // participant2 has a package participant1 lacks: the vetting step is pending (for this first party only).
      writeFileSync(join(p.dir, 'extra.dar'), FAKE_DAR);
      expect((await consoleRun(p, `participant2.dars.upload("${join(p.dir, 'extra.dar')}")\n`)).code).toBe(0);
      const cfg = { parties: { Issuer: 'participant1', Depositor: 'participant2', Used: 'participant2', Thr: 'participant2', ...EXTRA }, dars: ['extra.dar'] };
      p.writeConfig(cfg);
      const dry = resultLine((await p.run(['party', 'replicate', party, '--to', 'participant1', '--dry-run', '--json'])).stdout);
      expect(dry.steps.find((s: { id: string }) => s.id === 'vet-packages').pending).toBe(true);
    }
    const killed = await p.run(['party', 'replicate', party, '--to', 'participant1'], { env: { CANTON_MPC_TEST_KILL_AT: step } });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const rerun = await p.run(['party', 'replicate', party, '--to', 'participant1', '--json']);
    expect(rerun.exitCode, rerun.stderr).toBe(0);
    const again = resultLine(rerun.stdout);
    // What the killed run finished is observed as done, not done twice.
    if (step === 'await-effective') expect(again.alreadyDone).toBe(true);
    else if (step !== 'preflight') expect(again.steps.find((s: { id: string }) => s.id === step).status).toBe('skipped');
    const st = JSON.parse((await p.run(['party', 'status', party, '--json'])).stdout).parties[0];
    expect(st.hosts.map((h: { participant: string; permission: string }) => `${h.participant}:${h.permission}`)).toEqual(['participant2:Submission', 'participant1:Submission']);
    expect(st.serial).toBe(2); // exactly one change after the allocation
    expect(st.pendingProposals).toBe(0);
    expect(st.runs.at(-1).state).toBe('done');
    expect(consoleOps(opsLog).filter((o) => !o.ok).map((o) => o.op)).toEqual([]);
  }, 60_000);
});

describe('--threshold', () => {
  it('propose with the full list and the new threshold; an unreachable threshold is a usage error', async () => {
    const bad = await p.run(['party', 'replicate', 'Thr', '--to', 'participant1', '--permission', 'observation', '--threshold', '2']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--threshold 2 cannot be met: Thr would have 1 confirming host/);
    const ok = await p.run(['party', 'replicate', 'Thr', '--to', 'participant1', '--permission', 'confirmation', '--threshold', '2', '--json']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    const st = JSON.parse((await p.run(['party', 'status', 'Thr', '--json'])).stdout).parties[0];
    expect(st).toMatchObject({ threshold: 2, serial: 2 });
    expect(st.hosts.map((h: { participant: string; permission: string }) => `${h.participant}:${h.permission}`)).toEqual(['participant2:Submission', 'participant1:Confirmation']);
  }, 60_000);
});
