// Canton's Prometheus reporter: `canton.monitoring.metrics.reporters = [{ type = prometheus,
// address = "localhost", port = 9464, filters = [] }]` (MetricsReporterConfig.Prometheus in
// community/app-base/src/main/scala/com/digitalasset/canton/metrics/MetricsRegistry.scala; the
// reporter types are prometheus, csv and logging, and a reporter has no other keys). One HTTP server
// for the whole process (OpenTelemetry's PrometheusHttpServer), started with the environment.
// The emulator serves the text exposition format with its own small set of gauges: the product
// only relies on the endpoint answering, never on Canton's metric names.
import { createServer, type Server } from 'node:http';
import type { Endpoint, Obj } from './config.js';

const REPORTER_KEYS: Record<string, string[]> = {
  prometheus: ['type', 'address', 'port', 'filters'],
  csv: ['type', 'directory', 'interval', 'context-keys', 'filters'],
  logging: ['type', 'interval', 'filters', 'log-as-info'],
};

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The prometheus endpoints of `canton.monitoring.metrics.reporters`; what Canton refuses goes to `errors`. */
export function prometheusReporters(list: unknown, errors: string[]): Endpoint[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    errors.push('canton.monitoring.metrics.reporters: Expected type LIST');
    return [];
  }
  const out: Endpoint[] = [];
  list.forEach((r, i) => {
    const at = `canton.monitoring.metrics.reporters.${i}`;
    if (!isObj(r)) return void errors.push(`${at}: Expected type OBJECT`);
    const type = String(r.type ?? '');
    const keys = REPORTER_KEYS[type];
    if (!keys) return void errors.push(`${at}.type: Unknown reporter type "${type}" (expected prometheus, csv or logging)`);
    for (const k of Object.keys(r)) if (!keys.includes(k)) errors.push(`${at}: Unknown key "${k}"`);
    if (type !== 'prometheus') return;
    const port = r.port === undefined ? 9464 : Number(r.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) return void errors.push(`${at}.port: ${String(r.port)} is not a port`);
    out.push({ address: r.address === undefined ? 'localhost' : String(r.address), port });
  });
  return out;
}

export function metricsServer(nodes: () => Array<{ name: string; kind: string }>, startedAt: number): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'GET' || (path !== '/metrics' && path !== '/')) {
      res.writeHead(404).end();
      return;
    }
    const lines = [
      '# HELP target_info Target metadata',
      '# TYPE target_info gauge',
      'target_info{service_name="canton-emulator"} 1',
      '# HELP emulator_node_up Whether the node runs (1) in this process',
      '# TYPE emulator_node_up gauge',
      ...nodes().map((n) => `emulator_node_up{node="${n.name}",kind="${n.kind}"} 1`),
      '# HELP emulator_uptime_seconds Seconds since the process started',
      '# TYPE emulator_uptime_seconds gauge',
      `emulator_uptime_seconds ${((Date.now() - startedAt) / 1000).toFixed(3)}`,
    ];
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(`${lines.join('\n')}\n`);
  });
}
