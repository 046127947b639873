// External parties end to end (issue 10 item 3): `party allocate-external` with a generated key, a
// key file and a KMS-style signing command; Workflow 1 with Confirmation, the party side signed over the
// proposal hash and verified by the emulator for real; --permission submission and a wrong key refused
// before anything is proposed; kill -9 at step boundaries converges; no private key material anywhere.
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, makeProject, resultLine, type CliProject } from '../support/cli.js';
import { consoleOps, consoleRun, proposals, submitCreate } from '../support/party.js';

const opsLog = join(tmpdir(), `ops-external-${process.pid}-${Date.now()}.ndjson`);
let p: CliProject;
const outputs: string[] = [];
const run = async (args: string[], env?: Record<string, string>) => {
  const r = await p.run(args, env ? { env } : {});
  outputs.push(r.stdout, r.stderr);
  return r;
};
/** What must never leave a key file: the PEM body and the raw 32-byte private key (hex and base64url). */
const secretsOf = (k: KeyObject): string[] => {
  const pem = k.export({ format: 'pem', type: 'pkcs8' }) as string;
  const d = String(k.export({ format: 'jwk' }).d);
  return [pem.split('\n').slice(1, -2).join(''), Buffer.from(d, 'base64url').toString('hex'), d];
};
const keyFile = (name: string, k: KeyObject, mode = 0o600) => {
  const f = join(p.dir, name);
  writeFileSync(f, k.export({ format: 'pem', type: 'pkcs8' }) as string, { mode });
  chmodSync(f, mode);
  return f;
};
const noNewProposals = async (f: () => Promise<void>) => {
  const n = proposals(consoleOps(opsLog)).length;
  await f();
  expect(proposals(consoleOps(opsLog)).length).toBe(n);
};
const known = async (party: string, perm: string) => {
  const r = await consoleRun(p, `val x = participant1.topology.party_to_participant_mappings.list(syncId, filterParty = "${party}").head.item.partyId
println("KNOWN=" + participant1.topology.party_to_participant_mappings.is_known(syncId, x, Seq(participant1.id, participant2.id), Some(ParticipantPermission.${perm})))
`);
  return /KNOWN=(\w+)/.exec(r.out)?.[1];
};

// A KMS stand-in: signs $CANTON_MPC_HASH_FILE with the key in $KMS_KEY_FILE (a file canton-mpc never reads)
// and records its own argv and its parent's, to show no key material travels on a command line.
const SIGNER = `import { readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { createPrivateKey, sign } from 'node:crypto';
const key = createPrivateKey(readFileSync(process.env.KMS_KEY_FILE));
appendFileSync(process.env.KMS_ARGV_LOG, readFileSync('/proc/self/cmdline', 'utf8') + '\\n' + readFileSync('/proc/' + process.ppid + '/cmdline', 'utf8') + '\\n');
if (!/^1220[0-9a-f]{64}$/.test(process.env.CANTON_MPC_KEY_FINGERPRINT) || process.env.CANTON_MPC_SIGNING_ALGORITHM !== 'ED25519') process.exit(3);
writeFileSync(process.env.CANTON_MPC_SIGNATURE_FILE, sign(null, readFileSync(process.env.CANTON_MPC_HASH_FILE), key));
`;

const kms = generateKeyPairSync('ed25519');
const fileKey = generateKeyPairSync('ed25519');
const wrong = generateKeyPairSync('ed25519');
let kmsEnv: Record<string, string>;

beforeAll(async () => {
  p = await makeProject({ env: { CANTON_EMULATOR_CONSOLE_LOG: opsLog }, config: { storage: 'postgres', parties: { Issuer: 'participant1', Depositor: 'participant2' }, users: {} } });
  const up = await p.run(['up', '--timeout', '90s']);
  if (up.exitCode !== 0) throw new Error(up.stderr);
  writeFileSync(join(p.dir, 'kms-sign.mjs'), SIGNER);
  writeFileSync(join(p.dir, 'kms.pub.pem'), kms.publicKey.export({ format: 'pem', type: 'spki' }) as string);
  kmsEnv = { KMS_KEY_FILE: keyFile('kms-held.pem', kms.privateKey), KMS_ARGV_LOG: join(p.dir, 'kms-argv.log') };
});
afterAll(async () => {
  await p?.cleanup();
});

describe('party allocate-external', () => {
  it('generates an Ed25519 key (0600 in a 0700 dir), allocates NAME::<fingerprint>; a re-run converges', async () => {
    const dry = JSON.parse((await run(['party', 'allocate-external', 'Vault', '--participant', 'participant2', '--dry-run', '--json'])).stdout);
    expect(dry.steps.filter((s: { pending: boolean }) => s.pending).map((s: { id: string }) => s.id)).toEqual(['key', 'generate-topology', 'sign', 'allocate', 'await-hosted', 'record']);
    const a = await run(['party', 'allocate-external', 'Vault', '--participant', 'participant2', '--json']);
    expect(a.exitCode, a.stderr).toBe(0);
    const r = JSON.parse(a.stdout);
    expect(r).toMatchObject({ ok: true, changed: true, custody: 'generated', participant: 'participant2' });
    expect(r.partyId).toBe(`Vault::${r.fingerprint}`);
    const pem = join(p.stateDir, 'secrets', 'parties', 'Vault.ed25519.pem');
    expect(statSync(pem).mode & 0o777).toBe(0o600);
    expect(statSync(join(p.stateDir, 'secrets', 'parties')).mode & 0o777).toBe(0o700);
    const again = JSON.parse((await run(['party', 'allocate-external', 'Vault', '--participant', 'participant2', '--json'])).stdout);
    expect(again).toMatchObject({ changed: false, partyId: r.partyId });
    const st = JSON.parse((await run(['party', 'status', r.partyId, '--json'])).stdout).parties[0];
    expect(st).toMatchObject({ kind: 'external' });
    expect(st.hosts).toHaveLength(1);
  });

  it.each(['key', 'observe', 'generate-topology', 'sign', 'allocate', 'await-hosted', 'record'])('killed after %s: a re-run converges on one party', async (step) => {
    const name = `K-${step}`;
    const killed = await run(['party', 'allocate-external', name], { CANTON_MPC_TEST_KILL_AT: step });
    expect(killed.signal).toBe('SIGKILL');
    const r = JSON.parse((await run(['party', 'allocate-external', name, '--json'])).stdout);
    expect(r).toMatchObject({ ok: true, partyId: `${name}::${r.fingerprint}` });
    expect(r.changed).toBe(['key', 'observe', 'generate-topology', 'sign'].includes(step));
    const parties = (await (await fetch(`http://127.0.0.1:${p.ports.participant1.json}/v2/parties?filter-party=${name}::`)).json()) as { partyDetails: unknown[] };
    expect(parties.partyDetails).toHaveLength(1);
  });

  it('--key refuses a world-readable file with the chmod fix; killed after sign, a re-run converges', async () => {
    const loose = keyFile('loose.pem', fileKey.privateKey, 0o644);
    const bad = await run(['party', 'allocate-external', 'Filed', '--key', loose]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/may be read by other users \(mode 644\)[\s\S]*chmod 600/);
    chmodSync(loose, 0o600);
    const killed = await run(['party', 'allocate-external', 'Filed', '--key', loose], { CANTON_MPC_TEST_KILL_AT: 'sign' });
    expect(killed.signal).toBe('SIGKILL');
    const r = await run(['party', 'allocate-external', 'Filed', '--key', loose, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ changed: true, custody: 'key-file' });
  });
});

describe('party replicate, external branch of Workflow 1', () => {
  it('--permission submission is refused before anything is proposed (exit 8)', async () => {
    await noNewProposals(async () => {
      const r = await run(['party', 'replicate', 'Vault', '--to', 'participant1', '--permission', 'submission']);
      expect(r.exitCode).toBe(8);
      expect(r.stderr).toMatch(/only with Confirmation or Observation, not Submission/);
    });
  });

  it('a key that is not the party\'s is refused before anything is proposed, naming both keys', async () => {
    const w = keyFile('wrong.pem', wrong.privateKey);
    await noNewProposals(async () => {
      const r = await run(['party', 'replicate', 'Filed', '--to', 'participant2', '--key', w, '--json']);
      expect(r.exitCode).toBe(8);
      const e = resultLine(r.stdout).error;
      expect(e.kind).toBe('external_wrong_key');
      expect(e.message).toMatch(/expects a signature by 1220[0-9a-f]{64}, the key's fingerprint is 1220[0-9a-f]{64}/);
    });
  });

  it('Vault (generated key) onto participant1 with Confirmation: the signed hash is verified and the mapping effective', async () => {
    const dry = resultLine((await run(['party', 'replicate', 'Vault', '--to', 'participant1', '--dry-run', '--json'])).stdout);
    expect(dry.permission).toBe('Confirmation');
    expect(dry.steps.map((s: { id: string }) => s.id)).toEqual(['preflight', 'vet-packages', 'propose-participant-side', 'propose-party-side', 'await-effective']);
    const killed = await run(['party', 'replicate', 'Vault', '--to', 'participant1'], { CANTON_MPC_TEST_KILL_AT: 'propose-participant-side' });
    expect(killed.signal).toBe('SIGKILL');
    const r = await run(['party', 'replicate', 'Vault', '--to', 'participant1', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(resultLine(r.stdout)).toMatchObject({ ok: true, permission: 'Confirmation', workflow: 1 });
    const id = JSON.parse((await run(['party', 'allocate-external', 'Vault', '--participant', 'participant2', '--json'])).stdout).partyId;
    expect(await known(id, 'Confirmation')).toBe('true');
    const rerun = resultLine((await run(['party', 'replicate', 'Vault', '--to', 'participant1', '--json'])).stdout);
    expect(rerun.alreadyDone).toBe(true);
  });

  it.each(['preflight', 'propose-party-side', 'await-effective'])('killed after %s: the re-run converges, the mapping effective once', async (step) => {
    const name = `W-${step}`;
    expect((await run(['party', 'allocate-external', name, '--participant', 'participant2'])).exitCode).toBe(0);
    const killed = await run(['party', 'replicate', name, '--to', 'participant1'], { CANTON_MPC_TEST_KILL_AT: step });
    expect(killed.signal).toBe('SIGKILL');
    const r = await run(['party', 'replicate', name, '--to', 'participant1', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const id = JSON.parse((await run(['party', 'allocate-external', name, '--participant', 'participant2', '--json'])).stdout).partyId;
    expect(await known(id, 'Confirmation')).toBe('true');
    const st = JSON.parse((await run(['party', 'status', id, '--json'])).stdout).parties[0];
    expect(st).toMatchObject({ serial: 2, pendingProposals: 0 });
  });

  it('--sign-with-command: canton-mpc never holds the key; a command signing with another key is refused before loading', async () => {
    const cmd = ['--sign-with-command', `node ${join(p.dir, 'kms-sign.mjs')}`, '--public-key', join(p.dir, 'kms.pub.pem')];
    const a = await run(['party', 'allocate-external', 'Kms', '--participant', 'participant2', ...cmd, '--json'], kmsEnv);
    expect(a.exitCode, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ custody: 'command', changed: true });
    // The same command, but the "KMS" now holds another key: the signature does not verify, nothing loaded.
    const w = await run(['party', 'replicate', 'Kms', '--to', 'participant1', '--json'], { ...kmsEnv, KMS_KEY_FILE: keyFile('wrong2.pem', wrong.privateKey) });
    expect(w.exitCode).toBe(8);
    expect(resultLine(w.stdout).error.kind).toBe('external_signature_invalid');
    const id = JSON.parse(a.stdout).partyId;
    expect(await known(id, 'Confirmation')).toBe('false');
    const ok = await run(['party', 'replicate', 'Kms', '--to', 'participant1', '--json'], kmsEnv);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(await known(id, 'Confirmation')).toBe('true');
  });

  it('Workflow 2 for an external party with history: the kept proposal is signed before the target disconnects, loaded after; killed in between, it resumes', async () => {
    const a = JSON.parse((await run(['party', 'allocate-external', 'Hist', '--participant', 'participant2', '--json'])).stdout);
    const depositor = p.state().parties.Depositor.id as string;
    // A contract the external party observes: it has history, so Workflow 2.
    expect((await submitCreate(p.ports.participant2.json, [depositor], { owner: depositor, observer: a.partyId }, 'participant_admin')).status).toBe(200);
    const dry = resultLine((await run(['party', 'replicate', 'Hist', '--to', 'participant1', '--dry-run', '--json'])).stdout);
    expect(dry).toMatchObject({ workflow: 2, permission: 'Observation' });
    const killed = await run(['party', 'replicate', 'Hist', '--to', 'participant1'], { CANTON_MPC_TEST_KILL_AT: 'manual-connect' });
    expect(killed.signal).toBe('SIGKILL');
    const dir = join(p.stateDir, 'replication', 'Hist-to-participant1');
    expect(readFileSync(join(dir, 'proposal.sig')).length).toBe(64);
    const r = await run(['party', 'replicate', 'Hist', '--to', 'participant1', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(resultLine(r.stdout)).toMatchObject({ ok: true, workflow: 2 });
    const st = JSON.parse((await run(['party', 'status', a.partyId, '--json'])).stdout).parties[0];
    expect(st.hosts).toEqual([
      { participant: 'participant2', permission: 'Confirmation', onboarding: false },
      { participant: 'participant1', permission: 'Observation', onboarding: false },
    ]);
    // The imported ACS: participant1 serves the contract the party observes.
    const acs = await fetch(`http://127.0.0.1:${p.ports.participant1.json}/v2/state/active-contracts`, { method: 'POST', body: JSON.stringify({ eventFormat: { filtersByParty: { [a.partyId]: {} } } }) });
    expect(((await acs.json()) as unknown[]).length).toBe(1);
  });

  it('no private key material in any output, log, journal, rendered script or command line', () => {
    const generated = createPrivateKey(readFileSync(join(p.stateDir, 'secrets', 'parties', 'Vault.ed25519.pem'), 'utf8'));
    const needles = [...secretsOf(generated), ...secretsOf(fileKey.privateKey), ...secretsOf(kms.privateKey)];
    const keyFiles = new Set([join(p.stateDir, 'secrets', 'parties', 'Vault.ed25519.pem'), join(p.dir, 'loose.pem'), join(p.dir, 'kms-held.pem')]);
    const files = [...filesUnder(p.stateDir), ...filesUnder(p.dir).filter((f) => !f.startsWith(p.stateDir))].filter((f) => !keyFiles.has(f) && !/\.pem$/.test(f));
    const haystack = [...outputs, ...files.map((f) => readFileSync(f, 'latin1')), readFileSync(join(p.dir, 'kms-argv.log'), 'utf8')];
    expect(files.some((f) => f.endsWith('party-replicate.canton'))).toBe(true);
    expect(files.some((f) => f.endsWith('journal.ndjson'))).toBe(true);
    for (const n of needles) for (const h of haystack) expect(h.includes(n)).toBe(false);
  });
});
