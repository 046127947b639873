import type { CommandContext } from '../context.js';
import { ExitCode, UserError } from '../errors.js';
import { loadProject } from '../config/load.js';
import { createLedgerClient } from '../ledger/client.js';
import { jsonApiUrl } from '../config/endpoints.js';
import { describeRight } from '../ledger/rights.js';

export async function run(ctx: CommandContext, opts: { participant?: string }): Promise<number> {
  const { topology } = await loadProject({ cache: true, requireProject: true, cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env });
  const participants = opts.participant ? topology.participants.filter((p) => p.name === opts.participant) : topology.participants;
  if (participants.length === 0) throw new UserError(`unknown participant ${opts.participant}`, { where: '--participant', hint: `Known: ${topology.participants.map((p) => p.name).join(', ')}` });
  const rows = await Promise.all(
    participants.map(async (p) => {
      const client = createLedgerClient({ baseUrl: jsonApiUrl(p), signal: ctx.signal });
      const users = await client.listUsers();
      return Promise.all(
        users.map(async (u) => ({ participant: p.name, id: u.id, primaryParty: u.primaryParty || undefined, rights: (await client.listRights(u.id)).map(describeRight) })),
      );
    }),
  );
  const all = rows.flat();
  const human = all.length
    ? all.map((u) => `${u.participant.padEnd(14)} ${u.id.padEnd(20)} ${u.rights.join(', ') || 'no rights'}`).join('\n')
    : 'no users';
  ctx.output.result(human, { ok: true, users: all });
  return ExitCode.OK;
}
