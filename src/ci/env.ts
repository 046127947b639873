import type { State } from '../state/state.js';

/**
 * What a later CI step needs to reach the topology `up` started, as variables: endpoints per node,
 * party ids, user ids, the signer's status, the CA path, and (only when asked) tokens. Pure: the
 * command reads state.json and the signer status and passes them in.
 */
export interface EnvVar {
  key: string;
  value: string;
  /** Masked (`::add-mask::`) and left out unless tokens were asked for. */
  secret?: boolean;
}

export interface EnvInputs {
  state: State;
  stateDir: string;
  synchronizer?: string;
  signer?: { running: boolean; state?: string; pid?: number; restarts?: number };
  caFile?: string;
  /** user id → token; only passed with --with-tokens. */
  tokens?: Record<string, string>;
  /** The Prometheus scrape URL (metrics enabled): one for the whole Canton process. */
  metricsUrl?: string;
  /** Participant name → its JSON API base URL (https when its Ledger API has TLS); else plain http. */
  jsonApiUrls?: Record<string, string>;
}

/** `participant1` → `PARTICIPANT1`, `issuer-user` → `ISSUER_USER`: names usable as variable names. */
export function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

function connectHost(address: string): string {
  return address === '0.0.0.0' ? '127.0.0.1' : address;
}

export function environmentFor(i: EnvInputs): EnvVar[] {
  const out: EnvVar[] = [];
  const add = (key: string, value: string | number | undefined, secret = false) => {
    if (value !== undefined && value !== '') out.push({ key, value: String(value), ...(secret ? { secret } : {}) });
  };
  const s = i.state;
  add('CANTON_MPC_STATE_DIR', i.stateDir);
  add('CANTON_MPC_SYNCHRONIZER', i.synchronizer);
  add('CANTON_MPC_CANTON_VERSION', s.canton?.version);
  const participants = s.nodes.filter((n) => n.kind === 'participant');
  add('CANTON_MPC_PARTICIPANTS', participants.map((n) => n.name).join(','));
  for (const n of s.nodes) {
    const host = connectHost(n.address);
    const N = `CANTON_MPC_${envName(n.name)}`;
    if (n.ports.ledger) add(`${N}_LEDGER_API`, `${host}:${n.ports.ledger}`);
    if (n.ports.json) add(`${N}_JSON_API`, i.jsonApiUrls?.[n.name] ?? `http://${host}:${n.ports.json}`);
    if (n.ports.public) add(`${N}_PUBLIC_API`, `${host}:${n.ports.public}`);
    if (n.ports.admin) add(`${N}_ADMIN_API`, `${host}:${n.ports.admin}`);
  }
  for (const [name, p] of Object.entries(s.parties)) {
    add(`CANTON_MPC_PARTY_${envName(name)}`, p.id);
    add(`CANTON_MPC_PARTY_${envName(name)}_PARTICIPANT`, p.participant);
  }
  for (const u of s.users) {
    add(`CANTON_MPC_USER_${envName(u.id)}`, u.id);
    add(`CANTON_MPC_USER_${envName(u.id)}_PARTICIPANT`, u.participant);
  }
  if (i.signer) {
    add('CANTON_MPC_SIGNER_STATUS', i.signer.running ? (i.signer.state ?? 'running') : 'stopped');
    add('CANTON_MPC_SIGNER_PID', i.signer.running ? i.signer.pid : undefined);
    add('CANTON_MPC_SIGNER_RESTARTS', i.signer.restarts);
  }
  add('CANTON_MPC_CA_FILE', i.caFile);
  add('CANTON_MPC_METRICS_URL', i.metricsUrl);
  for (const [user, token] of Object.entries(i.tokens ?? {})) add(`CANTON_MPC_TOKEN_${envName(user)}`, token, true);
  return out;
}

/** POSIX single quotes: nothing inside is expanded. */
function shellQuote(v: string): string {
  return `'${v.replaceAll("'", `'\\''`)}'`;
}

export function formatShell(vars: EnvVar[]): string {
  return vars.map((v) => `export ${v.key}=${shellQuote(v.value)}`).join('\n');
}

/** dotenv: plain when safe, else double-quoted with escapes (the dotenv packages' shared subset). */
export function formatDotenv(vars: EnvVar[]): string {
  return vars
    .map((v) => (/^[A-Za-z0-9_.:/@,+=-]*$/.test(v.value) ? `${v.key}=${v.value}` : `${v.key}="${v.value.replace(/[\\"$]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`))
    .join('\n');
}

export function formatJson(vars: EnvVar[]): Record<string, string> {
  return Object.fromEntries(vars.map((v) => [v.key, v.value]));
}

/**
 * GitHub Actions: `KEY=value` lines for $GITHUB_ENV and $GITHUB_OUTPUT; a value with a newline uses
 * the documented `KEY<<DELIMITER` form. Secrets are masked in the log first with `::add-mask::`.
 */
export function githubFileLines(vars: EnvVar[], delimiter: string): string {
  return vars.map((v) => (v.value.includes('\n') ? `${v.key}<<${delimiter}\n${v.value}\n${delimiter}` : `${v.key}=${v.value}`)).join('\n');
}

export function githubMasks(vars: EnvVar[]): string[] {
  return vars.filter((v) => v.secret).map((v) => `::add-mask::${v.value}`);
}
