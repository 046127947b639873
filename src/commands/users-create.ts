import { promises as fsp } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import type { Topology } from '../config/types.js';
import { ExitCode, UserError } from '../errors.js';
import { loadProject } from '../config/load.js';
import { parseUsersFile, type UserRequest } from '../config/users-file.js';
import { checkUser, type PathIssue, type UserCheckContext } from '../config/users-check.js';
import { readState, writeState, type State } from '../state/state.js';
import { createLedgerClient, type LedgerClient } from '../ledger/client.js';
import { jsonApiUrl } from '../config/endpoints.js';
import { convergeUsers, mapBounded, USERS_IN_FLIGHT_PER_PARTICIPANT } from '../ledger/users.js';
import { partyHint } from '../ledger/parties.js';
import { describeRight, type DesiredUser } from '../ledger/rights.js';

export type { UserRequest } from '../config/users-file.js';

export interface UsersCreateOptions {
  participant?: string;
  user?: string;
  party?: string;
  actAs?: string[];
  readAs?: string[];
  fromFile?: string;
}

/** What the config knows: its participants and where each declared party is hosted. */
export function userCheckContext(t: Pick<Topology, 'participants' | 'parties'>): UserCheckContext {
  return { participants: t.participants.map((p) => p.name), parties: Object.fromEntries(t.parties.map((p) => [p.name, { participant: p.participant }])), outsideConfig: true };
}

/** Flags get the checks a config entry gets (user-id alphabet, participant, party hosting). */
export function requestFromFlags(o: UsersCreateOptions, ctx?: UserCheckContext): UserRequest {
  const missing = [!o.participant && '--participant', !o.user && '--user'].filter(Boolean);
  if (missing.length) throw new UserError(`users create needs ${missing.join(' and ')} (or --from-file)`, { where: missing.join(', '), hint: 'e.g. canton-mpc users create --participant participant1 --user alice --party Alice' });
  const req: UserRequest = { participant: o.participant!, user: o.user!, ...(o.party ? { party: o.party } : {}), actAs: o.actAs ?? (o.party ? [o.party] : []), readAs: o.readAs ?? (o.party ? [o.party] : []), participantAdmin: false };
  if (ctx) {
    const issues: PathIssue[] = [];
    checkUser({ id: req.user, u: { participant: req.participant, primaryParty: req.party, actAs: req.actAs, readAs: req.readAs }, path: [], idPath: ['user'], idAt: 'value' }, ctx, (i) => issues.push(i));
    const flag = (p: (string | number)[]) => ({ participant: '--participant', primaryParty: '--party', actAs: '--act-as', readAs: '--read-as', user: '--user' })[String(p[0])] ?? '--user';
    if (issues[0]) throw new UserError(issues.map((i) => `${flag(i.path)}: ${i.message}`).join('; '), { where: flag(issues[0].path), hint: issues[0].hint });
  }
  return req;
}

/**
 * Party name → full id, at most one ledger lookup per participant: state.json first, then one listing
 * of the participant's parties. A name the config does not declare must be hosted (`isLocal`) on the
 * participant; a full id is used as is.
 */
function partyResolver(state: State | undefined, clientFor: (participant: string) => LedgerClient) {
  const listings = new Map<string, Promise<Array<{ party: string; isLocal: boolean }>>>();
  const listing = (participant: string) => {
    let l = listings.get(participant);
    if (!l) listings.set(participant, (l = clientFor(participant).listParties().then((ps) => ps.map((p) => ({ party: p.party, isLocal: p.isLocal !== false })))));
    return l;
  };
  return async (participant: string, p: string): Promise<string> => {
    if (p.includes('::')) return p;
    const known = state?.parties[p];
    if (known?.id && known.participant === participant) return known.id;
    const client = clientFor(participant);
    const found = (await listing(participant)).filter((x) => partyHint(x.party) === p);
    const local = found.filter((x) => x.isLocal).map((x) => x.party);
    if (local.length === 1) return local[0]!;
    throw new UserError(
      local.length > 1 ? `party name ${p} matches ${local.length} parties on ${client.baseUrl}` : found.length ? `party ${p} is known on ${participant} but not hosted there (${client.baseUrl})` : `party ${p} is not known on ${client.baseUrl}`,
      {
        where: p,
        hint: local.length > 1 ? `Pass the full party id, one of: ${local.join(', ')}` : found.length ? `a user can act or read only for parties its participant hosts; put the user on the participant hosting ${p}` : 'Check `canton-mpc status` for the allocated parties.',
      },
    );
  };
}

export async function createUsers(t: Topology, state: State | undefined, reqs: UserRequest[], signal?: AbortSignal, deps: { client?: (baseUrl: string) => LedgerClient } = {}) {
  for (const r of reqs) {
    if (!t.participants.some((x) => x.name === r.participant)) throw new UserError(`unknown participant ${r.participant}`, { where: '--participant', hint: `Known: ${t.participants.map((x) => x.name).join(', ')}` });
  }
  const clients = new Map<string, LedgerClient>();
  const clientFor = (name: string) => {
    let c = clients.get(name);
    if (!c) {
      const baseUrl = jsonApiUrl(t.participants.find((x) => x.name === name)!);
      clients.set(name, (c = deps.client ? deps.client(baseUrl) : createLedgerClient({ baseUrl, signal })));
    }
    return c;
  };
  const resolveParty = partyResolver(state, clientFor);
  // Every party of every request resolved once (the listing per participant is shared), before any write.
  const names = [...new Set(reqs.flatMap((r) => [r.party, ...r.actAs, ...r.readAs].filter((p): p is string => !!p).map((p) => `${r.participant}\u0000${p}`)))];
  const ids = new Map<string, string>();
  await mapBounded(names, USERS_IN_FLIGHT_PER_PARTICIPANT, async (k) => {
    const [participant, p] = k.split('\u0000') as [string, string];
    ids.set(k, await resolveParty(participant, p));
  });
  const id = (r: UserRequest, p: string) => ids.get(`${r.participant}\u0000${p}`)!;
  const items = reqs.map((r) => ({
    participant: r.participant,
    want: { id: r.user, primaryParty: r.party ? id(r, r.party) : undefined, actAs: r.actAs.map((p) => id(r, p)), readAs: r.readAs.map((p) => id(r, p)), participantAdmin: r.participantAdmin } satisfies DesiredUser,
  }));
  return convergeUsers(items, clientFor);
}

export async function run(ctx: CommandContext, opts: UsersCreateOptions): Promise<number> {
  const { topology } = await loadProject({ cache: true, requireProject: true, cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env });
  const state = await readState(topology.stateDir);
  const check = userCheckContext(topology);
  let reqs: UserRequest[];
  if (opts.fromFile) {
    const file = resolve(ctx.cwd, opts.fromFile);
    const text = await fsp.readFile(file, 'utf8').catch(() => {
      throw new UserError(`cannot read ${file}`, { where: '--from-file' });
    });
    reqs = await parseUsersFile(text, relative(ctx.cwd, file) || file, check);
  } else reqs = [requestFromFlags(opts, check)];
  const results = await createUsers(topology, state, reqs, ctx.signal);
  if (state) {
    for (const r of results) {
      state.users = state.users.filter((u) => !(u.id === r.id && u.participant === r.participant));
      state.users.push({ id: r.id, participant: r.participant, primaryParty: r.want.primaryParty, actAs: r.want.actAs, readAs: r.want.readAs, participantAdmin: r.want.participantAdmin });
    }
    await writeState(topology.stateDir, state);
  }
  const human = results
    .map((r) => `${r.id} on ${r.participant}: ${r.created ? 'created' : r.granted.length ? `granted ${r.granted.map(describeRight).join(', ')}` : 'already in place'}${r.extra.length ? ` (also holds ${r.extra.map(describeRight).join(', ')})` : ''}`)
    .join('\n');
  ctx.output.result(human, { ok: true, users: results.map(({ want: _w, ...r }) => ({ ...r, granted: r.granted.map(describeRight), extra: r.extra.map(describeRight) })) });
  return ExitCode.OK;
}
