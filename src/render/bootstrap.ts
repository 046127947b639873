/**
 * Topology → the slot values of `templates/bootstrap.canton` (Scala for the Canton 3.4.11 console),
 * and the parser of the party lines the script prints. Every user-supplied text reaches Scala only
 * through `scalaString`; node names are validated identifiers.
 */
import type { Topology } from '../config/types.js';
import { scalaIdent, scalaString } from './scala.js';

/** The script prints `CANTON_MPC_PARTY "<name as JSON>" <party id>` for every party. */
export const PARTY_LINE_PREFIX = 'CANTON_MPC_PARTY ';
/** Printed as the script's last line. */
export const BOOTSTRAP_DONE_LINE = 'CANTON_MPC_BOOTSTRAP_DONE';
/** Printed when a DAR is missing when the script runs. */
export const WARN_LINE_PREFIX = 'CANTON_MPC_WARN ';

const PARTY_REST = /^"((?:[^"\\]|\\.)*)"\s+(\S+)/;

/**
 * Party name → full party id, from the output of the bootstrap script (a daemon log, console output).
 * Other lines, and anything before the prefix on a line (timestamps, logger names), are ignored;
 * a later line for the same party wins.
 */
export function parsePartyLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(PARTY_LINE_PREFIX);
    if (at === -1) continue;
    const m = PARTY_REST.exec(line.slice(at + PARTY_LINE_PREFIX.length));
    if (!m) continue;
    let name: string;
    try {
      name = JSON.parse(`"${m[1]}"`) as string;
    } catch {
      continue;
    }
    const id = m[2]!;
    // A party id is `<hint>::<namespace fingerprint>`.
    if (!id.startsWith(`${name}::`) || id.length <= name.length + 2) continue;
    out[name] = id;
  }
  return out;
}

export interface BootstrapOptions {
  /** Whether a DAR exists now; missing ones are left out of the script (with a note). */
  darExists: (absPath: string) => boolean;
}

export function bootstrapSlots(t: Topology, opts: BootstrapOptions): Record<string, string> {
  const sync = scalaString(t.synchronizer.name);
  const seqs = t.sequencers.map((s) => scalaIdent(s.name));
  const firstSeq = seqs[0] ?? 'sequencer1';
  const participants = t.participants.map((p) => scalaIdent(p.name));

  const connect = participants
    .map((p) =>
      [
        `if (!${p}.synchronizers.is_registered(${sync})) ${p}.synchronizers.connect_local(${firstSeq}, ${sync})`,
        `else if (!${p}.synchronizers.active(${sync})) ${p}.synchronizers.reconnect(${sync})`,
      ].join('\n'),
    )
    .join('\n');

  const waitActive = participants.map((p) => `utils.retry_until_true { ${p}.synchronizers.active(${sync}) }`).join('\n');

  const parties = t.parties
    .map((party, i) => {
      const p = scalaIdent(party.participant);
      const name = scalaString(party.name);
      const line = scalaString(`${PARTY_LINE_PREFIX}${JSON.stringify(party.name)} `);
      const v = `party${i + 1}`;
      // `hosted` filters by prefix; keep only the exact hint (`Issuer::…`, not `IssuerX::…`).
      // One `val` per party rather than a `{ … }` block: a block after a line ending in `)` would be
      // read by scalac as an argument list of that line.
      return [
        `val ${v} = ${p}.parties.hosted(filterParty = ${name}).map(_.party).filter(id => s"\${id.toLf}".startsWith(${name} + "::")).headOption.getOrElse(${p}.parties.enable(${name}))`,
        `println(${line} + ${v}.toLf)`,
      ].join('\n');
    })
    .join('\n');

  const dars = t.dars
    .map((dar) => {
      const path = scalaString(dar);
      if (!opts.darExists(dar)) {
        // Not an error: `dpm build` may simply not have run yet; `render`/`up` warn about it.
        return `// not found when rendered, so not uploaded: ${dar.replace(/[\r\n]+/g, ' ').replace(/\\u/g, '\\\\u')}\nprintln(${scalaString(`${WARN_LINE_PREFIX}DAR not found when rendered, not uploaded: `)} + ${path})`;
      }
      const uploads = participants.map((p) => `  ${p}.dars.upload(${path})`).join('\n');
      return `if (new java.io.File(${path}).isFile) {\n${uploads}\n} else println(${scalaString(`${WARN_LINE_PREFIX}DAR missing, not uploaded: `)} + ${path})`;
    })
    .join('\n');

  return {
    synchronizerName: sync,
    sequencers: seqs.join(', '),
    mediators: t.mediators.map((m) => scalaIdent(m.name)).join(', '),
    synchronizerOwners: seqs.join(', '),
    connect: connect || '// (no participants)',
    waitActive: waitActive || '// (no participants)',
    parties: parties || '// (no parties)',
    dars: dars || '// (no DARs configured)',
    partyLinePrefix: PARTY_LINE_PREFIX,
    doneLine: scalaString(BOOTSTRAP_DONE_LINE),
  };
}
