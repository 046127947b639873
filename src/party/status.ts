/**
 * `party status`: for each party, its hosts with permission and onboarding flag, threshold, local or
 * external, single or decentralized namespace, whether it was ever a stakeholder, and which workflow
 * `party replicate` would take for it and why. Pure: observation in, rows and text out.
 */
import type { Style } from '../ui/output.js';
import { decideWorkflow } from './decide.js';
import type { RunProgress } from './runs.js';
import { namespaceOf, type History, type Observation, type Permission } from './types.js';

export interface PartyStatus {
  name?: string;
  id: string;
  known: boolean;
  serial?: number;
  threshold?: number;
  hosts: Array<{ participant: string; permission: Permission; onboarding: boolean }>;
  pendingProposals: number;
  kind: 'local' | 'external';
  namespace: 'single' | 'decentralized';
  /** The project participant holding the party's namespace key, if any. */
  owner?: string;
  /** A decentralized party: its owners (participant names where known, else namespaces) and namespace threshold. */
  owners?: string[];
  namespaceThreshold?: number;
  history: History;
  workflow: 1 | 2 | 3;
  reason: string;
  runs: RunProgress[];
}

export function partyStatus(p: { name?: string; id: string }, obs: Observation, history: History, runs: RunProgress[], ownerNames: Record<string, string> = {}): PartyStatus {
  const v = obs.parties[p.id];
  const m = v?.mapping;
  const d = decideWorkflow({ history: history.state, external: v?.external ?? false, decentralized: v?.decentralized ?? false });
  const owner = Object.values(obs.participants).find((x) => namespaceOf(x.uid) === namespaceOf(p.id))?.name;
  return {
    ...(p.name ? { name: p.name } : {}),
    id: p.id,
    known: m !== undefined,
    ...(m ? { serial: m.serial, threshold: m.threshold } : {}),
    hosts: (m?.hosts ?? []).map((h) => ({ participant: h.name ?? h.uid, permission: h.permission, onboarding: h.onboarding })),
    pendingProposals: v?.proposals.length ?? 0,
    kind: v?.external ? 'external' : 'local',
    namespace: v?.decentralized ? 'decentralized' : 'single',
    ...(owner ? { owner } : {}),
    ...(v?.namespaceOwners ? { owners: v.namespaceOwners.map((ns) => ownerNames[ns] ?? ns), namespaceThreshold: v.namespaceThreshold } : {}),
    history,
    workflow: d.workflow,
    reason: d.reason,
    runs,
  };
}

export function formatPartyStatus(rows: PartyStatus[], style: Style): string {
  const out: string[] = [];
  for (const r of rows) {
    out.push(`${style.bold(r.name ?? r.id)}  ${r.id}`);
    if (!r.known) {
      out.push(`  ${style.red('not known on the synchronizer')}`);
      continue;
    }
    const ns = r.namespace === 'decentralized' ? 'decentralized namespace' : `single namespace${r.owner ? ` (${r.owner})` : ''}`;
    out.push(`  ${r.kind}, ${ns}, confirmation threshold ${r.threshold}, mapping serial ${r.serial}${r.pendingProposals ? `, ${r.pendingProposals} pending proposal(s)` : ''}`);
    if (r.owners) out.push(`  owners ${r.owners.join(', ')} (namespace threshold ${r.namespaceThreshold})`);
    for (const h of r.hosts) out.push(`  ${h.participant.padEnd(16)} ${h.permission}${h.onboarding ? style.yellow(' (onboarding)') : ''}`);
    const hist = r.history.state === 'none' ? style.green('never a stakeholder') : r.history.state === 'used' ? style.yellow('has been a stakeholder') : style.yellow('cannot tell');
    out.push(`  history: ${hist} (${r.history.detail})`);
    out.push(`  party replicate: Workflow ${r.workflow}, because ${r.reason}`);
    for (const run of r.runs) {
      if (run.state === 'done') continue;
      out.push(`  ${style.yellow(`replication to ${run.target} ${run.state}`)}${run.lastStep ? ` after ${run.lastStep}` : ''}${run.error ? `: ${run.error}` : ''}; run \`canton-mpc party replicate ${r.name ?? r.id} --to ${run.target}\` again to finish it`);
    }
  }
  return out.join('\n');
}
