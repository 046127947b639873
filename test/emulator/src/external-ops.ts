// External parties: the node ops the console calls (spread into OPS) and the two Ledger API routes
// (spread into the JSON API's table). Rules and sources in external.ts.
import type { Env } from './env.js';
import { err } from './errors.js';
import { allocateExternal, generateTopology, loadTransactions, type AllocateRequest, type GenerateRequest, type TxSignature } from './external.js';
import { storeOf } from './ops-party.js';
import type { ParticipantDoc } from './state.js';

type A = Record<string, unknown>;

export const EXTERNAL_OPS: Record<string, (env: Env, node: string, a: A) => unknown> = {
  'participant.topology.transactions.load': (env, node, a) => {
    const p = env.participant(node);
    loadTransactions(env, p, storeOf(env, p, a.store), (a.transactions as Array<{ tx: string; signatures: TxSignature[] }>) ?? []);
    return null;
  },
};

interface RouteReq { body: Buffer; p: ParticipantDoc; actor: { unrestricted: boolean; admin?: boolean } }
type Route = [RegExp, Record<string, (r: RouteReq) => Promise<[number, unknown]> | [number, unknown]>];

// Claims per endpoint (a904e34 community/ledger/ledger-api-core/src/main/scala/com/digitalasset/canton/
// ledger/api/auth/services/PartyManagementServiceAuthorization.scala:62-79): generate-topology is
// RequiredClaim.Public (any authenticated caller), allocate needs (IDP) admin claims.
function body<T>(r: RouteReq, admin: boolean): T {
  if (admin && !r.actor.unrestricted && !r.actor.admin) throw err.denied('missing ParticipantAdmin right');
  try { return JSON.parse(r.body.toString('utf8')) as T; } catch (e) { throw err.decode(`The request content was malformed: ${(e as Error).message}`); }
}

/** POST /v2/parties/external/generate-topology and /allocate (openapi.yaml; ApiPartyManagementService). */
export function externalRoutes(env: Env): Route[] {
  return [
    [/^\/v2\/parties\/external\/generate-topology$/, { POST: (r) => [200, generateTopology(env, r.p, body<GenerateRequest>(r, false))] }],
    [/^\/v2\/parties\/external\/allocate$/, {
      POST: async (r) => {
        const partyId = allocateExternal(env, r.p, body<AllocateRequest>(r, true));
        await env.save();
        return [200, { partyId }];
      },
    }],
  ];
}
