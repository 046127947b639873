/**
 * What canton-mpc knows about a party's hosting, as observed from the running topology
 * (src/party/observe.ts) and the Ledger API (src/party/history.ts).
 */
export type Permission = 'Submission' | 'Confirmation' | 'Observation';
export const PERMISSIONS: readonly Permission[] = ['Submission', 'Confirmation', 'Observation'];

/** `--permission submission` → `Submission`. */
export function permissionFromFlag(v: string): Permission | undefined {
  return PERMISSIONS.find((p) => p.toLowerCase() === v.trim().toLowerCase());
}

export interface HostingEntry {
  /** Participant uid, `participant1::1220…`. */
  uid: string;
  /** Its name in the config, when it is one of the project's participants. */
  name?: string;
  permission: Permission;
  onboarding: boolean;
}

export interface MappingView {
  serial: number;
  threshold: number;
  hosts: HostingEntry[];
  /** Namespaces (fingerprints) whose keys signed it. */
  signedBy: string[];
}

export interface PartyView {
  id: string;
  /** The effective PartyToParticipant mapping; undefined when the synchronizer does not know the party. */
  mapping?: MappingView;
  /** Proposals waiting for more signatures. */
  proposals: MappingView[];
  /** The party's signing keys live outside Canton. */
  external: boolean;
  /** Its namespace is a decentralized one (owned by several namespaces with a threshold). */
  decentralized: boolean;
  /** A decentralized namespace's threshold and owner namespaces (fingerprints). */
  namespaceThreshold?: number;
  namespaceOwners?: string[];
  /**
   * A decentralized party: per participant of the project (by name), the owner namespaces whose keys it
   * holds, so it can sign the party side of a change with them (absent for a participant that holds none).
   */
  ownerKeys?: Record<string, string[]>;
}

export interface PruningSchedule {
  cron: string;
  maxSeconds: number;
  retentionSeconds: number;
}

export interface ParticipantView {
  name: string;
  uid: string;
  /** Connected to the project's synchronizer and active on it. */
  connected: boolean;
  /** Ledger end offset when observed. */
  end: number;
  /** Its connection to the synchronizer must be reconnected by hand (`manualConnect`). */
  manualConnect: boolean;
  /** Its automatic pruning schedule, or null when none is set. */
  pruning: PruningSchedule | null;
  /** Main package ids of the DARs uploaded there. */
  dars: string[];
  /** Package ids vetted by it on the synchronizer. */
  vetted: string[];
}

export interface Observation {
  synchronizerId: string;
  participants: Record<string, ParticipantView>;
  parties: Record<string, PartyView>;
}

/** Whether the party has ever been a stakeholder: the Party Mobility runbook's first question. */
export type History =
  | { state: 'none'; detail: string }
  | { state: 'used'; detail: string }
  | { state: 'unknown'; detail: string };

export const namespaceOf = (id: string): string => id.split('::')[1] ?? '';
