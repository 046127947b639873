import { existsSync, promises as fsp } from 'node:fs';
import { RemoteError } from '../errors.js';
import { jsonApiUrl } from '../config/endpoints.js';
import { httpRequest } from '../system/http.js';
import { isOurProcess, stopProcessGroup } from '../state/pids.js';
import { SIGNER_STOP_GRACE_MS } from '../state/lifecycle.js';
import type { StateUser } from '../state/state.js';
import { M } from './modules.js';
import { desiredUser, nodeEndpoints } from './helpers.js';
import type { UpSession } from './session.js';

/** Users, DARs uploaded in place, and the final state write. */
const DAR_UPLOAD_TIMEOUT_MS = 120_000;

export async function usersConverged(s: UpSession): Promise<boolean> {
  if (s.topology.users.length === 0) return true;
  if (!isOurProcess(s.state.canton) || !s.state.canton?.readyAt) return false;
  try {
    for (const u of s.topology.users) {
      if (!(await M.users.userConverged(s.client(u.participant), desiredUser(u, s.partyIds)))) return false;
    }
    return true;
  } catch {
    return false;
  }
}

export async function convergeUsers(s: UpSession): Promise<void> {
  const users: StateUser[] = [];
  const results = await M.users.convergeUsers(s.topology.users.map((u) => ({ participant: u.participant, want: desiredUser(u, s.partyIds) })), (p) => s.client(p));
  for (const [i, u] of s.topology.users.entries()) {
    const { want, ...r } = results[i]!;
    if (r.extra.length) s.ctx.output.warn(`user ${u.id} on ${u.participant} holds rights beyond the config (${r.extra.length}); they were left in place`);
    users.push({ id: u.id, participant: u.participant, primaryParty: want.primaryParty, actAs: want.actAs, readAs: want.readAs, participantAdmin: want.participantAdmin });
  }
  s.state.users = users;
  if (s.state.applied) s.state.applied.users = s.topology.users.map((u) => ({ ...u }));
  await s.persist();
}

/** DARs in the config that the running daemon has not had yet (a fresh daemon uploads them in its bootstrap). */
function pendingDars(s: UpSession): string[] {
  const applied = s.state.applied;
  if (!applied || !isOurProcess(s.state.canton)) return [];
  return s.topology.dars.filter((d) => !applied.dars.includes(d));
}

export async function darsUploaded(s: UpSession): Promise<boolean> {
  return pendingDars(s).length === 0;
}

/** Upload new DARs to every participant over the JSON Ledger API (POST /v2/packages). */
export async function uploadDars(s: UpSession): Promise<void> {
  const applied = s.state.applied!;
  for (const dar of pendingDars(s)) {
    if (!existsSync(dar)) {
      // Same rule as the bootstrap: a DAR not built yet is skipped with a warning, and tried again next time.
      s.ctx.output.warn(`DAR ${dar} does not exist yet; it is uploaded by a later \`up\``);
      continue;
    }
    const bytes = await fsp.readFile(dar);
    for (const p of s.topology.participants) {
      const url = `${jsonApiUrl(p)}/v2/packages`;
      const r = await httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes, timeoutMs: DAR_UPLOAD_TIMEOUT_MS, signal: s.ctx.signal });
      if (!r.ok) {
        const text = await r.text().catch(() => '');
        throw new RemoteError(`uploading ${dar} to ${p.name} failed: HTTP ${r.status} ${text.slice(0, 300)}`, { where: `POST ${url}`, hint: 'Check that the file is a DAR built for this Daml SDK; `canton-mpc logs canton` has the details.', kind: 'dar_upload_failed' });
      }
    }
    applied.dars.push(dar);
    s.ctx.output.info(`uploaded ${dar} to ${s.topology.participants.map((p) => p.name).join(', ')}`);
    await s.persist();
  }
}

export async function writeFinalState(s: UpSession): Promise<void> {
  // Every step before this one succeeded: the users are converged.
  if (s.state.applied) {
    s.state.applied.users = s.topology.users.map((u) => ({ ...u }));
    // A DAR removed from the config stays on the participants; it is no longer tracked as drift.
    s.state.applied.dars = s.state.applied.dars.filter((d) => s.topology.dars.includes(d));
  }
  if (!s.topology.signer && s.state.signer) {
    // The signer was removed from the config: an in-place change.
    await stopProcessGroup(s.state.signer.supervisor, { graceMs: SIGNER_STOP_GRACE_MS });
    s.state.signer = undefined;
    s.ctx.output.info('stopped the signer (it is no longer in the config)');
  }
  s.state.configHash = s.hash;
  s.state.nodes = nodeEndpoints(s.topology);
  await s.persist();
}
