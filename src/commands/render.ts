/** `canton-mpc render`: write canton.conf, bootstrap.canton and remote.conf without starting anything. */
import { existsSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import { isAbsolute, resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import { loadProject } from '../config/load.js';
import type { StorageKind } from '../config/types.js';
import { missingDars, renderDir, renderProject, writeRendered } from '../render/index.js';

export interface RenderCommandOptions {
  storage?: StorageKind;
  out?: string;
  templates?: string;
}

export async function run(ctx: CommandContext, opts: RenderCommandOptions): Promise<number> {
  const project = await loadProject({ cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env, storageOverride: opts.storage });
  const { topology } = project;
  if (!project.file) ctx.output.info('no canton-mpc.yaml here: rendering the built-in default topology (run `canton-mpc init` to write one)');
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(ctx.cwd, p));
  if (opts.templates && !statSync(abs(opts.templates), { throwIfNoEntry: false })?.isDirectory()) {
    throw new UserError(`templates directory ${opts.templates} does not exist`, { where: '--templates', hint: 'pass a directory holding canton.conf, bootstrap.canton and/or remote.conf templates' });
  }
  const files = renderProject(topology, { darExists: existsSync, ...(opts.templates ? { templatesDir: abs(opts.templates) } : {}) });
  for (const dar of missingDars(topology)) ctx.output.warn(`DAR ${dar} does not exist yet: bootstrap.canton will not upload it (build it, then render again)`);
  const dir = opts.out ? abs(opts.out) : renderDir(topology);
  const written = await writeRendered(dir, files);
  ctx.output.result(written.join('\n'), { files: written, dir, storage: topology.storage, config: project.file ?? null });
  return 0;
}
