/**
 * `users create --from-file`: the file holds either the config's own `users:` map
 * (`<id>: { participant, primaryParty, actAs, readAs, participantAdmin }`, the same schema and defaults)
 * or a list of `{ participant, user | id, party | primaryParty, actAs, readAs, participantAdmin }`
 * (top level or under `users:`). Every entry gets the config's checks (validate.ts `checkUser`): the
 * user-id alphabet, a known participant, and every party the config declares hosted on the user's
 * participant. Parties the config does not declare (or full party ids) are resolved on the participant
 * later. All problems are reported at once with file:line:col; nothing is created when one exists.
 */
import { CORE_SCHEMA, load as loadYaml, type YAMLException } from 'js-yaml';
import { ConfigError } from '../errors.js';
import { locateAll } from './locate-issues.js';
import { checkUser, type PathIssue, type UserCheckContext, type UserEntry } from './users-check.js';

export interface UserRequest {
  participant: string;
  user: string;
  party?: string;
  actAs: string[];
  readAs: string[];
  participantAdmin: boolean;
}

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const strList = (v: unknown): string[] | undefined => (v === undefined || v === null ? undefined : Array.isArray(v) ? v.map(String) : [String(v)]);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

const LIST_KEYS = new Set(['participant', 'user', 'id', 'party', 'primaryParty', 'actAs', 'readAs', 'participantAdmin']);
/** The keys of `users.<id>` in the config (schema.ts `userSchema`), checked here without loading zod. */
const MAP_KEYS = new Set(['participant', 'primaryParty', 'actAs', 'readAs', 'participantAdmin']);

interface MapUser { participant?: string; primaryParty?: string; actAs?: string[]; readAs?: string[]; participantAdmin?: boolean }

/** One `users.<id>` entry, strict like the config: unknown keys and wrong types are issues. */
function mapEntry(raw: unknown, path: (string | number)[], add: (i: PathIssue) => void): MapUser | undefined {
  if (!isObj(raw)) {
    add({ path, message: 'must be a mapping such as {participant: participant1, primaryParty: Alice}' });
    return undefined;
  }
  let ok = true;
  const bad = (k: string, message: string) => { ok = false; add({ path: [...path, k], message }); };
  for (const k of Object.keys(raw)) if (!MAP_KEYS.has(k)) { ok = false; add({ path: [...path, k], at: 'key', message: `unknown key "${k}"`, hint: `known: ${[...MAP_KEYS].join(', ')}` }); }
  for (const k of ['participant', 'primaryParty'] as const) if (raw[k] !== undefined && !str(raw[k])) bad(k, 'must be a non-empty string');
  for (const k of ['actAs', 'readAs'] as const) if (raw[k] !== undefined && !(Array.isArray(raw[k]) && (raw[k] as unknown[]).every((x) => str(x)))) bad(k, 'must be a list of party names');
  if (raw.participantAdmin !== undefined && typeof raw.participantAdmin !== 'boolean') bad('participantAdmin', 'must be true or false');
  return ok ? (raw as MapUser) : undefined;
}

/**
 * The file as a YAML document with line positions (the config's own parser and locator): only built
 * when something must be located, so a good file never loads it.
 */
async function located(text: string, display: string) {
  const [{ LineCounter, parseDocument }, { yamlLocator }] = await Promise.all([import('yaml'), import('./locate.js')]);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new ConfigError(display, doc.errors.map((e) => ({ path: '', message: `not valid YAML: ${e.message.split('\n')[0]}`, ...(e.linePos?.[0] ? { line: e.linePos[0].line, column: e.linePos[0].col } : {}) })));
  }
  return yamlLocator(doc, lines);
}

export async function parseUsersFile(text: string, display: string, ctx: UserCheckContext): Promise<UserRequest[]> {
  // A batch file of a few hundred users is parsed on every run: js-yaml (YAML 1.2 core schema, like the
  // config; duplicate keys refused) takes ~25 ms where the positioned parser takes ~150 ms plus its
  // import on a loaded 2-core machine (bench/users.mjs). Positions are needed only for an error.
  let data: unknown;
  try {
    data = loadYaml(text, { schema: CORE_SCHEMA });
  } catch (e) {
    await located(text, display);
    const mark = (e as YAMLException).mark;
    throw new ConfigError(display, [{ path: '', message: `not valid YAML: ${(e as YAMLException).reason ?? (e as Error).message}`, ...(mark ? { line: mark.line + 1, column: mark.column + 1 } : {}) }]);
  }
  const issues: PathIssue[] = [];
  const add = (i: PathIssue) => issues.push(i);
  const entries: Array<UserEntry & { admin: boolean }> = [];
  const top = isObj(data) ? data.users : data;
  const base: (string | number)[] = isObj(data) ? ['users'] : [];
  if (isObj(data)) for (const k of Object.keys(data)) if (k !== 'users') add({ path: [k], at: 'key', message: `unknown key "${k}"`, hint: 'the file holds `users:` (the config\u2019s map, or a list)' });

  if (Array.isArray(top)) {
    top.forEach((raw, i) => {
      const path = [...base, i];
      if (!isObj(raw)) return add({ path, message: 'must be a mapping such as {participant: participant1, user: alice, party: Alice}' });
      for (const k of Object.keys(raw)) if (!LIST_KEYS.has(k)) add({ path: [...path, k], at: 'key', message: `unknown key "${k}"`, hint: `known: ${[...LIST_KEYS].join(', ')}` });
      const id = str(raw.user) ?? str(raw.id);
      const participant = str(raw.participant);
      if (!participant) add({ path, message: 'needs `participant`' });
      if (!id) return add({ path, message: 'needs `user` (the user id)' });
      const party = str(raw.party) ?? str(raw.primaryParty);
      entries.push({
        id,
        u: { participant, primaryParty: party, actAs: strList(raw.actAs) ?? (party ? [party] : []), readAs: strList(raw.readAs) ?? (party ? [party] : []) },
        admin: raw.participantAdmin === true,
        path,
        idPath: [...path, raw.user !== undefined ? 'user' : 'id'],
        idAt: 'value',
      });
    });
  } else if (isObj(top)) {
    for (const [id, raw] of Object.entries(top)) {
      const path = [...base, id];
      const u = mapEntry(raw ?? {}, path, add);
      if (!u) continue;
      const participant = u.participant ?? (u.primaryParty ? ctx.parties[u.primaryParty]?.participant : undefined);
      entries.push({
        id,
        u: { participant, primaryParty: u.primaryParty, actAs: u.actAs ?? (u.primaryParty ? [u.primaryParty] : []), readAs: u.readAs ?? (u.primaryParty ? [u.primaryParty] : []) },
        admin: u.participantAdmin === true,
        path,
        idPath: path,
        idAt: 'key',
      });
    }
  } else {
    add({ path: base, message: 'must hold users: the config\u2019s `users:` map (id → {participant, primaryParty, actAs, readAs}) or a list of {participant, user, party}' });
  }

  const seen = new Map<string, (string | number)[]>();
  for (const e of entries) {
    checkUser(e, { ...ctx, outsideConfig: true }, add);
    const key = `${e.u.participant ?? ''}\u0000${e.id}`;
    const before = seen.get(key);
    if (before) add({ path: e.idPath, at: e.idAt, message: `user ${e.id} on ${e.u.participant} is listed twice`, hint: `the first is at ${before.join('.')}; merge the two entries` });
    else seen.set(key, e.path);
  }
  if (issues.length) throw new ConfigError(display, locateAll(issues, await located(text, display)));
  return entries.map((e) => ({
    participant: e.u.participant!,
    user: e.id,
    ...(e.u.primaryParty ? { party: e.u.primaryParty } : {}),
    actAs: e.u.actAs ?? [],
    readAs: e.u.readAs ?? [],
    participantAdmin: e.admin,
  }));
}
