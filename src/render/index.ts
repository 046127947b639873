/**
 * Topology → the files Canton reads: canton.conf (nodes), bootstrap.canton (synchronizer, connections,
 * parties, DARs) and remote.conf (for `bin/canton run` against the running nodes).
 * `renderProject` is pure apart from reading the template files once; `writeRendered` writes atomically.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Topology } from '../config/types.js';
import { writeFileAtomic } from '../system/fs.js';
import { bootstrapSlots } from './bootstrap.js';
import { cantonConfObject, remoteConfObject } from './canton-conf.js';
import { hoconDocument } from './hocon.js';
import { consoleTokenInclude, withRemoteSecurity, withSecurity } from './security.js';
import { commentSafe, fillTemplate, loadTemplate, type TemplateName } from './templates.js';

export { PARTY_LINE_PREFIX, parsePartyLines, BOOTSTRAP_DONE_LINE, WARN_LINE_PREFIX } from './bootstrap.js';
export { portsFilePath, POSTGRES_ENV } from './canton-conf.js';

export interface RenderedFile {
  name: 'canton.conf' | 'bootstrap.canton' | 'remote.conf';
  content: string;
}

export interface RenderOptions {
  /** Directory whose files replace the built-in templates of the same name. */
  templatesDir?: string;
  /** Default: the file exists now (the only I/O besides reading templates). */
  darExists?: (absPath: string) => boolean;
}

export function renderProject(topology: Topology, opts: RenderOptions = {}): RenderedFile[] {
  const darExists = opts.darExists ?? ((p: string) => existsSync(p));
  const fill = (name: RenderedFile['name'] & TemplateName, slots: Record<string, string>): RenderedFile => {
    const t = loadTemplate(name, opts.templatesDir);
    const common = { projectDir: commentSafe(topology.projectDir), template: commentSafe(t.path) };
    return { name, content: ensureNewline(fillTemplate(t, { ...common, ...slots })) };
  };
  return [
    fill('canton.conf', { canton: hoconDocument(withSecurity(topology, cantonConfObject(topology))).trimEnd() }),
    fill('bootstrap.canton', bootstrapSlots(topology, { darExists })),
    fill('remote.conf', { canton: (hoconDocument(withRemoteSecurity(topology, remoteConfObject(topology))) + consoleTokenInclude(topology)).trimEnd(), self: commentSafe(join(topology.stateDir, 'config', 'remote.conf')) }),
  ];
}

/** DARs of the topology that do not exist (yet): `render` and `up` warn about them. */
export function missingDars(topology: Topology, darExists: (p: string) => boolean = existsSync): string[] {
  return topology.dars.filter((d) => !darExists(d));
}

/** Writes every file atomically into `dir` (created if needed); returns the absolute paths. */
export async function writeRendered(dir: string, files: RenderedFile[]): Promise<string[]> {
  const out: string[] = [];
  for (const f of files) {
    const path = resolve(dir, f.name);
    await writeFileAtomic(path, f.content, 0o644);
    out.push(path);
  }
  return out;
}

/** `<stateDir>/config`: where `render` and `up` put the files by default. */
export function renderDir(topology: Topology): string {
  return join(topology.stateDir, 'config');
}

function ensureNewline(s: string): string {
  return s.endsWith('\n') ? s : `${s}\n`;
}
