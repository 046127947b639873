// Issue 14 item 1: several BFT sequencers must form one ordering network. Rendered canton.conf with
// 1, 2, 3 and 4 sequencers is resolved by Typesafe Config (what Canton reads it with), and every
// sequencer's peer endpoints must be exactly the other sequencers' advertised server endpoints.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/parse.js';
import { toTopology } from '../../src/config/topology.js';
import type { Topology } from '../../src/config/types.js';
import { renderProject } from '../../src/render/index.js';
import { resolveHocon, type Resolved } from '../support/typesafe-check/index.js';

const seqYaml = (n: number, extra = '') => `${extra}sequencers:\n${Array.from({ length: n }, (_, i) => `  sequencer${i + 1}: {}`).join('\n')}\n`;
const topo = (yaml: string): Topology => toTopology(parseConfigText(yaml, 'canton-mpc.yaml', { format: 'yaml' }), '/proj/x');

const CASES = [
  { name: '1 sequencer', t: topo(seqYaml(1)) },
  { name: '2 sequencers', t: topo(seqYaml(2)) },
  { name: '3 sequencers', t: topo(seqYaml(3)) },
  { name: '4 sequencers, bound to 0.0.0.0', t: topo(seqYaml(4, 'address: 0.0.0.0\n')) },
];

const resolved = new Map<string, Resolved>();
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'render-bft-'));
  const files = CASES.map((c, i) => {
    const f = join(dir, `${i}.conf`);
    writeFileSync(f, renderProject(c.t, { darExists: () => false }).find((x) => x.name === 'canton.conf')!.content);
    return f;
  });
  const out = resolveHocon(files);
  CASES.forEach((c, i) => resolved.set(c.name, out[files[i]!]!));
});

interface Endpoint { address: string; port: number; 'tls-config'?: { enabled: boolean } }

describe.each(CASES)('canton.conf with $name', ({ name, t }) => {
  const key = (s: string, rest: string) => `canton.sequencers.${s}.sequencer.${rest}`;
  it('parses with Typesafe Config; every sequencer is exactly type BFT', () => {
    const c = resolved.get(name)!;
    expect(c.error).toBeUndefined();
    for (const s of t.sequencers) expect(c[key(s.name, 'type')]).toBe('BFT');
  });

  it('peer endpoints: every other sequencer, at its advertised server endpoint, ports unique', () => {
    const c = resolved.get(name)!;
    const many = t.sequencers.length > 1;
    const advertised = new Map<string, string>();
    for (const s of t.sequencers) {
      const server = key(s.name, 'config.initial-network.server-endpoint');
      if (!many) {
        expect(c[`${server}.port`]).toBeUndefined();
        continue;
      }
      expect(c[`${server}.address`]).toBe(s.address);
      expect(c[`${server}.port`]).toBe(s.ports.p2p);
      expect(c[`${server}.external-port`]).toBe(s.ports.p2p);
      expect(c[`${server}.external-address`]).toBe(s.address === '0.0.0.0' ? '127.0.0.1' : s.address);
      expect(c[`${server}.external-tls-config.enabled`]).toBe(false);
      advertised.set(s.name, `${c[`${server}.external-address`]}:${c[`${server}.external-port`]}`);
    }
    if (!many) return;
    const ports = t.sequencers.flatMap((s) => [s.ports.public, s.ports.admin, s.ports.p2p]);
    expect(new Set(ports).size).toBe(ports.length);
    for (const s of t.sequencers) {
      const peers = c[key(s.name, 'config.initial-network.peer-endpoints')] as Endpoint[];
      expect(peers).toHaveLength(t.sequencers.length - 1);
      const got = peers.map((p) => `${p.address}:${p.port}`).sort();
      const want = t.sequencers.filter((o) => o.name !== s.name).map((o) => advertised.get(o.name)!).sort();
      expect(got).toEqual(want);
      for (const p of peers) expect(p['tls-config']).toEqual({ enabled: false });
    }
  });
});
