// Acting on a contract: the one ledger write of the signer. A real MPC node would run its signing
// protocol here and put the signature into the choice argument.
import type { SignerConfig } from './config.js';
import { type Ledger, LedgerError } from './ledger.js';
import { log } from './log.js';
import type { CreatedEvent } from './stream.js';

/** Test builds define this as true to prove that the exactly-once test can fail. */
declare const __REFERENCE_SIGNER_RANDOM_COMMAND_IDS__: boolean | undefined;

/**
 * The command id of acting on a contract: derived from the contract, so a retry, a re-delivered update
 * or a restart submits the same change and Canton deduplicates it by (userId, commandId, actAs).
 */
export function commandIdFor(choice: string, contractId: string): string {
  if (typeof __REFERENCE_SIGNER_RANDOM_COMMAND_IDS__ !== 'undefined' && __REFERENCE_SIGNER_RANDOM_COMMAND_IDS__) return `${choice}-${Math.random().toString(36).slice(2)}`;
  return `${choice}-${contractId}`;
}

export async function act(cfg: SignerConfig, ledger: Ledger, ev: CreatedEvent): Promise<void> {
  const commandId = commandIdFor(cfg.choice, ev.contractId);
  try {
    const res = await ledger.post<{ transaction?: { updateId?: string; offset?: number } }>('/v2/commands/submit-and-wait-for-transaction', {
      commands: {
        commands: [{ ExerciseCommand: { templateId: ev.templateId, contractId: ev.contractId, choice: cfg.choice, choiceArgument: cfg.choiceArgument } }],
        commandId, userId: cfg.userId, actAs: [cfg.party], readAs: [],
      },
    });
    log('acted', { contractId: ev.contractId, choice: cfg.choice, commandId, updateId: res.transaction?.updateId ?? '' });
    if (cfg.testExitAfterSubmit) { log('test-exit-after-submit'); process.exit(1); }
  } catch (e) {
    if (e instanceof LedgerError && e.code === 'DUPLICATE_COMMAND') { log('already-acted', { contractId: ev.contractId, commandId }); return; }
    if (e instanceof LedgerError && e.code === 'CONTRACT_NOT_FOUND') { log('contract-gone', { contractId: ev.contractId }); return; }
    throw e;
  }
}


/** Template ids arrive as package-id references; a configured `#package-name:…` id matches by module and entity. */
export function sameTemplate(actual: string, configured: string): boolean {
  if (actual === configured) return true;
  const tail = (t: string) => t.split(':').slice(1).join(':');
  return configured.startsWith('#') && tail(actual) === tail(configured);
}

