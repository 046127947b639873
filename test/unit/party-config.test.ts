// parties.<name>.alsoHostedOn: the multi-controller recipe in the config, and the validation that
// refuses rights a participant cannot exercise, naming the hosting that fixes it.
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/parse.js';
import { toTopology } from '../../src/config/topology.js';
import { ConfigError } from '../../src/errors.js';

const parse = (yaml: string) => parseConfigText(yaml, 'c.yaml', { format: 'yaml' });
const issues = (yaml: string): Array<{ path: string; message: string; hint?: string; line?: number }> => {
  try {
    parse(yaml);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  return [];
};

const USER = (actAs: string, readAs = 'Issuer') => `users:\n  issuer-user: { participant: participant1, primaryParty: Issuer, actAs: [Issuer, ${actAs}], readAs: [${readAs}] }\n`;

describe('alsoHostedOn', () => {
  it('keeps `Depositor: participant2` working and derives the extra hosts', () => {
    const t = toTopology(parse('parties:\n  Issuer: participant1\n  Depositor: { participant: participant2, alsoHostedOn: { participant1: submission } }\n' + USER('Depositor')), '/p');
    expect(t.parties).toEqual([
      { name: 'Issuer', participant: 'participant1' },
      { name: 'Depositor', participant: 'participant2', alsoHostedOn: [{ participant: 'participant1', permission: 'submission' }] },
    ]);
    expect(t.users.find((u) => u.id === 'issuer-user')?.actAs).toEqual(['Issuer', 'Depositor']);
  });

  it.each([
    ['acting as a party hosted elsewhere: names the hosting that fixes it', 'parties:\n  Issuer: participant1\n  Depositor: participant2\n' + USER('Depositor'), 'users.issuer-user.actAs.1', /hosted on participant2, but user issuer-user is on participant1/, /alsoHostedOn: \{ participant1: submission \}/],
    ['acting needs submission, not confirmation', 'parties:\n  Issuer: participant1\n  Depositor: { participant: participant2, alsoHostedOn: { participant1: confirmation } }\n' + USER('Depositor'), 'users.issuer-user.actAs.1', /hosts party Depositor with confirmation/, /alsoHostedOn: \{ participant1: submission \}/],
    ['an unknown extra host', 'parties:\n  Issuer: participant1\n  Depositor: { participant: participant2, alsoHostedOn: { participant9: submission } }\nusers: {}\n', 'parties.Depositor.alsoHostedOn.participant9', /unknown participant "participant9"/, /known participants/],
    ['the first host again', 'parties:\n  Issuer: participant1\n  Depositor: { participant: participant2, alsoHostedOn: { participant2: submission } }\nusers: {}\n', 'parties.Depositor.alsoHostedOn.participant2', /already the first host/, /only the other participants/],
    ['a permission that does not exist', 'parties:\n  Issuer: participant1\n  Depositor: { participant: participant2, alsoHostedOn: { participant1: admin } }\nusers: {}\n', 'parties.Depositor.alsoHostedOn.participant1', /submission, confirmation or observation/, undefined],
  ] as const)('%s', (_n, yaml, path, message, hint) => {
    const got = issues(yaml);
    const i = got.find((x) => x.path === path);
    expect(i, JSON.stringify(got)).toBeDefined();
    expect(i!.message).toMatch(message);
    if (hint) expect(i!.hint).toMatch(hint);
    expect(i!.line).toBeGreaterThan(0);
  });

  it('reading needs any hosting; observation is enough', () => {
    expect(issues('parties:\n  Issuer: participant1\n  Depositor: { participant: participant2, alsoHostedOn: { participant1: observation } }\n' + USER('Issuer', 'Depositor'))).toEqual([]);
  });
});
