import type { CommandContext } from '../context.js';
import { installedCantonHome } from '../canton/cache.js';
import { DEFAULT_CANTON_VERSION, validateVersion } from '../canton/releases.js';
import { PrerequisiteError } from '../errors.js';
import { configuredCantonVersion } from '../doctor/project.js';

export async function run(ctx: CommandContext, _opts: unknown, version?: string): Promise<number> {
  const v = validateVersion(version ?? (await configuredCantonVersion(ctx, DEFAULT_CANTON_VERSION)));
  const home = await installedCantonHome(v, ctx.env);
  if (!home) {
    throw new PrerequisiteError(`Canton ${v} is not installed`, {
      kind: 'canton_not_installed',
      hint: `Run: canton-mpc canton install ${v}`,
      data: { version: v },
    });
  }
  ctx.output.result(home, { version: v, home });
  return 0;
}
