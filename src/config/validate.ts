/**
 * Cross-checks on a config that already has the right shape (zod passed): names, references, ports,
 * placeholders. Pure: returns every problem (not just the first) with its config path; `load.ts`
 * turns paths into file:line:col.
 */
import { derivePorts, postgresPort } from './ports.js';
import { metricsPort } from '../ci/metrics.js';
import { PlaceholderSyntaxError, parsePlaceholders } from './placeholders.js';
import type { Config } from './schema.js';
import { ENV_NAME_RE } from './schema.js';
import { didYouMean } from './suggest.js';
import { signerTarget } from './topology.js';
import { checkSecurity } from '../security/validate.js';
import { checkDecentralizedParties } from './decentralized-check.js';
import type { StorageKind } from './types.js';
import { checkUser, joinHints, type PathIssue, type UserCheckContext } from './users-check.js';

export { checkUser, USER_ID_RE, type PathIssue, type UserCheckContext, type UserEntry } from './users-check.js';

/** Node names become HOCON keys and Scala identifiers in the console. */
export const NODE_NAME_RE = /^[a-z][a-zA-Z0-9_]*$/;
/** Canton party id hints: conservative subset of what Canton accepts (no `::`, no spaces). */
export const PARTY_NAME_RE = /^[A-Za-z][A-Za-z0-9_-]{0,184}$/;
export const SYNCHRONIZER_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,184}$/;
const ADDRESS_RE = /^(\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*|[A-Za-z0-9][A-Za-z0-9.-]*)$/;

/**
 * Names a node may not take: the Canton console's own globals (a node named `participants` would shadow
 * `participants.all`), names our bootstrap script uses, and Scala keywords.
 */
export const RESERVED_NODE_NAMES = new Set([
  // Canton console globals
  'participants', 'sequencers', 'mediators', 'nodes', 'bootstrap', 'utils', 'health', 'console', 'help', 'exit',
  'logging', 'ledger_api_utils', 'global_secret', 'pretty', 'env', 'environment', 'canton', 'local', 'remote',
  // Scala/Java names every script can see
  'scala', 'java', 'javax', 'com', 'org', 'io', 'sys', 'math', 'println', 'print', 'predef', 'string', 'seq', 'set', 'map', 'some', 'none', 'option',
  // Scala keywords (lower case ones; node names start lower case)
  'abstract', 'case', 'catch', 'class', 'def', 'do', 'else', 'extends', 'false', 'final', 'finally', 'for', 'forSome',
  'if', 'implicit', 'import', 'lazy', 'macro', 'match', 'new', 'null', 'object', 'override', 'package', 'private',
  'protected', 'return', 'sealed', 'super', 'this', 'throw', 'trait', 'true', 'try', 'type', 'val', 'var', 'while',
  'with', 'yield',
]);

const KINDS = ['sequencers', 'mediators', 'participants'] as const;

export interface ValidateOptions {
  /** `--storage`, which replaces every node's storage. */
  storageOverride?: StorageKind;
}

export function validateConfig(config: Config, opts: ValidateOptions = {}): PathIssue[] {
  const issues: PathIssue[] = [];
  const add = (i: PathIssue) => issues.push(i);
  checkNodeNames(config, add);
  checkPorts(config, opts, add);
  checkStorageMix(config, opts, add);
  checkParties(config, add);
  checkDecentralizedParties(config, add);
  checkUsers(config, add);
  checkMisc(config, add);
  checkSigner(config, add);
  checkSecurity(config, add);
  return issues;
}

type Add = (i: PathIssue) => void;

function checkNodeNames(config: Config, add: Add) {
  const seen = new Map<string, string>();
  for (const kind of KINDS) {
    const names = Object.keys(config[kind]);
    if (names.length === 0) {
      const what = kind === 'participants' ? 'participant' : kind === 'sequencers' ? 'sequencer' : 'mediator';
      add({ path: [kind], message: `at least one ${what} is required`, hint: `add e.g. \`${what}1: {}\` under ${kind}, or remove the key to get the defaults` });
    }
    for (const name of names) {
      const path = [kind, name];
      if (!NODE_NAME_RE.test(name)) {
        add({
          path,
          at: 'key',
          message: `node name "${name}" is not a valid Canton node name`,
          hint: 'node names become HOCON keys and console identifiers: start with a lower-case letter, then letters, digits or _ (e.g. participant3)',
        });
      } else if (RESERVED_NODE_NAMES.has(name.toLowerCase()) || RESERVED_NODE_NAMES.has(name)) {
        add({
          path,
          at: 'key',
          message: `node name "${name}" collides with a Canton console global or Scala keyword`,
          hint: `pick another name, e.g. ${name}1`,
        });
      }
      const before = seen.get(name);
      if (before) {
        add({
          path,
          at: 'key',
          message: `node name "${name}" is already used by ${before}.${name}`,
          hint: 'node names must be unique across sequencers, mediators and participants (they share one console namespace)',
        });
      } else seen.set(name, kind);
    }
  }
}

function checkPorts(config: Config, opts: ValidateOptions, add: Add) {
  const derived = derivePorts(config).all;
  const lowest = config.allowPrivilegedPorts ? 1 : 1024;
  const owners = new Map<number, { path: string[]; explicit: boolean }>();
  const usesPostgres =
    (opts.storageOverride ?? config.storage) === 'postgres' ||
    (!opts.storageOverride && KINDS.some((k) => Object.values(config[k]).some((n) => n.storage === 'postgres')));
  const ports = [...derived];
  if (usesPostgres && config.postgres.embedded) ports.push({ path: ['postgres', 'port'], port: postgresPort(config), explicit: config.postgres.port !== undefined });
  if (config.metrics?.enabled) ports.push({ path: ['metrics', 'port'], port: metricsPort(config), explicit: config.metrics.port !== undefined });
  for (const p of ports) {
    const at = p.explicit ? p.path : ['portBase'];
    const label = p.path.join('.');
    if (p.port < 1 || p.port > 65535) {
      add({
        path: at,
        message: `${p.explicit ? '' : `${label} = `}port ${p.port} is out of range 1..65535`,
        hint: p.explicit ? 'choose a port between 1024 and 65535' : `lower portBase: the derived ports of ${config.participants ? Object.keys(config.participants).length : 0} participants must stay below 65536`,
      });
      continue;
    }
    if (p.port < lowest) {
      add({
        path: at,
        message: `${p.explicit ? '' : `${label} = `}port ${p.port} is below 1024`,
        hint: 'ports below 1024 need root; choose one of 1024..65535, or set `allowPrivilegedPorts: true` if this machine allows it',
      });
      continue;
    }
    const other = owners.get(p.port);
    if (!other) {
      owners.set(p.port, { path: p.path, explicit: p.explicit });
      continue;
    }
    // Report at the explicit one: that is the line the user wrote and can change.
    const [here, there] = !p.explicit && other.explicit ? [other.path, p.path] : [p.path, other.path];
    const hereExplicit = !p.explicit && other.explicit ? true : p.explicit;
    add({
      path: hereExplicit ? here : ['portBase'],
      message: `${hereExplicit ? '' : `${here.join('.')} = `}port ${p.port} is already used by ${there.join('.')}`,
      hint: 'every port must be unique across all nodes; change one of them, or remove explicit ports and let portBase derive them',
    });
  }
}

/**
 * Every node on the same kind of storage. After a restart a memory node has a new identity: a memory
 * sequencer (a synchronizer owner) makes `bootstrap.synchronizer` compute a new synchronizer id from
 * the owners' namespaces (ConsoleMacros.scala:655-686) that the Postgres participants' persisted
 * registration no longer matches, and a memory mediator is missing from the persisted topology; the
 * bootstrap then fails on every restart. A memory participant next to Postgres sequencers and
 * mediators does come back, empty, and only when the config says that is accepted.
 */
function checkStorageMix(config: Config, opts: ValidateOptions, add: Add) {
  if (opts.storageOverride) return;
  const of = (n: { storage?: StorageKind }) => n.storage ?? config.storage;
  const nodes = KINDS.flatMap((kind) => Object.entries(config[kind]).map(([name, n]) => ({ kind, name, n: n as { storage?: StorageKind; acceptLedgerLossOnRestart?: boolean }, storage: of(n) })));
  const pathOf = (x: (typeof nodes)[number]) => (x.n.storage ? [x.kind, x.name, 'storage'] : ['storage']);
  for (const x of nodes) {
    if (x.n.acceptLedgerLossOnRestart && x.storage !== 'memory') {
      add({ path: [x.kind, x.name, 'acceptLedgerLossOnRestart'], message: `${x.name} keeps its ledger in ${x.storage}, so acceptLedgerLossOnRestart has nothing to accept`, hint: 'remove the line, or set `storage: memory` on this participant' });
    }
  }
  const persistent = nodes.filter((x) => x.storage === 'postgres');
  const memory = nodes.filter((x) => x.storage === 'memory');
  if (persistent.length === 0 || memory.length === 0) return;
  const fix = 'use PostgreSQL for every node (`storage: postgres` at the top level and no per-node `storage: memory`), or memory for every node';
  for (const x of memory) {
    if (x.kind === 'participants' && x.n.acceptLedgerLossOnRestart) continue;
    const others = persistent.map((p) => p.name).join(', ');
    const why =
      x.kind === 'participants'
        ? `participant ${x.name} uses memory storage while ${others} use postgres: after every restart it starts empty (new identity, new party ids, no contracts)`
        : `${x.kind.slice(0, -1)} ${x.name} uses memory storage while ${others} use postgres: after a restart it has a new identity, ${x.kind === 'sequencers' ? 'the synchronizer id computed from the owners changes and the participants’ persisted registration no longer matches' : 'it is missing from the persisted synchronizer topology'}, so the bootstrap fails on every restart`;
    add({
      path: pathOf(x),
      message: why,
      hint: x.kind === 'participants' ? `${fix}; or, to accept that ${x.name} loses its ledger on every restart, set \`acceptLedgerLossOnRestart: true\` on it` : fix,
    });
  }
}

function checkParties(config: Config, add: Add) {
  const participants = Object.keys(config.participants);
  for (const [name, p] of Object.entries(config.parties)) {
    if (!PARTY_NAME_RE.test(name)) {
      add({ path: ['parties', name], at: 'key', message: `party name "${name}" is not a valid party id hint`, hint: 'start with a letter, then letters, digits, _ or - (at most 185 characters)' });
    }
    if (!config.participants[p.participant]) {
      add({
        path: ['parties', name, 'participant'],
        message: `party ${name} is hosted on unknown participant "${p.participant}"`,
        hint: joinHints(didYouMean(p.participant, participants), `known participants: ${participants.join(', ') || '(none)'}`),
      });
    }
    for (const extra of Object.keys(p.alsoHostedOn ?? {})) {
      const path = ['parties', name, 'alsoHostedOn', extra];
      if (!config.participants[extra]) {
        add({ path, at: 'key', message: `party ${name} is also hosted on unknown participant "${extra}"`, hint: joinHints(didYouMean(extra, participants), `known participants: ${participants.join(', ') || '(none)'}`) });
      } else if (extra === p.participant) {
        add({ path, at: 'key', message: `${extra} is already the first host of party ${name}`, hint: `list only the other participants under alsoHostedOn` });
      }
    }
  }
}


function checkUsers(config: Config, add: Add) {
  const ctx: UserCheckContext = { participants: Object.keys(config.participants), parties: config.parties };
  for (const [id, u] of Object.entries(config.users)) checkUser({ id, u, path: ['users', id], idPath: ['users', id], idAt: 'key' }, ctx, add);
}

function checkMisc(config: Config, add: Add) {
  if (!SYNCHRONIZER_NAME_RE.test(config.synchronizer.name)) {
    add({ path: ['synchronizer', 'name'], message: `synchronizer name "${config.synchronizer.name}" is not valid`, hint: 'use letters, digits, _ or -, starting with a letter or digit (e.g. da)' });
  }
  const addresses: [(string | number)[], string][] = [[['address'], config.address]];
  for (const kind of KINDS) for (const [name, n] of Object.entries(config[kind])) if (n.address) addresses.push([[kind, name, 'address'], n.address]);
  for (const [path, a] of addresses) {
    if (!ADDRESS_RE.test(a)) add({ path, message: `"${a}" is not an IP address or host name`, hint: 'e.g. 127.0.0.1, 0.0.0.0 or ::1' });
  }
  config.dars.forEach((d, i) => {
    if (!/\.dar$/i.test(d)) add({ path: ['dars', i], message: `"${d}" is not a .dar file`, hint: 'list the DAR built by `dpm build`, e.g. .daml/dist/<name>-<version>.dar' });
  });
}

function checkSigner(config: Config, add: Add) {
  const s = config.signer;
  if (!s) return;
  for (const key of Object.keys(s.env)) {
    if (!ENV_NAME_RE.test(key)) add({ path: ['signer', 'env', key], at: 'key', message: `"${key}" is not an environment variable name`, hint: 'use letters, digits and _, not starting with a digit' });
  }
  const checkValue = (path: (string | number)[], value: string) => {
    let tokens;
    try {
      tokens = parsePlaceholders(value);
    } catch (e) {
      if (!(e instanceof PlaceholderSyntaxError)) throw e;
      add({ path, message: e.message, hint: 'placeholders look like {participants.participant1.jsonApiUrl}, {parties.Issuer.id} or {users.issuer-user.id}; write {{ for a literal {' });
      return;
    }
    for (const t of tokens) {
      if (t.kind !== 'ref') continue;
      const names = Object.keys(config[t.section]);
      if (!names.includes(t.name)) {
        add({ path, message: `placeholder {${t.raw}} refers to unknown ${t.section.slice(0, -1)} "${t.name}"`, hint: joinHints(didYouMean(t.name, names), `known ${t.section}: ${names.join(', ') || '(none)'}`) });
      }
    }
  };
  for (const [k, v] of Object.entries(s.env)) checkValue(['signer', 'env', k], v);
  s.args.forEach((a, i) => checkValue(['signer', 'args', i], a));
  if (s.health) checkValue(['signer', 'health', 'url'], s.health.url);

  const refCheck = (key: 'participant' | 'party' | 'user', section: 'participants' | 'parties' | 'users') => {
    const v = s[key];
    if (v !== undefined && !(v in config[section])) {
      const names = Object.keys(config[section]);
      add({ path: ['signer', key], message: `unknown ${key} "${v}"`, hint: joinHints(didYouMean(v, names), `known: ${names.join(', ') || '(none)'}`) });
      return false;
    }
    return true;
  };
  const ok = [refCheck('participant', 'participants'), refCheck('party', 'parties'), refCheck('user', 'users')].every(Boolean);
  if (!ok) return;
  const t = signerTarget(config);
  if (!t.party) {
    add({ path: ['signer'], at: 'key', message: 'the signer acts for no party', hint: 'declare a party under `parties:` and set `signer.party`' });
    return;
  }
  if (t.participant && config.parties[t.party]?.participant !== t.participant) {
    add({ path: ['signer', s.party ? 'party' : 'participant'], message: `party ${t.party} is not hosted on ${t.participant}`, hint: `the signer must act for a party of its participant; set signer.participant to ${config.parties[t.party]?.participant}` });
    return;
  }
  if (!t.user) {
    add({ path: ['signer'], at: 'key', message: `no user on ${t.participant} may act as ${t.party}`, hint: `add a user with \`actAs: [${t.party}]\` on ${t.participant} and set signer.user to it` });
    return;
  }
  const u = config.users[t.user]!;
  const uParticipant = u.participant ?? (u.primaryParty ? config.parties[u.primaryParty]?.participant : undefined);
  const uActAs = u.actAs ?? (u.primaryParty ? [u.primaryParty] : []);
  if (uParticipant !== t.participant || !uActAs.includes(t.party)) {
    add({ path: ['signer', 'user'], message: `user ${t.user} cannot act as ${t.party} on ${t.participant}`, hint: `give ${t.user} \`actAs: [${t.party}]\` on ${t.participant}, or pick another user` });
  }
}
