// The update service of the JSON Ledger API v2 (openapi.yaml `POST /v2/updates`, asyncapi.yaml channel
// `/v2/updates`) and command deduplication, over the per-participant update log that Env's create and
// archive (and a non-Archive exercise) append to.
//
// Rules taken from Canton 3.4 (release-line-3.4, a904e34):
// - HTTP list semantics: `ledger-json-api/.../http/json/v2/Endpoints.scala` `asList`: at most
//   min(limit, http-list-max-elements-limit + 1) elements are taken, more than the limit (200) is a 413
//   `JSON_API_MAXIMUM_LIST_ELEMENTS_NUMBER_REACHED` (`ledger-common/.../error/JsonApiErrors.scala`); an
//   open-ended request (no `endInclusive`, `JsUpdateService.scala` timeoutOpenEndedStream) returns once
//   no new element arrived for `stream_idle_timeout_ms` (default http-list-wait-time, 0.5 s).
// - WebSockets: the token travels as `Sec-WebSocket-Protocol: jwt.token.<JWT>, daml.ws.auth`
//   (`HttpTestFuns.scala`); the client sends one GetUpdatesRequest, the server streams
//   `Either[JsCantonError, JsGetUpdatesResponse]` messages (`Endpoints.scala` websocket).
// - Offsets: `OFFSET_AFTER_LEDGER_END` (category SeekAfterEnd → OUT_OF_RANGE → 400) when begin or end
//   lies after the ledger end (`RequestValidationErrors.scala`).
// - Deduplication: the change id is (userId, commandId, actAs) (`ledger/participant/state/ChangeId.scala`);
//   a second successful submission of the same change is `DUPLICATE_COMMAND` (category 10, ALREADY_EXISTS
//   → 409, "A command with the given command id has already been successfully processed",
//   `ledger-common/.../error/groups/ConsistencyErrors.scala`).
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { v3_4 } from '@canton-network/core-ledger-client-types';
import { CantonError, err } from './errors.js';
import { faults, recordRequest } from './faults.js';
import type { Contract, ParticipantDoc } from './state.js';

type S = v3_4.components['schemas'];
const LIST_LIMIT = 200; // websocket-config.http-list-max-elements-limit
const DEFAULT_IDLE_MS = 500; // websocket-config.http-list-wait-time
const POLL_MS = 10;

export type LoggedEvent =
  | { kind: 'created'; contract: Contract }
  | { kind: 'archived'; contract: Contract }
  | { kind: 'exercised'; contract: Contract; choice: string; choiceArgument: unknown; actingParties: string[]; consuming: boolean };
export interface UpdateRec {
  offset: number; updateId: string; /** only on the submitting participant, as Canton shows it to the submitter */ commandId: string;
  events: LoggedEvent[]; effectiveAt: string; synchronizerId: string;
}
interface LogDoc { updateLog?: UpdateRec[]; dedup?: Record<string, { updateId: string; offset: number }> }
const logOf = (p: ParticipantDoc): UpdateRec[] => ((p as ParticipantDoc & LogDoc).updateLog ??= []);

/** The submission being processed (set around a command's effects, so log entries carry its command id). */
let current: { commandId: string; participant: ParticipantDoc } | undefined;
export function withSubmission<T>(p: ParticipantDoc, commandId: string, f: () => T): T {
  current = { commandId, participant: p };
  try { return f(); } finally { current = undefined; }
}

const waiters = new Set<() => void>();
/** Append one transaction to `p`'s log at its current (just advanced) offset. */
export function logUpdate(p: ParticipantDoc, events: LoggedEvent[], synchronizerId: string): void {
  logOf(p).push({
    offset: p.offset, updateId: '1220' + randomBytes(32).toString('hex'), commandId: current?.participant === p ? current.commandId : '',
    events, effectiveAt: new Date().toISOString(), synchronizerId,
  });
  for (const w of waiters) w();
}

// ---------------------------------------------------------------- deduplication
const changeKey = (userId: string, commandId: string, actAs: string[]): string =>
  createHash('sha256').update(JSON.stringify([userId, commandId, [...new Set(actAs)].sort()])).digest('hex');

export function checkDuplicate(p: ParticipantDoc, userId: string, commandId: string, actAs: string[]): void {
  const d = (p as ParticipantDoc & LogDoc).dedup ?? {};
  if (d[changeKey(userId, commandId, actAs)]) {
    throw new CantonError('DUPLICATE_COMMAND', 10, 'A command with the given command id has already been successfully processed', { commandId, userId });
  }
}
export function recordCompletion(p: ParticipantDoc, userId: string, commandId: string, actAs: string[], updateId: string): void {
  const doc = p as ParticipantDoc & LogDoc;
  (doc.dedup ??= {})[changeKey(userId, commandId, actAs)] = { updateId, offset: p.offset };
}

// ---------------------------------------------------------------- filtering and rendering
export interface Reader { readAny: boolean; canRead(party: string): boolean; /** end of the token's validity (exp + leeway) */ validUntilMs?: number }
interface Format { shape: 'ACS_DELTA' | 'LEDGER_EFFECTS'; parties: string[] | undefined; templates: Map<string, string[] | undefined> }

const normTemplate = (t: string): string => t.replace(/^#/, '');
function templatesOf(filters: S['Filters'] | undefined): string[] | undefined {
  const out: string[] = [];
  for (const c of filters?.cumulative ?? []) {
    const f = c.identifierFilter as Record<string, { value?: { templateId?: string } }> | undefined;
    if (!f || 'WildcardFilter' in f || 'Empty' in f) return undefined;
    if ('TemplateFilter' in f) { const t = f.TemplateFilter?.value?.templateId; if (typeof t !== 'string') throw err.missingField('template_id'); out.push(normTemplate(t)); }
    else throw new CantonError('UNSUPPORTED_FILTER', 14, 'The emulator supports WildcardFilter and TemplateFilter only');
  }
  return out.length === 0 ? undefined : out;
}

/** GetUpdatesRequest → the format to apply, with Canton's validations and read-right checks. */
export function parseRequest(b: S['GetUpdatesRequest'], ledgerEnd: number, reader: Reader | undefined): { begin: number; end: number | undefined; format: Format } {
  const begin = b.beginExclusive ?? 0;
  if (!Number.isInteger(begin) || begin < 0) throw err.invalid(`begin_exclusive must be a non-negative integer, got ${String(b.beginExclusive)}`);
  if (begin > ledgerEnd) throw new CantonError('OFFSET_AFTER_LEDGER_END', 12, `Begin offset (${begin}) is after ledger end (${ledgerEnd})`);
  const end = b.endInclusive ?? undefined;
  if (end !== undefined) {
    if (!Number.isInteger(end) || end <= 0) throw err.invalid(`end_inclusive must be a positive integer, got ${String(end)}`);
    if (end > ledgerEnd) throw new CantonError('OFFSET_AFTER_LEDGER_END', 12, `End offset (${end}) is after ledger end (${ledgerEnd})`);
    if (end < begin) throw err.invalid(`end_inclusive (${end}) is before begin_exclusive (${begin})`);
  }
  if (b.updateFormat && b.filter) throw err.invalid('Both filter/verbose and update_format is specified. Please use either backwards compatible arguments (filter and verbose) or update_format, but not both.');
  let shape: Format['shape'] = 'ACS_DELTA';
  let ef: S['EventFormat'] | undefined;
  if (b.updateFormat) {
    const tx = b.updateFormat.includeTransactions;
    if (!tx) return { begin, end, format: { shape, parties: [], templates: new Map() } }; // no transactions requested
    if (tx.transactionShape === 'TRANSACTION_SHAPE_LEDGER_EFFECTS') shape = 'LEDGER_EFFECTS';
    else if (tx.transactionShape !== 'TRANSACTION_SHAPE_ACS_DELTA') throw err.invalid('transaction_shape is unspecified');
    ef = tx.eventFormat;
    if (!ef) throw err.missingField('event_format');
  } else if (b.filter) {
    ef = { filtersByParty: b.filter.filtersByParty, filtersForAnyParty: b.filter.filtersForAnyParty, verbose: b.verbose };
  } else {
    throw err.missingField('update_format');
  }
  const byParty = ef.filtersByParty ?? {};
  const any = ef.filtersForAnyParty !== undefined;
  const names = Object.keys(byParty);
  if (!any && names.length === 0) throw err.invalid('filtersByParty and filtersForAnyParty cannot be empty simultaneously');
  if (reader) {
    if (any && !reader.readAny) throw err.denied('reading as any party requires CanReadAsAnyParty');
    for (const p of names) if (!reader.readAny && !reader.canRead(p)) throw err.denied(`missing read right for party ${p}`);
  }
  const templates = new Map<string, string[] | undefined>();
  for (const p of names) templates.set(p, templatesOf(byParty[p]));
  if (any) templates.set('*', templatesOf(ef.filtersForAnyParty));
  return { begin, end, format: { shape, parties: any ? undefined : names, templates } };
}

function visibleTo(c: Contract, f: Format, witnesses: string[]): string[] | null {
  const tpl = normTemplate(c.templateId);
  const matches = (filter: string[] | undefined) => filter === undefined || filter.includes(tpl);
  if (f.parties === undefined) return matches(f.templates.get('*')) ? witnesses : null;
  const seen = f.parties.filter((p) => witnesses.includes(p) && matches(f.templates.get(p)));
  return seen.length > 0 ? seen : null;
}

function renderEvent(e: LoggedEvent, f: Format, offset: number): S['Event'] | null {
  const c = e.contract;
  const stake = [...c.signatories, ...c.observers];
  if (e.kind === 'created') {
    const w = visibleTo(c, f, stake);
    if (!w) return null;
    return { CreatedEvent: {
      offset, nodeId: 0, contractId: c.contractId, templateId: c.templateId, createArgument: c.createArgument, witnessParties: w,
      signatories: c.signatories, observers: c.observers, createdAt: c.createdAt, packageName: c.packageName,
      representativePackageId: c.templateId.split(':')[0]!.replace(/^#/, ''), acsDelta: true,
    } as S['CreatedEvent'] };
  }
  if (f.shape === 'ACS_DELTA') {
    if (e.kind !== 'archived') return null; // a non-consuming exercise changes no contract's activeness
    const w = visibleTo(c, f, stake);
    return w ? { ArchivedEvent: { offset, nodeId: 0, contractId: c.contractId, templateId: c.templateId, witnessParties: w, packageName: c.packageName } as S['ArchivedEvent'] } : null;
  }
  const choice = e.kind === 'archived' ? 'Archive' : e.choice;
  const w = visibleTo(c, f, [...new Set([...c.signatories, ...(e.kind === 'exercised' ? e.actingParties : [])])]);
  if (!w) return null;
  return { ExercisedEvent: {
    offset, nodeId: 0, contractId: c.contractId, templateId: c.templateId, interfaceId: null, choice,
    choiceArgument: e.kind === 'exercised' ? e.choiceArgument : {}, actingParties: e.kind === 'exercised' ? e.actingParties : c.signatories,
    consuming: e.kind === 'archived' || (e.kind === 'exercised' && e.consuming), witnessParties: w, lastDescendantNodeId: 0,
    exerciseResult: {}, packageName: c.packageName, implementedInterfaces: [], acsDelta: e.kind === 'archived' || (e.kind === 'exercised' && e.consuming),
  } as unknown as S['ExercisedEvent'] };
}

/** Updates of `p` in (after, upTo], rendered with the format; transactions with no visible event are left out. */
export function updatesIn(p: ParticipantDoc, after: number, upTo: number, f: Format): S['JsGetUpdatesResponse'][] {
  const out: S['JsGetUpdatesResponse'][] = [];
  for (const u of logOf(p)) {
    if (u.offset <= after || u.offset > upTo) continue;
    const events = u.events.map((e) => renderEvent(e, f, u.offset)).filter((e): e is S['Event'] => e !== null);
    if (events.length === 0) continue;
    out.push({ update: { Transaction: { value: {
      updateId: u.updateId, commandId: u.commandId, workflowId: '', effectiveAt: u.effectiveAt, events, offset: u.offset,
      synchronizerId: u.synchronizerId, recordTime: u.effectiveAt, traceContext: null,
    } } } } as unknown as S['JsGetUpdatesResponse']);
  }
  return out;
}

function waitForUpdate(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { clearTimeout(t); waiters.delete(done); resolve(); };
    const t = setTimeout(done, ms);
    waiters.add(done);
  });
}

/** `POST /v2/updates`: a blocking list, open-ended requests wait until idle. */
export async function listUpdates(p: ParticipantDoc, body: S['GetUpdatesRequest'], query: URLSearchParams, reader: Reader | undefined): Promise<S['JsGetUpdatesResponse'][]> {
  const { begin, end, format } = parseRequest(body, p.offset, reader);
  const limitQ = query.get('limit');
  const limit = limitQ === null ? LIST_LIMIT + 1 : Math.min(Number(limitQ), LIST_LIMIT + 1);
  if (!Number.isInteger(limit) || limit < 0) throw err.invalid('Invalid value for: query parameter limit');
  const idleQ = query.get('stream_idle_timeout_ms');
  const idleMs = idleQ === null ? DEFAULT_IDLE_MS : Number(idleQ);
  let seen = begin;
  const out: S['JsGetUpdatesResponse'][] = [];
  for (;;) {
    const upTo = end ?? p.offset;
    out.push(...updatesIn(p, seen, upTo, format));
    seen = upTo;
    if (out.length >= limit || end !== undefined) break;
    const before = p.offset;
    await waitForUpdate(idleMs);
    if (p.offset === before) break; // idle: nothing new within the wait time
  }
  const taken = out.slice(0, limit);
  if (taken.length > LIST_LIMIT) {
    const e = new CantonError('JSON_API_MAXIMUM_LIST_ELEMENTS_NUMBER_REACHED', 2, `The number of matching elements (${taken.length}) is greater than the node limit (${LIST_LIMIT}).`);
    e.httpStatus = 413;
    throw e;
  }
  return taken;
}

// ---------------------------------------------------------------- WebSocket channel /v2/updates
export interface WsContext {
  participant(): ParticipantDoc;
  /** Authenticates the token from the subprotocol header (undefined when auth is off) and returns the reader. */
  authenticate(authorization: string | undefined): Promise<Reader | undefined>;
  node: string;
  pathPrefix: string;
}

export function attachUpdatesWebSocket(server: Server, ctx: WsContext): void {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('daml.ws.auth') ? 'daml.ws.auth' : false) });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname.slice(ctx.pathPrefix.length);
      if (path !== '/v2/updates') { socket.end('HTTP/1.1 404 Not Found\r\n\r\n'); return; }
      // Fault: a proxy in front of the participant that does not pass WebSockets on.
      if (faults.wsRefuse) { recordRequest(ctx.node, 'GET', path, 502); socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n'); return; }
      const protos = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
      const jwt = protos.find((s) => s.startsWith('jwt.token.'))?.slice('jwt.token.'.length);
      let reader: Reader | undefined;
      try { reader = await ctx.authenticate(jwt === undefined ? undefined : `Bearer ${jwt}`); } catch (e) {
        const ce = e instanceof CantonError ? e : err.internal(String(e));
        const body = JSON.stringify(ce.toJson());
        recordRequest(ctx.node, 'GET', path, ce.status);
        socket.end(`HTTP/1.1 ${ce.status} Unauthorized\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        return;
      }
      recordRequest(ctx.node, 'GET', path, 101);
      wss.handleUpgrade(req, socket, head, (ws) => serveUpdates(ws, ctx, reader));
    })();
  });
}

function serveUpdates(ws: WebSocket, ctx: WsContext, reader: Reader | undefined): void {
  let closed = false;
  ws.on('close', () => { closed = true; });
  ws.on('error', () => { closed = true; });
  // Fault: cut every stream abruptly (no close frame) after n ms, as a dropped connection would.
  if (faults.wsDropAfterMs !== undefined) setTimeout(() => { closed = true; ws.terminate(); }, faults.wsDropAfterMs).unref();
  ws.once('message', (data) => {
    void (async () => {
      const send = (m: unknown) => { if (!closed) ws.send(JSON.stringify(m)); };
      try {
        const p = ctx.participant();
        let body: S['GetUpdatesRequest'];
        try { body = JSON.parse(String(data)) as S['GetUpdatesRequest']; } catch (e) { throw err.decode(`The request content was malformed: ${(e as Error).message}`); }
        const { begin, end, format } = parseRequest(body, p.offset, reader);
        let seen = begin;
        let checkpointed = begin;
        while (!closed) {
          const upTo = end ?? p.offset;
          for (const u of updatesIn(p, seen, upTo, format)) {
            // Canton checks the claims' expiry before each element of an ongoing stream and ends the
            // stream with ACCESS_TOKEN_EXPIRED (UserBasedOngoingAuthorization.scala checkClaimsExpiry,
            // no grace period by default; AuthorizationChecksErrors.scala, category 2).
            if (reader?.validUntilMs !== undefined && Date.now() > reader.validUntilMs) {
              throw new CantonError('ACCESS_TOKEN_EXPIRED', 2, `Claims were valid until ${new Date(reader.validUntilMs).toISOString()}, current time is ${new Date().toISOString()}`);
            }
            send(u);
          }
          seen = upTo;
          if (end !== undefined) { ws.close(1000); return; }
          // Tail: idle at the ledger end, tell the client how far it is (an offset checkpoint), then wait.
          if (checkpointed < seen) { send({ update: { OffsetCheckpoint: { value: { offset: seen, synchronizerTimes: [] } } } }); checkpointed = seen; }
          await waitForUpdate(POLL_MS * 50);
        }
      } catch (e) {
        const ce = e instanceof CantonError ? e : err.internal(String((e as Error)?.message ?? e));
        send(ce.toJson());
        ws.close(1000);
      }
    })();
  });
}
