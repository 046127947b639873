/**
 * Parsing and validating the project config (the heavy part: yaml, smol-toml, zod). Every problem found is reported at once as a
 * ConfigError whose issues carry file:line:col, the config path and a hint.
 */
import { dirname } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { displayPath, formatOf, type LoadedProject } from './load.js';
import { tomlLocator, yamlLocator, type Locator } from './locate.js';
import { configSchema, defaultConfig, type Config } from './schema.js';
import { closest } from './suggest.js';
import { toTopology, withStorage } from './topology.js';
import type { StorageKind, Topology } from './types.js';
import { validateConfig, type PathIssue } from './validate.js';
import { locateAll } from './locate-issues.js';

/** Build the topology from a config file's text, or from the defaults when there is no file. */
export function buildProject(file: string | undefined, text: string | undefined, cwd: string, storageOverride: StorageKind | undefined): LoadedProject {
  if (!file || text === undefined) {
    const config = defaultConfig();
    const issues = validateConfig(config, { storageOverride });
    if (issues.length) throw new ConfigError('(built-in defaults)', issues.map((i) => ({ path: i.path.join('.'), message: i.message, hint: i.hint })));
    return { file: undefined, topology: finish(toTopology(config, cwd), storageOverride) };
  }
  const config = parseConfigText(text, displayPath(cwd, file), { format: formatOf(file), storageOverride });
  return { file, topology: finish(toTopology(config, dirname(file)), storageOverride) };
}

function finish(t: Topology, storage: StorageKind | undefined): Topology {
  return storage ? withStorage(t, storage) : t;
}

export interface ParseOptions {
  format: 'yaml' | 'toml';
  storageOverride?: StorageKind;
}

/** Text → validated Config. Pure apart from the error it throws. */
export function parseConfigText(text: string, display: string, opts: ParseOptions): Config {
  let data: unknown;
  let locate: Locator;
  if (opts.format === 'toml') {
    try {
      data = parseToml(text);
    } catch (e) {
      if (e instanceof TomlError) {
        throw new ConfigError(display, [{ path: '', message: `not valid TOML: ${e.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '')}`, line: e.line, column: e.column }]);
      }
      throw e;
    }
    locate = tomlLocator(text);
  } else {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length) {
      throw new ConfigError(
        display,
        doc.errors.map((err) => {
          const p = err.linePos?.[0];
          return { path: '', message: `not valid YAML: ${err.message.split('\n')[0]}`, ...(p ? { line: p.line, column: p.col } : {}) };
        }),
      );
    }
    data = doc.toJS({ maxAliasCount: 1000 }) ?? {};
    locate = yamlLocator(doc, lineCounter);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError(display, [{ path: '', message: 'the config must be a mapping of keys (e.g. `participants:`)', line: 1, column: 1 }]);
  }
  const parsed = configSchema.safeParse(data, { reportInput: true });
  const cross = (c: Config) => explainDefaults(validateConfig(c, { storageOverride: opts.storageOverride }), data as Record<string, unknown>);
  const pathIssues: PathIssue[] = parsed.success
    ? cross(parsed.data)
    : [...parsed.error.issues.flatMap(fromZod), ...crossCheckDespiteShape(data, parsed.error.issues, cross)];
  if (pathIssues.length) throw new ConfigError(display, locateAll(pathIssues, locate));
  return parsed.data!;
}

/**
 * With shape errors, cross-checks (ports, references) still run on the config minus the offending
 * values, so one run reports everything. Issues under a removed path are dropped; if removing
 * is not enough for the shape to pass (a required value), only the shape errors are reported.
 */
function crossCheckDespiteShape(data: unknown, issues: z.core.$ZodIssue[], cross: (c: Config) => PathIssue[]): PathIssue[] {
  const clone = structuredClone(data) as Record<string, unknown>;
  const removed: PropertyKey[][] = [];
  const key = (p: PropertyKey[]) => p.map(String).join('\u0000');
  let current = issues;
  // A removed required value makes its parent invalid; then the parent goes too (a few rounds at most).
  for (let round = 0; round < 4; round++) {
    for (const i of current) {
      const paths = i.code === 'unrecognized_keys' ? i.keys.map((k) => [...i.path, k]) : [i.path];
      for (let path of paths) {
        // An array element goes with its whole array (indices would shift).
        const firstIndex = path.findIndex((seg) => typeof seg === 'number');
        if (firstIndex !== -1) path = path.slice(0, firstIndex);
        if (removed.some((r) => key(r) === key(path))) path = path.slice(0, -1);
        if (path.length === 0) return [];
        let parent: unknown = clone;
        for (const seg of path.slice(0, -1)) parent = parent && typeof parent === 'object' ? (parent as Record<PropertyKey, unknown>)[seg] : undefined;
        if (parent && typeof parent === 'object') delete (parent as Record<PropertyKey, unknown>)[path[path.length - 1]!];
        removed.push(path);
      }
    }
    const again = configSchema.safeParse(clone);
    if (again.success) {
      const under = (p: (string | number)[], prefix: PropertyKey[]) => prefix.every((seg, k) => String(p[k]) === String(seg));
      // A removed named entry (parties.X) would show up as "unknown party X" elsewhere: not a real problem.
      const removedNames = removed.filter((r) => r.length === 2).map((r) => String(r[1]));
      return cross(again.data).filter((i) => !removed.some((r) => under(i.path, r)) && !removedNames.some((n) => i.message.includes(`"${n}"`) || i.message.includes(` ${n} `)));
    }
    current = again.error.issues;
  }
  return [];
}

/**
 * Problems inside a section the file does not write (e.g. default users naming parties the file
 * replaced) are reported once, at the file, as "the defaults do not fit".
 */
function explainDefaults(issues: PathIssue[], raw: Record<string, unknown>): PathIssue[] {
  const out: PathIssue[] = [];
  const reported = new Set<string>();
  for (const i of issues) {
    const section = String(i.path[0]);
    if (i.path.length > 1 && !(section in raw) && (section === 'users' || section === 'parties')) {
      if (!reported.has(section)) {
        reported.add(section);
        const what = section === 'users' ? 'users issuer-user and depositor-user (for Issuer and Depositor)' : 'parties Issuer (on participant1) and Depositor (on participant2)';
        out.push({
          path: [section],
          message: `the default ${what} do not fit this config: ${i.message}`,
          hint: `write a \`${section}:\` section for your topology (\`${section}: {}\` for none)`,
        });
      }
      continue;
    }
    out.push(i);
  }
  return out;
}

/** Literal secrets are refused outright, with the key to use instead. */
const SECRET_KEYS: Record<string, { message: string; hint: string }> = {
  'postgres.password': {
    message: 'a literal password is not allowed in the config',
    hint: 'put the password in an environment variable and name it in postgres.passwordEnv (default POSTGRES_PASSWORD)',
  },
  'auth.secret': {
    message: 'a literal HMAC secret is not allowed in the config',
    hint: 'put the secret in an environment variable and name it in auth.secretEnv',
  },
};
const SECRET_WORDS = /^(password|passwd|secret|secrets|token|apiKey|privateKey)$/i;

function fromZod(issue: z.core.$ZodIssue): PathIssue[] {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const full = [...path, key];
      const secret = SECRET_KEYS[[...path.filter((p) => typeof p === 'string'), key].join('.')];
      if (secret) return { path: full, at: 'key' as const, message: secret.message, hint: secret.hint };
      if (path[0] === 'signer' && SECRET_WORDS.test(key)) {
        return { path: full, at: 'key' as const, message: 'secrets are never written in the config', hint: 'list them in a 0600 KEY=VALUE file named by signer.secretsFile, or pass them through with signer.passEnv' };
      }
      const valid = keysAt(path);
      const guess = closest(key, valid);
      return {
        path: full,
        at: 'key' as const,
        message: `unknown key "${key}"`,
        hint: guess ? `did you mean "${guess}"?` : `valid keys here: ${valid.join(', ')}`,
      };
    });
  }
  let message = issue.message.replace(/^Invalid input: /, '');
  let hint: string | undefined;
  if (issue.code === 'invalid_value') {
    const values = issue.values.map(String);
    // Keep a message the schema wrote itself; replace zod's generic one.
    if (/^Invalid (option|input)/.test(issue.message)) message = `must be one of ${values.join(', ')}`;
    if (values.length > 1) {
      const got = lookupInput(issue);
      const guess = typeof got === 'string' ? closest(got, values) : undefined;
      if (guess) hint = `did you mean "${guess}"?`;
    }
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) message = `is required (${message})`;
  return [{ path, message, ...(hint ? { hint } : {}) }];
}

function lookupInput(issue: z.core.$ZodIssue): unknown {
  return (issue as { input?: unknown }).input;
}

/** The keys the schema allows at a config path (for "did you mean"). */
export function keysAt(path: (string | number)[]): string[] {
  let schemas: unknown[] = [configSchema];
  for (const seg of path) {
    const next: unknown[] = [];
    for (const s of schemas.flatMap(unwrap)) {
      const def = defOf(s);
      if (def.type === 'object') {
        const shape = def.shape as Record<string, unknown>;
        if (typeof seg === 'string' && shape[seg]) next.push(shape[seg]);
      } else if (def.type === 'record') next.push(def.valueType);
      else if (def.type === 'array') next.push(def.element);
    }
    schemas = next;
  }
  const keys = new Set<string>();
  for (const s of schemas.flatMap(unwrap)) {
    const def = defOf(s);
    if (def.type === 'object') Object.keys(def.shape as object).forEach((k) => keys.add(k));
  }
  return [...keys];
}

type AnyDef = { type: string; [k: string]: unknown };
function defOf(s: unknown): AnyDef {
  return (s as { _zod: { def: AnyDef } })._zod.def;
}
function unwrap(s: unknown): unknown[] {
  const def = defOf(s);
  switch (def.type) {
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
      return unwrap(def.innerType);
    case 'pipe':
      return unwrap(def.out);
    case 'union':
      return (def.options as unknown[]).flatMap(unwrap);
    default:
      return [s];
  }
}
