// Confirmation by a multi-hosted party (a decentralized party's threshold of hosts). Canton 3.4
// (release-line-3.4 a904e34):
//  - the confirming parties of an action are its signatories (maintainers) and acting parties; other
//    informees (observers) confirm with weight zero (TransactionViewDecompositionFactory.scala:260-294);
//  - a confirming party with threshold T is satisfied by T of its hosting participants with Confirmation
//    or Submission permission (observation hosts and hosts still onboarding do not confirm);
//  - a host that is disconnected from the synchronizer never receives the request; when too few respond,
//    the mediator rejects the request at its decision timeout with MEDIATOR_SAYS_TX_TIMED_OUT
//    (community/base/src/main/scala/com/digitalasset/canton/error/MediatorError.scala:32-58, category
//    ContentionOnSharedResources). The emulator answers at once instead of after the timeout.
import { CantonError } from './errors.js';
import type { Env } from './env.js';
import type { SynchronizerTopology } from './state.js';

export function checkConfirmations(env: Env, topo: SynchronizerTopology, confirming: string[]): void {
  const connected = new Set(env.participants().filter((q) => Object.values(q.connections).some((c) => c.connected && c.synchronizerId === topo.synchronizerId)).map((q) => q.uid));
  const unresponsive: string[] = [];
  for (const party of new Set(confirming)) {
    const m = topo.partyToParticipant[party];
    if (!m) continue;
    const confirmers = m.participants.filter((h) => h.permission !== 'Observation' && !h.onboarding);
    const up = confirmers.filter((h) => connected.has(h.participantUid)).length;
    if (up < m.threshold) unresponsive.push(party);
  }
  if (unresponsive.length > 0) {
    throw new CantonError('MEDIATOR_SAYS_TX_TIMED_OUT', 2, 'Rejected transaction as the mediator did not receive sufficient confirmations within the expected timeframe.', { unresponsiveParties: unresponsive.join(', ') }, true);
  }
}
