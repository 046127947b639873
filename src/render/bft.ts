/**
 * The BFT orderer's `sequencer.config.initial-network` of each sequencer, so that several sequencers
 * form one ordering network. Without it a BFT sequencer starts no peer-to-peer server at all
 * (`initialNetwork: Option[P2PNetworkConfig] = None`, BftBlockOrdererConfig.scala:97;
 * BftBlockOrderer.scala:231-235) and two or more sequencers never order a block.
 *
 * Keys exactly as Canton 3.4.11 reads them (pureconfig, kebab-case, unknown keys rejected;
 * CantonConfig.scala:699-722, 1052-1066; BftBlockOrdererConfig.scala `P2PNetworkConfig`,
 * `P2PServerConfig`, `P2PEndpointConfig`; reference: examples/11-bft-sequencer/two-peers.conf):
 *   server-endpoint { address, port (internalPort), external-address, external-port, external-tls-config.enabled }
 *   peer-endpoints = [{ address, port, tls-config.enabled }]
 * Both TLS settings default to `enabled = true`; the peer-to-peer server here has no TLS, so both are
 * written `false` (as in two-peers.conf). Endpoint authentication stays on (its default): peers prove
 * their sequencer identity with their own keys, which needs no TLS.
 */
import { connectAddress } from '../config/endpoints.js';
import type { SequencerNode } from '../config/types.js';
import type { HoconObject } from './hocon.js';

/** Where the other sequencers reach this one: its bind address, loopback for a wildcard bind. */
export function p2pEndpoint(n: SequencerNode): { address: string; port: number } | undefined {
  return n.ports.p2p === undefined ? undefined : { address: connectAddress(n.address), port: n.ports.p2p };
}

/** `sequencer { … }` of one sequencer: `type = "BFT"`, plus its peer-to-peer network when it has a port. */
export function bftSequencerBlock(n: SequencerNode, all: SequencerNode[]): HoconObject {
  const own = p2pEndpoint(n);
  if (!own) return { type: 'BFT' };
  const peers = all.filter((s) => s.name !== n.name).flatMap((s) => {
    const e = p2pEndpoint(s);
    return e ? [{ address: e.address, port: e.port, 'tls-config': { enabled: false } }] : [];
  });
  return {
    type: 'BFT',
    config: {
      'initial-network': {
        'server-endpoint': {
          address: n.address,
          port: own.port,
          'external-address': own.address,
          'external-port': own.port,
          'external-tls-config': { enabled: false },
        },
        'peer-endpoints': peers,
      },
    },
  };
}
