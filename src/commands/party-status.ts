import { join } from 'node:path';
import type { CommandContext } from '../context.js';
import { loadRunningProject } from '../state/running-project.js';
import { didYouMean } from '../config/suggest.js';
import { ExitCode, UserError } from '../errors.js';
import { createPartyIO, resolveParty } from '../party/io.js';
import { partyRuns, REPLICATION_DIR } from '../party/runs.js';
import { decentralParties } from '../party/decentral-registry.js';
import { formatPartyStatus, partyStatus } from '../party/status.js';

export async function run(ctx: CommandContext, opts: { templates?: string }, partyArg?: string): Promise<number> {
  const { topology, state } = await loadRunningProject({ cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env });
  // Decentralized parties (Workflow 3) are recorded by `party decentralize` / `up`, not in state.json.
  const decentral = await decentralParties(topology, state);
  const ownerNames = Object.fromEntries(decentral.flatMap((r) => Object.entries(r.keys).map(([owner, k]) => [k.namespace, owner])));
  let parties = [...topology.parties.map((p) => resolveParty(topology, state, p.name)), ...decentral.map((r) => ({ name: r.name, id: r.id }))];
  if (partyArg !== undefined) {
    const one = parties.find((x) => x.name === partyArg) ?? resolveParty(topology, state, partyArg);
    if (!one.id) {
      const known = [...topology.parties.map((p) => p.name), ...decentral.map((r) => r.name)];
      throw new UserError(`unknown party "${partyArg}"`, { where: 'PARTY', hint: [didYouMean(partyArg, known), `parties in canton-mpc.yaml: ${known.join(', ') || '(none)'}`].filter(Boolean).join('; ') });
    }
    parties = [one];
  }
  const io = createPartyIO({ topology, state, runner: ctx.runner, signal: ctx.signal, dir: join(topology.stateDir, REPLICATION_DIR, 'status'), templatesDir: opts.templates, processEnv: ctx.env });
  const anchor = topology.participants[0]!.name;
  const obs = await io.observe(parties.map((p) => p.id), anchor);
  const rows = [];
  for (const p of parties) {
    const hosts = (obs.parties[p.id]?.mapping?.hosts ?? []).map((h) => h.name ?? `(outside this project) ${h.uid}`);
    rows.push(partyStatus(p, obs, await io.history(p.id, hosts), await partyRuns(topology, p.name ?? p.id), ownerNames));
  }
  ctx.output.result(formatPartyStatus(rows, ctx.output.style), { ok: true, synchronizerId: obs.synchronizerId, parties: rows, consoleRuns: io.consoleRuns });
  return ExitCode.OK;
}
