import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { CommandContext } from '../context.js';
import { loadProject } from '../config/load.js';
import { didYouMean } from '../config/suggest.js';
import { jsonApiUrl } from '../config/endpoints.js';
import { ExitCode, UserError } from '../errors.js';
import { openJournal } from '../plan/journal.js';
import { describePlan, runPlan } from '../plan/runner.js';
import { buildAllocateExternalPlan, checkPartyHint, ExternalAllocation, externalPartyDir } from '../party/external-allocate.js';
import { createExternalPartyApi } from '../party/external-api.js';
import { custodianFromFlags, type SignerFlags } from '../party/external-custody.js';
import { acquireProjectLock } from '../state/lock.js';
import { readState } from '../state/state.js';
import { consoleTarget } from '../party/io.js';

export interface AllocateExternalOptions extends SignerFlags {
  participant?: string;
  dryRun?: boolean;
}

export async function run(ctx: CommandContext, opts: AllocateExternalOptions, name: string): Promise<number> {
  checkPartyHint(name);
  const { topology } = await loadProject({ cwd: ctx.cwd, configPath: ctx.configPath, env: ctx.env });
  const out = ctx.output;
  const pname = opts.participant ?? topology.participants[0]?.name;
  const participant = topology.participants.find((p) => p.name === pname);
  if (!participant) {
    const known = topology.participants.map((p) => p.name);
    throw new UserError(`unknown participant "${pname}"`, { where: '--participant', hint: [didYouMean(pname ?? '', known), `known participants: ${known.join(', ')}`].filter(Boolean).join('; ') });
  }
  // The participant's JSON API must be up: the same check as the console runs ("start it with up").
  const state = await readState(topology.stateDir);
  consoleTarget({ topology, state, runner: ctx.runner, dir: topology.stateDir });
  const custodian = custodianFromFlags(topology.stateDir, name, opts, ctx.runner, ctx.cwd);
  const dir = externalPartyDir(topology.stateDir, name);
  const allocation = new ExternalAllocation(name, participant.name, {
    api: createExternalPartyApi(jsonApiUrl(participant), ctx.signal),
    keyMissing: () => custodian.keyMissing(),
    ...(custodian.generate ? { generateKey: () => custodian.generate!() } : {}),
    signer: () => custodian.signer(),
    dir,
    record: { name, participant: participant.name, custody: custodian.custody, ...(custodian.keyFile ? { keyFile: custodian.keyFile } : {}), ...(custodian.publicKeyFile ? { publicKeyFile: custodian.publicKeyFile } : {}), ...(custodian.signCommand ? { signCommand: custodian.signCommand } : {}), ...(state?.canton?.startedAt ? { daemonStartedAt: state.canton.startedAt } : {}) },
  });
  const plan = buildAllocateExternalPlan();
  const heading = `party allocate-external ${name} on ${participant.name} (key custody: ${custodian.custody})`;
  if (opts.dryRun) {
    await allocation.observe();
    const steps = (await describePlan(plan, allocation)).map((s) => (s.id === 'observe' ? { ...s, pending: false } : s));
    const lines = [heading, ...steps.map((s) => `  ${s.pending ? out.style.yellow('pending') : out.style.green('done   ')}  ${s.id.padEnd(18)} ${s.title}`)];
    out.result(lines.join('\n'), { ok: true, dryRun: true, name, participant: participant.name, custody: custodian.custody, ...(allocation.partyId ? { partyId: allocation.partyId } : {}), alreadyDone: allocation.known && allocation.local, steps });
    return ExitCode.OK;
  }
  const release = acquireProjectLock(topology.stateDir, 'party allocate-external');
  try {
    const journal = await openJournal(join(dir, 'journal.ndjson'), randomBytes(6).toString('hex'));
    const kill = ctx.env.CANTON_MPC_TEST_KILL_AT;
    journal.record('allocate-external', 'started');
    const outcomes = await runPlan(plan, allocation, {
      journal,
      signal: ctx.signal,
      onStep: (s) => out.info(`${out.style.dim(`[${s.index + 1}/${s.total}]`)} ${s.title}`),
      ...(kill ? { afterJournal: (id: string) => void (id === kill && process.kill(process.pid, 'SIGKILL')) } : {}),
    }).catch((e: unknown) => {
      journal.record('allocate-external', 'failed', e instanceof Error ? e.message : String(e));
      throw e;
    });
    journal.record('allocate-external', 'done');
    const changed = outcomes.some((o) => o.status === 'done' && !['observe', 'record'].includes(o.id));
    const s = allocation.signer!;
    out.result(`${heading}\n${changed ? 'allocated' : 'already allocated'}: ${allocation.partyId}\n  namespace key ${s.fingerprint} (${s.describe})`, {
      ok: true, name, partyId: allocation.partyId, fingerprint: s.fingerprint, participant: participant.name, custody: custodian.custody, changed, steps: outcomes,
    });
    return ExitCode.OK;
  } finally {
    release();
  }
}
