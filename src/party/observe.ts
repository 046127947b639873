/**
 * One read-only console run (party-observe.canton) → what the synchronizer's topology says about the
 * participants and parties: connections, vetting, PartyToParticipant mappings and open proposals.
 */
import { RemoteError } from '../errors.js';
import type { ConsoleStep } from '../canton/console.js';
import { PERMISSIONS, type HostingEntry, type MappingView, type Observation, type Permission } from './types.js';

const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const stripPar = (id: string): string => id.replace(/^PAR::/, '');

function mapping(d: Record<string, unknown>, names: Map<string, string>): MappingView {
  const hosts: HostingEntry[] = (Array.isArray(d.hosts) ? d.hosts : []).map((h: Record<string, unknown>) => {
    const uid = stripPar(String(h.id));
    const permission = String(h.permission) as Permission;
    if (!PERMISSIONS.includes(permission)) throw new RemoteError(`the console reported an unknown permission ${permission} for ${uid}`);
    return { uid, ...(names.has(uid) ? { name: names.get(uid)! } : {}), permission, onboarding: h.onboarding === true };
  });
  return { serial: Number(d.serial), threshold: Number(d.threshold), hosts, signedBy: strs(d.signedBy) };
}

/** Pure: the step lines of party-observe.canton → an Observation (throws when the run was cut short). */
export function parseObservation(steps: ConsoleStep[], partyIds: string[]): Observation {
  const obs: Observation = { synchronizerId: '', participants: {}, parties: {} };
  for (const id of partyIds) obs.parties[id] = { id, proposals: [], external: false, decentralized: false };
  const names = new Map<string, string>();
  for (const s of steps) if (s.id === 'participant') names.set(stripPar(String(s.data.id)), String(s.data.name));
  let complete = false;
  for (const { id, data: d } of steps) {
    if (id === 'synchronizer') obs.synchronizerId = String(d.id);
    else if (id === 'participant') {
      const name = String(d.name);
      const pr = d.pruning as Record<string, unknown> | null | undefined;
      obs.participants[name] = {
        name, uid: stripPar(String(d.id)), connected: d.connected === true, end: Number(d.end ?? 0), manualConnect: d.manualConnect === true,
        pruning: pr && typeof pr === 'object' ? { cron: String(pr.cron), maxSeconds: Number(pr.maxSeconds), retentionSeconds: Number(pr.retentionSeconds) } : null,
        dars: strs(d.dars), vetted: strs(d.vetted),
      };
    } else if (id === 'mapping' || id === 'proposal') {
      const p = obs.parties[String(d.party)];
      if (!p) continue;
      if (id === 'mapping') p.mapping = mapping(d, names);
      else p.proposals.push(mapping(d, names));
      if (d.external === true) p.external = true;
    } else if (id === 'namespace') {
      const p = obs.parties[String(d.party)];
      if (p) p.decentralized = d.decentralized === true;
      if (p && p.decentralized) Object.assign(p, { namespaceThreshold: Number(d.threshold ?? 0), namespaceOwners: strs(d.owners) });
    } else if (id === 'owner-keys') {
      const p = obs.parties[String(d.party)];
      const held = strs(d.owners);
      if (p && held.length > 0) (p.ownerKeys ??= {})[String(d.participant)] = held;
    } else if (id === 'observed') complete = true;
  }
  if (!complete || obs.synchronizerId === '') throw new RemoteError('the observation script ended before it reported everything', { hint: 'Run the command again; see .canton-mpc/console/console.log.' });
  return obs;
}

/** The host entry of a participant (by uid) in a mapping, if it hosts the party. */
export function hostOf(m: MappingView | undefined, uid: string): HostingEntry | undefined {
  return m?.hosts.find((h) => h.uid === uid);
}
