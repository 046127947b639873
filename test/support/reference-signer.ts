// Builds examples/reference-signer into one ESM file (ws bundled) for the e2e tests and the bench,
// and wires it into a test project as its `signer:`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import getPort from 'get-port';
import type { CliProject } from './cli.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const builds = new Map<string, Promise<string>>();

/** `randomCommandIds`: a deliberately broken build whose command ids are not derived from the contract. */
export function buildReferenceSigner(o: { randomCommandIds?: boolean } = {}): Promise<string> {
  const key = o.randomCommandIds ? 'broken' : 'good';
  let b = builds.get(key);
  if (!b) {
    b = (async () => {
      const out = join(mkdtempSync(join(tmpdir(), 'ref-signer-')), 'reference-signer.mjs');
      await esbuild.build({
        entryPoints: [join(ROOT, 'examples/reference-signer/src/main.ts')], outfile: out, bundle: true, platform: 'node', format: 'esm', target: 'node20',
        // ws has optional native add-ons it requires lazily; without them it uses plain JS.
        external: ['bufferutil', 'utf-8-validate'],
        banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
        define: o.randomCommandIds ? { __REFERENCE_SIGNER_RANDOM_COMMAND_IDS__: 'true' } : {},
        logLevel: 'error',
      });
      return out;
    })();
    builds.set(key, b);
  }
  return b;
}

export const PENDING_DEPOSIT = '#canton-mpc-poc:Erc20Vault:PendingDeposit';

/** Configures the reference signer as `signer:` of the project (acting as issuer-user for Issuer on participant1). */
export async function useReferenceSigner(p: CliProject, o: { randomCommandIds?: boolean; env?: Record<string, string>; config?: Record<string, unknown> } = {}): Promise<{ healthPort: number; bundle: string }> {
  const bundle = await buildReferenceSigner(o);
  const healthPort = await getPort();
  p.writeConfig({
    ...o.config,
    signer: {
      command: process.execPath,
      args: [bundle],
      env: {
        SIGNER_HEALTH_PORT: String(healthPort), SIGNER_TEMPLATE_ID: PENDING_DEPOSIT, SIGNER_CHOICE: 'ClaimDeposit',
        SIGNER_CHOICE_ARGUMENT: '{"mpcSignature":"00"}', SIGNER_BACKOFF_BASE_MS: '50', SIGNER_BACKOFF_MAX_MS: '400', SIGNER_POLL_INTERVAL_MS: '100',
        ...o.env,
      },
      health: { url: `http://127.0.0.1:${healthPort}/health`, timeout: '30s' },
      participant: 'participant1', party: 'Issuer', user: 'issuer-user',
    },
  });
  return { healthPort, bundle };
}

/** A small JSON API client for the test's side of the ledger (creating contracts, counting exercises). */
export function ledgerOf(url: string) {
  const post = async (path: string, body: unknown) => {
    const r = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await r.text();
    if (!r.ok) throw new Error(`POST ${path} → ${r.status}: ${text}`);
    return JSON.parse(text) as any;
  };
  return {
    post,
    async createPendingDeposit(party: string, commandId: string): Promise<string> {
      const r = await post('/v2/commands/submit-and-wait-for-transaction', { commands: { commands: [{ CreateCommand: { templateId: PENDING_DEPOSIT, createArguments: { issuer: party, amount: '10' } } }], commandId, actAs: [party], userId: 'test-creator' } });
      return r.transaction.events[0].CreatedEvent.contractId as string;
    },
    /** How many times each contract had `choice` exercised on it (ledger-effects view of the party). */
    async exercises(party: string, choice = 'ClaimDeposit'): Promise<Map<string, number>> {
      const end = ((await (await fetch(`${url}/v2/state/ledger-end`)).json()) as { offset: number }).offset;
      const out = new Map<string, number>();
      if (end === 0) return out;
      const ups = await post('/v2/updates?limit=200', { beginExclusive: 0, endInclusive: end, updateFormat: { includeTransactions: { transactionShape: 'TRANSACTION_SHAPE_LEDGER_EFFECTS', eventFormat: { filtersByParty: { [party]: {} } } } } });
      for (const u of ups) for (const e of u.update.Transaction?.value.events ?? []) {
        const x = e.ExercisedEvent;
        if (x && x.choice === choice) out.set(x.contractId, (out.get(x.contractId) ?? 0) + 1);
      }
      return out;
    },
  };
}

export async function waitUntil<T>(f: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
