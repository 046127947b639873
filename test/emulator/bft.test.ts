// Issue 14 items 1 and 6: several BFT sequencers must reach each other over their peer-to-peer
// servers (initial-network) before a synchronizer can be bootstrapped; server configs and the BFT
// block reject unknown keys; sequencer.type is exactly "BFT".
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import getPort from 'get-port';
import { describe, expect, test } from 'vitest';
import { portsFileComplete, readIf, spawnCanton, waitFor } from './harness.js';

interface Seq { name: string; public: number; admin: number; p2p: number }

async function seqs(n: number): Promise<Seq[]> {
  const used: number[] = [];
  const one = async () => { const p = await getPort({ exclude: used }); used.push(p); return p; };
  const out: Seq[] = [];
  for (let i = 1; i <= n; i++) out.push({ name: `sequencer${i}`, public: await one(), admin: await one(), p2p: await one() });
  mediatorPort = await one();
  return out;
}

type Net = 'mesh' | 'none' | 'tls-default';
function conf(list: Seq[], net: Net, o: { extraSeq?: string; type?: string } = {}): string {
  const block = (s: Seq) => {
    if (net === 'none') return `sequencer { type = ${o.type ?? 'BFT'} }`;
    const peers = list.filter((x) => x !== s).map((x) => `{ address = "127.0.0.1", port = ${x.p2p}${net === 'mesh' ? ', tls-config.enabled = false' : ''} }`).join(', ');
    return `sequencer {
      type = ${o.type ?? 'BFT'}
      config.initial-network {
        server-endpoint { address = "127.0.0.1", port = ${s.p2p}, external-address = "127.0.0.1", external-port = ${s.p2p}, external-tls-config.enabled = false }
        peer-endpoints = [${peers}]
      }
    }`;
  };
  return `canton {
  parameters { ports-file = "ports.json", timeouts.console.bounded = 2s }
  sequencers {
${list.map((s) => `    ${s.name} { public-api.port = ${s.public}, admin-api.port = ${s.admin}, ${o.extraSeq ?? ''}\n      ${block(s)} }`).join('\n')}
  }
  mediators.mediator1.admin-api.port = ${mediatorPort}
}
`;
}
/** The mediator's admin port, drawn fresh by every `seqs()`. */
let mediatorPort = 0;

const BOOT = (list: Seq[]) => `nodes.local.start()
bootstrap.synchronizer(
  synchronizerName = "da",
  sequencers = Seq(${list.map((s) => s.name).join(', ')}),
  mediators = Seq(mediator1),
  synchronizerOwners = Seq(${list.map((s) => s.name).join(', ')}),
  synchronizerThreshold = PositiveInt.one,
  staticSynchronizerParameters = StaticSynchronizerParameters.defaultsWithoutKMS(ProtocolVersion.latest),
)
`;

async function run(list: Seq[], text: string) {
  const cwd = mkdtempSync(join(tmpdir(), 'canton-bft-'));
  writeFileSync(join(cwd, 'c.conf'), text);
  writeFileSync(join(cwd, 'b.canton'), BOOT(list));
  const r = await spawnCanton(['daemon', '-c', 'c.conf', '--bootstrap', 'b.canton', '--no-tty'], { cwd });
  const log = () => readIf(join(cwd, 'log', 'canton.log')) ?? '';
  return { r, cwd, log };
}

describe('BFT ordering network', () => {
  test.each([2, 3])('%i sequencers with a full initial-network mesh bootstrap', async (n) => {
    const list = await seqs(n);
    const { r, cwd, log } = await run(list, conf(list, 'mesh'));
    try {
      await waitFor(() => portsFileComplete(join(cwd, 'ports.json')) || r.proc.exitCode !== null, 20_000, 'ports file');
      expect(r.proc.exitCode, log()).toBeNull();
      expect(log()).toContain('Bootstrap script successfully executed.');
    } finally { await r.stop(); }
  });

  test.each<[string, Net]>([
    ['no initial-network (what canton-mpc rendered before)', 'none'],
    ['peer endpoints left at tls-config.enabled = true against a plain server', 'tls-default'],
  ])('two sequencers that cannot reach each other never bootstrap: %s', async (_n, net) => {
    const list = await seqs(2);
    const { r, cwd, log } = await run(list, conf(list, net));
    const exit = await r.exited;
    expect(exit.code).toBe(3);
    expect(log()).toMatch(/BFT ordering network is not connected: sequencer1 and sequencer2 have not reached each other/);
    if (net === 'none') expect(log()).toContain('sequencer.config.initial-network is not set');
    expect(readIf(join(cwd, 'ports.json'))).toBeUndefined();
  });
});

describe('strict node config', () => {
  test.each([
    ['an unknown admin-api key', 'admin-api.prot = 1', /canton\.sequencers\.sequencer1\.admin-api\.prot: Unknown key\./],
    ['an unknown public-api key', 'public-api.max-connections = 3', /public-api\.max-connections: Unknown key\./],
  ])('%s is refused (exit 1)', async (_n, extra, msg) => {
    const list = await seqs(1);
    const { r, log } = await run(list, conf(list, 'none', { extraSeq: extra }));
    expect((await r.exited).code).toBe(1);
    expect(log()).toMatch(msg);
  });

  test('an unknown key inside initial-network is refused', async () => {
    const list = await seqs(2);
    const text = conf(list, 'mesh').replace('external-tls-config.enabled = false', 'external-tls-config.enabled = false, external-adress = "x"');
    const { r, log } = await run(list, text);
    expect((await r.exited).code).toBe(1);
    expect(log()).toMatch(/initial-network\.server-endpoint\.external-adress: Unknown key\./);
  });

  test('sequencer.type = bft is an external driver, not the BFT orderer', async () => {
    const list = await seqs(1);
    const a = await run(list, conf(list, 'none', { type: 'bft' }));
    expect((await a.r.exited).code).toBe(1);
    expect(a.log()).toMatch(/Key not found: 'config'.*case-sensitive/);
    const b = await run(list, conf(list, 'mesh', { type: 'Bft' }));
    expect((await b.r.exited).code).toBe(1);
    expect(b.log()).toMatch(/Sequencer implementation 'Bft', API version 1 not found/);
  });
});
