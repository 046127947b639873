// The BFT orderer's peer-to-peer network, as far as a test can observe it. A BFT sequencer starts a
// peer-to-peer server only when `sequencer.config.initial-network` is set
// (BftBlockOrdererConfig.scala:97, BftBlockOrderer.scala:231-235) and dials its `peer-endpoints`,
// retrying (P2PConnectionManagementConfig: 500 ms initial delay). Here each server answers a dial
// with the name of its sequencer, so the emulator knows which sequencers reached which. Several
// sequencers that have not all reached each other cannot order anything: Canton's
// `bootstrap.synchronizer` then hangs until the console command times out. Stricter than Canton in
// one respect, on purpose: every pair must be linked (canton-mpc renders a full mesh), where Canton's
// consensus would tolerate f = (n-1)/3 missing nodes.
import { connect, createServer, type Server } from 'node:net';
import type { Endpoint, NodeCfg } from './config.js';

const HELLO = 'CANTON-EMULATOR-P2P ';
const RETRY_MS = 250;
/** Undirected links between sequencer names: a gRPC stream between two peers carries both ways. */
const links = new Set<string>();
const pair = (a: string, b: string) => [a, b].sort().join('\u0000');
let dialing = false;

/** A peer-to-peer server; one whose endpoint authentication cannot succeed accepts and says nothing. */
export function p2pServer(name: string, authenticates: boolean): Server {
  return createServer((sock) => { sock.on('error', () => {}); if (authenticates) sock.end(`${HELLO}${name}\n`); else sock.setTimeout(1_000, () => sock.destroy()); });
}

function dialOnce(ep: Endpoint): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = connect({ host: ep.address, port: ep.port });
    let buf = '';
    const done = (v: string | undefined) => { sock.destroy(); resolve(v); };
    sock.setTimeout(1_000, () => done(undefined));
    sock.on('data', (d) => { buf += d.toString('utf8'); const i = buf.indexOf('\n'); if (i >= 0) done(buf.startsWith(HELLO) ? buf.slice(HELLO.length, i) : undefined); });
    sock.on('error', () => done(undefined));
    sock.on('close', () => done(undefined));
  });
}

/** Every BFT sequencer with peer endpoints keeps dialing the ones it has not reached yet. */
export function startDialing(nodes: NodeCfg[]): void {
  if (dialing) return;
  dialing = true;
  for (const n of nodes) {
    if (n.kind !== 'sequencer' || !n.bft) continue;
    for (const ep of n.bft.peers) {
      const loop = async () => {
        const peer = await dialOnce(ep);
        if (peer && peer !== n.name) { links.add(pair(n.name, peer)); return; }
        setTimeout(() => { void loop(); }, RETRY_MS).unref();
      };
      void loop();
    }
  }
}

/** Pairs of BFT sequencers among `names` that have not reached each other (empty: one network). */
export function missingLinks(nodes: NodeCfg[], names: string[]): Array<[string, string]> {
  const bft = names.filter((s) => nodes.find((n) => n.name === s)?.bft);
  const out: Array<[string, string]> = [];
  for (let i = 0; i < bft.length; i++) for (let j = i + 1; j < bft.length; j++) if (!links.has(pair(bft[i]!, bft[j]!))) out.push([bft[i]!, bft[j]!]);
  return out;
}

/** Waits up to `timeoutMs` for the BFT sequencers among `names` to form one network; throws like a timed-out bootstrap. */
export async function awaitOrderingNetwork(nodes: NodeCfg[], names: string[], timeoutMs: number): Promise<void> {
  if (names.length < 2) return;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing = missingLinks(nodes, names);
    if (missing.length === 0) return;
    if (Date.now() >= deadline) {
      const why = (s: string) => (nodes.find((n) => n.name === s)?.bft?.server ? '' : ` (${s} has no peer-to-peer server: sequencer.config.initial-network is not set)`);
      throw new Error(`The synchronizer cannot be bootstrapped: the command timed out after ${timeoutMs} ms: the BFT ordering network is not connected: ${missing.map(([a, b]) => `${a} and ${b} have not reached each other${why(a) || why(b)}`).join('; ')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
