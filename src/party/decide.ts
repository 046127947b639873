/**
 * The Party Mobility runbook's "Quick decision guide" as a pure function (seed 003): which workflow
 * `party replicate` takes for a party, and what it must respect on the way.
 *
 *   never used            → Workflow 1 (simple party replication / multi-hosting)
 *   used, single owner    → Workflow 2 (offline party replication)
 *   used, decentralized   → Workflow 2 with a threshold of owner authorizations
 *   not sure it is clean  → Workflow 2 ("If you're not 100% certain the party is clean, use Offline
 *                           Party Replication")
 *   a new decentralized party → Workflow 3 (setup), then Workflow 2 to add members later
 *   external party        → the target gets Confirmation or Observation only; its namespace key signs
 */
import type { History, Permission } from './types.js';

export interface PartyFacts {
  history: History['state'];
  external: boolean;
  decentralized: boolean;
  /** Setting up a brand new decentralized party rather than replicating an existing one. */
  newDecentralizedParty?: boolean;
}

export interface Decision {
  workflow: 1 | 2 | 3;
  /** One sentence: why this workflow. */
  reason: string;
  /** Topology changes need a threshold of the owners' authorizations (decentralized namespace). */
  thresholdAuthorization: boolean;
  /** Permissions the target participant may receive. */
  allowedPermissions: Permission[];
  /** The party-side authorization is a signature by the party's own (external) namespace key. */
  externalSignature: boolean;
}

const ALL: Permission[] = ['Submission', 'Confirmation', 'Observation'];
const NO_SUBMISSION: Permission[] = ['Confirmation', 'Observation'];

export function decideWorkflow(f: PartyFacts): Decision {
  const base = {
    thresholdAuthorization: f.decentralized,
    allowedPermissions: f.external ? NO_SUBMISSION : ALL,
    externalSignature: f.external,
  };
  if (f.newDecentralizedParty) {
    return { ...base, thresholdAuthorization: true, workflow: 3, reason: 'a brand new decentralized party is set up with Workflow 3 (decentralized party setup); members added later need Workflow 2' };
  }
  if (f.history === 'none') {
    return { ...base, workflow: 1, reason: 'it has never been a stakeholder, so hosting it on another participant needs only the topology change' };
  }
  const why =
    f.history === 'used'
      ? 'it has been a stakeholder, so its active contracts must be exported and imported'
      : 'canton-mpc cannot tell for certain that it was never a stakeholder, and the runbook takes the safe path then';
  return {
    ...base,
    workflow: 2,
    reason: f.decentralized ? `${why}, with a threshold of the namespace owners' authorizations` : why,
  };
}

/** Why a requested permission is not allowed for this party, or undefined when it is. */
export function permissionProblem(d: Decision, wanted: Permission): string | undefined {
  if (d.allowedPermissions.includes(wanted)) return undefined;
  return d.externalSignature
    ? `an external party may be hosted on another participant only with Confirmation or Observation, not ${wanted} (its keys, not a participant, submit for it)`
    : `${wanted} is not allowed here`;
}
