// The party runbooks' console scripts: they parse with scalac, use no imports, print one step line
// per step, and contain only the steps asked for. The console runner: step lines streamed, Canton
// errors decoded.
import { describe, expect, it } from 'vitest';
import { cantonErrorLine, parseStepLine, parseStepLines, runConsoleScript } from '../../src/canton/console.js';
import { RemoteError } from '../../src/errors.js';
import { jsonLine, renderObserveScript, renderReplicateScript, type ReplicateScriptInput } from '../../src/party/scripts.js';
import { OFFLINE_BATCHES, renderOfflineScript, type OfflineBatch } from '../../src/party/scripts-offline.js';
import type { ProcessRunner, RunOptions } from '../../src/system/process.js';
import { checkScalaSyntax } from '../support/scala-check/index.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ID = 'Depositor::1220' + 'ab'.repeat(32);
const observe = renderObserveScript({ projectDir: '/p', alias: 'da', anchor: 'participant1', participants: ['participant1', 'participant2'], partyIds: [ID, 'Issuer::1220' + 'cd'.repeat(32)] });
const base: ReplicateScriptInput = {
  projectDir: '/p', alias: 'da', partyId: ID, source: 'participant2', target: 'participant1', permission: 'Submission',
  steps: ['vet-packages', 'propose-party-side', 'propose-participant-side', 'await-effective'], dars: ['/p/a "b".dar'], packages: ['pkg1', 'pkg2'], waitSeconds: 60,
};
const all = renderReplicateScript(base);
const threshold = renderReplicateScript({ ...base, permission: 'Confirmation', threshold: 2, hosts: [{ id: 'PAR::participant2::1220ef', permission: 'Confirmation' }, { id: 'PAR::participant1::1220aa', permission: 'Confirmation' }] });
const some = renderReplicateScript({ ...base, steps: ['propose-participant-side', 'await-effective'] });
const offline = (batch: OfflineBatch, pruning = true) => renderOfflineScript({
  projectDir: '/p', alias: 'da', partyId: ID, source: 'participant1', target: 'participant2', permission: 'Observation', batch, steps: [...OFFLINE_BATCHES[batch]],
  dars: ['/p/x.dar'], packages: ['pkg'], pruning: pruning ? { cron: '0 0 20 * * ?', maxSeconds: 7200, retentionSeconds: 2592000 } : null,
  beforeActivationOffset: 17, exportFile: '/p/.canton-mpc/replication/D/D.acs.gz', targetLedgerEnd: 9, waitSeconds: 60, flagTimeoutSeconds: 120,
});

describe('party scripts', () => {
  it('parse with scalac (Scala 2 parser), without import lines', async () => {
    const scripts = [
      { name: 'observe', content: observe },
      { name: 'replicate', content: all },
      { name: 'threshold', content: threshold },
      { name: 'some', content: some },
      { name: 'offline-prepare', content: offline('prepare') },
      { name: 'offline-prepare-no-pruning', content: offline('prepare', false) },
      { name: 'offline-import', content: offline('import') },
      { name: 'offline-finish', content: offline('finish') },
      { name: 'offline-flag-only', content: renderOfflineScript({ projectDir: '/p', alias: 'da', partyId: ID, source: 'participant1', target: 'participant2', permission: 'Confirmation', batch: 'finish', steps: ['clear-onboarding-flag'], dars: [], packages: [], pruning: null, beforeActivationOffset: 1, exportFile: '/x', targetLedgerEnd: 42, waitSeconds: 1, flagTimeoutSeconds: 120 }) },
      { name: 'broken', content: `${all}\nval x = (` },
    ];
    const errors = await checkScalaSyntax(scripts);
    for (const s of scripts.filter((x) => x.name !== 'broken')) {
      expect(errors[s.name], s.name).toEqual([]);
      expect(s.content).not.toMatch(/^\s*import\s/m);
    }
    expect(errors.broken!.length).toBeGreaterThan(0);
  }, 120_000);

  it('replicate: the runbook calls with the same permission on both sides, only the pending steps', () => {
    expect(all).toContain('participant1.dars.upload("/p/a \\"b\\".dar")');
    expect(all).toContain('participant2.topology.party_to_participant_mappings.propose_delta(party = party, adds = Seq((participant1.id, ParticipantPermission.Submission)), store = syncId)');
    expect(all).toContain('participant1.topology.party_to_participant_mappings.propose_delta(party = party, adds = Seq((participant1.id, ParticipantPermission.Submission)), store = syncId)');
    expect(all).toContain('is_known(syncId, party, Seq(participant1.id), Some(ParticipantPermission.Submission))');
    const order = ['CANTON_MPC_STEP vet-packages', 'CANTON_MPC_STEP propose-party-side', 'CANTON_MPC_STEP propose-participant-side', 'CANTON_MPC_STEP await-effective'].map((k) => all.indexOf(k));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(some).not.toContain('propose-party-side');
    expect(some).not.toContain('dars.upload');
    expect(some).toContain('CANTON_MPC_STEP propose-participant-side');
    expect(threshold).toContain('.propose(party = party, newParticipants = Seq(');
    expect(threshold).toContain('threshold = PositiveInt.tryCreate(2)');
    expect(threshold).not.toContain('propose_delta');
  });

  it('offline: the 3.4.11 runbook calls, the import alone in its batch', () => {
    const prep = offline('prepare');
    expect(prep).toContain('participant2.topology.party_to_participant_mappings.propose_delta(party = party, adds = Seq((participant2.id, ParticipantPermission.Observation)), store = syncId, requiresPartyToBeOnboarded = true)');
    expect(prep).toContain('participant1.parties.export_party_acs(party = party, synchronizerId = syncId, targetParticipantId = participant2.id, beginOffsetExclusive = 17L, exportFilePath = "/p/.canton-mpc/replication/D/D.acs.gz")');
    expect(prep).toContain('participant1.pruning.set_schedule("0 0 20 * * ?", 7200.seconds, 2592000.seconds)');
    expect(prep.indexOf('disconnect_all()')).toBeLessThan(prep.indexOf('participant1.topology.party_to_participant_mappings.propose_delta'));
    expect(prep).not.toContain('import_party_acs');
    expect(offline('import')).toContain('participant2.parties.import_party_acs("/p/.canton-mpc/replication/D/D.acs.gz")');
    expect(offline('import')).not.toContain('reconnect');
    const fin = offline('finish');
    expect(fin).toContain('clear_party_onboarding_flag(party, syncId, targetLedgerEnd)._1');
    expect(fin.indexOf('val targetLedgerEnd')).toBeLessThan(fin.indexOf('reconnect_local(alias)'));
  });

  it('observe: read-only', () => {
    for (const w of ['propose', 'upload', 'enable', 'disconnect', 'import', 'modify']) expect(observe).not.toContain(`.${w}`);
    expect(observe).toContain('participant1.topology.party_to_participant_mappings.list(syncId, proposals = true');
  });

  it('jsonLine escapes literals for Scala', () => {
    expect(jsonLine('x', ['{"a":', { code: 'n' }, '}'])).toBe('"CANTON_MPC_STEP x " + "{\\"a\\":" + (n) + "}"');
  });
});

describe('console runner', () => {
  it('parses step lines and Canton error lines', () => {
    expect(parseStepLine('2026 INFO CANTON_MPC_STEP vet-packages {"uploaded":1}')).toEqual({ id: 'vet-packages', data: { uploaded: 1 } });
    expect(parseStepLine('CANTON_MPC_STEP observed')).toEqual({ id: 'observed', data: {} });
    expect(parseStepLine('CANTON_MPC_STEP bad {not json')).toBeUndefined();
    expect(parseStepLine('nothing here')).toBeUndefined();
    expect(parseStepLines('a\nCANTON_MPC_STEP a {}\nCANTON_MPC_STEP b {"x":[1]}\n').map((s) => s.id)).toEqual(['a', 'b']);
    expect(cantonErrorLine('Request failed for participant2.\n  GrpcRequestRefusedByServer: ALREADY_EXISTS/TOPOLOGY_MAPPING_ALREADY_EXISTS(10,3f2a9c01): A matching topology mapping exists\n')).toEqual({ code: 'TOPOLOGY_MAPPING_ALREADY_EXISTS', cause: 'A matching topology mapping exists' });
  });

  const fake = (exitCode: number, stdout: string, stderr = ''): ProcessRunner & { calls: Array<{ file: string; args: readonly string[]; opts?: RunOptions }> } => {
    const calls: Array<{ file: string; args: readonly string[]; opts?: RunOptions }> = [];
    return {
      calls,
      async run(file, args, opts) {
        calls.push({ file, args, opts });
        opts?.onSpawn?.(4242);
        for (const chunk of stdout.match(/[\s\S]{1,7}/g) ?? []) opts?.onStdout?.(chunk);
        return { command: file, exitCode, stdout, stderr, timedOut: false };
      },
      async spawnDetached() { throw new Error('unused'); },
    };
  };

  it('runs bin/canton run SCRIPT -c remote.conf, streams each step line once, writes the script 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-'));
    const runner = fake(0, 'hello\nCANTON_MPC_STEP one {"n":1}\nnoise CANTON_MPC_STEP two {}\n');
    const seen: string[] = [];
    const r = await runConsoleScript({ cantonHome: '/c', javaHome: '/j', remoteConf: '/s/remote.conf', dir, runner }, { name: 's.canton', script: 'println(1)\n', onStep: (s) => seen.push(s.id) });
    expect(seen).toEqual(['one', 'two']);
    expect(r.steps.map((s) => s.id)).toEqual(['one', 'two']);
    expect(runner.calls[0]!.file).toBe('/c/bin/canton');
    expect(runner.calls[0]!.args.slice(0, 4)).toEqual(['run', join(dir, 's.canton'), '-c', '/s/remote.conf']);
    expect(runner.calls[0]!.opts?.env?.JAVA_HOME).toBe('/j');
    expect(readFileSync(join(dir, 's.canton'), 'utf8')).toBe('println(1)\n');
  });

  it('a failed run is a RemoteError with the Canton code, the steps done and the decoded fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-'));
    const runner = fake(1, 'CANTON_MPC_STEP one {}\n', 'Script execution failed: Request failed for participant1. TOPOLOGY_SERIAL_MISMATCH(9,0): The given serial Some(1) did not match the actual serial Some(3).\n');
    const e = await runConsoleScript({ cantonHome: '/c', javaHome: '/j', remoteConf: '/r', dir, runner }, { name: 's.canton', script: '', decode: (c) => (c.code === 'TOPOLOGY_SERIAL_MISMATCH' ? 'run it again' : undefined) }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RemoteError);
    const err = e as RemoteError;
    expect(err.message).toContain('after one: TOPOLOGY_SERIAL_MISMATCH: The given serial');
    expect(err.hint).toBe('run it again');
    expect(err.data).toMatchObject({ cantonError: 'TOPOLOGY_SERIAL_MISMATCH', stepsDone: ['one'] });
    expect(err.where).toContain('/c/bin/canton run');
  });
});
