// Canton reads its config with pureconfig and rejects unknown keys everywhere
// (`preventAllUnknownKeys`, `serverConfigProductHint … allowUnknownKeys = false`,
// CantonConfig.scala:699-722; `internalPort` is written `port`). The emulator checks the sections
// whose content it interprets: the nodes' server configs and the BFT sequencer's block. Key lists are
// the case-class fields at a904e34, kebab-cased:
//   AdminServerConfig (base/.../config/ServerConfig.scala:167-181)
//   LedgerApiServerConfig (participant/.../config/ParticipantNodeConfig.scala:245-)
//   PublicServerConfig (synchronizer/.../config/PublicServerConfig.scala:45-62)
//   JsonApiConfig (ledger-json-api/.../http/JsonApiConfig.scala:17-27; `server` is the moved 3.4.0 form)
//   SequencerConfig.BftSequencer (SequencerConfig.scala:84-89), BftBlockOrdererConfig and its
//   P2PNetworkConfig / P2PServerConfig / P2PEndpointConfig / P2PNetworkAuthenticationConfig,
//   TlsClientConfig (ServerConfig.scala:580-584).
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const keys = (s: string) => new Set(s.trim().split(/\s+/));

export const ADMIN_API = keys('address port tls jwt-timestamp-leeway keep-alive-server max-inbound-message-size auth-services admin-token-config max-token-lifetime jwks-cache-config limits');
export const LEDGER_API = keys(`address port tls auth-services admin-token-config jwt-timestamp-leeway keep-alive-server max-inbound-message-size
  max-inbound-metadata-size rate-limit postgres-data-source database-connection-timeout index-service command-service user-management-service
  party-management-service package-service management-service-timeout enable-command-inspection identity-provider-management
  interactive-submission-service topology-aware-package-selection max-token-lifetime jwks-cache-config limits`);
export const PUBLIC_API = keys(`address port tls keep-alive-server nonce-expiration-interval max-token-expiration-interval max-auth-tokens-per-member
  use-exponential-random-token-expiration override-max-request-size max-token-lifetime jwks-cache-config limits`);
export const HTTP_LEDGER_API = keys('enabled websocket-config debug-logging-of-http-bodies daml-definitions-service-enabled address port port-file path-prefix request-timeout server');
export const BFT_SEQUENCER = keys('type block config');
export const BFT_ORDERER = keys(`epoch-length max-request-payload-bytes max-mempool-queue-size max-requests-in-batch min-requests-in-batch
  max-batch-creation-interval availability-number-of-attempts-of-downloading-output-fetch-before-warning availability-max-non-ordered-batches-per-node
  max-batches-per-block-proposal consensus-queue-max-size consensus-queue-per-node-quota delayed-init-queue-max-size epoch-state-transfer-retry-timeout
  output-fetch-timeout output-fetch-timeout-cap initial-network standalone leader-selection-policy storage enable-performance-metrics batch-aggregator`);
export const P2P_NETWORK = keys('server-endpoint endpoint-authentication connection-management-config peer-endpoints overwrite-stored-endpoints');
export const P2P_SERVER = keys('address port external-address external-port external-tls-config tls max-inbound-message-size limits');
export const P2P_ENDPOINT = keys('address port tls-config');
export const P2P_AUTH = keys('auth-token enabled');
export const TLS_CLIENT = keys('trust-collection-file client-cert enabled');

/** Pushes `<path>.<key>: Unknown key.` for every key of `o` outside `allowed`. */
export function unknownKeys(o: unknown, allowed: Set<string>, path: string, errors: string[]): void {
  if (!isObj(o)) return;
  for (const k of Object.keys(o)) if (!allowed.has(k)) errors.push(`${path}.${k}: Unknown key.`);
}

/** A required field without a default in the case class: pureconfig reports `Key not found`. */
export function requireKey(o: unknown, key: string, path: string, errors: string[]): void {
  if (!isObj(o) || o[key] === undefined || o[key] === null) errors.push(`${path}: Key not found: '${key}'.`);
}
