/**
 * `parties.<name>.decentralized` (Party Mobility Workflow 3): what `up` cannot honour is an error here,
 * with its file:line (load.ts locates the path). A decentralized party is created after the bootstrap
 * by src/party/decentral*.ts, owned by the listed participants' namespace keys.
 */
import type { Config } from './schema.js';
import { didYouMean } from './suggest.js';
import { joinHints, type PathIssue } from './users-check.js';

export function checkDecentralizedParties(config: Config, add: (i: PathIssue) => void): void {
  const participants = Object.keys(config.participants);
  const decentralized = new Set<string>();
  for (const [name, p] of Object.entries(config.parties)) {
    const d = p.decentralized;
    if (!d) continue;
    decentralized.add(name);
    const path = ['parties', name, 'decentralized'];
    d.owners.forEach((o, i) => {
      if (!config.participants[o]) add({ path: [...path, 'owners', i], message: `owner "${o}" of party ${name} is not a participant`, hint: joinHints(didYouMean(o, participants), `known participants: ${participants.join(', ') || '(none)'}`) });
      if (d.owners.indexOf(o) !== i) add({ path: [...path, 'owners', i], message: `owner ${o} is listed twice`, hint: 'list each owner participant once' });
    });
    if (d.threshold > d.owners.length) add({ path: [...path, 'threshold'], message: `threshold ${d.threshold} is more than the ${d.owners.length} owners`, hint: 'e.g. 2 of 3 tolerates one owner that is down' });
    const ct = d.confirmationThreshold ?? d.threshold;
    if (d.permission === 'observation') add({ path: [...path, 'permission'], message: `observation hosts cannot confirm, so party ${name} would have no confirming host`, hint: 'use permission: confirmation (the default)' });
    else if (ct > d.owners.length) add({ path: [...path, d.confirmationThreshold ? 'confirmationThreshold' : 'threshold'], message: `confirmation threshold ${ct} is more than the ${d.owners.length} confirming hosts`, hint: `use a value from 1 to ${d.owners.length}` });
    if (!d.owners.includes(p.participant)) add({ path: ['parties', name, 'participant'], message: `participant ${p.participant} is not an owner of the decentralized party ${name}`, hint: 'drop `participant:` (it defaults to the first owner) or name one of the owners' });
    if (p.alsoHostedOn) add({ path: ['parties', name, 'alsoHostedOn'], message: `a decentralized party is hosted by its owners, not by alsoHostedOn`, hint: 'add the participant to decentralized.owners instead' });
  }
  if (decentralized.size === 0) return;
  for (const [id, u] of Object.entries(config.users)) {
    for (const key of ['primaryParty', 'actAs', 'readAs'] as const) {
      const v = u[key];
      const refs = Array.isArray(v) ? v : v ? [v] : [];
      refs.forEach((r, i) => {
        if (decentralized.has(r)) add({ path: ['users', id, key, ...(Array.isArray(v) ? [i] : [])], message: `user ${id} refers to the decentralized party ${r}, which has no id before \`up\` has created it and no host that submits for it alone`, hint: 'remove it from the user; read its contracts as one of its owners’ parties, or with `canton-mpc users create` once `party status` lists it' });
      });
    }
  }
  if (config.signer?.party && decentralized.has(config.signer.party)) add({ path: ['signer', 'party'], message: `the signer cannot act for the decentralized party ${config.signer.party}: no single participant submits for it`, hint: 'name a party with one owner' });
}
