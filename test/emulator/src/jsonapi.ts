// JSON Ledger API v2 for one participant (FACTS §4, openapi.yaml), on node:http. Bodies use the
// relaxed codecs (missing optional/collection fields are fine), errors are JsCantonError with
// Canton's gRPC→HTTP mapping. Mutations persist through Env.save().
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { ServerTls } from './security.js';
import type { v3_4 } from '@canton-network/core-ledger-client-types';
import type { Verifier } from './auth.js';
import type { NodeCfg } from './config.js';
import type { Env } from './env.js';
import { CantonError, err } from './errors.js';
import { faults, random, recordRequest } from './faults.js';
import type { ParticipantDoc, RightJson, UserRec } from './state.js';
import { attachUpdatesWebSocket, checkDuplicate, listUpdates, recordCompletion, withSubmission, type Reader } from './updates.js';
import { historyRoutes } from './jsonapi-history.js';
import { externalRoutes } from './external-ops.js';

type S = v3_4.components['schemas'];
type Actor = { unrestricted: true } | { unrestricted: false; user: UserRec | null; admin: boolean; actAs: Set<string>; readAs: Set<string>; readAny: boolean };
interface Req { method: string; path: string; query: URLSearchParams; body: Buffer; actor: Actor; p: ParticipantDoc }
type Handler = (r: Req) => Promise<[number, unknown]> | [number, unknown];

const VERSION = '3.4.11';
const LIST_LIMIT = 200; // websocket-config.http-list-max-elements-limit

class HttpOnly extends Error { constructor(readonly status: number, readonly text: string) { super(text); } }

function json<T>(r: Req): T {
  if (r.body.length === 0) throw err.decode('The request content was malformed: empty body');
  try { return JSON.parse(r.body.toString('utf8')) as T; } catch (e) { throw err.decode(`The request content was malformed: ${(e as Error).message}`); }
}
const requireAdmin = (r: Req): void => { if (!r.actor.unrestricted && !r.actor.admin) throw err.denied('missing ParticipantAdmin right'); };
const requireSelfOrAdmin = (r: Req, id: string): void => { if (!r.actor.unrestricted && !r.actor.admin && r.actor.user?.id !== id) throw err.denied('missing ParticipantAdmin right'); };

function userJson(u: UserRec): S['User'] {
  return { id: u.id, primaryParty: u.primaryParty, isDeactivated: u.isDeactivated, metadata: { resourceVersion: String(u.resourceVersion), annotations: u.annotations }, identityProviderId: u.identityProviderId };
}
function checkRights(rs: unknown): RightJson[] {
  if (rs === undefined || rs === null) return [];
  if (!Array.isArray(rs)) throw err.decode('rights must be an array');
  const known = ['CanActAs', 'CanReadAs', 'CanExecuteAs', 'CanReadAsAnyParty', 'CanExecuteAsAnyParty', 'ParticipantAdmin', 'IdentityProviderAdmin', 'Empty'];
  return rs.map((r) => {
    const kind = (r as { kind?: Record<string, unknown> })?.kind;
    const keys = kind && typeof kind === 'object' ? Object.keys(kind) : [];
    if (keys.length !== 1 || !known.includes(keys[0]!)) throw err.decode(`Invalid value for: body (Right.kind must be exactly one of ${known.join(', ')})`);
    const v = (kind![keys[0]!] as { value?: Record<string, unknown> })?.value ?? {};
    if (['CanActAs', 'CanReadAs', 'CanExecuteAs'].includes(keys[0]!) && typeof v.party !== 'string') throw err.missingField('party');
    return { kind: { [keys[0]!]: { value: v } } } as RightJson;
  });
}

/**
 * Paging as the two services do it: a party page above the maximum is refused
 * (ApiPartyManagementService.scala:205-216), a user page above it is clamped
 * (ApiUserManagementService.scala:291-293).
 */
function page<T>(items: T[], key: (t: T) => string, q: URLSearchParams, max: number, aboveMax: 'reject' | 'clamp'): { items: T[]; next: string } {
  const size = Number(q.get('pageSize') ?? '0');
  if (!Number.isInteger(size) || size < 0) throw err.invalid('Page size must be non-negative');
  if (size > max && aboveMax === 'reject') throw err.invalid(`Page size must not exceed the server's maximum of ${max}`);
  const n = size === 0 ? max : Math.min(size, max);
  const tok = q.get('pageToken') ?? '';
  let after = '';
  if (tok !== '') { try { after = Buffer.from(tok, 'base64').toString('utf8'); } catch { throw err.invalid('invalid page token'); } }
  const rest = items.filter((i) => key(i) > after);
  const slice = rest.slice(0, n);
  return { items: slice, next: rest.length > n ? Buffer.from(key(slice[slice.length - 1]!)).toString('base64') : '' };
}

function routes(env: Env): Array<[RegExp, Record<string, Handler>]> {
  const save = () => env.save();
  return [
    ...(historyRoutes(env) as unknown as Array<[RegExp, Record<string, Handler>]>),
    ...(externalRoutes(env) as unknown as Array<[RegExp, Record<string, Handler>]>),
    [/^\/v2\/version$/, { GET: () => [200, {
      version: VERSION,
      features: {
        experimental: { staticTime: { supported: false }, commandInspectionService: { supported: true } },
        userManagement: { supported: true, maxRightsPerUser: 1000, maxUsersPageSize: 1000 },
        partyManagement: { maxPartiesPageSize: 10000 },
        offsetCheckpoint: { maxOffsetCheckpointEmissionDelay: { seconds: 75, nanos: 0, unknownFields: { fields: {} } } },
      },
    } as S['GetLedgerApiVersionResponse']] }],
    [/^\/v2\/state\/ledger-end$/, { GET: (r) => [200, { offset: r.p.offset } satisfies S['GetLedgerEndResponse']] }],
    [/^\/v2\/state\/connected-synchronizers$/, { GET: (r) => [200, { connectedSynchronizers: Object.values(r.p.connections).filter((c) => c.connected).map((c) => ({ synchronizerAlias: c.alias, synchronizerId: c.synchronizerId, permission: 'PARTICIPANT_PERMISSION_SUBMISSION' })) }] }],
    [/^\/v2\/parties\/participant-id$/, { GET: (r) => [200, { participantId: r.p.uid } satisfies S['GetParticipantIdResponse']] }],
    [/^\/v2\/parties$/, {
      GET: (r) => {
        requireAdmin(r);
        const hosted = env.hostedParties(r.p);
        const filter = (r.query.get('filter-party') ?? '').trim();
        const all = env.knownParties(r.p).filter((x) => filter === '' || x.startsWith(filter));
        const pg = page(all, (x) => x, r.query, 10000, 'reject');
        const details: S['PartyDetails'][] = pg.items.map((party) => ({ party, isLocal: hosted.has(party), localMetadata: { resourceVersion: String(r.p.parties[party]?.resourceVersion ?? 0), annotations: r.p.parties[party]?.annotations ?? {} }, identityProviderId: r.p.parties[party]?.identityProviderId ?? '' }));
        return [200, { partyDetails: details, nextPageToken: pg.next }];
      },
      POST: async (r) => {
        requireAdmin(r);
        const b = json<S['AllocatePartyRequest']>(r);
        const hint = b.partyIdHint && b.partyIdHint !== '' ? b.partyIdHint : `party-${crypto.randomUUID()}`;
        const alias = b.synchronizerId ? Object.values(r.p.connections).find((c) => c.synchronizerId === b.synchronizerId || b.synchronizerId!.startsWith(c.synchronizerId))?.alias : undefined;
        if (b.synchronizerId && !alias) throw new CantonError('SYNCHRONIZER_NOT_FOUND', 11, `Synchronizer ${b.synchronizerId} is not connected`);
        const party = env.allocateParty(r.p, hint, { synchronizerAlias: alias, annotations: b.localMetadata?.annotations, identityProviderId: b.identityProviderId, via: 'ledger-api' });
        if (b.userId) env.grant(env.user(r.p, b.userId), [{ kind: { CanActAs: { value: { party } } } }]);
        await save();
        return [200, { partyDetails: { party, isLocal: true, localMetadata: { resourceVersion: '0', annotations: b.localMetadata?.annotations ?? {} }, identityProviderId: b.identityProviderId ?? '' } } satisfies S['AllocatePartyResponse']];
      },
    }],
    [/^\/v2\/parties\/([^/]+)$/, {
      GET: (r) => {
        requireAdmin(r);
        const id = decodeURIComponent(r.path.split('/')[3]!);
        const hosted = env.hostedParties(r.p);
        const known = env.knownParties(r.p).includes(id);
        return [200, { partyDetails: known ? [{ party: id, isLocal: hosted.has(id), localMetadata: { resourceVersion: '0', annotations: r.p.parties[id]?.annotations ?? {} }, identityProviderId: '' }] : [] }];
      },
    }],
    [/^\/v2\/users$/, {
      GET: (r) => {
        requireAdmin(r);
        const pg = page(Object.values(r.p.users).sort((a, b) => (a.id < b.id ? -1 : 1)), (u) => u.id, r.query, 1000, 'clamp');
        return [200, { users: pg.items.map(userJson), nextPageToken: pg.next } satisfies S['ListUsersResponse']];
      },
      POST: async (r) => {
        requireAdmin(r);
        const b = json<S['CreateUserRequest']>(r);
        if (!b.user || typeof b.user.id !== 'string') throw err.missingField('user.id');
        const u = env.createUser(r.p, { id: b.user.id, primaryParty: b.user.primaryParty, isDeactivated: b.user.isDeactivated, annotations: b.user.metadata?.annotations, identityProviderId: b.user.identityProviderId }, checkRights(b.rights));
        await save();
        return [200, { user: userJson(u) } satisfies S['CreateUserResponse']];
      },
    }],
    [/^\/v2\/authenticated-user$/, {
      GET: (r) => {
        if (r.actor.unrestricted || !r.actor.user) throw err.invalid('no authenticated user: the request carries no user token');
        return [200, { user: userJson(r.actor.user) }];
      },
    }],
    [/^\/v2\/users\/([^/]+)$/, {
      GET: (r) => { const id = userId(r); requireSelfOrAdmin(r, id); return [200, { user: userJson(env.user(r.p, id)) } satisfies S['GetUserResponse']]; },
      DELETE: async (r) => { requireAdmin(r); const id = userId(r); env.user(r.p, id, 'deleting user'); delete r.p.users[id]; await save(); return [200, {}]; },
      PATCH: async (r) => {
        requireAdmin(r);
        const id = userId(r);
        const b = json<S['UpdateUserRequest']>(r);
        const u = env.user(r.p, id, 'updating user');
        const paths = b.updateMask?.paths ?? [];
        if (paths.length === 0) throw err.invalid('The update mask contains no entries');
        for (const p of paths) {
          const k = p.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
          if (k === 'primaryParty') u.primaryParty = b.user?.primaryParty ?? '';
          else if (k === 'isDeactivated') u.isDeactivated = b.user?.isDeactivated ?? false;
          else if (k === 'metadata' || k === 'metadata.annotations') u.annotations = { ...(b.user?.metadata?.annotations ?? {}) };
          else throw err.invalid(`The update path: '${p}' points to an unknown field.`);
        }
        u.resourceVersion += 1;
        await save();
        return [200, { user: userJson(u) } satisfies S['UpdateUserResponse']];
      },
    }],
    [/^\/v2\/users\/([^/]+)\/rights$/, {
      GET: (r) => { const id = userId(r); requireSelfOrAdmin(r, id); return [200, { rights: env.user(r.p, id, 'listing rights').rights } as S['ListUserRightsResponse']]; },
      POST: async (r) => {
        const b = json<S['GrantUserRightsRequest']>(r);
        sameUser(r, b.userId);
        requireAdmin(r);
        const added = env.grant(env.user(r.p, userId(r), 'granting rights'), checkRights(b.rights));
        await save();
        return [200, { newlyGrantedRights: added } as S['GrantUserRightsResponse']];
      },
      PATCH: async (r) => {
        const b = json<S['RevokeUserRightsRequest']>(r);
        sameUser(r, b.userId);
        requireAdmin(r);
        const removed = env.revoke(env.user(r.p, userId(r), 'revoking rights'), checkRights(b.rights));
        await save();
        return [200, { newlyRevokedRights: removed } as S['RevokeUserRightsResponse']];
      },
    }],
    [/^\/v2\/(packages|dars)$/, {
      GET: (r) => { if (r.path !== '/v2/packages') throw new HttpOnly(405, 'HTTP method not allowed, supported methods: POST'); return [200, { packageIds: Object.keys(r.p.packages) } satisfies S['ListPackagesResponse']]; },
      POST: async (r) => {
        requireAdmin(r);
        env.uploadDar(r.p, r.body, 'uploaded.dar');
        await save();
        return [200, {}];
      },
    }],
    [/^\/v2\/packages\/([^/]+)$/, {
      GET: (r) => { const id = r.path.split('/')[3]!; if (!r.p.packages[id]) throw new CantonError('PACKAGE_NOT_FOUND', 11, `Package ${id} not found`); return [200, { packageId: id }]; },
    }],
    [/^\/v2\/commands\/submit-and-wait$/, { POST: async (r) => { const res = await submit(env, r, json<S['JsCommands']>(r)); return [200, { updateId: res.updateId, completionOffset: res.offset } satisfies S['SubmitAndWaitResponse']]; } }],
    [/^\/v2\/commands\/submit-and-wait-for-transaction$/, {
      POST: async (r) => {
        const body = json<{ commands: S['JsCommands'] }>(r);
        const res = await submit(env, r, body.commands ?? (body as unknown as S['JsCommands']));
        return [200, { transaction: { updateId: res.updateId, commandId: res.commandId, workflowId: '', effectiveAt: new Date().toISOString(), events: res.events, offset: res.offset, synchronizerId: res.synchronizerId, recordTime: new Date().toISOString() } }];
      },
    }],
    [/^\/v2\/updates$/, { POST: async (r) => [200, await listUpdates(r.p, json<S['GetUpdatesRequest']>(r), r.query, readerOf(r.actor))] }],
    [/^\/v2\/state\/active-contracts$/, {
      POST: (r) => {
        const b = json<S['GetActiveContractsRequest'] & { filter?: S['TransactionFilter'] }>(r);
        const fmt = b.eventFormat ?? (b.filter ? { filtersByParty: b.filter.filtersByParty, filtersForAnyParty: b.filter.filtersForAnyParty } : undefined);
        if (!fmt) throw err.missingField('eventFormat');
        if (typeof b.activeAtOffset === 'number' && b.activeAtOffset > r.p.offset) throw new CantonError('OFFSET_AFTER_LEDGER_END', 8, `Active contracts offset (${b.activeAtOffset}) is after ledger end (${r.p.offset})`);
        const any = fmt.filtersForAnyParty !== undefined;
        const parties = Object.keys(fmt.filtersByParty ?? {});
        if (!any && parties.length === 0) throw err.invalid('filtersByParty and filtersForAnyParty cannot be empty simultaneously');
        if (!r.actor.unrestricted) {
          const a = r.actor;
          if (any && !a.readAny) throw err.denied('reading as any party requires CanReadAsAnyParty');
          for (const p of parties) if (!a.readAny && !a.readAs.has(p) && !a.actAs.has(p)) throw err.denied(`missing read right for party ${p}`);
        }
        const list = env.acs(r.p, any ? undefined : parties);
        const limit = r.query.get('limit');
        if (limit === null && list.length > LIST_LIMIT) {
          const e = new CantonError('JSON_API_MAXIMUM_LIST_ELEMENTS_NUMBER_REACHED', 2, `The number of matching elements (${list.length}) is greater than the node limit (${LIST_LIMIT}).`);
          e.httpStatus = 413;
          throw e;
        }
        const out = (limit === null ? list : list.slice(0, Number(limit))).map((c) => ({
          workflowId: '',
          contractEntry: { JsActiveContract: { createdEvent: createdEvent(c, parties, any), synchronizerId: c.synchronizerId, reassignmentCounter: 0 } },
        } satisfies S['JsGetActiveContractsResponse']));
        return [200, out];
      },
    }],
  ];
}

const userId = (r: Req): string => decodeURIComponent(r.path.split('/')[3]!);
/** JsUserManagementService.scala:189-196, 204-211: the body's userId (default "") must equal the path's. */
const sameUser = (r: Req, inBody: string | undefined): void => {
  const id = userId(r);
  if ((inBody ?? '') !== id) throw err.invalid(`${id} does not match user in body: Some(${inBody ?? ''}) `);
};

function createdEvent(c: ParticipantDoc['contracts'][string], parties: string[], any: boolean): S['CreatedEvent'] {
  const stake = [...c.signatories, ...c.observers];
  return {
    offset: c.offset, nodeId: c.nodeId, contractId: c.contractId, templateId: c.templateId, createArgument: c.createArgument,
    witnessParties: any ? stake : stake.filter((x) => parties.includes(x)), signatories: c.signatories, observers: c.observers,
    createdAt: c.createdAt, packageName: c.packageName, representativePackageId: c.templateId.split(':')[0]!.replace(/^#/, ''), acsDelta: true,
  };
}

async function submit(env: Env, r: Req, cmds: S['JsCommands']) {
  if (!cmds || !Array.isArray(cmds.commands) || cmds.commands.length === 0) throw err.missingField('commands');
  if (typeof cmds.commandId !== 'string' || cmds.commandId === '') throw err.missingField('command_id');
  const actAs = cmds.actAs ?? [];
  if (actAs.length === 0) throw err.missingField('act_as');
  if (r.actor.unrestricted) {
    if (!cmds.userId) throw err.missingField('user_id');
  } else {
    const a = r.actor;
    // RequiredClaims.submissionClaims checks MatchUserId before ActAs/ReadAs: an empty userId defaults
    // to the token's user, any other user's id is refused (a904e34 community/base/src/main/scala/com/
    // digitalasset/canton/auth/Authorizer.scala:239-250 with Claims.scala:119-123 validForUser, and
    // AuthorizationError.InvalidUser for the reason; it surfaces as PERMISSION_DENIED, Authorizer.scala:146-150).
    if (a.user && cmds.userId && cmds.userId !== a.user.id) throw err.denied(`Claims are only valid for userId '${a.user.id}', actual userId is '${cmds.userId}'`);
    for (const p of actAs) if (!a.actAs.has(p)) throw err.denied(`missing CanActAs right for party ${p}`);
    for (const p of cmds.readAs ?? []) if (!a.readAny && !a.readAs.has(p) && !a.actAs.has(p)) throw err.denied(`missing CanReadAs right for party ${p}`);
  }
  const submitter = cmds.userId || (r.actor.unrestricted ? '' : r.actor.user?.id ?? '');
  checkDuplicate(r.p, submitter, cmds.commandId, actAs);
  let last: ReturnType<Env['create']> | undefined;
  const events: unknown[] = [];
  for (const c of cmds.commands) withSubmission(r.p, cmds.commandId, () => {
    if ('CreateCommand' in c) {
      const cc = c.CreateCommand;
      if (!cc?.templateId) throw err.missingField('template_id');
      if (cc.createArguments === null || typeof cc.createArguments !== 'object') throw err.invalid('createArguments must be a record');
      last = env.create(r.p, cc.templateId, cc.createArguments, actAs);
      events.push({ CreatedEvent: createdEvent(last.contract, actAs, true) });
    } else if ('ExerciseCommand' in c) {
      const ec = c.ExerciseCommand;
      if (!r.p.contracts[ec.contractId]) throw new CantonError('CONTRACT_NOT_FOUND', 11, `Contract could not be found with id ${ec.contractId}`);
      if (ec.choice === 'Archive') env.archive(r.p, ec.contractId);
      else env.exercise(r.p, ec.contractId, ec.choice, ec.choiceArgument, actAs);
    } else {
      throw new CantonError('UNSUPPORTED_COMMAND', 14, `The emulator supports CreateCommand and ExerciseCommand only`);
    }
  });
  const updateId = last?.updateId ?? '1220' + Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex');
  recordCompletion(r.p, submitter, cmds.commandId, actAs, updateId);
  await env.save();
  return { updateId, offset: r.p.offset, commandId: cmds.commandId, events, synchronizerId: last?.contract.synchronizerId ?? '' };
}

function actorFor(env: Env, p: ParticipantDoc, info: { userId: string; privileged: boolean }): Actor {
  if (info.privileged && info.userId === '') return { unrestricted: false, user: null, admin: true, actAs: new Set(), readAs: new Set(), readAny: true };
  const u = p.users[info.userId];
  // The user behind a token must exist and be active.
  if (!u || u.isDeactivated) throw err.denied(`user ${info.userId} is unknown or deactivated`);
  const a = { unrestricted: false as const, user: u, admin: info.privileged, actAs: new Set<string>(), readAs: new Set<string>(), readAny: info.privileged };
  for (const r of u.rights) {
    const [k, v] = Object.entries(r.kind)[0]!;
    const party = String((v.value as { party?: string }).party ?? '');
    if (k === 'ParticipantAdmin') a.admin = true;
    else if (k === 'CanActAs') a.actAs.add(party);
    else if (k === 'CanReadAs') a.readAs.add(party);
    else if (k === 'CanReadAsAnyParty') a.readAny = true;
  }
  void env;
  return a;
}

/** What an actor may read, for the update service (undefined: no auth, everything). */
function readerOf(a: Actor): Reader | undefined {
  if (a.unrestricted) return undefined;
  return { readAny: a.readAny, canRead: (party) => a.readAs.has(party) || a.actAs.has(party) };
}

/** The JSON API server of participant `n` (not yet listening). */
export function jsonApiServer(env: Env, n: NodeCfg, verify: Verifier | undefined, tls?: ServerTls): Server {
  const table = routes(env);
  const prefix = n.http!.pathPrefix.replace(/\/$/, '');
  // HTTPS with the Ledger API's certificate when `ledger-api.tls` is set (security.ts).
  const server = tls ? createHttpsServer(tls, (req, res) => { void handle(req, res); }) : createServer((req, res) => { void handle(req, res); });
  attachUpdatesWebSocket(server, {
    node: n.name, pathPrefix: prefix, participant: () => env.participant(n.name),
    authenticate: async (authorization) => {
      if (!verify) return undefined;
      const info = await verify(authorization);
      const reader = readerOf(actorFor(env, env.participant(n.name), info));
      return reader && { ...reader, validUntilMs: info.validUntilMs };
    },
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    let path = url.pathname;
    const method = req.method ?? 'GET';
    res.on('finish', () => recordRequest(n.name, method, path, res.statusCode));
    const send = (status: number, body: unknown, type = 'application/json') => {
      const data = type === 'application/json' ? JSON.stringify(body) : String(body);
      res.writeHead(status, { 'content-type': type === 'application/json' ? 'application/json' : `${type}; charset=UTF-8`, 'content-length': Buffer.byteLength(data) });
      res.end(data);
    };
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      if (prefix && path.startsWith(prefix)) path = path.slice(prefix.length) || '/';
      if (path === '/livez') return send(200, '', 'text/plain');
      if (path === '/readyz') {
        // HealthService.scala:17-28: only the Ledger API's gRPC health, which serves once the node
        // has started (this server is bound after that): not "the bootstrap finished" (the ports file is).
        const ok = !faults.neverReady;
        return send(ok ? 200 : 503, ok ? '[+] ledger ok (SERVING)\nreadyz check passed\n' : '[-] ledger failed (NOT_SERVING)\nreadyz check failed\n', 'text/plain');
      }
      const route = table.find(([re]) => re.test(path));
      if (!route) return send(404, 'The requested resource could not be found.', 'text/plain');
      const h = route[1][method];
      if (!h) return send(405, `HTTP method not allowed, supported methods: ${Object.keys(route[1]).join(', ')}`, 'text/plain');
      if (faults.json5xxRate > 0 && random() < faults.json5xxRate) { const e = err.unavailable(); return send(e.status, e.toJson()); }
      const p = env.participant(n.name);
      let actor: Actor = { unrestricted: true };
      if (verify) actor = actorFor(env, p, await verify(req.headers.authorization));
      const [status, body] = await h({ method, path, query: url.searchParams, body: Buffer.concat(chunks), actor, p });
      send(status, body);
    } catch (e) {
      if (e instanceof HttpOnly) return send(e.status, e.text, 'text/plain');
      const ce = e instanceof CantonError ? e : err.internal(String((e as Error)?.message ?? e));
      const j = ce.toJson();
      j.context = { ...j.context, participant: n.name };
      send(ce.status, j);
    }
  }
  return server;
}

export function listen(server: Server | import('node:net').Server, address: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => { server.off('error', reject); resolve(server as Server); });
  });
}
