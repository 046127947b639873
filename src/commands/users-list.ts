import { setMaxListeners } from 'node:events';
import type { CommandContext } from '../context.js';
import { ExitCode, isCantonMpcError, RemoteError, UserError } from '../errors.js';
import { loadProject } from '../config/load.js';
import { createLedgerClient, type LedgerClient } from '../ledger/client.js';
import type { ParticipantNode } from '../config/types.js';
import { jsonApiUrl } from '../config/endpoints.js';
import { describeRight } from '../ledger/rights.js';
import { mapBounded } from '../ledger/users.js';

/**
 * Rights requests in flight per participant. One request per user; a thousand at once opened a
 * thousand connections and queued them all inside the JSON API. A few in flight over keep-alive
 * connections hide the round trip just as well (bench/users-list.mjs has the figures).
 */
export const RIGHTS_IN_FLIGHT_PER_PARTICIPANT = 16;

/** bench/users-list.mjs compares bounds (`unbounded` is how it was before the bound); not for users. */
function inFlight(env: NodeJS.ProcessEnv): number {
  const v = env.CANTON_MPC_TEST_RIGHTS_IN_FLIGHT;
  if (v === 'unbounded') return Infinity;
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : RIGHTS_IN_FLIGHT_PER_PARTICIPANT;
}

export interface ListedUser {
  participant: string;
  id: string;
  primaryParty?: string;
  rights: string[];
}

/**
 * Every user of each participant with its rights: participants in parallel, each at most `limit` rights
 * requests at once; rows in the order of the participants, then of each participant's user listing,
 * whatever order the answers come in. After a failure no further request starts on that participant.
 */
export async function listUsersWithRights(participants: string[], clientFor: (participant: string) => LedgerClient, limit = RIGHTS_IN_FLIGHT_PER_PARTICIPANT): Promise<ListedUser[]> {
  const rows = await Promise.all(
    participants.map(async (p) => {
      const client = clientFor(p);
      const rights = async (id: string): Promise<string[] | null> => {
        try {
          return (await client.listRights(id)).map(describeRight);
        } catch (e) {
          if (!isCantonMpcError(e)) throw e;
          // Deleted between the listing and this request: it is not a user any more, so it is not listed.
          if (e.data?.code === 'USER_NOT_FOUND') return null;
          // The client's error names the URL; say whose rights on which participant, keep its exit code.
          throw new RemoteError(`listing the rights of user ${id} on ${p} failed: ${e.message}`, { kind: e.kind, exitCode: e.exitCode, where: e.where, hint: e.hint, data: { ...e.data, user: id, participant: p }, cause: e });
        }
      };
      const users = await client.listUsers();
      const listed = await mapBounded(users, limit, async (u): Promise<ListedUser | null> => {
        const r = await rights(u.id);
        return r === null ? null : { participant: p, id: u.id, primaryParty: u.primaryParty || undefined, rights: r };
      }, { failFast: true });
      return listed.filter((r): r is ListedUser => r !== null);
    }),
  );
  return rows.flat();
}

export async function run(ctx: CommandContext, opts: { participant?: string }, deps: { client?: (p: ParticipantNode) => LedgerClient } = {}): Promise<number> {
  const { topology } = await loadProject({ cache: true, requireProject: true, cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env });
  const participants = opts.participant ? topology.participants.filter((p) => p.name === opts.participant) : topology.participants;
  if (participants.length === 0) throw new UserError(`unknown participant ${opts.participant}`, { where: '--participant', hint: `Known: ${topology.participants.map((p) => p.name).join(', ')}` });
  const byName = new Map(participants.map((p) => [p.name, p]));
  const clientFor = (name: string) => {
    const p = byName.get(name)!;
    return deps.client?.(p) ?? createLedgerClient({ baseUrl: jsonApiUrl(p), signal: ctx.signal });
  };
  const limit = inFlight(ctx.env);
  // Every request in flight listens on the signal twice (its retry loop and its HTTP request): without
  // this, Node warns of a listener leak (that is none) beyond 10 listeners.
  setMaxListeners(limit === Infinity ? 0 : 10 + 2 * limit * byName.size, ctx.signal);
  const all = await listUsersWithRights([...byName.keys()], clientFor, limit);
  const human = all.length
    ? all.map((u) => `${u.participant.padEnd(14)} ${u.id.padEnd(20)} ${u.rights.join(', ') || 'no rights'}`).join('\n')
    : 'no users';
  ctx.output.result(human, { ok: true, users: all });
  return ExitCode.OK;
}
