import { describe, expect, it } from 'vitest';
import { classifyDrift, type Drift } from '../../src/up/drift.js';
import { roleOf, projectMarkers } from '../../src/state/discover.js';
import { embeddedLayout, parsePasswd, traversable } from '../../src/postgres/root.js';
import { signerCondition } from '../../src/commands/status.js';
import { checkPostgres, checkPorts } from '../../src/doctor/checks.js';
import { extraCantonEnvironment, baseEnvironment } from '../../src/system/child-env.js';
import type { AppliedSpec, NodeEndpoints } from '../../src/state/state.js';
import type { Topology } from '../../src/config/types.js';

const nodes: NodeEndpoints[] = [
  { name: 'sequencer1', kind: 'sequencer', address: '127.0.0.1', ports: { public: 5001, admin: 5002 } },
  { name: 'participant1', kind: 'participant', address: '127.0.0.1', ports: { ledger: 5011, admin: 5012, json: 5013 } },
];
const applied: AppliedSpec = {
  cantonConf: 'c1',
  bootstrap: 'b1',
  cantonVersion: '3.4.11',
  synchronizer: 'da',
  storage: { sequencer1: 'memory', participant1: 'memory' },
  parties: { Issuer: 'participant1' },
  dars: ['/p/a.dar'],
  users: [{ id: 'u', participant: 'participant1', primaryParty: 'Issuer', actAs: ['Issuer'], readAs: ['Issuer'], participantAdmin: false }],
};
const prior = { applied, nodes, configHash: 'h', signer: { supervisor: { pid: 1, startedAt: '' }, command: 'x', logFile: '', statusFile: '', specHash: 's1' } };
function drift(change: (a: AppliedSpec, n: NodeEndpoints[]) => void, signerHash = 's1'): Drift {
  const a = structuredClone(applied);
  const n = structuredClone(nodes);
  change(a, n);
  return classifyDrift(prior, { applied: a, nodes: n, renderedHash: 'h2', signerHash });
}

describe('classifyDrift', () => {
  it.each<[string, (a: AppliedSpec, n: NodeEndpoints[]) => void, RegExp]>([
    ['a node added', (_a, n) => n.push({ name: 'participant2', kind: 'participant', address: '127.0.0.1', ports: { ledger: 5021, admin: 5022, json: 5023 } }), /participant participant2 added/],
    ['a node removed', (_a, n) => n.splice(0, 1), /sequencer sequencer1 removed/],
    ['a port', (_a, n) => (n[1]!.ports.json = 6013), /participant1 json port 5013 → 6013/],
    ['an address', (_a, n) => (n[1]!.address = '0.0.0.0'), /participant1 address 127.0.0.1 → 0.0.0.0/],
    ['storage', (a) => (a.storage.participant1 = 'postgres'), /participant1 storage memory → postgres/],
    ['synchronizer', (a) => (a.synchronizer = 'x'), /synchronizer da → x/],
    ['Canton version', (a) => (a.cantonVersion = '3.4.12'), /Canton version 3.4.11 → 3.4.12/],
    ['a party moved', (a) => (a.parties.Issuer = 'participant2'), /party Issuer moved/],
    ['anything else in canton.conf', (a) => (a.cantonConf = 'c2'), /canton.conf changes/],
  ])('%s is refused', (_n, change, why) => {
    const d = drift(change);
    expect(d.refused.join('\n')).toMatch(why);
  });

  it.each<[string, (a: AppliedSpec) => void, RegExp]>([
    ['a new DAR', (a) => a.dars.push('/p/b.dar'), /DAR \/p\/b.dar is uploaded/],
    ['a removed DAR', (a) => (a.dars = []), /stays on the participants/],
    ['rights', (a) => (a.users![0]!.participantAdmin = true), /user u on participant1: rights converge/],
    ['a new user', (a) => a.users!.push({ id: 'v', participant: 'participant1', actAs: [], readAs: ['Issuer'], participantAdmin: false }), /user v on participant1 is created/],
  ])('%s is applied in place', (_n, change, why) => {
    const d = drift(change);
    expect(d.refused).toEqual([]);
    expect(d.inPlace.join('\n')).toMatch(why);
  });

  it('a changed signer spec restarts the signer; nothing changed is no drift', () => {
    expect(drift(() => undefined, 's2').inPlace).toEqual(['the signer spec changed: the signer is restarted']);
    expect(drift(() => undefined)).toEqual({ refused: [], inPlace: [] });
  });

  it('a state without the applied record refuses only when the rendered files changed', () => {
    expect(classifyDrift({ nodes, configHash: 'h' }, { applied, nodes, renderedHash: 'h' })).toEqual({ refused: [], inPlace: [] });
    expect(classifyDrift({ nodes, configHash: 'h' }, { applied, nodes, renderedHash: 'other' }).refused).toHaveLength(1);
  });
});

describe('process markers', () => {
  const m = projectMarkers('/p/.canton-mpc', {});
  it.each<[string[], string | undefined]>([
    [['node', '/x/supervisor.js', '/p/.canton-mpc/signer-spec.json'], 'supervisor'],
    [['node', '/c/lib/canton-emulator.mjs', 'daemon', '-c', '/p/.canton-mpc/config/canton.conf'], 'canton'],
    [['/pg/bin/postgres', '-D', '/p/.canton-mpc/postgres', '-p', '5240'], 'postgres'],
    [['tail', '-f', '/p/.canton-mpc/logs/canton.log'], undefined],
    [['node', 'x', '/p/.canton-mpc2/signer-spec.json'], undefined],
    [['/pg/bin/postgres', '-D', '/q/.canton-mpc/postgres'], undefined],
  ])('%j → %s', (argv, role) => {
    expect(roleOf(argv, m)).toBe(role);
  });
});

describe('embedded PostgreSQL as root', () => {
  const passwd = 'root:x:0:0::/root:/bin/sh\npostgres:x:101:104::/var/lib/postgresql:/bin/bash\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n';
  const open = () => ({ uid: 0, gid: 0, mode: 0o755 });
  const closedProject = (p: string) => ({ uid: 0, gid: 0, mode: p === '/root/proj' ? 0o700 : 0o755 });
  it('not root: data in the project, run as ourselves', () => {
    const l = embeddedLayout('/root/proj/.canton-mpc', {}, { uid: 1000 });
    expect(l.dataDir).toBe('/root/proj/.canton-mpc/postgres');
    expect(l.runAs).toBeUndefined();
  });
  it('root, reachable project: postgres user, data in the project', () => {
    const l = embeddedLayout('/srv/p/.canton-mpc', {}, { uid: 0, passwd, stat: open, hasSetpriv: true });
    expect(l).toMatchObject({ runAs: { name: 'postgres', uid: 101 }, dataDir: '/srv/p/.canton-mpc/postgres' });
    expect(l.problem).toBeUndefined();
  });
  it('root, 0700 project, no postgres user: nobody, data outside the project', () => {
    const l = embeddedLayout('/root/proj/.canton-mpc', { CANTON_MPC_POSTGRES_DATA_ROOT: '/var/tmp/x' }, { uid: 0, passwd: passwd.replace(/^postgres.*\n/m, ''), stat: closedProject, hasSetpriv: true });
    expect(l.runAs).toMatchObject({ name: 'nobody', uid: 65534 });
    expect(l.dataDir).toMatch(/^\/var\/tmp\/x\/[0-9a-f]{16}$/);
    expect(l.problem).toBeUndefined();
  });
  it.each([
    ['no account at all', { passwd: 'root:x:0:0::/root:/bin/sh\n', hasSetpriv: true }, /no unprivileged account/],
    ['no setpriv', { passwd, hasSetpriv: false }, /needs `setpriv`/],
    ['nowhere to put the data', { passwd, hasSetpriv: true, stat: () => ({ uid: 0, gid: 0, mode: 0o700 }) }, /can reach neither/],
  ])('%s: a problem doctor and the preflight both report', (_n, o, why) => {
    expect(embeddedLayout('/root/proj/.canton-mpc', {}, { uid: 0, ...o }).problem?.detail).toMatch(why);
  });
  it('parsePasswd and traversable', () => {
    expect(parsePasswd(passwd, 'nobody')).toEqual({ name: 'nobody', uid: 65534, gid: 65534 });
    expect(parsePasswd(passwd, 'ghost')).toBeUndefined();
    expect(traversable('/a/b', { name: 'n', uid: 5, gid: 5 }, (p) => (p === '/a' ? { uid: 5, gid: 5, mode: 0o700 } : { uid: 0, gid: 0, mode: 0o755 }))).toBe(true);
    expect(traversable('/a/b', { name: 'n', uid: 5, gid: 5 }, (p) => (p === '/a' ? { uid: 0, gid: 0, mode: 0o750 } : { uid: 0, gid: 0, mode: 0o755 }))).toBe(false);
  });
});

describe('signer condition (status)', () => {
  const now = Date.parse('2026-01-01T00:00:10Z');
  it.each<[boolean, object | undefined, string]>([
    [false, undefined, 'stopped'],
    [true, { state: 'backoff', restarts: 2 }, 'restarting'],
    [true, { state: 'running', restarts: 3, childStartedAt: '2026-01-01T00:00:09.500Z' }, 'restarting'],
    [true, { state: 'running', restarts: 3, childStartedAt: '2026-01-01T00:00:05Z' }, 'running'],
    [true, { state: 'running', restarts: 0, childStartedAt: '2026-01-01T00:00:09.900Z' }, 'running'],
  ])('supervisor %s, %j → %s', (running, sup, want) => {
    expect(signerCondition(running, sup as never, 2_000, now)).toBe(want);
  });
});

describe('doctor: small safety checks', () => {
  const topo = { stateDir: '/p/.canton-mpc', projectDir: '/p', postgres: { embedded: false, host: 'db', port: 5432, user: 'canton', passwordEnv: 'PGPASS_X', databasePrefix: 'canton_' }, sequencers: [{ name: 's', kind: 'sequencer', address: '10.255.255.1', storage: { type: 'postgres' }, ports: { public: 1, admin: 2 } }], mediators: [], participants: [] } as unknown as Topology;
  it('external PostgreSQL with the password variable unset says to set it, not to start PostgreSQL', async () => {
    const r = await checkPostgres(topo, {
      env: {},
      embeddedPostgresBin: async () => undefined,
      pgConnect: async () => {
        throw new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string');
      },
    });
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/PGPASS_X is not set/);
    expect(r.fix).toMatch(/Export PGPASS_X/);
    expect(r.fix).not.toMatch(/Start PostgreSQL/);
  });
  it('an address that is not local is not a busy port', async () => {
    const r = await checkPorts(topo, { probePort: async () => ({ free: false, error: 'EADDRNOTAVAIL' }) }, {});
    expect(r.detail).toMatch(/10.255.255.1 is not an address of this machine/);
    expect(r.fix).not.toMatch(/kill|Stop the process/);
  });
});

describe('child environments', () => {
  it('the base keeps PATH, HOME, locale, TZ, TMPDIR only; CANTON_MPC_CANTON_ENV adds names, never a passEnv one', () => {
    const env = { PATH: '/bin', HOME: '/h', LANG: 'C', LC_ALL: 'C', TZ: 'UTC', TMPDIR: '/t', AWS_SECRET_ACCESS_KEY: 's', MPC_KEY: 'k', MY_VAR: 'v', CANTON_MPC_CANTON_ENV: 'MY_VAR, MPC_KEY' };
    expect(baseEnvironment(env)).toEqual({ PATH: '/bin', HOME: '/h', LANG: 'C', LC_ALL: 'C', TZ: 'UTC', TMPDIR: '/t' });
    expect(extraCantonEnvironment(env, ['MPC_KEY'])).toEqual({ MY_VAR: 'v' });
  });
});
