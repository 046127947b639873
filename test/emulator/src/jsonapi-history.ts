// /v2/state/latest-pruned-offsets: with /v2/updates (updates.ts), what a client needs to tell whether a
// party has ever been a stakeholder (the Party Mobility runbook's first question).
import type { Env } from './env.js';
import type { ParticipantDoc } from './state.js';

interface HistoryReq { body: Buffer; query: URLSearchParams; p: ParticipantDoc }
type Route = [RegExp, Record<string, (r: HistoryReq) => [number, unknown]>];

export function historyRoutes(env: Env): Route[] {
  void env;
  return [
    [/^\/v2\/state\/latest-pruned-offsets$/, {
      GET: (r) => [200, { participantPrunedUpToInclusive: r.p.pruning.prunedUpTo, allDivulgedContractsPrunedUpToInclusive: r.p.pruning.prunedUpTo }],
    }],
  ];
}
