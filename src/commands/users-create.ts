import { promises as fsp } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { CommandContext } from '../context.js';
import type { Topology } from '../config/types.js';
import { ExitCode, UserError } from '../errors.js';
import { loadProject } from '../config/load.js';
import { readState, writeState, type State } from '../state/state.js';
import { createLedgerClient, type LedgerClient } from '../ledger/client.js';
import { jsonApiUrl } from '../config/endpoints.js';
import { convergeUser } from '../ledger/users.js';
import { findParties } from '../ledger/parties.js';
import { describeRight, type DesiredUser } from '../ledger/rights.js';

export interface UsersCreateOptions {
  participant?: string;
  user?: string;
  party?: string;
  actAs?: string[];
  readAs?: string[];
  fromFile?: string;
}

export interface UserRequest {
  participant: string;
  user: string;
  party?: string;
  actAs: string[];
  readAs: string[];
  participantAdmin: boolean;
}

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const list = (v: unknown): string[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v.map(String) : [String(v)]);

/** `users.yaml`: a list (or `users:` list) of `{participant, user|id, party, actAs, readAs, participantAdmin}`. */
export function parseUsersFile(text: string, file: string): UserRequest[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new UserError(`${file} is not valid YAML: ${(e as Error).message}`, { where: file, exitCode: ExitCode.CONFIG, kind: 'users_file_invalid' });
  }
  const items = Array.isArray(doc) ? doc : (doc as { users?: unknown } | null)?.users;
  if (!Array.isArray(items)) throw new UserError(`${file} must hold a list of users (or a \`users:\` list)`, { where: file, exitCode: ExitCode.CONFIG, kind: 'users_file_invalid' });
  return items.map((raw, i) => {
    const o = (raw ?? {}) as Record<string, unknown>;
    const user = o.user ?? o.id;
    if (!str(o.participant) || !str(user)) {
      throw new UserError(`${file}: users[${i}] needs \`participant\` and \`user\``, { where: `${file} users[${i}]`, exitCode: ExitCode.CONFIG, kind: 'users_file_invalid' });
    }
    const party = str(o.party) ? o.party : str(o.primaryParty) ? o.primaryParty : undefined;
    return {
      participant: o.participant,
      user,
      party,
      actAs: list(o.actAs) ?? (party ? [party] : []),
      readAs: list(o.readAs) ?? (party ? [party] : []),
      participantAdmin: o.participantAdmin === true,
    };
  });
}

export function requestFromFlags(o: UsersCreateOptions): UserRequest {
  const missing = [!o.participant && '--participant', !o.user && '--user'].filter(Boolean);
  if (missing.length) throw new UserError(`users create needs ${missing.join(' and ')} (or --from-file)`, { where: missing.join(', '), hint: 'e.g. canton-mpc users create --participant participant1 --user alice --party Alice' });
  return { participant: o.participant!, user: o.user!, party: o.party, actAs: o.actAs ?? (o.party ? [o.party] : []), readAs: o.readAs ?? (o.party ? [o.party] : []), participantAdmin: false };
}

/** A party given by name is looked up in state.json, then on the participant; a full id is used as is. */
async function partyResolver(state: State | undefined, client: LedgerClient): Promise<(p: string) => Promise<string>> {
  return async (p) => {
    if (p.includes('::')) return p;
    const known = state?.parties[p]?.id;
    if (known) return known;
    const found = await findParties(client, p);
    if (found.length === 1) return found[0]!;
    throw new UserError(found.length === 0 ? `party ${p} is not known on ${client.baseUrl}` : `party name ${p} matches ${found.length} parties on ${client.baseUrl}`, {
      where: p,
      hint: found.length === 0 ? 'Check `canton-mpc status` for the allocated parties.' : `Pass the full party id, one of: ${found.join(', ')}`,
    });
  };
}

export async function createUsers(t: Topology, state: State | undefined, reqs: UserRequest[], signal?: AbortSignal) {
  const results = [];
  for (const r of reqs) {
    const p = t.participants.find((x) => x.name === r.participant);
    if (!p) throw new UserError(`unknown participant ${r.participant}`, { where: '--participant', hint: `Known: ${t.participants.map((x) => x.name).join(', ')}` });
    const client = createLedgerClient({ baseUrl: jsonApiUrl(p), signal });
    const resolveParty = await partyResolver(state, client);
    const want: DesiredUser = {
      id: r.user,
      primaryParty: r.party ? await resolveParty(r.party) : undefined,
      actAs: await Promise.all(r.actAs.map(resolveParty)),
      readAs: await Promise.all(r.readAs.map(resolveParty)),
      participantAdmin: r.participantAdmin,
    };
    const res = await convergeUser(client, want);
    results.push({ participant: r.participant, ...res, want });
  }
  return results;
}

export async function run(ctx: CommandContext, opts: UsersCreateOptions): Promise<number> {
  const { topology } = await loadProject({ cache: true, cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env });
  const state = await readState(topology.stateDir);
  let reqs: UserRequest[];
  if (opts.fromFile) {
    const file = resolve(ctx.cwd, opts.fromFile);
    const text = await fsp.readFile(file, 'utf8').catch(() => {
      throw new UserError(`cannot read ${file}`, { where: '--from-file' });
    });
    reqs = parseUsersFile(text, file);
  } else reqs = [requestFromFlags(opts)];
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
