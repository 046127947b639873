import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../support/cli.js';
import { cantonMpcInvocations, checkInvocation, readCommandTable, type CommandTable } from '../support/cli-table.js';

// The recipe in examples/github-actions/ must not rot: every canton-mpc command and flag in it is
// checked against the CLI's own command table (its --help), and its config file must load.
const DIR = resolve(import.meta.dirname, '../../examples/github-actions');
const WORKFLOW = readFileSync(join(DIR, 'canton-staging.yml'), 'utf8');
let table: CommandTable;
const tmp = mkdtempSync(join(tmpdir(), 'cmpc-gha-'));
beforeAll(async () => {
  table = await readCommandTable();
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const problemsOf = (yaml: string) => cantonMpcInvocations(yaml).flatMap((args) => checkInvocation(args, table));

describe('the GitHub Actions recipe', () => {
  it('uses only commands and flags the CLI has', () => {
    const calls = cantonMpcInvocations(WORKFLOW).map((a) => a.join(' '));
    expect(calls).toEqual([
      'doctor',
      'up --json --events canton-mpc-events.ndjson --timeout 10m',
      'env --format github',
      'diagnostics --out canton-mpc-diagnostics.tar.gz',
      'down',
    ]);
    expect(problemsOf(WORKFLOW)).toEqual([]);
  });

  it.each([
    ['a flag the CLI does not have', ['--events canton-mpc-events.ndjson', '--event-file canton-mpc-events.ndjson'], 'canton-mpc up: unknown option --event-file'],
    ['a command the CLI does not have', ['canton-mpc down', 'canton-mpc teardown'], 'canton-mpc: unknown command teardown'],
    ['a flag without its value', ['--out canton-mpc-diagnostics.tar.gz', '--out'], 'canton-mpc diagnostics: --out needs a value'],
    ['a flag of another command', ['env --format github', 'env --format github --wipe'], 'canton-mpc env: unknown option --wipe'],
  ])('a deliberately wrong copy fails: %s', (_n, [from, to], problem) => {
    const wrong = WORKFLOW.replace(from!, to!);
    expect(wrong).not.toBe(WORKFLOW);
    expect(problemsOf(wrong)).toContain(problem);
  });

  it('has the steps the recipe promises: Temurin 21, Node 20, a release cache keyed by version and sha256, diagnostics on failure, down always', () => {
    const doc = parse(WORKFLOW) as { jobs: { staging: { steps: Array<Record<string, any>> } } };
    const steps = doc.jobs.staging.steps;
    expect(steps.find((s) => s.uses === 'actions/setup-java@v4')?.with).toEqual({ distribution: 'temurin', 'java-version': '21' });
    expect(steps.find((s) => s.uses === 'actions/setup-node@v4')?.with).toEqual({ 'node-version': '20' });
    const cache = steps.find((s) => s.uses === 'actions/cache@v4')!;
    expect(cache.with.key).toContain('${{ env.CANTON_VERSION }}');
    expect(cache.with.key).toContain('${{ env.CANTON_SHA256 }}');
    expect(steps.filter((s) => s.if === 'failure()').map((s) => s.run ?? s.uses)).toEqual(['canton-mpc diagnostics --out canton-mpc-diagnostics.tar.gz', 'actions/upload-artifact@v4']);
    expect(steps[steps.length - 1]).toMatchObject({ if: 'always()', run: 'canton-mpc down' });
  });

  it('its canton-mpc.yaml is a valid config with the documented heap', async () => {
    const r = await execa('node', [CLI, '--json', 'render', '--config', join(DIR, 'canton-mpc.yaml'), '--out', tmp], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(readFileSync(join(DIR, 'canton-mpc.yaml'), 'utf8')).toMatch(/jvmHeap: 3g/);
  });
});
