/**
 * The error conditions of Workflow 3 (the seed's table) decoded into fixes. Two kinds of rows: Canton
 * error codes (ids from Canton's source at a904e34, as `CODE(category,correlation): cause`) and the
 * failure texts party-decentral.canton itself prints when a wait runs out (they name the owners).
 */
import { RemoteError, isCantonMpcError } from '../errors.js';

export interface DecentralErrorRow {
  code: string;
  /** Matched against the whole failure text. */
  pattern: RegExp;
  /** The fix; `$1` is the first capture of `pattern`. */
  fix: string;
  source: string;
}

const TOPOLOGY = 'community/base/src/main/scala/com/digitalasset/canton/topology/TopologyManagerError.scala';

export const DECENTRAL_ERRORS: readonly DecentralErrorRow[] = [
  {
    code: 'NAMESPACE_NOT_LISTED',
    pattern: /decentralized namespace \S+ is not listed after \d+ s; owners whose signature is missing: ([A-Za-z0-9_-]+(?:, [A-Za-z0-9_-]+)*)/,
    fix: 'Not every owner signed the same DecentralizedNamespaceDefinition (the first one needs all of them): check that $1 is up and connected, then run the same command again; it proposes only from the owners that have not signed.',
    source: 'templates/party-decentral.canton (DecentralizedNamespaceDefinition.requiredAuth, TopologyMapping.scala:677)',
  },
  {
    code: 'HOSTING_NOT_AUTHORIZED',
    pattern: /PartyToParticipant mapping of \S+ is not effective after \d+ s; owner namespace signatures: (\d+ of the \d+ needed)/,
    fix: 'The threshold of namespace authorizations is not met ($1), or a host has not agreed: bring the owners named above up and run the same command again.',
    source: 'templates/party-decentral.canton (PartyToParticipant.requiredAuth, TopologyMapping.scala)',
  },
  {
    // An owner dropped off the synchronizer between the preflight and its proposal.
    code: 'OWNER_DISCONNECTED',
    pattern: /Participant ([A-Za-z0-9_-]+)::\S+ is not connected to synchronizer/,
    fix: 'Owner $1 went down mid-way: start or reconnect it, then run the same command again; the steps already done are kept and nothing is proposed twice.',
    source: 'the proposal of a participant that is not connected to the synchronizer (store = synchronizer id)',
  },
  {
    code: 'TOPOLOGY_NO_APPROPRIATE_SIGNING_KEY_IN_STORE',
    pattern: /TOPOLOGY_NO_APPROPRIATE_SIGNING_KEY_IN_STORE/,
    fix: "An owner holds no key that may sign for its namespace: its namespace delegation is missing. Run the same command again (it publishes the delegations first); if it persists, check the owner's keys with `keys.secret.list`.",
    source: TOPOLOGY,
  },
  {
    code: 'TOPOLOGY_NAMESPACE_ALREADY_IN_USE',
    pattern: /TOPOLOGY_NAMESPACE_ALREADY_IN_USE/,
    fix: 'A delegation and a decentralized namespace cannot share a namespace: pick another party name, or remove the conflicting delegation.',
    source: TOPOLOGY,
  },
  {
    code: 'TOPOLOGY_UNAUTHORIZED_TRANSACTION',
    pattern: /TOPOLOGY_UNAUTHORIZED_TRANSACTION/,
    fix: 'The proposal lacks namespace authorizations: a change needs a threshold of the current owners plus every added owner; bring them up and run the same command again.',
    source: TOPOLOGY,
  },
  {
    // A submission as the decentralized party from a participant (AdmissibleSynchronizersComputation.scala:190-194:
    // "submitter … has threshold=N" or a permission below Submission).
    code: 'NO_SYNCHRONIZER_ON_WHICH_ALL_SUBMITTERS_CAN_SUBMIT',
    pattern: /NO_SYNCHRONIZER_ON_WHICH_ALL_SUBMITTERS_CAN_SUBMIT/,
    fix: 'A decentralized party cannot be submitted for by one participant: it has no host with Submission (or its confirmation threshold is above 1). Submit with its PartyToKey keys (`party decentralize NAME --party-to-key`, interactive submission), or host it with Submission and threshold 1.',
    source: 'community/participant/src/main/scala/com/digitalasset/canton/participant/protocol/submission/routing/AdmissibleSynchronizersComputation.scala',
  },
  {
    // Too few confirming hosts answered: the mediator times the request out.
    code: 'MEDIATOR_SAYS_TX_TIMED_OUT',
    pattern: /MEDIATOR_SAYS_TX_TIMED_OUT/,
    fix: "Too few of the decentralized party's confirming hosts answered (fewer than its confirmation threshold are up): start or reconnect them and submit again; `canton-mpc party status` shows the hosts and the threshold.",
    source: 'community/base/src/main/scala/com/digitalasset/canton/error/MediatorError.scala:32 (Timeout)',
  },
];

/** The fix for a Workflow 3 failure text, if a row matches. */
export function decodeDecentral(text: string): { code: string; fix: string } | undefined {
  for (const r of DECENTRAL_ERRORS) {
    const m = r.pattern.exec(text);
    if (m) return { code: r.code, fix: r.fix.replace('$1', m[1] ?? '') };
  }
  return undefined;
}

/** The same error with the Workflow 3 fix as its hint (the console runner's hint is generic). */
export function withDecentralHint(e: unknown): unknown {
  if (!isCantonMpcError(e)) return e;
  const d = decodeDecentral(`${e.message}\n${e.hint ?? ''}`);
  if (!d) return e;
  return new RemoteError(e.message, { where: e.where, hint: d.fix, kind: e.kind, exitCode: e.exitCode, data: { ...(e.data ?? {}), decoded: d.code } });
}
