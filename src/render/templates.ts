/**
 * The text templates under `templates/`: readable skeletons with `{{slot}}` markers, filled with
 * already-escaped HOCON or Scala. A `--templates DIR` overrides any of them file by file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';

export const TEMPLATE_NAMES = ['canton.conf', 'bootstrap.canton', 'remote.conf', 'party-observe.canton', 'party-replicate.canton', 'party-offline.canton', 'party-decentral.canton'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** `templates/` of the package: two levels up from both src/render and dist/render. */
export const BUILTIN_TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

export interface Template {
  name: TemplateName;
  /** Where it was read from (shown in the rendered file's header and in errors). */
  path: string;
  text: string;
}

const cache = new Map<string, Template>();

/** Reads each template once per process; a file in `overrideDir` replaces the built-in one. */
export function loadTemplate(name: TemplateName, overrideDir?: string): Template {
  const own = overrideDir ? join(overrideDir, name) : undefined;
  const path = own && existsSync(own) ? own : join(BUILTIN_TEMPLATES_DIR, name);
  let t = cache.get(path);
  if (!t) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new UserError(`cannot read template ${path}: ${(e as Error).message}`, { where: path, hint: 'reinstall canton-mpc, or check --templates', cause: e });
    }
    t = { name, path, text };
    cache.set(path, t);
  }
  return t;
}

const SLOT = /\{\{([A-Za-z][A-Za-z0-9_]*)\}\}/g;

/** Fills `{{slot}}`s. An unknown slot is an error (a typo in an overriding template must not pass silently). */
export function fillTemplate(t: Pick<Template, 'path' | 'text'>, values: Record<string, string>): string {
  return t.text.replace(SLOT, (_m, key: string) => {
    const v = values[key];
    if (v === undefined) {
      const line = t.text.slice(0, t.text.indexOf(`{{${key}}}`)).split('\n').length;
      throw new UserError(`unknown slot {{${key}}} in template ${t.path}`, {
        where: `${t.path}:${line}`,
        hint: `slots this template may use: ${Object.keys(values).map((k) => `{{${k}}}`).join(', ')}`,
      });
    }
    return v;
  });
}

/** Text safe to place in a `//` or `#` comment (also for Scala 2.11, which expands \u everywhere). */
export function commentSafe(s: string): string {
  return s.replace(/[\r\n]+/g, ' ').replace(/\\u/g, '\\\\u');
}
