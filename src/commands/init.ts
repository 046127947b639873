/** `canton-mpc init`: write the commented default config (it loads back to exactly the defaults). */
import { promises as fsp } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import { UserError } from '../errors.js';
import { CONFIG_FILE_NAMES, formatOf } from '../config/load.js';
import { BUILTIN_TEMPLATES_DIR } from '../render/templates.js';
import { pathExists, writeFileAtomic } from '../system/fs.js';

export interface InitOptions {
  force?: boolean;
  toml?: boolean;
}

export async function run(ctx: CommandContext, opts: InitOptions): Promise<number> {
  const target = ctx.configPath
    ? isAbsolute(ctx.configPath)
      ? ctx.configPath
      : resolve(ctx.cwd, ctx.configPath)
    : join(ctx.cwd, opts.toml ? 'canton-mpc.toml' : 'canton-mpc.yaml');
  const format = ctx.configPath ? formatOf(target) : opts.toml ? 'toml' : 'yaml';
  if (!opts.force) {
    if (await pathExists(target)) {
      throw new UserError(`${basename(target)} already exists in ${dirname(target)}`, {
        where: target,
        hint: 'pass --force to overwrite it with the defaults',
        kind: 'config_exists',
      });
    }
    // A second config next to the first would make `up` refuse to choose between them.
    if (!ctx.configPath) {
      for (const name of CONFIG_FILE_NAMES) {
        const other = join(ctx.cwd, name);
        if (other !== target && (await pathExists(other))) {
          throw new UserError(`${name} already exists in ${ctx.cwd}`, {
            where: other,
            hint: `edit ${name}, or delete it first (or pass --force to write ${basename(target)} anyway)`,
            kind: 'config_exists',
          });
        }
      }
    }
  }
  const text = await fsp.readFile(join(BUILTIN_TEMPLATES_DIR, format === 'toml' ? 'canton-mpc.toml' : 'canton-mpc.yaml'), 'utf8');
  await writeFileAtomic(target, text, 0o644);
  ctx.output.result(`wrote ${target}\nnext: edit it, then run \`canton-mpc render\` or \`canton-mpc up\``, { file: target, format });
  return 0;
}
