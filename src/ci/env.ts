import { ExitCode, UserError } from '../errors.js';
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
  /** Decentralized parties (`.canton-mpc/decentralized/<name>/party.json`): not in state.json. */
  decentralized?: EnvDecentralParty[];
  /** External parties (`.canton-mpc/parties/external/<name>/party.json`): not in state.json. */
  external?: EnvExternalParty[];
}

export interface EnvDecentralParty {
  name: string;
  id: string;
  /** Participant names. */
  owners: string[];
  threshold: number;
  confirmationThreshold: number;
  /** The record it was read from (named when its variables collide with another's). */
  file: string;
}

export interface EnvExternalParty {
  name: string;
  id: string;
  /** The hosting participant. */
  participant: string;
  /** The public key's fingerprint (the party's namespace). */
  fingerprint?: string;
  file: string;
}

/** `participant1` → `PARTICIPANT1`, `issuer-user` → `ISSUER_USER`: names usable as variable names. */
export function envName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

function connectHost(address: string): string {
  return address === '0.0.0.0' ? '127.0.0.1' : address;
}

/** What sets a variable: named in the error when two would set the same one. */
interface Source {
  what: string;
  file: string;
}

/**
 * Throws when two sources would set the same variable (a config party and a decentralized or external
 * party of one name; `a-b` and `a_b`): in every format one would silently overwrite the other.
 */
export function environmentFor(i: EnvInputs): EnvVar[] {
  const out: EnvVar[] = [];
  const setBy = new Map<string, Source>();
  const stateFile = `${i.stateDir}/state.json`;
  const from = (src: Source) => (key: string, value: string | number | undefined, secret = false) => {
    if (value === undefined || value === '') return;
    const earlier = setBy.get(key);
    if (earlier) {
      throw new UserError(`${key} would be set twice: by ${earlier.what} (${earlier.file}) and by ${src.what} (${src.file})`, {
        where: src.file,
        hint: 'Rename one of them (variable names are upper-cased, other characters become _), or move a stale record aside.',
        exitCode: ExitCode.CONFIG,
        kind: 'env_collision',
      });
    }
    setBy.set(key, src);
    out.push({ key, value: String(value), ...(secret ? { secret } : {}) });
  };
  const add = from({ what: 'the topology', file: stateFile });
  const s = i.state;
  add('CANTON_MPC_STATE_DIR', i.stateDir);
  add('CANTON_MPC_SYNCHRONIZER', i.synchronizer);
  add('CANTON_MPC_CANTON_VERSION', s.canton?.version);
  const participants = s.nodes.filter((n) => n.kind === 'participant');
  add('CANTON_MPC_PARTICIPANTS', participants.map((n) => n.name).join(','));
  for (const n of s.nodes) {
    const addN = from({ what: `node ${n.name}`, file: stateFile });
    const host = connectHost(n.address);
    const N = `CANTON_MPC_${envName(n.name)}`;
    if (n.ports.ledger) addN(`${N}_LEDGER_API`, `${host}:${n.ports.ledger}`);
    if (n.ports.json) addN(`${N}_JSON_API`, i.jsonApiUrls?.[n.name] ?? `http://${host}:${n.ports.json}`);
    if (n.ports.public) addN(`${N}_PUBLIC_API`, `${host}:${n.ports.public}`);
    if (n.ports.admin) addN(`${N}_ADMIN_API`, `${host}:${n.ports.admin}`);
  }
  for (const [name, p] of Object.entries(s.parties)) {
    const addP = from({ what: `party ${name} of the config`, file: stateFile });
    addP(`CANTON_MPC_PARTY_${envName(name)}`, p.id);
    addP(`CANTON_MPC_PARTY_${envName(name)}_PARTICIPANT`, p.participant);
  }
  for (const d of i.decentralized ?? []) {
    const addP = from({ what: `decentralized party ${d.name}`, file: d.file });
    const P = `CANTON_MPC_PARTY_${envName(d.name)}`;
    addP(P, d.id);
    addP(`${P}_OWNERS`, d.owners.join(','));
    addP(`${P}_THRESHOLD`, d.threshold);
    addP(`${P}_CONFIRMATION_THRESHOLD`, d.confirmationThreshold);
  }
  for (const e of i.external ?? []) {
    const addP = from({ what: `external party ${e.name}`, file: e.file });
    const P = `CANTON_MPC_PARTY_${envName(e.name)}`;
    addP(P, e.id);
    addP(`${P}_PARTICIPANT`, e.participant);
    addP(`${P}_FINGERPRINT`, e.fingerprint);
  }
  for (const u of s.users) {
    const addU = from({ what: `user ${u.id}`, file: stateFile });
    addU(`CANTON_MPC_USER_${envName(u.id)}`, u.id);
    addU(`CANTON_MPC_USER_${envName(u.id)}_PARTICIPANT`, u.participant);
  }
  if (i.signer) {
    add('CANTON_MPC_SIGNER_STATUS', i.signer.running ? (i.signer.state ?? 'running') : 'stopped');
    add('CANTON_MPC_SIGNER_PID', i.signer.running ? i.signer.pid : undefined);
    add('CANTON_MPC_SIGNER_RESTARTS', i.signer.restarts);
  }
  add('CANTON_MPC_CA_FILE', i.caFile);
  add('CANTON_MPC_METRICS_URL', i.metricsUrl);
  for (const [user, token] of Object.entries(i.tokens ?? {})) from({ what: `the token of user ${user}`, file: stateFile })(`CANTON_MPC_TOKEN_${envName(user)}`, token, true);
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
