// The Party Mobility runbook's quick decision guide, branch by branch.
import { describe, expect, test } from 'vitest';
import { decideWorkflow, permissionProblem, type PartyFacts } from '../../src/party/decide.js';

const facts = (f: Partial<PartyFacts>): PartyFacts => ({ history: 'none', external: false, decentralized: false, ...f });

describe('decideWorkflow', () => {
  test.each([
    // [case, facts, workflow, threshold authorization, allowed permissions]
    ['never used, local, single owner → Workflow 1', facts({}), 1, false, ['Submission', 'Confirmation', 'Observation']],
    ['used, single owner → Workflow 2', facts({ history: 'used' }), 2, false, ['Submission', 'Confirmation', 'Observation']],
    ['used, decentralized namespace → Workflow 2 with threshold authorization', facts({ history: 'used', decentralized: true }), 2, true, ['Submission', 'Confirmation', 'Observation']],
    ['not certain it is clean → the safe path, Workflow 2', facts({ history: 'unknown' }), 2, false, ['Submission', 'Confirmation', 'Observation']],
    ['never used, decentralized → Workflow 1, still threshold authorization', facts({ decentralized: true }), 1, true, ['Submission', 'Confirmation', 'Observation']],
    ['never used, external → Workflow 1 without Submission', facts({ external: true }), 1, false, ['Confirmation', 'Observation']],
    ['used, external → Workflow 2 without Submission', facts({ history: 'used', external: true }), 2, false, ['Confirmation', 'Observation']],
    ['a brand new decentralized party → Workflow 3', facts({ newDecentralizedParty: true }), 3, true, ['Submission', 'Confirmation', 'Observation']],
  ] as const)('%s', (_name, f, workflow, threshold, allowed) => {
    const d = decideWorkflow(f);
    expect(d.workflow).toBe(workflow);
    expect(d.thresholdAuthorization).toBe(threshold);
    expect(d.allowedPermissions).toEqual(allowed);
    expect(d.externalSignature).toBe(f.external);
    expect(d.reason.length).toBeGreaterThan(20);
  });

  test('the reason says why', () => {
    expect(decideWorkflow(facts({})).reason).toMatch(/never been a stakeholder/);
    expect(decideWorkflow(facts({ history: 'used' })).reason).toMatch(/exported and imported/);
    expect(decideWorkflow(facts({ history: 'unknown' })).reason).toMatch(/safe path/);
    expect(decideWorkflow(facts({ history: 'used', decentralized: true })).reason).toMatch(/threshold/);
  });
});

describe('permissionProblem', () => {
  test.each([
    [facts({}), 'Submission', undefined],
    [facts({ external: true }), 'Submission', /external party .* only with Confirmation or Observation/],
    [facts({ external: true }), 'Confirmation', undefined],
    [facts({ external: true }), 'Observation', undefined],
  ] as const)('%o %s', (f, p, want) => {
    const got = permissionProblem(decideWorkflow(f), p);
    if (want === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(want);
  });
});
