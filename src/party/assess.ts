/**
 * Preflight of Workflow 1 as a pure function: from what was observed (topology, history), decide
 * whether `party replicate` may go ahead, what is already done and what is pending. Every refusal
 * happens here, before anything is proposed.
 */
import { ExitCode, UserError } from '../errors.js';
import { decideWorkflow, permissionProblem, type Decision } from './decide.js';
import { externalKeyProblem } from './external-assess.js';
import { hostOf } from './observe.js';
import { partySideSigners } from './threshold-signers.js';
import type { ReplicateStepId } from './scripts.js';
import { namespaceOf, type History, type MappingView, type Observation, type Permission } from './types.js';

export interface ReplicateRequest {
  /** The party's name in the config, when it has one (messages use it). */
  partyName?: string;
  partyId: string;
  source: string;
  target: string;
  permission: Permission;
  threshold?: number;
}

export interface Assessment {
  decision: Decision;
  /** The target already hosts the party as asked: nothing to do. */
  alreadyDone: boolean;
  pending: ReplicateStepId[];
  /** Packages the source has vetted and the target has not. */
  missingPackages: string[];
  /** Every host after the change (threshold mode renders them). */
  hosts: Array<{ id: string; permission: Permission }>;
  threshold: number;
  /** A decentralized party: the participants that sign its side with their owner keys (threshold-signers.ts). */
  partySigners?: string[];
}

const refuse = (message: string, hint: string, kind: string, data?: Record<string, unknown>) => new UserError(message, { hint, exitCode: ExitCode.REFUSED, kind, data });
const sameHosts = (m: MappingView, want: Array<{ id: string; permission: Permission }>) =>
  m.hosts.length === want.length && want.every((w) => m.hosts.some((h) => `PAR::${h.uid}` === w.id && h.permission === w.permission && !h.onboarding));

export function assessReplication(req: ReplicateRequest, obs: Observation, history: History, opts: { darFiles: number; externalKey?: string; alias?: string }): Assessment {
  const label = req.partyName ?? req.partyId;
  const src = obs.participants[req.source];
  const tgt = obs.participants[req.target];
  if (!src || !tgt) throw new UserError(`participant ${!src ? req.source : req.target} was not observed`, { hint: 'Check `canton-mpc status`.' });
  for (const p of [src, tgt]) {
    if (!p.connected) {
      throw refuse(`${p.name} is not connected to the synchronizer ${obs.synchronizerId.split('::')[0]}`, `Both participants must be connected before replicating (the runbook's prerequisite). Check \`canton-mpc status\`; \`canton-mpc down\` and \`up\` reconnect every participant.`, 'participant_not_connected', { participant: p.name });
    }
  }
  const party = obs.parties[req.partyId];
  const mapping = party?.mapping;
  if (!party || !mapping) throw refuse(`party ${label} is not known on the synchronizer`, 'Check the party name (`canton-mpc party status`).', 'party_unknown');
  if (!hostOf(mapping, src.uid)) {
    const hosts = mapping.hosts.map((h) => h.name ?? h.uid).join(', ');
    throw refuse(`party ${label} is not hosted on ${src.name}`, `Replicate from a participant that hosts it: --from ${mapping.hosts.find((h) => h.name)?.name ?? hosts}.`, 'not_hosted_on_source');
  }
  const decision = decideWorkflow({ history: history.state, external: party.external, decentralized: party.decentralized });
  const threshold = req.threshold ?? mapping.threshold;
  const hosts = [...mapping.hosts.filter((h) => h.uid !== tgt.uid).map((h) => ({ id: `PAR::${h.uid}`, permission: h.permission })), { id: `PAR::${tgt.uid}`, permission: req.permission }];
  const existing = hostOf(mapping, tgt.uid);
  if (existing) {
    if (existing.permission === req.permission && !existing.onboarding && (req.threshold === undefined || req.threshold === mapping.threshold)) {
      return { decision, alreadyDone: true, pending: [], missingPackages: [], hosts, threshold };
    }
    throw refuse(`${tgt.name} already hosts ${label} with ${existing.permission}${existing.onboarding ? ' (still onboarding)' : ''}`, `Changing a host's permission or threshold is not a replication; canton-mpc does not do it. Pass --permission ${existing.permission.toLowerCase()} to confirm the current hosting.`, 'already_hosted_otherwise');
  }
  if (decision.workflow !== 1) {
    throw refuse(`party ${label} needs offline party replication (Workflow 2), not simple replication: ${decision.reason}; ${history.detail}`, `Nothing was changed. Run \`canton-mpc party replicate ${label} --to ${req.target}\`: it takes Workflow 2 (ACS export and import, Postgres storage on the target, Observation or Confirmation).`, 'needs_offline_replication', { history });
  }
  const permErr = permissionProblem(decision, req.permission);
  if (permErr) throw refuse(`cannot host ${label} on ${tgt.name} with ${req.permission}: ${permErr}`, 'Use --permission confirmation or --permission observation.', 'permission_not_allowed');
  if (decision.externalSignature) externalKeyProblem(label, req.partyId, opts.externalKey);
  // A decentralized party's side is signed by a threshold of its owners (threshold-signers.ts), not the source.
  if (!decision.externalSignature && !decision.thresholdAuthorization && namespaceOf(req.partyId) !== namespaceOf(src.uid)) {
    const owner = Object.values(obs.participants).find((p) => namespaceOf(p.uid) === namespaceOf(req.partyId) && hostOf(mapping, p.uid));
    throw refuse(`${src.name} does not hold the namespace key of ${label}, so it cannot authorize the party side`, owner ? `Replicate from the participant that owns it: --from ${owner.name}.` : 'The party is owned by a namespace outside this project.', 'source_not_owner');
  }
  const confirming = hosts.filter((h) => h.permission !== 'Observation').length;
  if (threshold < 1 || threshold > confirming) {
    throw new UserError(`--threshold ${threshold} cannot be met: ${label} would have ${confirming} confirming host(s)`, { where: '--threshold', hint: `Choose 1..${confirming}.`, exitCode: ExitCode.USAGE });
  }
  // A proposal someone else left with another permission (or threshold) would never meet ours.
  const nextSerial = mapping.serial + 1;
  const open = party.proposals.filter((p) => p.serial === nextSerial && p.hosts.some((h) => h.uid === tgt.uid));
  const mismatch = open.find((p) => !sameHosts(p, hosts) || p.threshold !== threshold);
  if (mismatch && !open.some((p) => sameHosts(p, hosts) && p.threshold === threshold)) {
    const h = mismatch.hosts.find((x) => x.uid === tgt.uid)!;
    throw refuse(`a pending proposal already hosts ${label} on ${tgt.name} with ${h.permission} (threshold ${mismatch.threshold}); both sides must propose the same permission`, `Re-run with --permission ${h.permission.toLowerCase()}${mismatch.threshold !== mapping.threshold ? ` --threshold ${mismatch.threshold}` : ''} to complete that proposal; a mismatched pair never becomes effective.`, 'permission_mismatch');
  }
  const matching = open.find((p) => sameHosts(p, hosts) && p.threshold === threshold);
  const missingPackages = [...new Set([...src.vetted, ...src.dars])].filter((p) => !tgt.vetted.includes(p)).sort();
  if (missingPackages.length > 0 && opts.darFiles === 0) {
    throw refuse(`${tgt.name} lacks ${missingPackages.length} package(s) that ${src.name} has vetted, and no DAR is configured to upload`, 'Add the DAR files the party uses to `dars:` in canton-mpc.yaml (a party replicated onto a participant without its packages cannot process its contracts).', 'packages_missing', { missingPackages });
  }
  const pending: ReplicateStepId[] = [];
  if (missingPackages.length > 0) pending.push('vet-packages');
  const sides: ReplicateStepId[] = [];
  const owners = decision.thresholdAuthorization ? partySideSigners(party, obs, { label, prefer: [req.source], exclude: [req.target], signedBy: matching?.signedBy ?? [], alias: opts.alias ?? obs.synchronizerId.split('::')[0]! }) : undefined;
  if (owners ? owners.signers.length > 0 : !matching?.signedBy.includes(namespaceOf(req.partyId))) sides.push('propose-party-side');
  if (!matching?.signedBy.includes(namespaceOf(tgt.uid))) sides.push('propose-participant-side');
  // An external party signs the target's proposal, so the participant side comes first.
  pending.push(...(decision.externalSignature ? sides.reverse() : sides));
  pending.push('await-effective');
  return { decision, alreadyDone: false, pending, missingPackages, hosts, threshold, ...(owners ? { partySigners: owners.signers } : {}) };
}
