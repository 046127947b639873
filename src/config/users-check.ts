/**
 * The checks of one Ledger API user, shared by the config (`validate.ts`) and
 * `users create --from-file` / flags. Import-light on purpose (no zod): `users create` runs often.
 */
import { didYouMean } from './suggest.js';

export interface PathIssue {
  path: (string | number)[];
  message: string;
  hint?: string;
  /** Point at the key (e.g. a bad name) rather than its value. */
  at?: 'key' | 'value';
}

/** Canton user ids: ASCII alphanumerics and @^$.!`-#+'~_|: up to 128 characters. */
export const USER_ID_RE = /^[A-Za-z0-9@^$.!`\-#+'~_|:]{1,128}$/;

type Add = (i: PathIssue) => void;

export function joinHints(...parts: string[]): string {
  return parts.filter(Boolean).join('; ');
}

export interface UserCheckContext {
  participants: string[];
  /** Party name → hosting participant, and its further hosts (the config's `parties:`). */
  parties: Record<string, { participant: string; alsoHostedOn?: Record<string, 'submission' | 'confirmation' | 'observation'> }>;
  /**
   * `users create --from-file`: a full party id (`name::1220…`) is taken as is, and a name the config
   * does not declare is looked up on the user's participant later (it must be hosted there).
   */
  outsideConfig?: boolean;
}

export interface UserEntry {
  id: string;
  u: { participant?: string; primaryParty?: string; actAs?: string[]; readAs?: string[] };
  /** Where the entry's fields are (`participant`, `actAs`, … are appended). */
  path: (string | number)[];
  /** Where the id is: a map key, or a `user:` value in a list entry. */
  idPath: (string | number)[];
  idAt: 'key' | 'value';
}

/** The checks of one user, shared by the config and `users create --from-file`. */
export function checkUser(e: UserEntry, ctx: UserCheckContext, add: Add): void {
  const { id, u } = e;
  const participants = ctx.participants;
  const parties = Object.keys(ctx.parties);
  if (!USER_ID_RE.test(id)) {
    add({ path: e.idPath, at: e.idAt, message: `user id "${id}" is not a valid Canton user id`, hint: "use 1-128 of: letters, digits and @^$.!`-#+'~_|:" });
  }
  let participant = u.participant;
  if (participant !== undefined && !participants.includes(participant)) {
    add({
      path: [...e.path, 'participant'],
      message: `user ${id} is on unknown participant "${participant}"`,
      hint: joinHints(didYouMean(participant, participants), `known participants: ${participants.join(', ')}`),
    });
    participant = undefined;
  }
  const refs: [(string | number)[], string][] = [];
  if (u.primaryParty !== undefined) refs.push([[...e.path, 'primaryParty'], u.primaryParty]);
  (u.actAs ?? []).forEach((p, i) => refs.push([[...e.path, 'actAs', i], p]));
  (u.readAs ?? []).forEach((p, i) => refs.push([[...e.path, 'readAs', i], p]));
  if (u.participant === undefined) {
    participant = u.primaryParty ? ctx.parties[u.primaryParty]?.participant : undefined;
    if (!u.primaryParty || (ctx.outsideConfig && participant === undefined)) {
      add(
        ctx.outsideConfig
          ? { path: e.idPath, at: e.idAt, message: `user ${id} has neither participant nor a primaryParty declared in the config`, hint: 'set `participant:` (or `primaryParty:` naming a party of the config, whose host is then used)' }
          : { path: e.idPath, at: e.idAt, message: `user ${id} has neither participant nor primaryParty`, hint: 'set `participant:` (or `primaryParty:`, whose host is then used)' },
      );
    }
  }
  for (const [path, party] of refs) {
    const spec = ctx.parties[party];
    if (!spec) {
      if (ctx.outsideConfig && (party.includes('::') || participant !== undefined)) continue;
      add({ path, message: `unknown party "${party}"`, hint: joinHints(didYouMean(party, parties), `parties are declared under \`parties:\`; known: ${parties.join(', ') || '(none)'}`) });
    } else if (participant !== undefined) {
      const hosting = configuredHosting(spec, participant);
      // Rights alone do not let a participant submit: it submits only for parties it hosts with Submission.
      const acting = path[path.length - 2] === 'actAs';
      if (hosting === undefined) {
        add({
          path,
          message: `party ${party} is hosted on ${spec.participant}, but user ${id} is on ${participant}`,
          hint: `a user can act or read only for parties its participant hosts; move the user to ${spec.participant}, or host the party there too: \`${party}: { participant: ${spec.participant}, alsoHostedOn: { ${participant}: ${acting ? 'submission' : 'observation'} } }\``,
        });
      } else if (acting && hosting !== 'submission') {
        add({
          path,
          message: `${participant} hosts party ${party} with ${hosting}, so user ${id} cannot act as it there`,
          hint: `a participant submits only for parties it hosts with submission: set \`alsoHostedOn: { ${participant}: submission }\` for ${party}, or move actAs to readAs`,
        });
      }
    }
  }
}

/** The permission `participant` holds for a configured party: its first host submits; alsoHostedOn as given. */
export function configuredHosting(spec: UserCheckContext['parties'][string], participant: string): 'submission' | 'confirmation' | 'observation' | undefined {
  return spec.participant === participant ? 'submission' : spec.alsoHostedOn?.[participant];
}
