import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { CLI, runningProject, withEmulatorEnv, type CliProject } from '../support/cli.js';

let p: CliProject;
beforeAll(async () => {
  p = await runningProject();
});
afterAll(async () => {
  await p?.cleanup();
});

async function rights(user: string, port = p.ports.participant1.json): Promise<string[]> {
  const r = await fetch(`http://127.0.0.1:${port}/v2/users/${user}/rights`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { rights: Array<{ kind: object }> }).rights.map((x) => JSON.stringify(x.kind)).sort();
}

describe('users create / list', () => {
  it('creates, then converges an existing user without duplicating anything', async () => {
    const issuer = p.state().parties.Issuer.id;
    const c1 = await p.run(['users', 'create', '--participant', 'participant1', '--user', 'alice', '--party', 'Issuer', '--read-as', 'Issuer']);
    expect(c1.exitCode, c1.stderr).toBe(0);
    expect(c1.stdout).toMatch(/alice on participant1: created/);
    expect(await rights('alice')).toEqual([JSON.stringify({ CanActAs: { value: { party: issuer } } }), JSON.stringify({ CanReadAs: { value: { party: issuer } } })].sort());

    // 409 USER_ALREADY_EXISTS → only the missing right is granted.
    const depositor = p.state().parties.Depositor.id;
    const c2 = await p.run(['users', 'create', '--participant', 'participant1', '--user', 'alice', '--party', 'Issuer', '--read-as', 'Issuer', depositor, '--json']);
    expect(c2.exitCode, c2.stderr).toBe(0);
    expect(JSON.parse(c2.stdout).users[0]).toMatchObject({ id: 'alice', created: false, granted: [`CanReadAs ${depositor}`] });
    const c3 = await p.run(['users', 'create', '--participant', 'participant1', '--user', 'alice', '--party', 'Issuer', '--read-as', 'Issuer', depositor]);
    expect(c3.stdout).toMatch(/already in place/);
    expect(await rights('alice')).toHaveLength(3);
  });

  it('--from-file creates every listed user', async () => {
    const f = join(p.dir, 'users.yaml');
    writeFileSync(f, 'users:\n  - {participant: participant2, user: bob, party: Depositor}\n  - {participant: participant1, user: ops, participantAdmin: true}\n');
    const r = await p.run(['users', 'create', '--from-file', 'users.yaml']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await rights('ops')).toEqual([JSON.stringify({ ParticipantAdmin: { value: {} } })]);
    expect(await rights('bob', p.ports.participant2.json)).toHaveLength(2);
  });

  // Issue 14 item 11: the config's `users:` map is accepted, with the config's checks.
  it("--from-file takes the config's users: map; a party hosted elsewhere is refused at file:line, nothing created", async () => {
    writeFileSync(join(p.dir, 'map.yaml'), 'users:\n  carol: { primaryParty: Depositor }\n  dave: { participant: participant1, readAs: [Issuer] }\n');
    const ok = await p.run(['users', 'create', '--from-file', 'map.yaml', '--json']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).users.map((u: { id: string; participant: string }) => `${u.id}@${u.participant}`)).toEqual(['carol@participant2', 'dave@participant1']);
    expect(await rights('carol', p.ports.participant2.json)).toHaveLength(2);

    writeFileSync(join(p.dir, 'bad.yaml'), 'users:\n  erin: { participant: participant1 }\n  frank: { participant: participant1, actAs: [Depositor] }\n');
    const bad = await p.run(['users', 'create', '--from-file', 'bad.yaml']);
    expect(bad.exitCode).toBe(3); // a config error, as for canton-mpc.yaml
    expect(bad.stderr).toMatch(/bad\.yaml:3:\d+ users\.frank\.actAs\.0: party Depositor is hosted on participant2, but user frank is on participant1/);
    expect((await fetch(`http://127.0.0.1:${p.ports.participant1.json}/v2/users/erin`)).status).toBe(404);
  });

  it('list shows users and rights per participant', async () => {
    const r = await p.run(['users', 'list', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const users = JSON.parse(r.stdout).users as Array<{ participant: string; id: string; rights: string[] }>;
    expect(users.find((u) => u.id === 'issuer-user')).toMatchObject({ participant: 'participant1', rights: expect.arrayContaining([expect.stringMatching(/^CanActAs Issuer::/)]) });
    expect(users.find((u) => u.id === 'bob')?.participant).toBe('participant2');
  });

  // Rights requests are bounded per participant (users-list.ts); the result is ~120 KB, more than a pipe holds.
  it('list of 300 users: the whole document, also through a slow pipe, in the listing order, no warning', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `many-${String(i).padStart(3, '0')}`);
    writeFileSync(join(p.dir, 'many.yaml'), `users:\n${ids.map((id) => `  - { participant: participant1, user: ${id}, party: Issuer }`).join('\n')}\n`);
    const created = await p.run(['users', 'create', '--from-file', 'many.yaml']);
    expect(created.exitCode, created.stderr).toBe(0);
    expect(created.stderr).toBe('');
    const r = await p.run(['users', 'list', '--participant', 'participant1', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(100_000);
    const users = JSON.parse(r.stdout).users as Array<{ id: string; rights: string[] }>;
    expect(users.map((u) => u.id).filter((id) => id.startsWith('many-'))).toEqual(ids);
    expect(users.find((u) => u.id === 'many-299')?.rights).toHaveLength(2);
    expect(r.stderr).toBe('');
    // A reader slower than the CLI (the pipe holds 64 KB): the CLI waits for stdout before it exits.
    const slow = await execa('sh', ['-c', `node "$0" users list --participant participant1 --json | (sleep 1; cat)`, CLI], { cwd: p.dir, env: withEmulatorEnv(p.env), extendEnv: false });
    expect(slow.stdout).toBe(r.stdout);
    // A reader that leaves early (`| head`): the rest is dropped, no EPIPE crash, the command's own exit code.
    const head = await execa('bash', ['-c', `node "$0" users list --participant participant1 --json | head -c 10 >/dev/null; echo "exit \${PIPESTATUS[0]}"`, CLI], { cwd: p.dir, env: withEmulatorEnv(p.env), extendEnv: false });
    expect(head.stdout).toBe('exit 0');
    expect(head.stderr).toBe('');
  });

  it('an unknown party is a clear error', async () => {
    const r = await p.run(['users', 'create', '--participant', 'participant1', '--user', 'x', '--party', 'Nobody']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/party Nobody is not known/);
  });
});
