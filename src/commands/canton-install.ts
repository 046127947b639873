import type { CommandContext } from '../context.js';
import { ensureCantonRelease } from '../canton/install.js';
import { DEFAULT_CANTON_VERSION, validateVersion } from '../canton/releases.js';
import { loadProjectFor } from '../doctor/project.js';

interface Flags {
  url?: string;
  file?: string;
  sha256?: string;
  trustOnFirstUse?: boolean;
  force?: boolean;
}

export async function run(ctx: CommandContext, opts: Flags, version?: string): Promise<number> {
  const configured = (await loadProjectFor(ctx)).topology.canton;
  const v = validateVersion(version ?? (configured.version || DEFAULT_CANTON_VERSION));
  const r = await ensureCantonRelease({
    version: v,
    // canton.sha256 pins the configured version only.
    configSha256: v === configured.version ? configured.sha256 : undefined,
    env: ctx.env,
    output: ctx.output,
    url: opts.url,
    file: opts.file,
    sha256: opts.sha256,
    trustOnFirstUse: Boolean(opts.trustOnFirstUse),
    force: Boolean(opts.force),
    signal: ctx.signal,
  });
  const doc = { ok: true, version: r.version, home: r.home, installed: r.installed, sha256: r.sha256 || undefined, checksumSource: r.checksumSource, source: r.source };
  // --json streams NDJSON events; the last one carries the result.
  if (ctx.output.json) ctx.output.event({ event: 'done', ...doc });
  else ctx.output.result(r.installed ? r.home : `${r.home} (already installed)`, doc);
  return 0;
}
