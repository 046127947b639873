import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, signerProject, type CliProject } from '../support/cli.js';
import { ProgressEvent } from '../../src/ui/event-schema.js';

// `up --json` streams NDJSON progress events (src/ui/event-schema.ts); `--events FILE` writes the
// same stream while the human output stays on stderr/stdout.
const projects: CliProject[] = [];
afterAll(async () => {
  for (const p of projects) await p.cleanup();
});

function parseStream(text: string) {
  const lines = text.trim().split('\n');
  return lines.map((l, i) => {
    const parsed = ProgressEvent.safeParse(JSON.parse(l));
    if (!parsed.success) throw new Error(`event ${i + 1} does not match the schema: ${l}\n${parsed.error.message}`);
    return parsed.data;
  });
}

describe('up progress events', () => {
  it('up --json on a topology with a signer: every line matches the schema, steps in order, stages, last line the result; --events writes the same', async () => {
    const p = await signerProject();
    projects.push(p);
    const file = join(p.dir, 'out', 'events.ndjson');
    const r = await p.run(['up', '--json', '--events', 'out/events.ndjson', '--timeout', '60s']);
    expect(r.exitCode, r.stderr).toBe(0);
    const events = parseStream(r.stdout);
    const kinds = events.map((e) => e.event);
    expect(kinds[kinds.length - 1]).toBe('result');
    expect(kinds.filter((k) => k === 'result')).toHaveLength(1);
    const result = events[events.length - 1] as Record<string, any>;
    expect(result).toMatchObject({ ok: true, changed: true });
    expect(result.steps.map((s: { id: string }) => s.id)).toContain('signer');

    // One step-start before each step-done; skipped steps never start.
    const started = events.filter((e) => e.event === 'step-start').map((e) => (e as { step: string }).step);
    const done = events.filter((e) => e.event === 'step-done').map((e) => (e as { step: string }).step);
    expect(done).toEqual(started);
    expect(started).toEqual(expect.arrayContaining(['preflight', 'render', 'canton-daemon', 'readiness', 'users', 'signer', 'state']));
    expect(events.filter((e) => e.event === 'step-skipped').map((e) => (e as { step: string }).step)).toContain('canton-release');
    const stages = events.filter((e) => e.event === 'stage').map((e) => (e as { stage: string }).stage);
    expect([...new Set(stages)]).toEqual(['process', 'ports-file', 'readyz', 'parties']);
    // Stages fall inside the readiness step.
    const idx = (pred: (e: (typeof events)[number]) => boolean) => events.findIndex(pred);
    expect(idx((e) => e.event === 'stage')).toBeGreaterThan(idx((e) => e.event === 'step-start' && e.step === 'readiness'));
    expect(idx((e) => e.event === 'step-done' && e.step === 'readiness')).toBeGreaterThan(idx((e) => e.event === 'stage'));

    // The file holds exactly the same stream, 0600.
    expect(readFileSync(file, 'utf8')).toBe(`${r.stdout}\n`); // execa drops the last newline
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // No secret of the signer in the stream.
    expect(r.stdout).not.toContain('mpc-root-key-5f4e3d2c1b0a99887766');

    // The fast path: a single result line.
    const again = await p.run(['up', '--json']);
    expect(again.exitCode, again.stderr).toBe(0);
    const fast = parseStream(again.stdout);
    expect(fast.map((e) => e.event)).toEqual(['result']);
    expect(fast[0]).toMatchObject({ ok: true, changed: false });
  }, 180_000);

  it('--events without --json: human output as usual, the stream in the file', async () => {
    const p = await makeProject();
    projects.push(p);
    const r = await p.run(['up', '--events', 'ev.ndjson', '--timeout', '60s']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('"event"');
    expect(r.stderr).toMatch(/\[1\/\d+\]/);
    const events = parseStream(readFileSync(join(p.dir, 'ev.ndjson'), 'utf8'));
    expect(events[events.length - 1]).toMatchObject({ event: 'result', ok: true });
  }, 120_000);

  it('an up that fails in readiness: step-failed for readiness, the failing stage, the decoded Canton error, and a result line with the error', async () => {
    const p = await makeProject();
    projects.push(p);
    // The bootstrap fails the way a console command refused by a node reports it (GrpcError.scala).
    const refused = 'GrpcRequestRefusedByServer: ALREADY_EXISTS/TOPOLOGY_MAPPING_ALREADY_EXISTS(10,a1b2c3d4): A matching topology mapping authorized with the same keys already exists in this state';
    const r = await p.run(['up', '--json', '--timeout', '60s'], { env: { CANTON_EMULATOR_FAIL_BOOTSTRAP: refused } });
    expect(r.exitCode).toBe(5);
    const events = parseStream(r.stdout);
    const last = events[events.length - 1] as Record<string, any>;
    expect(last).toMatchObject({ event: 'result', ok: false, error: { kind: 'daemon_exited', exitCode: 5, data: { stage: 'ports-file' } } });
    expect(events.find((e) => e.event === 'step-failed')).toMatchObject({ step: 'readiness' });
    const stages = events.filter((e) => e.event === 'stage').map((e) => (e as { stage: string }).stage);
    expect(stages[stages.length - 1]).toBe('ports-file');
    const decoded = events.filter((e) => e.event === 'canton-error');
    expect(decoded.map((e) => (e as { code: string }).code)).toEqual(['TOPOLOGY_MAPPING_ALREADY_EXISTS']);
    expect(last.error.decoded[0]).toMatchObject({ code: 'TOPOLOGY_MAPPING_ALREADY_EXISTS', fix: expect.stringContaining('nothing to do') });
    // The human error still goes to stderr, with the decoded line; stdout stays pure NDJSON.
    expect(r.stderr).toMatch(/exit 3: the bootstrap script failed/);
    expect(r.stderr).toMatch(/Canton TOPOLOGY_MAPPING_ALREADY_EXISTS: the topology change is already in effect/);
  }, 120_000);
});

describe('retries', () => {
  it('JSON API requests answered 5xx are retried, each retry an event', async () => {
    const p = await makeProject();
    projects.push(p);
    const r = await p.run(['up', '--json', '--timeout', '60s'], { env: { CANTON_EMULATOR_JSON_5XX_RATE: '0.3', CANTON_EMULATOR_SEED: '7' } });
    expect(r.exitCode, r.stderr).toBe(0);
    const events = parseStream(r.stdout);
    const retries = events.filter((e) => e.event === 'retry') as Array<{ what: string; attempt: number; error: string }>;
    expect(retries.length).toBeGreaterThan(0);
    expect(retries[0]!.what).toMatch(/^(GET|POST|PATCH) http:\/\/127\.0\.0\.1:\d+\/v2\//);
    expect(retries[0]!.error).toMatch(/503/);
    expect(events[events.length - 1]).toMatchObject({ event: 'result', ok: true });
  }, 120_000);
});

describe('down progress events', () => {
  it('down --json: stop steps in order, then the result; --events writes the same', async () => {
    const p = await makeProject();
    projects.push(p);
    expect((await p.run(['up', '--timeout', '60s'])).exitCode).toBe(0);
    const r = await p.run(['down', '--json', '--events', 'down.ndjson']);
    expect(r.exitCode, r.stderr).toBe(0);
    const events = parseStream(r.stdout);
    expect(events.map((e) => `${e.event}${'step' in e ? ` ${e.step}` : ''}`)).toEqual(['step-start stop-signer', 'step-done stop-signer', 'step-start stop-canton', 'step-done stop-canton', 'result']);
    expect(events[events.length - 1]).toMatchObject({ ok: true, stopped: { canton: 'stopped', signer: 'not-running' } });
    expect(readFileSync(join(p.dir, 'down.ndjson'), 'utf8')).toBe(`${r.stdout}\n`);
    // Nothing running any more: the steps find nothing, the result says so.
    const again = parseStream((await p.run(['down', '--json'])).stdout);
    expect(again[again.length - 1]).toMatchObject({ event: 'result', ok: true, stopped: { canton: 'not-running', signer: 'not-running' } });
  }, 120_000);
});

describe('the documented schema', () => {
  // Regenerate after changing src/ui/event-schema.ts: npm run build && node -e "import('./dist/ui/event-schema.js').then(m => require('fs').writeFileSync('docs/events.schema.json', JSON.stringify(m.eventsJsonSchema(), null, 2) + '\n'))"
  it('docs/events.schema.json is the schema the code validates against', async () => {
    const { eventsJsonSchema } = await import('../../src/ui/event-schema.js');
    const doc = JSON.parse(readFileSync(join(import.meta.dirname, '../../docs/events.schema.json'), 'utf8'));
    expect(doc).toEqual(eventsJsonSchema());
  });
  it.each([
    [{ v: 1, event: 'step-start', at: '2026-01-01T00:00:00.000Z', step: 'x', title: 't', index: 0 }, 'total missing'],
    [{ v: 2, event: 'result', at: '2026-01-01T00:00:00.000Z', ok: true }, 'wrong version'],
    [{ v: 1, event: 'stage', at: '2026-01-01T00:00:00.000Z', stage: 'nope', title: 't', elapsedMs: 1 }, 'unknown stage'],
    [{ v: 1, event: 'step-done', at: 'yesterday', step: 'x', title: 't', ms: 1 }, 'bad time'],
    [{ v: 1, event: 'warning', at: '2026-01-01T00:00:00.000Z', message: 'm', extra: 1 }, 'unknown field'],
  ] as Array<[Record<string, unknown>, string]>)('rejects %j (%s)', (event) => {
    expect(ProgressEvent.safeParse(event).success).toBe(false);
  });
});
