/**
 * Workflow 3, pure: the observation lines of party-decentral.canton → what exists, and from that and the
 * request → which steps are pending, who signs, and the refusals (an owner that is down is named).
 */
import { PrerequisiteError, RemoteError, UserError, ExitCode } from '../errors.js';
import type { ConsoleStep } from '../canton/console.js';
import type { DecentralStepId } from './decentral-script.js';
import type { Permission } from './types.js';

export interface OwnerObs { name: string; uid: string; connected: boolean; nsKey?: string; protoKey?: string; delegation: boolean }
export interface DecentralObservation {
  owners: Record<string, OwnerObs>;
  /** Known once every owner's namespace key exists (or from an earlier run). */
  namespace?: string;
  partyId?: string;
  dnd?: { threshold: number; owners: string[] };
  dndSignedBy: string[];
  hosting?: { threshold: number; hosts: Array<{ uid: string; permission: Permission; onboarding: boolean }> };
  hostingSignedBy: string[];
  partyToKey?: { threshold: number; keys: string[] };
}

export interface DecentralRequest {
  name: string;
  /** Every owner after this run. */
  owners: string[];
  /** The owners before (a change); empty for a new party. */
  previousOwners: string[];
  /** The existing decentralized namespace (a change). */
  namespace?: string;
  threshold: number;
  confirmationThreshold: number;
  permission: Permission;
  partyToKey: boolean;
}

const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const arr = (v: unknown): Array<Record<string, unknown>> => (Array.isArray(v) ? (v as Array<Record<string, unknown>>) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const stripPar = (id: string) => id.replace(/^PAR::/, '');

export function parseDecentralObservation(steps: ConsoleStep[]): DecentralObservation {
  const o: DecentralObservation = { owners: {}, dndSignedBy: [], hostingSignedBy: [] };
  let complete = false;
  for (const { id, data: d } of steps) {
    if (id === 'owner') {
      const name = String(d.name);
      o.owners[name] = { name, uid: stripPar(String(d.id)), connected: d.connected === true, ...(str(d.nsKey) ? { nsKey: str(d.nsKey) } : {}), ...(str(d.protoKey) ? { protoKey: str(d.protoKey) } : {}), delegation: d.delegation === true };
    } else if (id === 'namespace-state') {
      o.namespace = String(d.namespace);
      const l = arr(d.listed)[0];
      if (l) o.dnd = { threshold: Number(l.threshold), owners: strs(l.owners).sort() };
      o.dndSignedBy = strs(d.signedBy);
    } else if (id === 'hosting-state') {
      o.partyId = String(d.party);
      const l = arr(d.listed)[0];
      if (l) o.hosting = { threshold: Number(l.threshold), hosts: arr(l.hosts).map((h) => ({ uid: stripPar(String(h.id)), permission: String(h.permission) as Permission, onboarding: h.onboarding === true })) };
      o.hostingSignedBy = strs(d.signedBy);
    } else if (id === 'party-to-key-state') {
      const l = arr(d.listed)[0];
      if (l) o.partyToKey = { threshold: Number(l.threshold), keys: strs(l.keys).sort() };
    } else if (id === 'observed') complete = true;
  }
  if (!complete) throw new RemoteError('the decentralized-party observation ended before it reported everything', { hint: 'Run the command again; see the console.log in the run directory.' });
  return o;
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Pure: the steps whose effect is missing, in order. */
export function pendingSteps(req: DecentralRequest, obs: DecentralObservation): DecentralStepId[] {
  const owners = req.owners.map((n) => obs.owners[n]);
  const out: DecentralStepId[] = [];
  if (owners.some((x) => !x?.nsKey)) out.push('namespace-keys');
  if (owners.some((x) => !x?.delegation)) out.push('delegations');
  const nsKeys = owners.map((x) => x?.nsKey ?? '');
  if (!(obs.dnd && obs.dnd.threshold === req.threshold && !nsKeys.includes('') && sameSet(obs.dnd.owners, nsKeys))) out.push('namespace');
  const uids = owners.map((x) => x?.uid ?? '');
  const h = obs.hosting;
  if (!(h && h.threshold === req.confirmationThreshold && sameSet(h.hosts.map((x) => x.uid), uids) && h.hosts.every((x) => x.permission === req.permission))) out.push('hosting');
  if (req.partyToKey) {
    const keys = owners.map((x) => x?.protoKey ?? '');
    if (!(obs.partyToKey && !keys.includes('') && sameSet(obs.partyToKey.keys, keys))) out.push('party-to-key');
  }
  return out;
}

/**
 * Who proposes: every owner for a new party (the first definition needs all of them); for a change, a
 * threshold of the current owners that are up (kept ones first) plus every added owner.
 */
export function signersFor(req: DecentralRequest, obs: DecentralObservation): string[] {
  if (req.previousOwners.length === 0) return req.owners;
  const added = req.owners.filter((o) => !req.previousOwners.includes(o));
  const up = (n: string) => obs.owners[n]?.connected === true;
  const current = [...req.previousOwners.filter((o) => req.owners.includes(o)), ...req.previousOwners.filter((o) => !req.owners.includes(o))].filter(up);
  return [...new Set([...current.slice(0, req.threshold), ...added])];
}

/**
 * The added owners that must get the party's ACS before they host it (Workflow 2): the party has (or may
 * have) been a stakeholder, and the owner is not yet a full host. Pure.
 */
export function onboardingTargets(req: DecentralRequest, obs: DecentralObservation, history: 'none' | 'used' | 'unknown'): string[] {
  if (req.previousOwners.length === 0 || history === 'none') return [];
  return req.owners.filter((o) => !req.previousOwners.includes(o)).filter((o) => !obs.hosting?.hosts.some((h) => h.uid === obs.owners[o]?.uid && !h.onboarding));
}

/** The owner namespace must be in place before Workflow 2 onboards the new owner (it disconnects it). */
const NEEDS_EVERY_OWNER_NOW: DecentralStepId[] = ['namespace-keys', 'delegations', 'namespace'];

/**
 * The refusal when a signing owner is down, naming it; undefined when the run can go ahead. An owner
 * being onboarded by Workflow 2 may be disconnected (that workflow disconnects it and reconnects it),
 * unless its key or the namespace still needs it now.
 */
export function ownersDown(req: DecentralRequest, obs: DecentralObservation, pending: DecentralStepId[], alias: string, onboarding: string[] = []): PrerequisiteError | undefined {
  if (pending.length === 0 && onboarding.length === 0) return undefined;
  const now = pending.some((s) => NEEDS_EVERY_OWNER_NOW.includes(s));
  const needed = new Set([...signersFor(req, obs), ...(pending.some((s) => s === 'namespace-keys' || s === 'delegations' || s === 'party-to-key') ? req.owners : [])].filter((n) => now || !onboarding.includes(n)));
  const down = [...needed].filter((n) => obs.owners[n]?.connected !== true);
  const prevUp = req.previousOwners.filter((o) => obs.owners[o]?.connected === true).length;
  if (req.previousOwners.length > 0 && prevUp < req.threshold) {
    return new PrerequisiteError(`only ${prevUp} of the current owners (${req.previousOwners.join(', ')}) are up; a change needs ${req.threshold} of them`, {
      hint: `Start or reconnect the owners that are down (${req.previousOwners.filter((o) => obs.owners[o]?.connected !== true).join(', ')}), then run the same command again.`,
      kind: 'owner_down',
    });
  }
  if (down.length === 0) return undefined;
  return new PrerequisiteError(`owner ${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} not connected to synchronizer ${alias} (down or disconnected), and ${pending[0]} needs ${down.length === 1 ? 'its' : 'their'} signature`, {
    hint: `Start or reconnect ${down.join(', ')} (\`canton-mpc up\` reconnects every participant), then run the same command again: the steps already done are kept.`,
    kind: 'owner_down',
  });
}

/** Validation of the request itself (flags or canton-mpc.yaml), before anything runs. */
export function checkRequest(req: DecentralRequest, known: string[], where: string): void {
  const fail = (message: string, hint: string) => { throw new UserError(message, { where, hint, exitCode: ExitCode.USAGE }); };
  const unknown = req.owners.filter((o) => !known.includes(o));
  if (unknown.length > 0) fail(`unknown owner participant${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`, `known participants: ${known.join(', ')}`);
  if (new Set(req.owners).size !== req.owners.length) fail('an owner is listed twice', 'list each owner participant once');
  if (req.owners.length < 2) fail(`a decentralized party needs at least two owners, got ${req.owners.length}`, 'e.g. --owners participant1,participant2,participant3');
  if (!Number.isInteger(req.threshold) || req.threshold < 1 || req.threshold > req.owners.length) fail(`threshold ${req.threshold} must be between 1 and the number of owners (${req.owners.length})`, 'e.g. 2 of 3 tolerates one owner that is down or dishonest');
  const confirming = req.permission === 'Observation' ? 0 : req.owners.length;
  if (!Number.isInteger(req.confirmationThreshold) || req.confirmationThreshold < 1 || req.confirmationThreshold > Math.max(confirming, 1)) {
    fail(`confirmation threshold ${req.confirmationThreshold} cannot be met by ${confirming} confirming host${confirming === 1 ? '' : 's'}`, req.permission === 'Observation' ? 'observation hosts do not confirm: use --permission confirmation' : `use a value from 1 to ${req.owners.length}`);
  }
}

export { ExitCode };
