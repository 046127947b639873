import { describe, expect, it } from 'vitest';
import { redactArchiveText, secretValuesFromEnv, secretValuesFromEnvFile } from '../../src/ci/redact-archive.js';

/** A JWT-shaped string built at test time (header and claims base64url-encoded, a dummy signature): no token in the repository. */
const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const JWT_SHAPED = `${b64url({ alg: 'HS256' })}.${b64url({ sub: 'alice' })}.sig_part-1`;

describe('redactArchiveText', () => {
  it.each([
    ['a known value anywhere', 'key is s3cr3t-value here', ['s3cr3t-value'], 'key is *** here'],
    ['the longer of two overlapping secrets first', 'abcdef123456', ['abcdef', 'abcdef123456'], '***'],
    ['HOCON password literal', 'password = "hunter22"', [], 'password = "***"'],
    ['HOCON substitution left alone', 'password = ${?POSTGRES_PASSWORD}', [], 'password = ${?POSTGRES_PASSWORD}'],
    ['JSON token field', '{"token": "abc.def"}', [], '{"token": "***"}'],
    ['env-style secret', 'SIGNER_TOKEN=xyz987', [], 'SIGNER_TOKEN=***'],
    ['bearer header', 'Authorization: Bearer abcdefghijkl', [], 'Authorization: Bearer ***'],
    ['a JWT', `got ${JWT_SHAPED}`, [], 'got ***jwt***'],
    ['password in a URL', 'jdbc:postgresql://canton:pw1234@127.0.0.1:5432/db', [], 'jdbc:postgresql://canton:***@127.0.0.1:5432/db'],
    ['ordinary text untouched', 'participant1 started on port 5011', [], 'participant1 started on port 5011'],
  ])('%s', (_n, text, secrets, expected) => {
    expect(redactArchiveText(text, secrets)).toBe(expected);
  });
  it('secret values from the environment and from a secrets file', () => {
    expect(secretValuesFromEnv({ GITHUB_TOKEN: 'ghp_x1', HOME: '/root', MY_PW: 'pw-value' }, ['MY_PW']).sort()).toEqual(['ghp_x1', 'pw-value']);
    expect(secretValuesFromEnvFile('# c\nA=one-value\nexport B="two-value"\n\nC=x\n')).toEqual(['one-value', 'two-value']);
  });
});
