// The update stream of one party from a given offset: the `/v2/updates` WebSocket first, HTTP
// long-polling of `POST /v2/updates` when WebSockets fail, reconnecting with exponential backoff and
// full jitter. Every session starts again from the last offset the caller persisted, so nothing is
// skipped and anything seen twice is harmless (command ids are deterministic).
import WebSocket from 'ws';
import type { SignerConfig } from './config.js';
import { currentToken, LedgerError, type Ledger } from './ledger.js';
import { log } from './log.js';

export interface CreatedEvent { contractId: string; templateId: string; createArgument: unknown; offset: number }
export type StreamItem =
  | { kind: 'transaction'; offset: number; created: CreatedEvent[] }
  | { kind: 'checkpoint'; offset: number };

export interface StreamHooks {
  /** The offset to resume after (the last one persisted). */
  from(): number;
  /** Called for each item, one at a time; a throw ends the session (it is retried from `from()`). */
  handle(item: StreamItem): Promise<void>;
  /** Connected and caught up with the ledger end seen at connect time, or not. */
  onLive(live: boolean, mode: 'websocket' | 'poll'): void;
}

/** Full jitter: a random delay in [0, min(max, base * 2^attempt)]. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30)));
}

/** How long to poll before trying WebSockets again after they failed to open twice in a row. */
const WS_RETRY_AFTER_MS = 60_000;

export function updateFormat(cfg: SignerConfig) {
  return {
    includeTransactions: {
      transactionShape: 'TRANSACTION_SHAPE_ACS_DELTA',
      eventFormat: {
        filtersByParty: { [cfg.party]: { cumulative: [{ identifierFilter: { TemplateFilter: { value: { templateId: cfg.templateId, includeCreatedEventBlob: false } } } }] } },
        verbose: false,
      },
    },
  };
}

/** One JSON update message → a stream item (or null for updates the signer does not care about). */
export function toItem(msg: unknown): StreamItem | null {
  const u = (msg as { update?: Record<string, { value?: Record<string, unknown> }> })?.update;
  if (!u) return null;
  if (u.OffsetCheckpoint?.value) return { kind: 'checkpoint', offset: Number(u.OffsetCheckpoint.value.offset) };
  const tx = u.Transaction?.value as { offset: number; events?: Array<Record<string, unknown>> } | undefined;
  if (!tx) return null;
  const created = (tx.events ?? []).map((e) => e.CreatedEvent as CreatedEvent | undefined).filter((e): e is CreatedEvent => e !== undefined);
  return { kind: 'transaction', offset: Number(tx.offset), created };
}

export async function runStream(cfg: SignerConfig, ledger: Ledger, hooks: StreamHooks, signal: AbortSignal): Promise<void> {
  let attempt = 0;
  let wsOpenFailures = 0;
  let pollUntil = 0;
  while (!signal.aborted) {
    const mode = cfg.stream === 'poll' || (cfg.stream === 'auto' && Date.now() < pollUntil) ? 'poll' : 'websocket';
    const session = { opened: false, progressed: false };
    try {
      const end = (await ledger.get<{ offset: number }>('/v2/state/ledger-end')).offset;
      if (mode === 'websocket') await wsSession(cfg, ledger, hooks, end, session, signal);
      else await pollSession(cfg, ledger, hooks, end, session, signal, cfg.stream === 'auto' ? pollUntil : Infinity);
      if (mode === 'websocket') log('stream-closed', { mode });
    } catch (e) {
      if (signal.aborted) break;
      log('stream-error', { mode, error: e instanceof Error ? e.message : String(e) });
    }
    hooks.onLive(false, mode);
    if (mode === 'websocket' && cfg.stream === 'auto') {
      wsOpenFailures = session.opened ? 0 : wsOpenFailures + 1;
      if (wsOpenFailures >= 2) {
        pollUntil = Date.now() + WS_RETRY_AFTER_MS;
        wsOpenFailures = 0;
        log('fallback', { to: 'poll', retryWebsocketInMs: WS_RETRY_AFTER_MS });
      }
    }
    attempt = session.progressed ? 0 : attempt + 1;
    if (signal.aborted) break;
    const delay = backoffMs(attempt, cfg.backoffBaseMs, cfg.backoffMaxMs);
    log('reconnect', { inMs: delay, attempt });
    await new Promise((r) => setTimeout(r, delay));
  }
}

function wsSession(cfg: SignerConfig, ledger: Ledger, hooks: StreamHooks, end: number, session: { opened: boolean; progressed: boolean }, signal: AbortSignal): Promise<void> {
  const url = new URL('v2/updates', cfg.jsonApi.href.endsWith('/') ? cfg.jsonApi : cfg.jsonApi.href + '/');
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = currentToken(cfg);
  const protocols = token ? [`jwt.token.${token}`, 'daml.ws.auth'] : ['daml.ws.auth'];
  return new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { handshakeTimeout: cfg.connectTimeoutMs, ...ledger.tlsFor() });
    const abort = () => ws.close(1000);
    signal.addEventListener('abort', abort, { once: true });
    let chain = Promise.resolve();
    let failed = false;
    const fail = (e: unknown) => { if (!failed) { failed = true; ws.terminate(); reject(e); } };
    ws.on('unexpected-response', (_req, res) => fail(new LedgerError('GET /v2/updates (websocket)', res.statusCode ?? 0, 'HANDSHAKE', `the server refused the WebSocket (HTTP ${res.statusCode})`)));
    ws.on('open', () => {
      session.opened = true;
      log('connected', { mode: 'websocket', from: hooks.from() });
      if (hooks.from() >= end) hooks.onLive(true, 'websocket');
      ws.send(JSON.stringify({ beginExclusive: hooks.from(), updateFormat: updateFormat(cfg) }));
    });
    ws.on('message', (data) => {
      chain = chain.then(async () => {
        if (failed) return;
        const msg = JSON.parse(String(data)) as Record<string, unknown>;
        if (typeof msg.code === 'string') throw new LedgerError('GET /v2/updates (websocket)', 0, msg.code, String(msg.cause ?? ''));
        const item = toItem(msg);
        if (!item) return;
        await hooks.handle(item);
        session.progressed = true;
        if (item.kind === 'checkpoint' || item.offset >= end) hooks.onLive(true, 'websocket');
      }).catch(fail);
    });
    ws.on('error', (e) => fail(e));
    ws.on('close', () => {
      signal.removeEventListener('abort', abort);
      void chain.then(() => { if (!failed) resolve(); });
    });
  });
}

async function pollSession(cfg: SignerConfig, ledger: Ledger, hooks: StreamHooks, _end: number, session: { opened: boolean; progressed: boolean }, signal: AbortSignal, until: number): Promise<void> {
  // Bounded requests (up to the ledger end just read) answer at once; an open-ended one would hold
  // every answer for http-list-wait-time after its last element.
  const PAGE = 100; // below http-list-max-elements-limit (200), so a page never answers 413
  session.opened = true;
  log('connected', { mode: 'poll', from: hooks.from() });
  while (!signal.aborted && Date.now() < until) {
    const end = (await ledger.get<{ offset: number }>('/v2/state/ledger-end')).offset;
    if (end > hooks.from()) {
      const page = await ledger.post<unknown[]>('/v2/updates', { beginExclusive: hooks.from(), endInclusive: end, updateFormat: updateFormat(cfg) }, `?limit=${PAGE}`);
      for (const m of page) {
        const item = toItem(m);
        if (item) { await hooks.handle(item); session.progressed = true; }
      }
      // A full page may stop short of `end`; otherwise everything up to `end` has been seen.
      if (page.length < PAGE) await hooks.handle({ kind: 'checkpoint', offset: end });
      if (page.length === PAGE) continue;
    }
    hooks.onLive(true, 'poll');
    await new Promise((r) => setTimeout(r, cfg.pollIntervalMs));
  }
}
