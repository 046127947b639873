import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Topology } from '../config/types.js';
import { RemoteError, UserError } from '../errors.js';
import { jsonApiUrl } from '../config/endpoints.js';
import type { RenderedFile } from '../render/index.js';
import type { DesiredUser } from '../ledger/rights.js';
import type { State } from '../state/state.js';

/** Small pure helpers shared by the `up` adapters (src/up/*.ts) and the command. */

export function isEmbeddedPostgres(t: Topology, env: NodeJS.ProcessEnv): boolean {
  return t.postgres.embedded && !env.POSTGRES_HOST;
}

export function renderedHash(files: RenderedFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => a.name.localeCompare(b.name))) {
    h.update(f.name);
    h.update('\0');
    h.update(f.content);
    h.update('\0');
  }
  return h.digest('hex');
}

export function configDir(t: Topology): string {
  return join(t.stateDir, 'config');
}

/** Resolve a user's party names to ids; a value that already is an id (`name::fingerprint`) is kept. */
export function desiredUser(u: Topology['users'][number], ids: Record<string, string>): DesiredUser {
  const id = (p: string) => {
    if (p.includes('::')) return p;
    const v = ids[p];
    if (!v) throw new RemoteError(`user ${u.id} refers to party ${p}, whose id is unknown`, { hint: 'Check `parties` in canton-mpc.yaml and `canton-mpc status`.' });
    return v;
  };
  return { id: u.id, primaryParty: u.primaryParty ? id(u.primaryParty) : undefined, actAs: u.actAs.map(id), readAs: u.readAs.map(id), participantAdmin: u.participantAdmin };
}

export function participantUrl(t: Topology, name: string): string {
  const p = t.participants.find((x) => x.name === name);
  if (!p) throw new UserError(`unknown participant ${name}`, { hint: `Known: ${t.participants.map((x) => x.name).join(', ')}` });
  return jsonApiUrl(p);
}

export function nodeEndpoints(t: Topology): State['nodes'] {
  return [
    ...t.sequencers.map((n) => ({ name: n.name, kind: n.kind, address: n.address, ports: { ...n.ports } })),
    ...t.mediators.map((n) => ({ name: n.name, kind: n.kind, address: n.address, ports: { ...n.ports } })),
    ...t.participants.map((n) => ({ name: n.name, kind: n.kind, address: n.address, ports: { ...n.ports } })),
  ];
}
