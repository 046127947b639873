import type { CommandContext } from '../context.js';
import { ensureCantonRelease } from '../canton/install.js';
import { DEFAULT_CANTON_VERSION, validateVersion } from '../canton/releases.js';
import { configuredCantonVersion } from '../doctor/project.js';

interface Flags {
  url?: string;
  file?: string;
  sha256?: string;
  trustOnFirstUse?: boolean;
  force?: boolean;
}

export async function run(ctx: CommandContext, opts: Flags, version?: string): Promise<number> {
  const v = validateVersion(version ?? (await configuredCantonVersion(ctx, DEFAULT_CANTON_VERSION)));
  const r = await ensureCantonRelease({
    version: v,
    env: ctx.env,
    output: ctx.output,
    url: opts.url,
    file: opts.file,
    sha256: opts.sha256,
    trustOnFirstUse: Boolean(opts.trustOnFirstUse),
    force: Boolean(opts.force),
    signal: ctx.signal,
  });
  const doc = { ok: true, version: r.version, home: r.home, installed: r.installed, sha256: r.sha256 || undefined };
  // --json streams NDJSON events; the last one carries the result.
  if (ctx.output.json) ctx.output.event({ event: 'done', ...doc });
  else ctx.output.result(r.installed ? r.home : `${r.home} (already installed)`, doc);
  return 0;
}
