import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, UserError } from '../../src/errors.js';
import { loadProject } from '../../src/config/load.js';
import { parseConfigText, keysAt } from '../../src/config/parse.js';
import { configSchema, defaultConfig, durationToMs } from '../../src/config/schema.js';
import { toTopology } from '../../src/config/topology.js';
import { derivePorts, mediatorSlot, participantSlot, postgresPort, sequencerSlot } from '../../src/config/ports.js';
import { parsePlaceholders, PlaceholderSyntaxError, substitutePlaceholders } from '../../src/config/placeholders.js';
import { closest, editDistance } from '../../src/config/suggest.js';
import type { Topology } from '../../src/config/types.js';

const TEMPLATES = join(import.meta.dirname, '../../templates');

function topo(yaml: string, dir = '/proj'): Topology {
  return toTopology(parseConfigText(yaml, 'canton-mpc.yaml', { format: 'yaml' }), dir);
}

function ports(t: Topology): Record<string, number[]> {
  return Object.fromEntries(
    [...t.sequencers, ...t.mediators, ...t.participants].map((n) => [n.name, Object.values(n.ports as Record<string, number>)]),
  );
}

describe('defaults reproduce the seed topology', () => {
  const t = toTopology(defaultConfig(), '/proj');
  it.each([
    ['sequencer1 public/admin', () => t.sequencers.map((s) => [s.name, s.ports]), [['sequencer1', { public: 5001, admin: 5002 }]]],
    ['mediator1 admin', () => t.mediators.map((m) => [m.name, m.ports]), [['mediator1', { admin: 5202 }]]],
    [
      'participants ledger/admin/json',
      () => t.participants.map((p) => [p.name, p.ports]),
      [
        ['participant1', { ledger: 5011, admin: 5012, json: 5013 }],
        ['participant2', { ledger: 5021, admin: 5022, json: 5023 }],
      ],
    ],
    ['synchronizer', () => t.synchronizer, { name: 'da' }],
    [
      'parties',
      () => t.parties,
      [
        { name: 'Issuer', participant: 'participant1' },
        { name: 'Depositor', participant: 'participant2' },
      ],
    ],
    [
      'users',
      () => t.users,
      [
        { id: 'issuer-user', participant: 'participant1', primaryParty: 'Issuer', actAs: ['Issuer'], readAs: ['Issuer'], participantAdmin: false },
        { id: 'depositor-user', participant: 'participant2', primaryParty: 'Depositor', actAs: ['Depositor'], readAs: ['Depositor'], participantAdmin: false },
      ],
    ],
    ['DAR relative to the project', () => t.dars, ['/proj/.daml/dist/canton-mpc-poc-0.2.0.dar']],
    ['Canton version', () => t.canton, { version: '3.4.11' }],
    ['storage', () => [t.storage, ...[...t.sequencers, ...t.mediators, ...t.participants].map((n) => n.storage.type)], ['memory', 'memory', 'memory', 'memory', 'memory']],
    ['state dir', () => t.stateDir, '/proj/.canton-mpc'],
    ['addresses', () => [...t.sequencers, ...t.mediators, ...t.participants].map((n) => n.address), Array(4).fill('127.0.0.1')],
    [
      'postgres',
      () => t.postgres,
      { embedded: true, host: '127.0.0.1', port: 5240, user: 'canton', passwordEnv: 'POSTGRES_PASSWORD', databasePrefix: 'canton_' },
    ],
    ['no signer, security none', () => [t.signer, t.security.mode, t.security.jwt, t.security.tls], [undefined, 'none', undefined, undefined]],
  ])('%s', (_name, get, expected) => {
    expect(get()).toEqual(expected);
  });

  it('an empty file is the defaults', () => {
    expect(parseConfigText('', 'canton-mpc.yaml', { format: 'yaml' })).toEqual(defaultConfig());
    expect(parseConfigText('# only a comment\n', 'canton-mpc.toml', { format: 'toml' })).toEqual(defaultConfig());
  });

  it('defaults are not shared between parses', () => {
    const a = defaultConfig();
    a.participants.participant9 = { ports: {} };
    expect(Object.keys(defaultConfig().participants)).toEqual(['participant1', 'participant2']);
  });
});

describe('init templates load back to exactly the defaults', () => {
  it.each([
    ['canton-mpc.yaml', 'yaml'],
    ['canton-mpc.toml', 'toml'],
  ] as const)('%s', (file, format) => {
    const text = readFileSync(join(TEMPLATES, file), 'utf8');
    const config = parseConfigText(text, file, { format });
    expect(config).toEqual(defaultConfig());
    expect(toTopology(config, '/p')).toEqual(toTopology(defaultConfig(), '/p'));
    // The template spells every section out, so a reader sees each default.
    for (const key of Object.keys(configSchema.shape).filter((k) => !['signer', 'auth', 'tls', 'metrics'].includes(k))) {
      expect(text, key).toMatch(new RegExp(`^\\[?${key}\\b`, 'm'));
    }
  });
});

describe('portBase and port derivation', () => {
  it.each([
    ['base 6000', 'portBase: 6000', { sequencer1: [6001, 6002], mediator1: [6202], participant1: [6011, 6012, 6013], participant2: [6021, 6022, 6023] }],
    [
      '4 participants',
      'participants: { participant1: {}, participant2: {}, participant3: {}, participant4: {} }\n',
      { sequencer1: [5001, 5002], mediator1: [5202], participant1: [5011, 5012, 5013], participant2: [5021, 5022, 5023], participant3: [5031, 5032, 5033], participant4: [5041, 5042, 5043] },
    ],
    [
      'explicit ports override the derived ones',
      'participants:\n  participant1: { ports: { json: 7575 } }\n  participant2: {}\n',
      { sequencer1: [5001, 5002], mediator1: [5202], participant1: [5011, 5012, 7575], participant2: [5021, 5022, 5023] },
    ],
    [
      'null entries and two sequencers, two mediators',
      'sequencers:\n  sequencer1:\n  sequencer2:\nmediators:\n  mediator1:\n  mediator2:\n',
      // Several sequencers: each also gets its peer-to-peer port (role 3 of its slot).
      { sequencer1: [5001, 5002, 5003], sequencer2: [5101, 5102, 5103], mediator1: [5202], mediator2: [5402], participant1: [5011, 5012, 5013], participant2: [5021, 5022, 5023] },
    ],
    [
      'one sequencer with an explicit p2p port',
      'sequencers:\n  sequencer1: { ports: { p2p: 31030 } }\n',
      { sequencer1: [5001, 5002, 31030], mediator1: [5202], participant1: [5011, 5012, 5013], participant2: [5021, 5022, 5023] },
    ],
  ])('%s', (_n, yaml, expected) => {
    expect(ports(topo(yaml))).toEqual(expected);
  });

  it.each([
    [0, 0, 20, 1],
    [1, 10, 40, 2],
    [2, 30, 60, 3],
    [8, 150, 180, 9],
    [9, 170, 200, 11],
    [18, 350, 380, 21],
  ])('slot of node #%i: sequencer %i, mediator %i, participant %i', (i, seq, med, part) => {
    expect([sequencerSlot(i), mediatorSlot(i), participantSlot(i)]).toEqual([seq, med, part]);
  });

  it('a p2p port colliding with another port is reported at the explicit one', () => {
    expect(() => topo('sequencers:\n  sequencer1: {}\n  sequencer2: { ports: { p2p: 5011 } }\n')).toThrow(/sequencers\.sequencer2\.ports\.p2p.*port 5011 is already used by participants\.participant1\.ports\.ledger/s);
  });

  it('never collides: 5 sequencers, 5 mediators, 60 participants', () => {
    const n = (prefix: string, k: number) => Object.fromEntries(Array.from({ length: k }, (_, i) => [`${prefix}${i + 1}`, { ports: {} }]));
    const d = derivePorts({ portBase: 2000, sequencers: n('sequencer', 5), mediators: n('mediator', 5), participants: n('participant', 60) });
    const all = d.all.map((p) => p.port);
    expect(all).toHaveLength(5 * 3 + 5 + 60 * 3);
    expect(new Set(all).size).toBe(all.length);
  });

  it('a 60-participant config validates', () => {
    const names = Array.from({ length: 60 }, (_, i) => `  participant${i + 1}: {}`).join('\n');
    expect(topo(`portBase: 2000\nparticipants:\n${names}\n`).participants).toHaveLength(60);
  });
});

describe('storage', () => {
  it('per-node override, database names from the prefix', () => {
    const t = topo('storage: postgres\npostgres: { databasePrefix: cm_ }\nparticipants:\n  participant1: {}\n  participant2: { storage: memory, acceptLedgerLossOnRestart: true }\n');
    expect(t.participants.map((p) => p.storage)).toEqual([{ type: 'postgres', database: 'cm_participant1' }, { type: 'memory' }]);
  });

  // Issue 14 item 2: a memory sequencer/mediator next to Postgres nodes cannot survive a restart.
  it.each([
    ['memory sequencer, postgres participants', 'storage: postgres\nsequencers: { sequencer1: { storage: memory } }\n', /sequencers\.sequencer1\.storage.*sequencer sequencer1 uses memory storage.*synchronizer id/s],
    ['memory default, one postgres participant', 'participants:\n  participant1: { storage: postgres }\n  participant2: {}\n', /storage.*sequencer sequencer1 uses memory storage while participant1 use postgres/s],
    ['memory mediator', 'storage: postgres\nmediators: { mediator1: { storage: memory } }\n', /mediator mediator1 uses memory storage.*missing from the persisted synchronizer topology/s],
    ['memory participant without the opt-in', 'storage: postgres\nparticipants:\n  participant1: {}\n  participant2: { storage: memory }\n', /participant participant2 uses memory storage.*acceptLedgerLossOnRestart: true/s],
    ['the opt-in does not cover a memory sequencer', 'storage: postgres\nsequencers: { sequencer1: { storage: memory } }\nparticipants:\n  participant1: {}\n  participant2: { storage: memory, acceptLedgerLossOnRestart: true }\n', /sequencer sequencer1 uses memory storage/],
    ['the opt-in on a postgres node', 'storage: postgres\nparticipants:\n  participant1: { acceptLedgerLossOnRestart: true }\n  participant2: {}\n', /participants\.participant1\.acceptLedgerLossOnRestart.*nothing to accept/s],
  ])('mixed storage is refused with the fix: %s', (_name, yaml, message) => {
    expect(() => topo(yaml)).toThrow(message);
    expect(() => topo(yaml)).toThrow(/use PostgreSQL for every node|remove the line/);
  });

  it('one storage for all, or --storage, is never mixed', () => {
    expect(topo('storage: postgres\n').sequencers[0]!.storage.type).toBe('postgres');
    expect(() => parseConfigText('participants:\n  participant1: { storage: postgres }\n  participant2: {}\n', 'canton-mpc.yaml', { format: 'yaml', storageOverride: 'memory' })).not.toThrow();
  });

  it('--storage applies to every node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'canton-mpc.yaml'), 'participants:\n  participant1: { storage: memory }\n  participant2: {}\n');
    const { topology, file } = await loadProject({ cwd: dir, env: {}, storageOverride: 'postgres' });
    expect(file).toBe(join(dir, 'canton-mpc.yaml'));
    expect(topology.storage).toBe('postgres');
    expect([...topology.sequencers, ...topology.mediators, ...topology.participants].map((n) => n.storage)).toEqual([
      { type: 'postgres', database: 'canton_sequencer1' },
      { type: 'postgres', database: 'canton_mediator1' },
      { type: 'postgres', database: 'canton_participant1' },
      { type: 'postgres', database: 'canton_participant2' },
    ]);
  });
});

describe('loadProject', () => {
  it('no file: the defaults, file undefined, project dir = cwd', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const p = await loadProject({ cwd: dir, env: {} });
    expect(p.file).toBeUndefined();
    expect(p.topology).toEqual(toTopology(defaultConfig(), dir));
  });

  it('--config that does not exist is a UserError naming the flag', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const err = await loadProject({ cwd: dir, configPath: 'nope.yaml', env: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.where).toBe('--config');
    expect(err.message).toContain('nope.yaml');
  });

  it('--config resolves relative to cwd, paths relative to the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'other.toml'), 'dars = ["x/y.dar"]\nstateDir = "st"\n');
    const p = await loadProject({ cwd: dir, configPath: 'other.toml', env: {} });
    expect(p.topology.dars).toEqual([join(dir, 'x/y.dar')]);
    expect(p.topology.stateDir).toBe(join(dir, 'st'));
  });

  it('two config files are ambiguous (exit 3)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'canton-mpc.yaml'), '');
    writeFileSync(join(dir, 'canton-mpc.toml'), '');
    const err = await loadProject({ cwd: dir, env: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.exitCode).toBe(3);
    expect(err.hint).toContain('--config');
  });
});

interface Bad {
  name: string;
  text: string;
  format?: 'yaml' | 'toml';
  /** `file:line:col path: message` fragments, every one expected among the issues. */
  expect: string[];
  hint?: string;
}

const BAD: Bad[] = [
  {
    name: 'port collision between explicit ports',
    text: `# comment
portBase: 5000
participants:
  participant1:
    ports:
      json: 5013
  participant2:
    ports:
      ledger: 5021
      admin: 5022
      json: 5013
`,
    expect: ['canton-mpc.yaml:11:13 participants.participant2.ports.json: port 5013 is already used by participants.participant1.ports.json'],
  },
  {
    name: 'explicit port colliding with a derived one is reported at the explicit one',
    text: 'participants:\n  participant1: {}\n  participant2:\n    ports: { admin: 5012 }\n',
    expect: ['canton-mpc.yaml:4:21 participants.participant2.ports.admin: port 5012 is already used by participants.participant1.ports.admin'],
  },
  {
    name: 'port out of range',
    text: 'mediators:\n  mediator1:\n    ports:\n      admin: 70000\n',
    expect: ['canton-mpc.yaml:4:14 mediators.mediator1.ports.admin: port 70000 is out of range 1..65535'],
  },
  {
    name: 'derived ports out of range point at portBase',
    text: 'version: 1\nportBase: 65500\n',
    expect: ['canton-mpc.yaml:2:11 portBase: mediators.mediator1.ports.admin = port 65702 is out of range 1..65535'],
  },
  {
    name: 'privileged port without allowPrivilegedPorts',
    text: 'sequencers:\n  sequencer1: { ports: { public: 80 } }\n',
    expect: ['canton-mpc.yaml:2:34 sequencers.sequencer1.ports.public: port 80 is below 1024'],
    hint: 'allowPrivilegedPorts',
  },
  {
    name: 'unknown key with a suggestion',
    text: 'participants:\n  participant1:\n    prots: {}\n  participant2: {}\n',
    expect: ['canton-mpc.yaml:3:5 participants.participant1.prots: unknown key "prots"'],
    hint: 'did you mean "ports"?',
  },
  {
    name: 'top-level typo',
    text: 'portbase: 6000\n',
    expect: ['canton-mpc.yaml:1:1 portbase: unknown key "portbase"'],
    hint: 'did you mean "portBase"?',
  },
  {
    name: 'literal postgres password',
    text: 'storage: postgres\npostgres:\n  embedded: false\n  password: hunter2\n',
    expect: ['canton-mpc.yaml:4:3 postgres.password: a literal password is not allowed in the config'],
    hint: 'passwordEnv',
  },
  {
    name: 'bad node name',
    text: 'participants:\n  Participant1: {}\n',
    expect: ['canton-mpc.yaml:2:3 participants.Participant1: node name "Participant1" is not a valid Canton node name'],
  },
  {
    name: 'node name colliding with a console global',
    text: 'mediators:\n  nodes: {}\n',
    expect: ['canton-mpc.yaml:2:3 mediators.nodes: node name "nodes" collides with a Canton console global or Scala keyword'],
  },
  {
    name: 'duplicate name across node kinds',
    text: 'sequencers:\n  node1: {}\nparticipants:\n  node1: {}\n',
    expect: ['canton-mpc.yaml:4:3 participants.node1: node name "node1" is already used by sequencers.node1'],
  },
  {
    name: 'empty participants',
    text: 'participants: {}\nparties: {}\nusers: {}\n',
    expect: ['canton-mpc.yaml:1:15 participants: at least one participant is required'],
  },
  {
    name: 'party on an unknown participant',
    text: 'parties:\n  Issuer: { participant: participant1 }\n  Depositor: { participant: partcipant2 }\n',
    expect: ['canton-mpc.yaml:3:29 parties.Depositor.participant: party Depositor is hosted on unknown participant "partcipant2"'],
    hint: 'did you mean "participant2"?',
  },
  {
    name: 'user on an unknown participant',
    text: 'users:\n  alice:\n    participant: participant7\n    primaryParty: Issuer\n',
    expect: ['canton-mpc.yaml:3:18 users.alice.participant: user alice is on unknown participant "participant7"'],
  },
  {
    name: 'user acting for a party its participant does not host',
    text: 'users:\n  issuer-user:\n    participant: participant1\n    primaryParty: Issuer\n    actAs: [Issuer, Depositor]\n',
    expect: ['canton-mpc.yaml:5:21 users.issuer-user.actAs.1: party Depositor is hosted on participant2, but user issuer-user is on participant1'],
  },
  {
    name: 'user reading for an unknown party',
    text: 'users:\n  u1:\n    primaryParty: Issuer\n    readAs: [Isuer]\n',
    expect: ['canton-mpc.yaml:4:14 users.u1.readAs.0: unknown party "Isuer"'],
    hint: 'did you mean "Issuer"?',
  },
  {
    name: 'unknown placeholder in signer env',
    text: 'signer:\n  command: ./mpc\n  env:\n    URL: "{participants.participant3.jsonApiUrl}"\n    PARTY: "{parties.Issuer.id}"\n',
    expect: ['canton-mpc.yaml:4:10 signer.env.URL: placeholder {participants.participant3.jsonApiUrl} refers to unknown participant "participant3"'],
  },
  {
    name: 'malformed placeholder',
    text: 'signer:\n  command: ./mpc\n  env:\n    A: "{parties.Issuer.id"\n    B: "{users.issuer-user.token}"\n',
    expect: [
      'canton-mpc.yaml:4:8 signer.env.A: unclosed placeholder',
      'canton-mpc.yaml:5:8 signer.env.B: unknown field "token" in {users.issuer-user.token}',
    ],
  },
  {
    name: 'signer user that cannot act for the party',
    text: 'signer:\n  command: ./mpc\n  party: Issuer\n  user: depositor-user\n',
    expect: ['canton-mpc.yaml:4:9 signer.user: user depositor-user cannot act as Issuer on participant1'],
  },
  {
    name: 'bad storage value',
    text: 'storage: postgress\n',
    expect: ['canton-mpc.yaml:1:10 storage: must be one of memory, postgres'],
    hint: 'did you mean "postgres"?',
  },
  {
    name: 'wrong type',
    text: 'portBase: "5000"\n',
    expect: ['canton-mpc.yaml:1:11 portBase: expected number, received string'],
  },
  {
    name: 'auth type unknown, tls clientAuth wrong',
    text: 'security: jwt+tls\nauth:\n  type: jwks\n  url: https://x/jwks\ntls:\n  certChainFile: a.crt\n  privateKeyFile: a.pem\n  clientAuth: required\n',
    expect: ['canton-mpc.yaml:3:9 auth.type: type must be one of generated, unsafe-jwt-hmac-256', 'canton-mpc.yaml:8:15 tls.clientAuth: must be one of none, optional, require'],
  },
  {
    name: 'auth: without security is not silently dropped',
    text: 'auth:\n  type: jwt-jwks\n  url: https://x/jwks\n',
    expect: ['canton-mpc.yaml:1:1 auth: `auth:` is set but security is none'],
    hint: 'set `security: jwt`',
  },
  {
    name: 'tls: under security jwt',
    text: 'security: jwt\ntls:\n  extraHosts: [a.b]\n',
    expect: ['canton-mpc.yaml:2:1 tls: `tls:` is set but `security: jwt` runs without TLS'],
  },
  {
    name: 'own certificate without a signing key',
    text: 'security: jwt\nauth:\n  type: jwt-rs-256-crt\n  certificate: c.crt\n',
    expect: ['canton-mpc.yaml:2:1 auth: with `type: jwt-rs-256-crt` canton-mpc cannot mint'],
    hint: 'add `privateKeyFile:`',
  },
  {
    name: 'JWKS without an admin token, with a signer',
    text: 'security: jwt\nauth:\n  type: jwt-jwks\n  url: https://x/jwks\nsigner:\n  command: x\n',
    expect: ['auth: with `type: jwt-jwks` canton-mpc cannot mint a participant-admin token', "auth.type: with `type: jwt-jwks` canton-mpc cannot mint the signer's token"],
  },
  {
    name: 'token lifetime beyond max-token-lifetime',
    text: 'security: jwt\nauth:\n  tokenLifetime: 10m\n  type: generated\n',
    expect: ['canton-mpc.yaml:3:18 auth.tokenLifetime: tokenLifetime 10m is longer than the participants accept'],
  },
  {
    name: 'mtls with own certificates but no client certificate; clientAuth contradiction',
    text: 'security: jwt+mtls\ntls:\n  certChainFile: c.crt\n  privateKeyFile: k.pem\n  extraHosts: [x]\n',
    expect: ['tls: clientAuth require needs a client certificate', 'tls.extraHosts: extraHosts applies only to generated certificates'],
  },
  {
    name: 'clientAuth require under jwt+tls; half a certificate',
    text: 'security: jwt+tls\ntls:\n  clientAuth: require\n  certChainFile: c.crt\n',
    expect: ['tls.clientAuth: clientAuth require contradicts `security: jwt+tls`', 'tls: set both certChainFile and privateKeyFile'],
  },
  {
    name: 'unknown security mode',
    text: 'security: tls\n',
    expect: ['canton-mpc.yaml:1:11 security: must be one of none, jwt, jwt+tls, jwt+mtls'],
  },
  {
    name: 'auth HMAC with an inline secret',
    text: 'security: jwt\nauth:\n  type: unsafe-jwt-hmac-256\n  secretEnv: JWT_SECRET\n  secret: abc\n',
    expect: ['canton-mpc.yaml:5:3 auth.secret: a literal HMAC secret is not allowed in the config'],
  },
  {
    name: 'missing required key',
    text: 'signer:\n  args: [a]\n',
    expect: ['canton-mpc.yaml:1:1 signer.command: is required'],
  },
  {
    name: 'unsupported version',
    text: 'version: 2\n',
    expect: ['canton-mpc.yaml:1:10 version: unsupported config version'],
  },
  {
    name: 'invalid YAML',
    text: 'participants:\n  participant1: {\n',
    expect: ['canton-mpc.yaml:3:1 not valid YAML'],
  },
  {
    name: 'duplicate YAML key',
    text: 'portBase: 5000\nportBase: 6000\n',
    expect: ['canton-mpc.yaml:2:1 not valid YAML: Map keys must be unique'],
  },
  {
    name: 'DAR that is not a .dar',
    text: 'dars:\n  - build/app.jar\n',
    expect: ['canton-mpc.yaml:2:5 dars.0: "build/app.jar" is not a .dar file'],
  },
  {
    name: 'TOML: collision located at the key line',
    format: 'toml',
    text: 'portBase = 5000\n\n[participants.participant1]\nports = { json = 5013 }\n\n[participants.participant2.ports]\nledger = 5021\njson = 5013\n',
    expect: ['canton-mpc.toml:8:1 participants.participant2.ports.json: port 5013 is already used by participants.participant1.ports.json'],
  },
  {
    name: 'TOML: unknown key in an inline table',
    format: 'toml',
    text: '[participants.participant1]\nports = { ledgr = 6011 }\n\n[participants.participant2]\n',
    expect: ['canton-mpc.toml:2:11 participants.participant1.ports.ledgr: unknown key "ledgr"'],
  },
  {
    name: 'TOML syntax error',
    format: 'toml',
    text: 'portBase = 5000\nstorage = memory\n',
    expect: ['canton-mpc.toml:2:11 not valid TOML'],
  },
  {
    name: 'TOML literal password',
    format: 'toml',
    text: '[postgres]\nuser = "canton"\npassword = "x"\n',
    expect: ['canton-mpc.toml:3:1 postgres.password: a literal password is not allowed in the config'],
  },
];

describe('bad configs are located errors', () => {
  it.each(BAD)('$name', ({ text, format = 'yaml', expect: wanted, hint }) => {
    const file = format === 'toml' ? 'canton-mpc.toml' : 'canton-mpc.yaml';
    let err: unknown;
    try {
      parseConfigText(text, file, { format });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    for (const w of wanted) expect(e.message).toContain(w);
    if (hint) expect(e.issues.map((i) => i.hint).join(' | ')).toContain(hint);
    expect(e.exitCode).toBe(3);
  });

  it('collects every issue, not only the first', () => {
    const e = (() => {
      try {
        parseConfigText('parties:\n  A: { participant: p7 }\n  B: { participant: p8 }\nmediators:\n  nodes: {}\n', 'c.yaml', { format: 'yaml' });
      } catch (x) {
        return x as ConfigError;
      }
      throw new Error('no error');
    })();
    expect(e.issues.map((i) => i.path)).toEqual(['users', 'parties.A.participant', 'parties.B.participant', 'mediators.nodes']);
    expect(e.issues[0]!.message).toMatch(/^the default users issuer-user and depositor-user .* do not fit this config: unknown party "Issuer"/);
    expect(e.issues[0]!.hint).toContain('`users: {}` for none');
  });

  it('shape errors and cross-check errors come in one report, without artefacts of the removed values', () => {
    const yaml = 'storage: postgress\nparticipants:\n  participant1: { ports: { json: 5013, bogus: 1 } }\n  participant2: { ports: { json: 5013 } }\nparties:\n  Issuer: { participant: participant1 }\n  Depositor: { participant: 42 }\n';
    let e: ConfigError | undefined;
    try {
      parseConfigText(yaml, 'c.yaml', { format: 'yaml' });
    } catch (x) {
      e = x as ConfigError;
    }
    expect(e?.issues.map((i) => `${i.line}:${i.column} ${i.path}`)).toEqual([
      '1:10 storage',
      '3:40 participants.participant1.ports.bogus',
      '4:34 participants.participant2.ports.json',
      '7:29 parties.Depositor.participant',
    ]);
  });

  it('allowPrivilegedPorts lets a port below 1024 through', () => {
    expect(topo('allowPrivilegedPorts: true\nsequencers:\n  sequencer1: { ports: { public: 80 } }\n').sequencers[0]!.ports.public).toBe(80);
  });

  it('embedded postgres port joins the collision check only with postgres storage', () => {
    expect(() => topo('postgres: { port: 5011 }\n')).not.toThrow();
    expect(() => topo('storage: postgres\npostgres: { port: 5011 }\n')).toThrow(/postgres.port: port 5011 is already used by participants.participant1.ports.ledger/);
  });
});

describe('signer, auth and tls in the topology', () => {
  it('signer defaults, durations, placeholders and paths', () => {
    const t = topo(
      'signer:\n  command: ./mpc\n  cwd: ../mpc\n  secretsFile: .secrets/s.env\n  args: [--port, 8080]\n  env:\n    URL: "{participants.participant1.jsonApiUrl}"\n    JSON: \'{"a":1}\'\n  health: { url: "http://127.0.0.1:8080/health", timeout: 90s }\n  passEnv: [MPC_KEY]\n',
    );
    expect(t.signer).toEqual({
      command: './mpc',
      args: ['--port', '8080'],
      cwd: '/mpc',
      env: { URL: '{participants.participant1.jsonApiUrl}', JSON: '{"a":1}' },
      health: { url: 'http://127.0.0.1:8080/health', timeoutMs: 90_000 },
      settleMs: 2_000,
      secretsFile: '/proj/.secrets/s.env',
      passEnv: ['MPC_KEY'],
      participant: 'participant1',
      party: 'Issuer',
      user: 'issuer-user',
    });
  });

  it('signer.settle is a duration (default 2s)', () => {
    expect(topo('signer: { command: x, settle: 500ms }\n').signer!.settleMs).toBe(500);
    expect(() => topo('signer: { command: x, settle: soon }\n')).toThrow(/signer.settle/);
  });

  it('signer for participant2 picks its party and user', () => {
    expect(topo('signer: { command: x, participant: participant2 }\n').signer).toMatchObject({ participant: 'participant2', party: 'Depositor', user: 'depositor-user' });
  });

  it.each([
    [
      'generated (the default issuer)',
      'security: jwt\n',
      { generated: true, type: 'jwt-es-256-crt', alg: 'ES256', certificate: '/proj/.canton-mpc/secrets/jwt/signing.crt', signingKey: '/proj/.canton-mpc/secrets/jwt/signing.key', adminApi: true, maxTokenLifetimeMs: 300_000, tokenLifetimeMs: 240_000 },
    ],
    [
      'own RS256 certificate and key',
      'security: jwt\nauth: { type: jwt-rs-256-crt, certificate: certs/a.crt, privateKeyFile: certs/a.key, maxTokenLifetime: 10m }\n',
      { generated: false, type: 'jwt-rs-256-crt', alg: 'RS256', certificate: '/proj/certs/a.crt', signingKey: '/proj/certs/a.key', adminApi: true, maxTokenLifetime: '10m', maxTokenLifetimeMs: 600_000, tokenLifetimeMs: 540_000 },
    ],
    [
      'HMAC, audience, token lifetime',
      'security: jwt\nauth: { type: unsafe-jwt-hmac-256, secretEnv: JWT_SECRET, targetAudience: aud, tokenLifetime: 30s }\n',
      { generated: false, type: 'unsafe-jwt-hmac-256', alg: 'HS256', secretEnv: 'JWT_SECRET', targetAudience: 'aud', adminApi: true, maxTokenLifetimeMs: 300_000, tokenLifetimeMs: 30_000 },
    ],
    [
      'JWKS with an admin token variable, Inf',
      'security: jwt\nauth: { type: jwt-jwks, url: "https://idp/jwks", adminTokenEnv: ADMIN_TOKEN, maxTokenLifetime: Inf }\n',
      { generated: false, type: 'jwt-jwks', url: 'https://idp/jwks', adminTokenEnv: 'ADMIN_TOKEN', adminApi: false, maxTokenLifetime: 'Inf', tokenLifetimeMs: 3_600_000 },
    ],
  ])('auth: %s', (_name, yaml, expected) => {
    expect(topo(yaml).security.jwt).toEqual(expected);
  });

  it.each([
    ['jwt+tls generates, no client auth', 'security: jwt+tls\n', { generated: true, clientAuth: 'none', trustCollectionFile: '/proj/.canton-mpc/secrets/tls/ca.crt', extraHosts: [] }],
    ['jwt+mtls requires client certificates', 'security: jwt+mtls\ntls: { extraHosts: [canton.local] }\n', { generated: true, clientAuth: 'require', trustCollectionFile: '/proj/.canton-mpc/secrets/tls/ca.crt', extraHosts: ['canton.local'] }],
    [
      'own certificates, trust defaults to the chain',
      'security: jwt+tls\ntls: { certChainFile: c.crt, privateKeyFile: k.pem, clientAuth: optional }\n',
      { generated: false, clientAuth: 'optional', certChainFile: '/proj/c.crt', privateKeyFile: '/proj/k.pem', trustCollectionFile: '/proj/c.crt', extraHosts: [] },
    ],
  ])('tls: %s', (_name, yaml, expected) => {
    const t = topo(yaml);
    expect(t.security.tls).toEqual(expected);
    expect([...t.sequencers, ...t.mediators, ...t.participants].every((n) => n.tls === true)).toBe(true);
  });
});

describe('placeholders', () => {
  it.each([
    ['plain', 'no placeholders', [{ kind: 'text', text: 'no placeholders' }]],
    [
      'participant url inside text',
      'http://{participants.participant1.address}:1',
      [
        { kind: 'text', text: 'http://' },
        { kind: 'ref', raw: 'participants.participant1.address', section: 'participants', name: 'participant1', field: 'address' },
        { kind: 'text', text: ':1' },
      ],
    ],
    ['user id with dots', '{users.a.b.id}', [{ kind: 'ref', raw: 'users.a.b.id', section: 'users', name: 'a.b', field: 'id' }]],
    ['global', '{synchronizer.name}', [{ kind: 'global', raw: 'synchronizer.name', key: 'synchronizer.name' }]],
    ['JSON braces are literal', '{"a":1}', [{ kind: 'text', text: '{"a":1}' }]],
    ['{{ escapes', '{{parties}}', [{ kind: 'text', text: '{parties}}' }]],
  ])('%s', (_n, input, tokens) => {
    expect(parsePlaceholders(input)).toEqual(tokens);
  });

  it.each([
    ['{parties.Issuer.id', /unclosed/],
    ['{partys.Issuer.id}', /must start with one of/],
    ['{parties.Issuer}', /must have the form/],
    ['{parties.Issuer.pid}', /unknown field "pid"/],
    ['{parties.Iss uer.id}', /invalid character " "/],
  ])('rejects %s', (input, re) => {
    expect(() => parsePlaceholders(input)).toThrow(PlaceholderSyntaxError);
    expect(() => parsePlaceholders(input)).toThrow(re);
  });

  it('substitutes', () => {
    expect(substitutePlaceholders('{parties.Issuer.id}/{stateDir}', (t) => (t.kind === 'global' ? '/s' : `${t.name}::1220ab`))).toBe('Issuer::1220ab//s');
  });
});

describe('helpers', () => {
  it.each([
    ['ledgr', ['ledger', 'admin', 'json'], 'ledger'],
    ['portbase', ['portBase', 'address'], 'portBase'],
    ['partcipants', ['participants', 'parties'], 'participants'],
    ['zzzzzz', ['ledger', 'admin'], undefined],
  ])('closest(%s)', (w, c, expected) => {
    expect(closest(w, c)).toBe(expected);
  });
  it('edit distance counts a transposition as one', () => {
    expect(editDistance('prots', 'ports')).toBe(1);
  });
  it('keysAt walks records and defaults', () => {
    expect(keysAt(['participants', 'x', 'ports']).sort()).toEqual(['admin', 'json', 'ledger']);
    expect(keysAt(['postgres'])).toContain('passwordEnv');
  });
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1500ms', 1500],
    [2000, 2000],
    ['1h', 3_600_000],
  ])('durationToMs(%s)', (d, ms) => {
    expect(durationToMs(d)).toBe(ms);
  });
});

describe('postgresPort', () => {
  it.each([
    ['embedded, default base: off 5432, inside the derived block', { portBase: 5000, postgres: { embedded: true } }, 5240],
    ['embedded, base 6000', { portBase: 6000, postgres: { embedded: true } }, 6240],
    ['external: the usual 5432', { portBase: 6000, postgres: { embedded: false } }, 5432],
    ['explicit port wins (embedded)', { portBase: 6000, postgres: { embedded: true, port: 7777 } }, 7777],
    ['explicit port wins (external)', { portBase: 5000, postgres: { embedded: false, port: 15432 } }, 15432],
  ])('%s', (_name, config, expected) => {
    expect(postgresPort(config)).toBe(expected);
  });

  it('the embedded default never meets a derived node port', () => {
    const config = configSchema.parse({ participants: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`participant${i + 1}`, {}])) });
    const ports = derivePorts(config).all.map((p) => p.port);
    expect(ports.length).toBeGreaterThan(90);
    expect(ports).not.toContain(postgresPort({ portBase: 5000, postgres: { embedded: true } }));
  });
});

describe('loadProject cache (compiled topologies in the user cache)', () => {
  const setup = () => {
    const dir = mkdtempSync(join(tmpdir(), 'cmpc-cache-'));
    const home = mkdtempSync(join(tmpdir(), 'cmpc-cache-home-'));
    writeFileSync(join(dir, 'canton-mpc.yaml'), 'portBase: 7000\n');
    return { dir, env: { CANTON_MPC_HOME: home } as NodeJS.ProcessEnv, home };
  };
  const entries = (home: string) => {
    try {
      return readdirSync(join(home, 'topologies')).map((f) => join(home, 'topologies', f));
    } catch {
      return [];
    }
  };

  it('stores a successful load and reuses it while the file is unchanged', async () => {
    const { dir, env, home } = setup();
    const first = await loadProject({ cwd: dir, env, cache: true });
    expect(first.topology.participants[0]!.ports.ledger).toBe(7011);
    const [entry] = entries(home);
    expect(entry).toBeDefined();
    // Tamper with the stored entry: a hit must return it as stored (proof it was not re-parsed).
    const stored = JSON.parse(readFileSync(entry!, 'utf8'));
    stored.topology.synchronizer.name = 'from-cache';
    writeFileSync(entry!, JSON.stringify(stored));
    expect((await loadProject({ cwd: dir, env, cache: true })).topology.synchronizer.name).toBe('from-cache');
    // Without the cache flag nothing is read from it.
    expect((await loadProject({ cwd: dir, env })).topology.synchronizer.name).toBe('da');
  });

  it('a changed file, or another --storage, is a different entry', async () => {
    const { dir, env, home } = setup();
    await loadProject({ cwd: dir, env, cache: true });
    writeFileSync(join(dir, 'canton-mpc.yaml'), 'portBase: 8000\n');
    expect((await loadProject({ cwd: dir, env, cache: true })).topology.participants[0]!.ports.ledger).toBe(8011);
    const pg = await loadProject({ cwd: dir, env, cache: true, storageOverride: 'postgres' });
    expect(pg.topology.participants[0]!.storage).toEqual({ type: 'postgres', database: 'canton_participant1' });
    expect(entries(home)).toHaveLength(3);
  });

  it('never stores a failed load', async () => {
    const { dir, env, home } = setup();
    writeFileSync(join(dir, 'canton-mpc.yaml'), 'portBase: nope\n');
    await expect(loadProject({ cwd: dir, env, cache: true })).rejects.toBeInstanceOf(ConfigError);
    await expect(loadProject({ cwd: dir, env, cache: true })).rejects.toBeInstanceOf(ConfigError);
    expect(entries(home)).toHaveLength(0);
  });
});
