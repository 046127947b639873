import { describe, expect, it } from 'vitest';
import { DECODER_TABLE, decodeCantonLine, decodeCantonText, formatDecoded } from '../../src/canton/errors-decode.js';

// Each line is shaped as Canton prints it: `CODE(category,correlation): cause` with the cause text
// of the error class in Canton's source (a904e34), in the console after the gRPC status
// (GrpcError.scala), in canton.log after the logger prefix, or as a JSON API error body.
const LOG = '2026-01-01 10:00:00,000 [canton-env-ec-42] INFO  c.d.c.p.a.s.a.ApiUserManagementService:participant=participant1 tid:0af3 - ';
const SAMPLES: Record<string, string> = {
  USER_ALREADY_EXISTS: `{"code":"USER_ALREADY_EXISTS","cause":"creating user failed, as user \\"issuer-user\\" already exists","correlationId":"3a2b1c0d","errorCategory":10,"grpcCodeValue":6,"context":{},"resources":[["USER","issuer-user"]]}`,
  USER_NOT_FOUND: `${LOG}USER_NOT_FOUND(11,5f6e7d8c): getting user failed for unknown user "alice"`,
  UNAUTHENTICATED: 'UNAUTHENTICATED(6,0): The command is missing a (valid) JWT token',
  PERMISSION_DENIED: `{"code":"PERMISSION_DENIED","cause":"A security-sensitive error has been received","errorCategory":7,"grpcCodeValue":7}`,
  ACCESS_TOKEN_EXPIRED: 'ACCESS_TOKEN_EXPIRED(2,1a2b3c4d): JWT token has expired',
  INVALID_TOKEN: 'INVALID_TOKEN(8,0): The submitted request is missing a user-id: no user in token',
  PARTY_NOT_KNOWN_ON_LEDGER: 'PARTY_NOT_KNOWN_ON_LEDGER(11,9e8d7c6b): Parties not known on ledger: [Depositor::1220aa]',
  INVALID_ARGUMENT: 'GrpcClientError: INVALID_ARGUMENT/INVALID_ARGUMENT(8,77aa88bb): The submitted request has invalid arguments: Party already exists: party Issuer::1220ab is already allocated on this node',
  TOPOLOGY_MAPPING_ALREADY_EXISTS:
    '  GrpcRequestRefusedByServer: ALREADY_EXISTS/TOPOLOGY_MAPPING_ALREADY_EXISTS(10,a1b2c3d4): A matching topology mapping authorized with the same keys already exists in this state',
  TOPOLOGY_UNAUTHORIZED_TRANSACTION: 'GrpcRequestRefusedByServer: INVALID_ARGUMENT/TOPOLOGY_UNAUTHORIZED_TRANSACTION(5,b2c3d4e5): Topology transaction is not properly authorized by any namespace key',
  TOPOLOGY_INVALID_TX_SIGNATURE: `${LOG}TOPOLOGY_INVALID_TX_SIGNATURE(5,0a1b2c3d): Transaction signature verification failed`,
  TOPOLOGY_MULTI_TRANSACTION_HASH_MISMATCH: 'TOPOLOGY_MULTI_TRANSACTION_HASH_MISMATCH(9,1b2c3d4e): The given transaction hash set Set(TxHash(1220ab)) did not contain the expected hash TxHash(1220cd) of the transaction.',
  REDACTED_ALARM: 'Request failed for participant2. GrpcRequestRefusedByServer: INVALID_ARGUMENT/An error occurred. Please contact the operator and inquire about the request 7f3e2d1c0b4a with tid 7f3e2d1c0b4a',
  TOPOLOGY_NO_APPROPRIATE_SIGNING_KEY_IN_STORE: 'TOPOLOGY_NO_APPROPRIATE_SIGNING_KEY_IN_STORE(11,c3d4e5f6): Could not find an appropriate signing key to issue the topology transaction',
  IMPORT_ACS_ERROR: 'INVALID_ARGUMENT/IMPORT_ACS_ERROR(8,d4e5f6a7): Participant participant2 is in memory which is not supported by repair. Use db persistence.',
  PROTO_DESERIALIZATION_FAILURE: 'INVALID_ARGUMENT/PROTO_DESERIALIZATION_FAILURE(8,e5f6a7b8): Deserialization of protobuf message failed',
  NO_SYNCHRONIZER_ON_WHICH_ALL_SUBMITTERS_CAN_SUBMIT:
    'NO_SYNCHRONIZER_ON_WHICH_ALL_SUBMITTERS_CAN_SUBMIT(11,f6a7b8c9): Not connected to a synchronizer on which this participant can submit for all submitters',
  MEDIATOR_SAYS_TX_TIMED_OUT: `{"code":"MEDIATOR_SAYS_TX_TIMED_OUT","cause":"Rejected transaction as the mediator did not receive sufficient confirmations within the expected timeframe.","errorCategory":2,"grpcCodeValue":10,"context":{"unresponsiveParties":"Treasury::1220ab"}}`,
  DB_CONNECTION_LOST: `${LOG}DB_CONNECTION_LOST(13,0): Database health check failed to establish a valid connection: Connection is not available, request timed out after 5000ms.`,
  DB_CONNECT_FAILED: `${LOG}Failed to connect to database: com.zaxxer.hikari.pool.HikariPool$PoolInitializationException: Failed to initialize pool: Connection to 127.0.0.1:5240 refused.`,
  DB_AUTH_FAILED: 'org.postgresql.util.PSQLException: FATAL: password authentication failed for user "canton"',
  API_UNABLE_TO_BIND: 'The API server was unable to bind to port 5011. Terminate the process occupying the port, or choose a different one.',
  PORT_IN_USE: 'java.io.IOException: Failed to bind to address /127.0.0.1:5012 ... Caused by: java.net.BindException: Address already in use',
  UNSUPPORTED_CLASS_VERSION:
    'Exception in thread "main" java.lang.UnsupportedClassVersionError: com/digitalasset/canton/CantonCommunityApp has been compiled by a more recent version of the Java Runtime (class file version 65.0), this version of the Java Runtime only recognizes class file versions up to 61.0',
};

describe('the Canton error decoder', () => {
  it('has a sample for every row and no sample without a row', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(DECODER_TABLE.map((r) => r.code).sort());
  });
  it.each(DECODER_TABLE.map((r) => [r.code, r] as const))('%s', (code, row) => {
    const decoded = decodeCantonLine(SAMPLES[code]!);
    expect(decoded.map((d) => d.code)).toEqual([code]);
    expect(decoded[0]).toMatchObject({ cause: row.cause, fix: row.fix });
    expect(row.source.length).toBeGreaterThan(10);
  });
  it('an unknown code and ordinary lines decode to nothing', () => {
    expect(decodeCantonLine('SOME_OTHER_CODE(9,abc): something')).toEqual([]);
    expect(decodeCantonLine('participant1 is running on port 5011 (PERMISSION_DENIED is only text here)')).toEqual([]);
  });
  it('a log tail: distinct errors, first occurrence first, each naming its line', () => {
    const tail = [SAMPLES.DB_CONNECT_FAILED, 'noise', SAMPLES.TOPOLOGY_MAPPING_ALREADY_EXISTS, SAMPLES.DB_CONNECT_FAILED].join('\n');
    const d = decodeCantonText(tail);
    expect(d.map((x) => x.code)).toEqual(['DB_CONNECT_FAILED', 'TOPOLOGY_MAPPING_ALREADY_EXISTS']);
    expect(d[1]!.line).toBe(SAMPLES.TOPOLOGY_MAPPING_ALREADY_EXISTS!.trim());
    expect(formatDecoded(d[1]!)).toMatch(/^Canton TOPOLOGY_MAPPING_ALREADY_EXISTS: .*; fix: nothing to do/);
  });
});
