#!/usr/bin/env node
// A reference MPC signer: it does what the production checklist asks of an MPC node against a
// multi-node Canton (JWT on every call, TLS with the CA and mTLS, a configurable endpoint, stream
// reconnection with backoff, deterministic command ids, a health endpoint, timeouts, crash recovery
// from a persisted offset) and nothing else. Where a real node would run its MPC protocol and sign,
// this one exercises the configured choice with the configured argument.
import { createServer } from 'node:http';
import { ConfigProblem, loadConfig, type SignerConfig } from './config.js';
import { act, sameTemplate } from './act.js';
import { Ledger } from './ledger.js';
import { log } from './log.js';
import { OffsetStore } from './offset.js';
import { backoffMs, runStream, updateFormat, type CreatedEvent } from './stream.js';

async function main(): Promise<void> {
  let cfg: SignerConfig;
  try { cfg = loadConfig(); } catch (e) {
    if (e instanceof ConfigProblem) { log('config-error', { error: e.message }); process.exit(2); }
    throw e;
  }
  const ledger = new Ledger(cfg);
  const state = { live: false, mode: 'websocket' as 'websocket' | 'poll', offset: -1 };

  const health = createServer((req, res) => {
    if (req.url !== '/health') { res.writeHead(404).end(); return; }
    res.writeHead(state.live ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: state.live ? 'ok' : 'catching-up', mode: state.mode, offset: state.offset }));
  });
  await new Promise<void>((resolve, reject) => { health.once('error', reject); health.listen(cfg.healthPort, cfg.healthAddress, () => resolve()); });
  log('health', { url: `http://${cfg.healthAddress}:${(health.address() as { port: number }).port}/health` });

  const ac = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => { log('stopping', { signal: sig }); ac.abort(); health.close(); setTimeout(() => process.exit(0), 200).unref(); });

  // Offsets mean something only on the participant that issued them.
  const participant = await retry(cfg, () => ledger.get<{ participantId: string }>('/v2/parties/participant-id'), ac.signal);
  const store = new OffsetStore(cfg.offsetFile, participant.participantId);
  let offset = store.load();
  if (offset === undefined) {
    // First start: act on what is active now, then follow the updates from that offset.
    offset = await retry(cfg, async () => {
      const end = (await ledger.get<{ offset: number }>('/v2/state/ledger-end')).offset;
      const acs = await ledger.post<Array<{ contractEntry?: { JsActiveContract?: { createdEvent: CreatedEvent } } }>>('/v2/state/active-contracts', {
        activeAtOffset: end, eventFormat: updateFormat(cfg).includeTransactions.eventFormat,
      });
      for (const a of acs) { const ev = a.contractEntry?.JsActiveContract?.createdEvent; if (ev) await act(cfg, ledger, ev); }
      return end;
    }, ac.signal);
    store.save(offset);
    log('snapshot', { offset });
  } else {
    log('resume', { offset });
  }
  state.offset = offset;

  await runStream(cfg, ledger, {
    from: () => state.offset,
    handle: async (item) => {
      if (item.kind === 'transaction') for (const ev of item.created) if (sameTemplate(ev.templateId, cfg.templateId)) await act(cfg, ledger, ev);
      if (item.offset > state.offset) { store.save(item.offset); state.offset = item.offset; }
    },
    onLive: (live, mode) => {
      if (live !== state.live) log(live ? 'live' : 'not-live', { mode, offset: state.offset });
      state.live = live; state.mode = mode;
    },
  }, ac.signal);
}

async function retry<T>(cfg: SignerConfig, f: () => Promise<T>, signal: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try { return await f(); } catch (e) {
      if (signal.aborted) throw e;
      const delay = backoffMs(attempt, cfg.backoffBaseMs, cfg.backoffMaxMs);
      log('retry', { error: (e as Error).message, inMs: delay });
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

main().catch((e) => { log('fatal', { error: e instanceof Error ? e.message : String(e) }); process.exit(1); });
