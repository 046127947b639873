import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { makeProject, type CliProject } from '../support/cli.js';
import { resolveHocon } from '../support/typesafe-check/index.js';
import { metricsMonitoring, scrapeConfig } from '../../src/ci/metrics.js';
import { prometheusReporters } from '../emulator/src/metrics.js';

// `metrics: { enabled }`: Canton's Prometheus reporter on loopback, listed by status, exported by
// env, and a scrape config for Prometheus.
const projects: CliProject[] = [];
afterAll(async () => {
  for (const p of projects) await p.cleanup();
});

describe('metrics', () => {
  it('renders the reporter on loopback; the emulator answers /metrics there; status, env and scrape-config name it', async () => {
    const p = await makeProject({ config: { metrics: { enabled: true } } });
    projects.push(p);
    const port = p.portBase + 230;
    const up = await p.run(['up', '--timeout', '60s']);
    expect(up.exitCode, up.stderr).toBe(0);

    const conf = join(p.stateDir, 'config', 'canton.conf');
    const resolved = resolveHocon([conf])[conf]!;
    expect(resolved.error).toBeUndefined();
    expect(readFileSync(conf, 'utf8')).toMatch(/reporters = \[\s*\{\s*type = "prometheus"\s*address = "127\.0\.0\.1"\s*port = \d+/);

    expect(readFileSync(join(p.stateDir, 'logs', 'canton.log'), 'utf8')).toContain(`Exposing metrics for Prometheus on port 127.0.0.1:${port}`);
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = await res.text();
    expect(body).toContain('emulator_node_up{node="participant1",kind="participant"} 1');

    const status = JSON.parse((await p.run(['--json', 'status'])).stdout);
    expect(status.metrics).toEqual({ url: `http://127.0.0.1:${port}/metrics`, up: true });
    expect((await p.run(['status'])).stdout).toContain(`Metrics  up    http://127.0.0.1:${port}/metrics`);

    const env = JSON.parse((await p.run(['env', '--format', 'json'])).stdout);
    expect(env.CANTON_MPC_METRICS_URL).toBe(`http://127.0.0.1:${port}/metrics`);

    const sc = await p.run(['metrics', 'scrape-config']);
    expect(sc.exitCode, sc.stderr).toBe(0);
    const doc = parse(sc.stdout) as { scrape_configs: Array<{ job_name: string; metrics_path: string; static_configs: Array<{ targets: string[] }> }> };
    expect(doc.scrape_configs[0]).toMatchObject({ job_name: 'canton-mpc', metrics_path: '/metrics', static_configs: [{ targets: [`127.0.0.1:${port}`] }] });

    const doctor = JSON.parse((await p.run(['--json', 'doctor'])).stdout);
    const ports = doctor.checks.find((c: { id: string }) => c.id === 'ports').data.ports;
    expect(ports).toContainEqual(expect.objectContaining({ node: 'canton', api: 'metrics', port }));
  }, 120_000);

  it('without metrics: nothing rendered, scrape-config is a clear config error; a metrics port colliding with a node is refused', async () => {
    const p = await makeProject();
    projects.push(p);
    const sc = await p.run(['metrics', 'scrape-config']);
    expect(sc.exitCode).toBe(3);
    expect(sc.stderr).toContain('metrics are not enabled');
    expect(sc.stderr).toContain('metrics: { enabled: true }');
    p.writeConfig({ metrics: { enabled: true, port: p.ports.participant1.json } });
    const r = await p.run(['render']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`metrics\\.port: port ${p.ports.participant1.json} is already used by participants\\.participant1\\.ports\\.json`));
    writeFileSync(join(p.dir, 'canton-mpc.yaml'), readFileSync(join(p.dir, 'canton-mpc.yaml'), 'utf8').replace('enabled: true', 'enabled: false'));
    const off = await p.run(['render']);
    expect(off.exitCode, off.stderr).toBe(0);
    expect(readFileSync(join(p.stateDir, 'config', 'canton.conf'), 'utf8')).not.toContain('monitoring');
  });
});

describe('the emulator reads reporters as Canton does (MetricsRegistry.scala)', () => {
  it.each([
    [[{ type: 'prometheus', address: '127.0.0.1', port: 9000 }], [{ address: '127.0.0.1', port: 9000 }], []],
    [[{ type: 'prometheus' }], [{ address: 'localhost', port: 9464 }], []],
    [[{ type: 'csv', directory: '/tmp/m' }], [], []],
    [[{ type: 'graphite' }], [], ['canton.monitoring.metrics.reporters.0.type: Unknown reporter type "graphite" (expected prometheus, csv or logging)']],
    [[{ type: 'prometheus', host: 'x' }], [{ address: 'localhost', port: 9464 }], ['canton.monitoring.metrics.reporters.0: Unknown key "host"']],
  ])('%j', (list, endpoints, errors) => {
    const errs: string[] = [];
    expect(prometheusReporters(list, errs)).toEqual(endpoints);
    expect(errs).toEqual(errors);
  });
  it('what canton-mpc renders is accepted', () => {
    const t = { metrics: { address: '127.0.0.1', port: 5230 }, synchronizer: { name: 'da' }, sequencers: [], mediators: [], participants: [] } as never;
    const errs: string[] = [];
    expect(prometheusReporters((metricsMonitoring(t) as { metrics: { reporters: unknown } }).metrics.reporters, errs)).toEqual([{ address: '127.0.0.1', port: 5230 }]);
    expect(errs).toEqual([]);
    expect(parse(scrapeConfig(t)).scrape_configs[0].static_configs[0].targets).toEqual(['127.0.0.1:5230']);
  });
});
