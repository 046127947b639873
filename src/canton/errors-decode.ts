/**
 * Canton error decoding: from what Canton prints (console, canton.log, JSON API bodies) to a
 * one-line cause and fix. Codes and their wording are taken from Canton's source at
 * release-line-3.4 a904e34; each row names the file. Canton formats a coded error as
 * `CODE(category,correlationId): cause` (ErrorCodeMsg in base/errors/.../ErrorCode.scala), on the
 * console after the gRPC status (`ALREADY_EXISTS/TOPOLOGY_MAPPING_ALREADY_EXISTS(10,…): …`,
 * networking/grpc/GrpcError.scala), and the JSON API returns `{"code": "CODE", "cause": …}`
 * (JsCantonError). Patterns without a code cover failures below Canton's error framework.
 */
export interface DecoderRow {
  /** The Canton error code id, or a name for a pattern row. */
  code: string;
  /** For rows without a code: matched against the line. */
  pattern?: RegExp;
  cause: string;
  fix: string;
  /** Where the code or message comes from (Canton a904e34 unless said otherwise). */
  source: string;
}

export interface Decoded {
  code: string;
  cause: string;
  fix: string;
  /** The line it was found in (trimmed). */
  line: string;
}

const LEDGER_COMMON = 'community/ledger/ledger-common/src/main/scala/com/digitalasset/canton/ledger/error/groups';
const TOPOLOGY = 'community/base/src/main/scala/com/digitalasset/canton/topology/TopologyManagerError.scala';
const AUTH = 'community/base/src/main/scala/com/digitalasset/canton/auth/AuthorizationChecksErrors.scala';

export const DECODER_TABLE: readonly DecoderRow[] = [
  // --- user management (category 10 / 11 → HTTP 409 / 404) ---
  { code: 'USER_ALREADY_EXISTS', cause: 'a Ledger API user with this id already exists on the participant', fix: '`canton-mpc users create` converges an existing user (it only adds missing rights); or pick another user id', source: `${LEDGER_COMMON}/UserManagementServiceErrors.scala` },
  { code: 'USER_NOT_FOUND', cause: 'the user id is not known on this participant', fix: 'check the participant and the spelling; create it with `canton-mpc users create` (or re-run `canton-mpc up`)', source: `${LEDGER_COMMON}/UserManagementServiceErrors.scala` },
  // --- auth ---
  { code: 'UNAUTHENTICATED', cause: 'the request carries no valid JWT while the participant enforces authentication', fix: 'send `Authorization: Bearer <token>` with a token the configured `auth` accepts', source: AUTH },
  { code: 'PERMISSION_DENIED', cause: 'the token is valid but does not grant this command (missing actAs/readAs or admin right, wrong audience or scope)', fix: "grant the user the right (`canton-mpc users create … --act-as`) or use a token for a user that has it; the participant's log names the exact reason", source: AUTH },
  { code: 'ACCESS_TOKEN_EXPIRED', cause: 'the JWT has expired', fix: 'get a fresh token (and refresh it before `exp`); check the clocks of both machines', source: AUTH },
  { code: 'INVALID_TOKEN', cause: 'the JWT is malformed or lacks a required claim (such as the user id)', fix: 'check the token claims against the configured `auth` type, audience and scope', source: AUTH },
  // --- parties ---
  { code: 'PARTY_NOT_KNOWN_ON_LEDGER', cause: 'a party in the command is not allocated (or not yet visible) on this participant', fix: 'allocate it on its hosting participant (`canton-mpc up` does) and use the full party id from `canton-mpc status`', source: `${LEDGER_COMMON}/SyncServiceRejectionErrors.scala` },
  { code: 'INVALID_ARGUMENT', cause: 'the Ledger API refused an argument; for a party allocation this is also how "party already exists" is reported', fix: 'read the reason after the colon; for parties, look the party up (`GET /v2/parties?filter-party=`) instead of allocating it again', source: `${LEDGER_COMMON}/RequestValidationErrors.scala; ApiPartyManagementService.scala alreadyExistsError` },
  // --- topology ---
  { code: 'TOPOLOGY_MAPPING_ALREADY_EXISTS', cause: 'the topology change is already in effect, authorized with the same keys', fix: 'nothing to do: treat it as success (bootstrap scripts should check before they add)', source: TOPOLOGY },
  { code: 'TOPOLOGY_UNAUTHORIZED_TRANSACTION', cause: 'the topology transaction is not authorized by the namespace keys it needs', fix: 'sign with the owning namespace (its participant or a delegated key); for party hosting, both the party and the new participant must authorize', source: TOPOLOGY },
  { code: 'TOPOLOGY_INVALID_TX_SIGNATURE', cause: 'a signature on the topology transaction does not verify: for an external party, the proposal hash was signed with another key than the one its `signedBy` fingerprint names, or over other bytes', fix: "sign the proposal hash file (34 bytes, 1220…) itself with the party's Ed25519 namespace key; `signedBy` is the party id's namespace (canton-mpc checks both before loading)", source: TOPOLOGY },
  { code: 'TOPOLOGY_MULTI_TRANSACTION_HASH_MISMATCH', cause: 'the signature covers a set of transaction hashes that does not contain this transaction', fix: 'sign the multi-hash of exactly the transactions you submit (generate-topology returns both)', source: TOPOLOGY },
  { code: 'REDACTED_ALARM', pattern: /An error occurred\. Please contact the operator and inquire about the request \S+/, cause: 'Canton withheld a security-sensitive error from the client (an alarm such as TOPOLOGY_UNAUTHORIZED_TRANSACTION or TOPOLOGY_INVALID_TX_SIGNATURE: a missing or wrong signature)', fix: "find the request id in the participant's log (`canton-mpc logs canton`): that line names the code and which namespace's signature is missing", source: 'base/errors/src/main/scala/com/digitalasset/base/error/BaseError.scala RedactedMessage; ErrorCategory.SecurityAlert redactDetails' },
  { code: 'TOPOLOGY_NO_APPROPRIATE_SIGNING_KEY_IN_STORE', cause: "this node holds no key that can authorize the topology transaction", fix: 'run the command on the node that owns the namespace, or import/delegate the key first', source: TOPOLOGY },
  // --- repair / import (party replication) ---
  { code: 'IMPORT_ACS_ERROR', cause: 'importing the ACS failed (with memory storage: repair is not supported)', fix: 'read the reason; repair needs persistent storage: run the participant with `storage: postgres`', source: 'community/participant/src/main/scala/com/digitalasset/canton/participant/admin/repair/RepairServiceError.scala' },
  { code: 'PROTO_DESERIALIZATION_FAILURE', cause: 'a message or file could not be decoded (a corrupted or truncated export, or one from another Canton version)', fix: 'export again with the same Canton version and copy the file whole (compare sizes or hashes)', source: 'community/base/src/main/scala/com/digitalasset/canton/ProtoDeserializationError.scala' },
  // --- routing ---
  { code: 'NO_SYNCHRONIZER_ON_WHICH_ALL_SUBMITTERS_CAN_SUBMIT', cause: 'no connected synchronizer lets this participant submit for every actAs party', fix: 'check that the participant is connected to the synchronizer and hosts each submitting party with submission permission', source: 'community/base/src/main/scala/com/digitalasset/canton/error/TransactionRoutingError.scala' },
  // --- confirmation (multi-hosted / decentralized parties) ---
  { code: 'MEDIATOR_SAYS_TX_TIMED_OUT', cause: 'the mediator did not receive enough confirmations in time: fewer of a confirming party\'s hosts answered than its confirmation threshold', fix: 'start or reconnect the hosts of the parties named in `unresponsiveParties` (`canton-mpc party status PARTY` shows its hosts and threshold), then submit again', source: 'community/base/src/main/scala/com/digitalasset/canton/error/MediatorError.scala' },
  // --- database ---
  { code: 'DB_CONNECTION_LOST', cause: "the node lost its database connection (health check failed)", fix: 'check that PostgreSQL runs and is reachable (`canton-mpc status`, `canton-mpc logs postgres`)', source: 'community/base/src/main/scala/com/digitalasset/canton/resource/DatabaseStorageError.scala' },
  { code: 'DB_CONNECT_FAILED', pattern: /Failed to (?:connect to database|setup database access|create session with database)/, cause: 'the node could not open its database at start-up', fix: 'check postgres host, port, user and the password variable (`postgres.passwordEnv`); `canton-mpc doctor` checks the server', source: 'community/base/src/main/scala/com/digitalasset/canton/resource/Storage.scala' },
  { code: 'DB_AUTH_FAILED', pattern: /password authentication failed for user/, cause: 'PostgreSQL refused the password', fix: 'set the variable named in `postgres.passwordEnv` (default POSTGRES_PASSWORD) to the right password', source: 'PostgreSQL server message, reported by the JDBC driver' },
  // --- ports ---
  { code: 'API_UNABLE_TO_BIND', pattern: /The API server was unable to bind to port \d+/, cause: 'the Ledger API port is taken by another process', fix: 'stop the process on that port (`canton-mpc doctor` names it) or change `portBase` / the node\'s ports', source: 'community/ledger/ledger-api-core/src/main/scala/com/digitalasset/canton/platform/apiserver/GrpcServerOwner.scala' },
  { code: 'PORT_IN_USE', pattern: /java\.net\.BindException: (?:\[[^\]]*\] )?Address already in use/, cause: 'a node port is taken by another process', fix: 'stop the process on that port (`canton-mpc doctor` names it) or change `portBase` / the node\'s ports', source: 'java.net.BindException (JDK), raised through grpc-netty and Pekko HTTP' },
  // --- JVM ---
  { code: 'UNSUPPORTED_CLASS_VERSION', pattern: /UnsupportedClassVersionError/, cause: 'the JDK is older than the one Canton was compiled for', fix: 'run Canton with a JDK 21: `--java-home` or JAVA_HOME (`canton-mpc doctor` lists the JDKs found)', source: 'java.lang.UnsupportedClassVersionError (JDK)' },
];

const BY_CODE = new Map(DECODER_TABLE.filter((r) => !r.pattern).map((r) => [r.code, r]));
const PATTERN_ROWS = DECODER_TABLE.filter((r) => r.pattern);

/** `CODE(category,corr): …`, optionally after `GRPC_STATUS/`, and `"code": "CODE"` in JSON bodies. */
const CODED_RE = /\b([A-Z][A-Z0-9_]{2,63})\(\d+,[^)]*\)/g;
const JSON_CODE_RE = /"code"\s*:\s*"([A-Z][A-Z0-9_]{2,63})"/g;

export function decodeCantonLine(line: string): Decoded[] {
  const out: Decoded[] = [];
  const seen = new Set<string>();
  const push = (row: DecoderRow) => {
    if (seen.has(row.code)) return;
    seen.add(row.code);
    out.push({ code: row.code, cause: row.cause, fix: row.fix, line: line.trim() });
  };
  for (const re of [CODED_RE, JSON_CODE_RE]) {
    for (const m of line.matchAll(re)) {
      const row = BY_CODE.get(m[1]!);
      if (row) push(row);
    }
  }
  for (const row of PATTERN_ROWS) if (row.pattern!.test(line)) push(row);
  return out;
}

/** Every distinct decoded error in a text (a log tail, an error message), first occurrence first. */
export function decodeCantonText(text: string, max = 10): Decoded[] {
  const out: Decoded[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    for (const d of decodeCantonLine(line)) {
      if (seen.has(d.code)) continue;
      seen.add(d.code);
      out.push(d);
      if (out.length >= max) return out;
    }
  }
  return out;
}

export function formatDecoded(d: Decoded): string {
  return `Canton ${d.code}: ${d.cause}; fix: ${d.fix}`;
}
