import type { v3_4 } from '@canton-network/core-ledger-client-types';

export type Right = v3_4.components['schemas']['Right'];

/** What a user should hold, with party names already resolved to full party ids. */
export interface DesiredUser {
  id: string;
  primaryParty?: string;
  actAs: string[];
  readAs: string[];
  participantAdmin: boolean;
}

export function actAs(party: string): Right {
  return { kind: { CanActAs: { value: { party } } } };
}
export function readAs(party: string): Right {
  return { kind: { CanReadAs: { value: { party } } } };
}
export function participantAdmin(): Right {
  return { kind: { ParticipantAdmin: { value: {} } } };
}

export function desiredRights(u: DesiredUser): Right[] {
  const rights = [...new Set(u.actAs)].map(actAs);
  // Exactly what the config lists: Canton treats CanActAs as implying read access, but users who
  // list a party under both expect to see both rights.
  rights.push(...[...new Set(u.readAs)].map(readAs));
  if (u.participantAdmin) rights.push(participantAdmin());
  return rights;
}

/** A stable identity for a right, so sets of rights can be compared whatever their JSON layout. */
export function rightKey(r: Right): string {
  const kind = (r.kind ?? {}) as Record<string, { value?: { party?: string } } | undefined>;
  const variant = Object.keys(kind)[0] ?? 'Empty';
  const party = kind[variant]?.value?.party;
  return party ? `${variant}:${party}` : variant;
}

export function describeRight(r: Right): string {
  return rightKey(r).replace(':', ' ');
}

export function missingRights(existing: Right[], desired: Right[]): Right[] {
  const have = new Set(existing.map(rightKey));
  const seen = new Set<string>();
  return desired.filter((r) => {
    const k = rightKey(r);
    if (have.has(k) || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function extraRights(existing: Right[], desired: Right[]): Right[] {
  const want = new Set(desired.map(rightKey));
  return existing.filter((r) => !want.has(rightKey(r)) && rightKey(r) !== 'Empty');
}
