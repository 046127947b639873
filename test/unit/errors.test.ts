import { describe, expect, it } from 'vitest';
import { ConfigError, ExitCode, formatConfigIssue, IntegrityError, PrerequisiteError, RemoteError, TimeoutError, UserError } from '../../src/errors.js';

describe('formatConfigIssue', () => {
  const cases = [
    { issue: { path: 'participants.p2.ports.json', message: 'port 5013 is already used', line: 14, column: 11 }, want: 'canton-mpc.yaml:14:11 participants.p2.ports.json: port 5013 is already used' },
    { issue: { path: 'portBase', message: 'must be a number', line: 3 }, want: 'canton-mpc.yaml:3:1 portBase: must be a number' },
    { issue: { path: '', message: 'is empty' }, want: 'canton-mpc.yaml is empty' },
    { issue: { path: 'x', message: 'bad', line: 1, column: 2, hint: 'use y' }, want: 'canton-mpc.yaml:1:2 x: bad (use y)' },
  ];
  for (const c of cases) {
    it(c.want, () => expect(formatConfigIssue('canton-mpc.yaml', c.issue)).toBe(c.want));
  }
});

describe('error classes carry documented exit codes', () => {
  const cases: Array<[string, { exitCode: number; kind: string }, number, string]> = [
    ['UserError', new UserError('bad flag'), ExitCode.USAGE, 'user_error'],
    ['ConfigError', new ConfigError('c.yaml', [{ path: 'a', message: 'b' }]), ExitCode.CONFIG, 'config_invalid'],
    ['PrerequisiteError', new PrerequisiteError('no jdk'), ExitCode.PREREQUISITE, 'prerequisite_missing'],
    ['RemoteError', new RemoteError('boom'), ExitCode.CANTON, 'remote_failed'],
    ['TimeoutError', new TimeoutError('slow'), ExitCode.TIMEOUT, 'timeout'],
    ['IntegrityError', new IntegrityError('sha'), ExitCode.INTEGRITY, 'integrity'],
  ];
  for (const [name, err, code, kind] of cases) {
    it(name, () => {
      expect(err.exitCode).toBe(code);
      expect(err.kind).toBe(kind);
    });
  }

  it('ConfigError lists every issue with its location', () => {
    const e = new ConfigError('c.yaml', [
      { path: 'a', message: 'one', line: 1, column: 1 },
      { path: 'b', message: 'two', line: 2, column: 3 },
    ]);
    expect(e.message).toContain('c.yaml:1:1 a: one');
    expect(e.message).toContain('c.yaml:2:3 b: two');
    expect(e.issues).toHaveLength(2);
  });
});
