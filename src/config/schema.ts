/**
 * The user-facing shape of `canton-mpc.yaml` / `canton-mpc.toml`.
 * Parsing `{}` yields the seed topology exactly (see DEFAULT_* below); ports are not stored here
 * but derived from `portBase` in `ports.ts`, so an explicit port in the file always means an override.
 * Objects are strict: an unknown key is an error (with a "did you mean" hint added by `load.ts`).
 */
import { z } from 'zod';
import { authSchema, securityModeSchema, tlsSchema } from '../security/schema.js';

export const CONFIG_VERSION = 1;
export const DEFAULT_CANTON_VERSION = '3.4.11';
export const DEFAULT_PORT_BASE = 5000;
export const DEFAULT_ADDRESS = '127.0.0.1';
export const DEFAULT_DAR = '.daml/dist/canton-mpc-poc-0.2.0.dar';
export const DEFAULT_STATE_DIR = '.canton-mpc';
export const DEFAULT_SIGNER_HEALTH_TIMEOUT = '60s';
/** How long the signer must stay alive for `up` to call it started (when no health URL is given). */
export const DEFAULT_SIGNER_SETTLE = '2s';

const storageKind = z.enum(['memory', 'postgres']);
const port = z.number().int('must be a whole number');
const nonEmpty = z.string().min(1, 'must not be empty');
/** Environment variable names: what a POSIX shell can export. */
export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const envName = z.string().regex(ENV_NAME_RE, 'must be an environment variable name such as MY_VAR');
/** `500ms`, `30s`, `5m`, `1h`, or a number of milliseconds. */
export const DURATION_RE = /^(\d+)\s*(ms|s|m|h)$/;
const duration = z.union([z.number().int().positive(), z.string().regex(DURATION_RE, 'must be a duration such as 30s, 5m or 1500ms')]);

/** An entry written as `participant3:` (YAML null) or `[participants.participant3]` means "all defaults". */
function orEmpty<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === null ? {} : v), schema);
}

const nodeCommon = {
  /** Bind address of every API of this node. */
  address: nonEmpty.optional(),
  /** Overrides the top-level `storage` for this node. */
  storage: storageKind.optional(),
};

export const sequencerSchema = z.strictObject({
  ...nodeCommon,
  ports: z.strictObject({ public: port.optional(), admin: port.optional(), p2p: port.optional() }).prefault({}),
});
export const mediatorSchema = z.strictObject({
  ...nodeCommon,
  ports: z.strictObject({ admin: port.optional() }).prefault({}),
});
export const participantSchema = z.strictObject({
  ...nodeCommon,
  /**
   * With `storage: memory` next to PostgreSQL sequencers and mediators: the participant starts empty
   * after every restart (new identity, new party ids). Refused unless set (see validate.ts).
   */
  acceptLedgerLossOnRestart: z.boolean().optional(),
  ports: z.strictObject({ ledger: port.optional(), admin: port.optional(), json: port.optional() }).prefault({}),
});

export const HOSTING_PERMISSIONS = ['submission', 'confirmation', 'observation'] as const;
export const decentralizedSchema = z.strictObject({
  owners: z.array(nonEmpty).min(2, 'a decentralized party needs at least two owners'),
  threshold: z.number().int('must be a whole number').positive('must be at least 1'),
  confirmationThreshold: z.number().int('must be a whole number').positive('must be at least 1').optional(),
  permission: z.enum(['confirmation', 'observation'], { error: 'must be confirmation or observation' }).optional(),
  partyToKey: z.boolean().default(false),
});
export const partySchema = z.preprocess(
  // `Issuer: participant1` is shorthand for `Issuer: { participant: participant1 }`; a decentralized
  // party's `participant` defaults to its first owner (Party Mobility Workflow 3, src/party/decentral*.ts).
  (v) => (typeof v === 'string' ? { participant: v } : decentralizedDefault(v)),
  z.strictObject({
    participant: nonEmpty,
    /**
     * More hosts, each with its permission: `up` replicates the party to them (Party Mobility
     * Workflow 1) before any contract exists. A user may act as a party its participant hosts with submission.
     */
    alsoHostedOn: z.record(z.string(), z.enum(HOSTING_PERMISSIONS, { error: 'must be submission, confirmation or observation' })).optional(),
    /** Owned by several participants' namespace keys with a threshold: `up` creates it with Workflow 3. */
    decentralized: decentralizedSchema.optional(),
  }),
);

function decentralizedDefault(v: unknown): unknown {
  if (!v || typeof v !== 'object' || 'participant' in v) return v;
  const owners = (v as { decentralized?: { owners?: unknown } }).decentralized?.owners;
  return Array.isArray(owners) && typeof owners[0] === 'string' ? { ...v, participant: owners[0] } : v;
}

export const userSchema = z.strictObject({
  /** Default: the participant hosting `primaryParty`. */
  participant: nonEmpty.optional(),
  primaryParty: nonEmpty.optional(),
  /** Default: `[primaryParty]`. */
  actAs: z.array(nonEmpty).optional(),
  /** Default: `[primaryParty]`. */
  readAs: z.array(nonEmpty).optional(),
  participantAdmin: z.boolean().default(false),
});

export const postgresSchema = z.strictObject({
  embedded: z.boolean().default(true),
  host: nonEmpty.default('127.0.0.1'),
  /** Default: 5432 for an external server; portBase + 240 for the embedded one (see embeddedPostgresPort). */
  port: port.optional(),
  user: nonEmpty.default('canton'),
  /** Name of the variable holding the password. Never the password itself. */
  passwordEnv: envName.default('POSTGRES_PASSWORD'),
  databasePrefix: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'must be lower-case letters, digits and underscores (a PostgreSQL identifier prefix)')
    .default('canton_'),
});

const scalarString = z.union([z.string(), z.number(), z.boolean()]).transform(String);

export const signerSchema = z.strictObject({
  command: nonEmpty,
  args: z.array(scalarString).default([]),
  cwd: nonEmpty.optional(),
  env: z.record(z.string(), scalarString).default({}),
  health: z
    .strictObject({
      url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
      timeout: duration.default(DEFAULT_SIGNER_HEALTH_TIMEOUT),
    })
    .optional(),
  settle: duration.default(DEFAULT_SIGNER_SETTLE),
  secretsFile: nonEmpty.optional(),
  passEnv: z.array(envName).default([]),
  participant: nonEmpty.optional(),
  party: nonEmpty.optional(),
  user: nonEmpty.optional(),
});

export { authSchema, tlsSchema, AUTH_TYPES } from '../security/schema.js';

export const DEFAULT_SEQUENCERS = { sequencer1: { ports: {} } };
export const DEFAULT_MEDIATORS = { mediator1: { ports: {} } };
export const DEFAULT_PARTICIPANTS = { participant1: { ports: {} }, participant2: { ports: {} } };
export const DEFAULT_PARTIES = { Issuer: { participant: 'participant1' }, Depositor: { participant: 'participant2' } };
export const DEFAULT_USERS = {
  'issuer-user': { participant: 'participant1', primaryParty: 'Issuer', actAs: ['Issuer'], readAs: ['Issuer'], participantAdmin: false },
  'depositor-user': {
    participant: 'participant2',
    primaryParty: 'Depositor',
    actAs: ['Depositor'],
    readAs: ['Depositor'],
    participantAdmin: false,
  },
};

/** zod's `.default()` returns the value itself; hand out copies so no caller mutates the defaults. */
const copy = <T>(v: T): (() => T) => () => structuredClone(v);

export const configSchema = z.strictObject({
  version: z.literal(CONFIG_VERSION, { error: `unsupported config version; this canton-mpc reads version ${CONFIG_VERSION}` }).default(CONFIG_VERSION),
  canton: z
    .strictObject({
      version: z.string().regex(/^\d+\.\d+\.\d+(-[\w.]+)?$/, 'must be a release version such as 3.4.11').default(DEFAULT_CANTON_VERSION),
      /** JVM heap for the Canton process, e.g. `4g` (`-Xmx`). */
      jvmHeap: z
        .string()
        .regex(/^\d+[kmgKMG]$/, 'must be a JVM size such as 2g or 3072m')
        .optional(),
      /** The release tarball's sha256, pinned in the project (like a lockfile) so `up` can install it verified. */
      sha256: z
        .string()
        .regex(/^[0-9a-fA-F]{64}$/, 'must be a sha256 of 64 hex digits')
        .transform((s) => s.toLowerCase())
        .optional(),
    })
    .prefault({}),
  /** Relative to the config file. */
  stateDir: nonEmpty.default(DEFAULT_STATE_DIR),
  portBase: port.default(DEFAULT_PORT_BASE),
  /** Allow ports below 1024 (they need root or CAP_NET_BIND_SERVICE). */
  allowPrivilegedPorts: z.boolean().default(false),
  address: nonEmpty.default(DEFAULT_ADDRESS),
  storage: storageKind.default('memory'),
  synchronizer: z.strictObject({ name: nonEmpty.default('da') }).prefault({}),
  sequencers: z.record(z.string(), orEmpty(sequencerSchema)).default(copy(DEFAULT_SEQUENCERS)),
  mediators: z.record(z.string(), orEmpty(mediatorSchema)).default(copy(DEFAULT_MEDIATORS)),
  participants: z.record(z.string(), orEmpty(participantSchema)).default(copy(DEFAULT_PARTICIPANTS)),
  parties: z.record(z.string(), partySchema).default(copy(DEFAULT_PARTIES)),
  users: z.record(z.string(), orEmpty(userSchema)).default(copy(DEFAULT_USERS)),
  /** Relative to the config file. */
  dars: z.array(nonEmpty).default(copy([DEFAULT_DAR])),
  postgres: postgresSchema.prefault({}),
  signer: signerSchema.optional(),
  /** none | jwt | jwt+tls | jwt+mtls (src/security/schema.ts). */
  security: securityModeSchema.default('none'),
  auth: authSchema.optional(),
  tls: tlsSchema.optional(),
  /** Prometheus metrics of the Canton process, on loopback (src/ci/metrics.ts). */
  metrics: z.strictObject({ enabled: z.boolean().default(true), port: port.optional() }).optional(),
});

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** The built-in defaults: the seed topology. */
export function defaultConfig(): Config {
  return configSchema.parse({});
}

export function durationToMs(d: number | string): number {
  if (typeof d === 'number') return d;
  const m = DURATION_RE.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  const n = Number(m[1]);
  const unit = m[2];
  return unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
}
