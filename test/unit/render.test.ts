import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/parse.js';
import { toTopology, withStorage } from '../../src/config/topology.js';
import type { Topology } from '../../src/config/types.js';
import { hoconDocument, envOnly, envOverride } from '../../src/render/hocon.js';
import { PARTY_LINE_PREFIX, parsePartyLines, portsFilePath, renderProject, writeRendered, type RenderedFile } from '../../src/render/index.js';
import { scalaString } from '../../src/render/scala.js';
import { resolveHocon, type Resolved } from '../support/typesafe-check/index.js';
import { checkScalaSyntax } from '../support/scala-check/index.js';

const PG_ENV = { POSTGRES_HOST: 'db.internal', POSTGRES_PORT: '6543', POSTGRES_USER: 'cu', POSTGRES_PASSWORD: 'p"a\\ss ${x} w0rd' };

function topo(yaml: string, storage?: 'memory' | 'postgres'): Topology {
  const t = toTopology(parseConfigText(yaml, 'canton-mpc.yaml', { format: 'yaml', storageOverride: storage }), '/proj/x');
  return storage ? withStorage(t, storage) : t;
}

interface Variant {
  name: string;
  topology: Topology;
}

const FOUR = 'participants: { participant1: {}, participant2: {}, participant3: {}, participant4: {} }\n';
const VARIANTS: Variant[] = [
  { name: 'default memory', topology: topo('') },
  { name: 'default postgres', topology: topo('', 'postgres') },
  { name: '4 participants memory', topology: topo(FOUR) },
  { name: '4 participants postgres', topology: topo(`${FOUR}postgres: { user: "us\\"er", databasePrefix: cm_, passwordEnv: MY_PG_PW }\n`, 'postgres') },
  { name: 'portBase 6000, mixed storage, custom address', topology: topo('portBase: 6000\naddress: 0.0.0.0\nstorage: postgres\nparticipants:\n  participant1: {}\n  participant2: { address: 127.0.0.2, storage: memory, acceptLedgerLossOnRestart: true }\n') },
];

const dir = mkdtempSync(join(tmpdir(), 'render-test-'));
const rendered = new Map<string, RenderedFile[]>();
const paths = new Map<string, { canton: string; remote: string }>();
let resolvedWithEnv: Record<string, Resolved>;
let resolvedWithoutEnv: Record<string, Resolved>;

beforeAll(() => {
  VARIANTS.forEach((v, i) => {
    const files = renderProject(v.topology, { darExists: () => i % 2 === 0 });
    rendered.set(v.name, files);
    const d = join(dir, String(i));
    mkdirSync(d);
    const canton = join(d, 'canton.conf');
    const remote = join(d, 'remote.conf');
    writeFileSync(canton, files.find((f) => f.name === 'canton.conf')!.content);
    writeFileSync(remote, files.find((f) => f.name === 'remote.conf')!.content);
    paths.set(v.name, { canton, remote });
  });
  const all = [...paths.values()].flatMap((p) => [p.canton, p.remote]);
  resolvedWithEnv = resolveHocon(all, { ...PG_ENV, MY_PG_PW: 'from-my-var' });
  resolvedWithoutEnv = resolveHocon(all, {});
});

const content = (v: string, name: RenderedFile['name']) => rendered.get(v)!.find((f) => f.name === name)!.content;

describe('canton.conf and remote.conf resolve with Typesafe Config', () => {
  describe.each(VARIANTS)('$name', ({ name, topology: t }) => {
    const conf = (env: boolean) => (env ? resolvedWithEnv : resolvedWithoutEnv)[paths.get(name)!.canton]!;
    const remote = () => resolvedWithEnv[paths.get(name)!.remote]!;

    it.each([true, false])('every node port and address (env set: %s)', (env) => {
      const c = conf(env);
      expect(c.error).toBeUndefined();
      for (const s of t.sequencers) {
        expect(c[`canton.sequencers.${s.name}.public-api.port`]).toBe(s.ports.public);
        expect(c[`canton.sequencers.${s.name}.admin-api.port`]).toBe(s.ports.admin);
        expect(c[`canton.sequencers.${s.name}.public-api.address`]).toBe(s.address);
        expect(c[`canton.sequencers.${s.name}.sequencer.type`]).toBe('BFT');
      }
      for (const m of t.mediators) {
        expect(c[`canton.mediators.${m.name}.admin-api.port`]).toBe(m.ports.admin);
        expect(c[`canton.mediators.${m.name}.admin-api.address`]).toBe(m.address);
      }
      for (const p of t.participants) {
        expect(c[`canton.participants.${p.name}.ledger-api.port`]).toBe(p.ports.ledger);
        expect(c[`canton.participants.${p.name}.admin-api.port`]).toBe(p.ports.admin);
        expect(c[`canton.participants.${p.name}.http-ledger-api.port`]).toBe(p.ports.json);
        for (const api of ['ledger-api', 'admin-api', 'http-ledger-api']) expect(c[`canton.participants.${p.name}.${api}.address`]).toBe(p.address);
      }
      expect(c['canton.parameters.ports-file']).toBe(portsFilePath(t));
      expect(portsFilePath(t)).toBe(join(t.stateDir, 'ports.json'));
    });

    it.each([true, false])('storage per node (env set: %s)', (env) => {
      const c = conf(env);
      for (const n of [...t.sequencers, ...t.mediators, ...t.participants]) {
        const kind = `canton.${n.kind}s.${n.name}.storage`;
        expect(c[`${kind}.type`]).toBe(n.storage.type);
        if (n.storage.type === 'memory') {
          expect(c[`${kind}.config.properties.databaseName`]).toBeUndefined();
          continue;
        }
        const props = `${kind}.config.properties`;
        expect(c[`${kind}.config.dataSourceClass`]).toBe('org.postgresql.ds.PGSimpleDataSource');
        expect(c[`${props}.databaseName`]).toBe(n.storage.database);
        expect(n.storage.database).toBe(`${t.postgres.databasePrefix}${n.name}`);
        if (env) {
          expect(c[`${props}.serverName`]).toBe(PG_ENV.POSTGRES_HOST);
          expect(c[`${props}.portNumber`]).toBe(PG_ENV.POSTGRES_PORT);
          expect(c[`${props}.user`]).toBe(PG_ENV.POSTGRES_USER);
          // A custom passwordEnv is read after POSTGRES_PASSWORD, so it wins when set.
          expect(c[`${props}.password`]).toBe(t.postgres.passwordEnv === 'POSTGRES_PASSWORD' ? PG_ENV.POSTGRES_PASSWORD : 'from-my-var');
        } else {
          expect(c[`${props}.serverName`]).toBe(t.postgres.host);
          expect(c[`${props}.portNumber`]).toBe(t.postgres.port);
          expect(c[`${props}.user`]).toBe(t.postgres.user);
          expect(c).not.toHaveProperty(`${props}.password`);
        }
      }
    });

    it('the file never holds a password literal', () => {
      const text = content(name, 'canton.conf');
      expect(text).not.toContain(PG_ENV.POSTGRES_PASSWORD);
      expect(text).not.toContain('from-my-var');
      for (const line of text.split('\n').filter((l) => /^\s*password\s*=/.test(l))) expect(line).toMatch(/^\s*password = \$\{\?[A-Z_]+\}$/);
    });

    it('remote.conf names every node with a reachable address', () => {
      const r = remote();
      expect(r.error).toBeUndefined();
      const reach = (a: string) => (a === '0.0.0.0' ? '127.0.0.1' : a);
      for (const p of t.participants) {
        expect(r[`canton.remote-participants.${p.name}.ledger-api.port`]).toBe(p.ports.ledger);
        expect(r[`canton.remote-participants.${p.name}.admin-api.port`]).toBe(p.ports.admin);
        expect(r[`canton.remote-participants.${p.name}.ledger-api.address`]).toBe(reach(p.address));
      }
      for (const s of t.sequencers) {
        expect(r[`canton.remote-sequencers.${s.name}.public-api.port`]).toBe(s.ports.public);
        expect(r[`canton.remote-sequencers.${s.name}.admin-api.address`]).toBe(reach(s.address));
      }
      for (const m of t.mediators) expect(r[`canton.remote-mediators.${m.name}.admin-api.port`]).toBe(m.ports.admin);
      expect(Object.keys(r).every((k) => k.startsWith('canton.remote-'))).toBe(true);
    });
  });
});

describe('HOCON emitter quoting survives Typesafe Config', () => {
  it('quotes, backslashes, ${, dotted and odd keys, env substitutions', () => {
    const doc = hoconDocument({
      a: { 'dotted.key': 'v"1\\ ${HOME} \n end', 'with space': 1, plain_key: true, list: ['x"', 2, { k: null }], empty: {} },
      e: { set: envOverride('lit', 'CHECK_SET'), unset: envOverride(7, 'CHECK_UNSET'), only: envOnly('CHECK_ONLY') },
    });
    const f = join(dir, 'quoting.conf');
    writeFileSync(f, doc);
    const r = resolveHocon([f], { CHECK_SET: 'from-env', CHECK_ONLY: 's3cr"t' })[f]!;
    expect(r.error).toBeUndefined();
    expect(r['a."dotted.key"']).toBe('v"1\\ ${HOME} \n end');
    expect(r['a."with space"']).toBe(1);
    expect(r['a.plain_key']).toBe(true);
    expect(r['a.list']).toEqual(['x"', 2, { k: null }]);
    expect(r['e.set']).toBe('from-env');
    expect(r['e.unset']).toBe(7);
    expect(r['e.only']).toBe('s3cr"t');
    expect(doc).not.toContain('s3cr');
  });

  it('refuses a substitution that is not a variable name', () => {
    expect(() => envOnly('X}; y = ${Z')).toThrow(/not an environment variable name/);
  });

  it('a broken file is reported by the checker (the checker can fail)', () => {
    const f = join(dir, 'broken.conf');
    writeFileSync(f, 'a { b = "unterminated\n');
    expect(resolveHocon([f])[f]!.error).toMatch(/.+/);
  });
});

describe('bootstrap.canton', () => {
  const odd = topo('');
  // Names that config validation would refuse still must not break the script: render escapes on its own.
  odd.parties = [
    { name: 'Is"su\\er$x${y}', participant: 'participant1' },
    { name: 'Tab\there\u0001', participant: 'participant2' },
  ];
  odd.dars = ['/dars/we"ird\\u0022 $path.dar', '/dars/missing.dar'];
  odd.synchronizer = { name: 'd"a' };
  const oddScript = renderProject(odd, { darExists: (p) => !p.includes('missing') }).find((f) => f.name === 'bootstrap.canton')!.content;

  it('every rendered script parses with scalac, and a broken one does not', async () => {
    const scripts = [
      ...VARIANTS.map((v) => ({ name: v.name, content: content(v.name, 'bootstrap.canton') })),
      { name: 'odd names', content: oddScript },
      { name: 'broken', content: `${content('default memory', 'bootstrap.canton')}\nbootstrap.synchronizer(\n` },
      { name: 'escapes', content: ['a"b', 'c\\d', '$e ${f}', 'g\nh', '\u0000\u001f', '\\u0022', 'ünï'].map((s, i) => `val s${i}: String = ${scalaString(s)}`).join('\n') },
    ];
    const errors = await checkScalaSyntax(scripts);
    for (const s of scripts.filter((x) => x.name !== 'broken')) expect(errors[s.name], s.name).toEqual([]);
    expect(errors.broken!.length).toBeGreaterThan(0);
  }, 120_000);

  it('follows the seed and 3.4.11 signatures', () => {
    const s = content('4 participants memory', 'bootstrap.canton');
    expect(s).toContain('nodes.local.start()');
    expect(s).toMatch(
      /bootstrap\.synchronizer\(\n\s+synchronizerName = "da",\n\s+sequencers = Seq\(sequencer1\),\n\s+mediators = Seq\(mediator1\),\n\s+synchronizerOwners = Seq\(sequencer1\),\n\s+synchronizerThreshold = PositiveInt\.one,\n\s+staticSynchronizerParameters = StaticSynchronizerParameters\.defaultsWithoutKMS\(ProtocolVersion\.latest\)\n\)/,
    );
    for (const p of ['participant1', 'participant2', 'participant3', 'participant4']) {
      expect(s).toContain(`if (!${p}.synchronizers.is_registered("da")) ${p}.synchronizers.connect_local(sequencer1, "da")`);
      expect(s).toContain(`utils.retry_until_true { ${p}.synchronizers.active("da") }`);
      expect(s).toContain(`${p}.dars.upload("/proj/x/.daml/dist/canton-mpc-poc-0.2.0.dar")`);
    }
    expect(s).toContain('participant1.parties.hosted(filterParty = "Issuer")');
    expect(s).toContain('getOrElse(participant1.parties.enable("Issuer"))');
    expect(s).toContain('getOrElse(participant2.parties.enable("Depositor"))');
    // Connection before waiting, waiting before parties, parties before DARs.
    const order = ['connect_local', 'retry_until_true', 'parties.enable', 'dars.upload'].map((k) => s.indexOf(k));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('a DAR missing at render time is not uploaded, only noted', () => {
    const s = content('default postgres', 'bootstrap.canton');
    expect(s).not.toContain('dars.upload');
    expect(s).toContain('// not found when rendered, so not uploaded: /proj/x/.daml/dist/canton-mpc-poc-0.2.0.dar');
  });

  it('escapes party names, paths and the synchronizer name', () => {
    expect(oddScript).toContain('parties.enable("Is\\"su\\\\er$x${y}")');
    expect(oddScript).toContain('synchronizerName = "d\\"a"');
    expect(oddScript).toContain('("Tab\\there" + 1.toChar + "")');
    expect(oddScript).toContain('dars.upload("/dars/we\\"ird\\\\u0022 $path.dar")');
    expect(oddScript).not.toContain('dars.upload("/dars/missing.dar")');
  });
});

describe('parsePartyLines', () => {
  it.each([
    ['plain', `${PARTY_LINE_PREFIX}"Issuer" Issuer::1220abcd\n`, { Issuer: 'Issuer::1220abcd' }],
    [
      'log noise and prefixes',
      `2026-11-21 INFO  c.d.c.Console - ${PARTY_LINE_PREFIX}"Issuer" Issuer::1220ab  \nrandom line\n[stdout] ${PARTY_LINE_PREFIX}"Depositor" Depositor::1220cd\r\n`,
      { Issuer: 'Issuer::1220ab', Depositor: 'Depositor::1220cd' },
    ],
    ['escaped name', `${PARTY_LINE_PREFIX}"A\\"b" A"b::1220ef`, { 'A"b': 'A"b::1220ef' }],
    ['the later line wins', `${PARTY_LINE_PREFIX}"X" X::1\n${PARTY_LINE_PREFIX}"X" X::2\n`, { X: 'X::2' }],
    ['an id of another party is ignored', `${PARTY_LINE_PREFIX}"Issuer" Depositor::1220ab`, {}],
    ['malformed lines are ignored', `${PARTY_LINE_PREFIX}Issuer Issuer::1\n${PARTY_LINE_PREFIX}"Issuer"\n${PARTY_LINE_PREFIX}"Issuer" Issuer::\n`, {}],
    ['nothing', 'Canton started\n', {}],
  ])('%s', (_n, text, expected) => {
    expect(parsePartyLines(text)).toEqual(expected);
  });

  it('round-trips the line the script prints', () => {
    const s = content('default memory', 'bootstrap.canton');
    const m = /println\(("CANTON_MPC_PARTY \\"Issuer\\" ") \+ party\d+\.toLf\)/.exec(s);
    expect(m).not.toBeNull();
    const printed = `${JSON.parse(m![1]!)}Issuer::1220deadbeef`;
    expect(parsePartyLines(printed)).toEqual({ Issuer: 'Issuer::1220deadbeef' });
  });
});

describe('templates and writing', () => {
  it('an override directory replaces a template; an unknown slot is an error with its line', () => {
    const tdir = mkdtempSync(join(tmpdir(), 'tpl-'));
    writeFileSync(join(tdir, 'remote.conf'), '# mine\n{{canton}}\ncanton.features.enable-preview-commands = yes\n');
    const files = renderProject(topo(''), { templatesDir: tdir, darExists: () => true });
    expect(files.find((f) => f.name === 'remote.conf')!.content).toMatch(/^# mine\ncanton \{[\s\S]*enable-preview-commands = yes\n$/);
    expect(files.find((f) => f.name === 'canton.conf')!.content).toContain('Rendered by');
    writeFileSync(join(tdir, 'canton.conf'), '# x\n\n{{cantn}}\n');
    expect(() => renderProject(topo(''), { templatesDir: tdir })).toThrow(/unknown slot \{\{cantn\}\} in template .*canton\.conf/);
    try {
      renderProject(topo(''), { templatesDir: tdir });
    } catch (e) {
      expect((e as { where: string }).where).toMatch(/canton\.conf:3$/);
    }
  });

  it('rendering is deterministic', () => {
    expect(renderProject(topo(FOUR), { darExists: () => true })).toEqual(renderProject(topo(FOUR), { darExists: () => true }));
  });

  it('writeRendered writes every file atomically and returns absolute paths', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'out-')), 'nested', 'config');
    const files = renderProject(topo(''), { darExists: () => false });
    const written = await writeRendered(out, files);
    expect(written).toEqual(['canton.conf', 'bootstrap.canton', 'remote.conf'].map((n) => join(out, n)));
    for (const f of files) expect(readFileSync(join(out, f.name), 'utf8')).toBe(f.content);
    expect(readdirSync(out).sort()).toEqual(['bootstrap.canton', 'canton.conf', 'remote.conf']);
    expect(statSync(join(out, 'canton.conf')).mode & 0o777).toBe(0o644);
    await writeRendered(out, files);
    expect(readdirSync(out)).toHaveLength(3);
  });
});
