/**
 * The party side of a change to a decentralized party (Workflows 1 and 2), pure: which of the project's
 * participants sign it. Canton authorizes a PartyToParticipant change of a party in a decentralized
 * namespace once `threshold` of the namespace's owners have signed (TopologyMapping.scala,
 * DecentralizedNamespaceDefinition / PartyToParticipant.requiredAuth); each owner's key stays in the
 * vault of the participant that generated it (Workflow 3), and that participant signs with it when it
 * proposes (TopologyManager.determineKeysToUse picks the node's keys the mapping needs).
 *
 * Owners that already signed the open proposal are not asked again; the source goes first; a participant
 * that cannot take part (the target while it is disconnected, in Workflow 2) is left out.
 */
import { ExitCode, PrerequisiteError, UserError } from '../errors.js';
import type { Observation, PartyView } from './types.js';

export interface SignerQuery {
  label: string;
  /** Asked first when they hold owner keys (the source). */
  prefer: string[];
  /** Not asked (the target in Workflow 2: it is disconnected when the party side is proposed). */
  exclude: string[];
  /** Namespaces that signed the open proposal already. */
  signedBy: string[];
  alias: string;
}

export interface PartySigners {
  /** Participants that propose the party side, in order; empty when the threshold is already met. */
  signers: string[];
  threshold: number;
  /** Owner namespaces that signed before this run. */
  alreadySigned: number;
}

export function partySideSigners(party: PartyView, obs: Observation, q: SignerQuery): PartySigners {
  const owners = party.namespaceOwners ?? [];
  const threshold = party.namespaceThreshold ?? 0;
  const signed = new Set(owners.filter((x) => q.signedBy.includes(x)));
  let missing = threshold - signed.size;
  if (missing <= 0) return { signers: [], threshold, alreadySigned: signed.size };
  const order = [...q.prefer, ...Object.keys(obs.participants)];
  const holders = Object.entries(party.ownerKeys ?? {})
    .map(([name, keys]) => ({ name, keys: keys.filter((k) => owners.includes(k) && !signed.has(k)) }))
    .filter((h) => h.keys.length > 0)
    .sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  const usable = holders.filter((h) => !q.exclude.includes(h.name) && obs.participants[h.name]?.connected === true);
  const signers: string[] = [];
  for (const h of usable) {
    if (missing <= 0) break;
    signers.push(h.name);
    missing -= h.keys.length;
  }
  if (missing <= 0) return { signers, threshold, alreadySigned: signed.size };

  const have = threshold - missing;
  const down = holders.filter((h) => !q.exclude.includes(h.name) && obs.participants[h.name]?.connected !== true);
  const excluded = holders.filter((h) => q.exclude.includes(h.name)).map((h) => h.name);
  const need = `the party side needs ${threshold} of its ${owners.length} owners' signatures and only ${have} can be given now`;
  if (down.length > 0 && down.reduce((n, h) => n + h.keys.length, 0) >= missing) {
    const names = down.map((h) => h.name);
    throw new PrerequisiteError(`party ${q.label} lives in a decentralized namespace: ${need}, because owner ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} not connected to synchronizer ${q.alias}`, {
      hint: `Start or reconnect ${names.join(', ')} (\`canton-mpc up\` reconnects every participant), then run the same command again. Nothing was proposed.`,
      kind: 'owner_down',
      data: { threshold, available: have, down: names },
    });
  }
  const holderNames = holders.map((h) => h.name);
  throw new UserError(`party ${q.label} lives in a decentralized namespace: ${need}; the owner keys held by this project's participants (${holderNames.join(', ') || 'none'}) are not enough${excluded.length ? ` (${excluded.join(', ')} cannot sign here: it is the target)` : ''}`, {
    hint: 'The owners outside this project must sign the same proposal on their own participants; or lower the namespace threshold with `canton-mpc party decentralize NAME --threshold N` first. Nothing was proposed.',
    exitCode: ExitCode.REFUSED,
    kind: 'threshold_not_reachable',
    data: { threshold, available: have, holders: holderNames },
  });
}
