/**
 * `party allocate-external NAME`, as a Plan on the src/plan/ runner (journal in
 * `.canton-mpc/parties/external/<NAME>/`):
 *
 *   key                 generate an Ed25519 key pair into .canton-mpc/secrets/parties/ (only without --key
 *                       and --sign-with-command, and only once)
 *   observe             the party id is NAME::<key fingerprint>; is it allocated on the participant already?
 *   generate-topology   POST /v2/parties/external/generate-topology; the answer is checked: same fingerprint,
 *                       same party id, and the multi-hash recomputed from the transactions it returned
 *   sign                the multi-hash signed (in-process, or by the user's command) and verified
 *   allocate            POST /v2/parties/external/allocate with that signature
 *   await-hosted        the participant lists the party as local
 *   record              .canton-mpc/parties/external/<NAME>/party.json: id, fingerprint, custody (no key material)
 *
 * Every step after `observe` is skipped once the party is known, so a re-run converges and a run killed
 * at any boundary resumes: generate-topology is a pure function on the server, so it is simply asked again.
 */
import type { Topology } from '../config/types.js';
import type { State } from '../state/state.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, IntegrityError, RemoteError, TimeoutError, UserError } from '../errors.js';
import type { Plan } from '../plan/types.js';
import { spkiOf } from '../security/party-keys.js';
import { writeFileAtomic } from '../system/fs.js';
import type { ExternalPartyApi, GeneratedTopology } from './external-api.js';
import { combinedHash, isCantonHash, transactionHash } from './external-hash.js';
import { signHash, type Custody, type ExternalSigner } from './external-signer.js';

export const EXTERNAL_DIR = join('parties', 'external');
export const AWAIT_HOSTED_MS = 30_000;
const POLL_MS = 200;

export function externalPartyDir(stateDir: string, name: string): string {
  return join(stateDir, EXTERNAL_DIR, name.replace(/[^A-Za-z0-9_-]/g, '_'));
}

/** What canton-mpc remembers about an external party it allocated: never key material. */
export interface ExternalPartyRecord {
  name: string;
  partyId: string;
  fingerprint: string;
  participant: string;
  custody: Custody;
  /** The key file (generated or --key), or the public key file with --sign-with-command. */
  keyFile?: string;
  publicKeyFile?: string;
  signCommand?: string;
  /** The daemon start it was allocated under (a memory-storage participant forgets the party on restart). */
  daemonStartedAt?: string;
}

export function readExternalRecord(stateDir: string, name: string): ExternalPartyRecord | undefined {
  const p = join(externalPartyDir(stateDir, name), 'party.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as ExternalPartyRecord) : undefined;
}

/**
 * Whether a record describes a party that exists now: a participant with memory storage starts empty
 * after a restart, so a record from an earlier daemon start names a party it no longer hosts (running
 * `party allocate-external` again allocates the same id: it comes from the key). As decentral-registry.ts.
 */
export function externalRecordCurrent(t: Pick<Topology, 'participants'>, state: Pick<State, 'canton'> | undefined, r: Pick<ExternalPartyRecord, 'participant' | 'daemonStartedAt'>): boolean {
  const memory = t.participants.find((p) => p.name === r.participant)?.storage.type === 'memory';
  return !memory || r.daemonStartedAt === state?.canton?.startedAt;
}

export interface AllocateExternalIO {
  api: ExternalPartyApi;
  /** Generates the key (custody `generated`); undefined otherwise. */
  generateKey?: () => Promise<void>;
  /** Whether the generated key exists yet (custody `generated`). */
  keyMissing: () => boolean;
  /** The signer, once the key exists. */
  signer: () => ExternalSigner;
  dir: string;
  record: Omit<ExternalPartyRecord, 'partyId' | 'fingerprint'>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class ExternalAllocation {
  partyId?: string;
  known = false;
  local = false;
  synchronizer?: string;
  topology?: GeneratedTopology;
  signature?: Buffer;
  signer?: ExternalSigner;
  constructor(readonly name: string, readonly participant: string, readonly io: AllocateExternalIO) {}

  async observe(): Promise<void> {
    if (this.io.keyMissing()) return;
    this.signer = this.io.signer();
    this.partyId = `${this.name}::${this.signer.fingerprint}`;
    const p = await this.io.api.party(this.partyId);
    this.known = p.known;
    this.local = p.local;
  }

  async generate(): Promise<void> {
    const s = this.signer!;
    this.synchronizer = await this.io.api.synchronizerId();
    const t = await this.io.api.generateTopology({ synchronizer: this.synchronizer, partyHint: this.name, publicKeySpki: spkiOf(s.publicKey) });
    const where = 'POST /v2/parties/external/generate-topology';
    // Never sign what cannot be tied to this key and these transactions.
    if (t.publicKeyFingerprint !== s.fingerprint || t.partyId !== this.partyId) {
      throw new IntegrityError(`${where} answered party ${t.partyId} (key ${t.publicKeyFingerprint}); canton-mpc computed ${this.partyId} from the key`, { where, hint: 'The participant computed another fingerprint for the key: nothing was signed. Check that the participant runs Canton 3.4.' });
    }
    const mh = Buffer.from(t.multiHash, 'base64');
    const expected = combinedHash(t.topologyTransactions.map((x) => transactionHash(Buffer.from(x, 'base64'))));
    if (!isCantonHash(mh) || !mh.equals(expected)) {
      throw new IntegrityError(`${where} answered a multi-hash that is not the hash of the transactions it returned`, { where, hint: 'Nothing was signed. The answer was altered on the way, or the participant is not Canton 3.4.' });
    }
    this.topology = t;
  }

  async sign(): Promise<void> {
    const r = await signHash(this.signer!, Buffer.from(this.topology!.multiHash, 'base64'), this.io.dir, 'allocate', this.signer!.fingerprint, this.partyId!);
    this.signature = r.signature;
  }

  async allocate(): Promise<void> {
    try {
      await this.io.api.allocate({ synchronizer: this.synchronizer!, transactions: this.topology!.topologyTransactions, signature: this.signature!, signedBy: this.signer!.fingerprint });
    } catch (e) {
      // Allocated by an interrupted run after our observation: converge.
      if (e instanceof RemoteError && /Party already exists/.test(e.message)) return;
      throw e;
    }
  }

  async awaitHosted(): Promise<void> {
    const now = this.io.now ?? Date.now;
    const sleep = this.io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const deadline = now() + AWAIT_HOSTED_MS;
    for (;;) {
      const p = await this.io.api.party(this.partyId!);
      if (p.known && p.local) return void ((this.known = true), (this.local = true));
      if (now() >= deadline) throw new TimeoutError(`${this.participant} does not list ${this.partyId} as hosted ${AWAIT_HOSTED_MS / 1000} s after the allocation`, { where: `GET /v2/parties/${this.partyId}`, hint: 'Check `canton-mpc party status` and the participant log; running the same command again resumes.' });
      await sleep(POLL_MS);
    }
  }

  recordFile(): string {
    return join(this.io.dir, 'party.json');
  }

  async writeRecord(): Promise<void> {
    const rec: ExternalPartyRecord = { ...this.io.record, partyId: this.partyId!, fingerprint: this.signer!.fingerprint };
    await writeFileAtomic(this.recordFile(), JSON.stringify(rec, null, 2) + '\n');
  }
}

const pendingUnlessKnown = (r: ExternalAllocation) => !r.known;

export function buildAllocateExternalPlan(): Plan<ExternalAllocation> {
  return [
    { id: 'key', title: 'generate an Ed25519 key pair into .canton-mpc/secrets/parties/ (0600)', needed: (r) => r.io.keyMissing(), apply: async (r) => r.io.generateKey!() },
    { id: 'observe', title: 'compute the party id from the key; look it up on the participant', needed: () => true, apply: (r) => r.observe() },
    { id: 'generate-topology', title: 'ask the participant for the onboarding transactions; check their multi-hash', needed: pendingUnlessKnown, apply: (r) => r.generate() },
    { id: 'sign', title: "sign the multi-hash with the party's key and verify the signature", needed: pendingUnlessKnown, apply: (r) => r.sign() },
    { id: 'allocate', title: 'allocate the party with the signed transactions', needed: pendingUnlessKnown, apply: (r) => r.allocate() },
    { id: 'await-hosted', title: 'wait until the participant hosts the party', needed: (r) => !r.known || !r.local, apply: (r) => r.awaitHosted() },
    {
      id: 'record',
      title: 'record the party id, fingerprint and key custody (no key material)',
      needed: (r) => {
        if (!existsSync(r.recordFile())) return true;
        const rec = JSON.parse(readFileSync(r.recordFile(), 'utf8')) as ExternalPartyRecord;
        // The same id allocated again under another daemon start (memory storage) is recorded anew.
        return rec.partyId !== r.partyId || rec.daemonStartedAt !== r.io.record.daemonStartedAt;
      },
      apply: (r) => r.writeRecord(),
    },
  ];
}

/** The party hint Canton accepts (a UID identifier; canton-mpc keeps it to a file-name-safe subset). */
export function checkPartyHint(name: string): void {
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,184}$/.test(name)) {
    throw new UserError(`party name "${name}" is not a valid party hint`, { where: 'NAME', hint: 'Use letters, digits, - and _ (starting with a letter), e.g. vault-owner.', exitCode: ExitCode.USAGE });
  }
}
