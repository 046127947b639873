import type { CommandContext } from '../context.js';
import { loadProject, type LoadedProject } from '../config/load.js';

export function loadProjectFor(ctx: CommandContext): Promise<LoadedProject> {
  return loadProject({ cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env });
}

/** The configured Canton version (the built-in default without a config file). */
export async function configuredCantonVersion(ctx: CommandContext, fallback: string): Promise<string> {
  return (await loadProjectFor(ctx)).topology.canton.version || fallback;
}
