// Everything the signer needs comes from its environment: the CANTON_MPC_* variables that
// `canton-mpc up` sets for the supervised signer, plus the SIGNER_* settings of this example (put them
// in `signer.env` of canton-mpc.yaml). Nothing is hard-coded: endpoint, party, user, token, CA.
import { resolve } from 'node:path';

export interface SignerConfig {
  jsonApi: URL;
  userId: string;
  party: string;
  /** A file holding the current JWT; re-read on every request so a refresh is picked up. */
  tokenFile: string | undefined;
  /** PEM CA bundle to trust (TLS), and the client certificate and key (mTLS). */
  caFile: string | undefined;
  clientCertFile: string | undefined;
  clientKeyFile: string | undefined;
  templateId: string;
  choice: string;
  choiceArgument: unknown;
  /** Where the last processed offset is persisted (crash recovery). */
  offsetFile: string;
  healthPort: number;
  healthAddress: string;
  stream: 'auto' | 'websocket' | 'poll';
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  /** Pause between two polls of the ledger end when WebSockets are not used. */
  pollIntervalMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Test aid: exit right after the first successful submission, before the offset is saved (a crash there). */
  testExitAfterSubmit: boolean;
}

export class ConfigProblem extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min = 0): number {
  const v = env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new ConfigProblem(`${name}=${v}: expected an integer >= ${min}`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): SignerConfig {
  const need = (name: string, hint: string): string => {
    const v = env[name];
    if (v === undefined || v === '') throw new ConfigProblem(`${name} is not set (${hint})`);
    return v;
  };
  let jsonApi: URL;
  const api = need('CANTON_MPC_JSON_API', 'canton-mpc up sets it for the signer it supervises; or set it to the participant\'s JSON Ledger API URL');
  try { jsonApi = new URL(api); } catch { throw new ConfigProblem(`CANTON_MPC_JSON_API=${api} is not a URL`); }
  if (jsonApi.protocol !== 'http:' && jsonApi.protocol !== 'https:') throw new ConfigProblem(`CANTON_MPC_JSON_API=${api}: expected http:// or https://`);
  let choiceArgument: unknown = {};
  const arg = env.SIGNER_CHOICE_ARGUMENT;
  if (arg !== undefined && arg !== '') {
    try { choiceArgument = JSON.parse(arg); } catch (e) { throw new ConfigProblem(`SIGNER_CHOICE_ARGUMENT is not JSON: ${(e as Error).message}`); }
  }
  const stream = env.SIGNER_STREAM ?? 'auto';
  if (stream !== 'auto' && stream !== 'websocket' && stream !== 'poll') throw new ConfigProblem(`SIGNER_STREAM=${stream}: expected auto, websocket or poll`);
  const file = (v: string | undefined) => (v === undefined || v === '' ? undefined : resolve(cwd, v));
  return {
    jsonApi,
    userId: need('CANTON_MPC_USER_ID', 'the Ledger API user the signer acts as'),
    party: need('CANTON_MPC_PARTY', 'the party whose contracts the signer acts on'),
    tokenFile: file(env.CANTON_MPC_TOKEN_FILE),
    caFile: file(env.CANTON_MPC_CA_FILE),
    clientCertFile: file(env.CANTON_MPC_CLIENT_CERT_FILE),
    clientKeyFile: file(env.CANTON_MPC_CLIENT_KEY_FILE),
    templateId: env.SIGNER_TEMPLATE_ID || '#canton-mpc-poc:Erc20Vault:PendingDeposit',
    choice: env.SIGNER_CHOICE || 'ClaimDeposit',
    choiceArgument,
    offsetFile: resolve(cwd, env.SIGNER_OFFSET_FILE || 'signer-offset.json'),
    healthPort: int(env, 'SIGNER_HEALTH_PORT', 8080, 0),
    healthAddress: env.SIGNER_HEALTH_ADDRESS || '127.0.0.1',
    stream,
    requestTimeoutMs: int(env, 'SIGNER_REQUEST_TIMEOUT_MS', 10_000, 1),
    connectTimeoutMs: int(env, 'SIGNER_CONNECT_TIMEOUT_MS', 5_000, 1),
    pollIntervalMs: int(env, 'SIGNER_POLL_INTERVAL_MS', 250, 1),
    backoffBaseMs: int(env, 'SIGNER_BACKOFF_BASE_MS', 200, 1),
    backoffMaxMs: int(env, 'SIGNER_BACKOFF_MAX_MS', 10_000, 1),
    testExitAfterSubmit: env.SIGNER_TEST_EXIT_AFTER_SUBMIT === '1',
  };
}
