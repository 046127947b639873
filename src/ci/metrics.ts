import { stringify } from 'yaml';
import type { Topology } from '../config/types.js';
import type { HoconObject } from '../render/hocon.js';

/**
 * Prometheus metrics. Canton runs one metrics reporter for the whole process (all its nodes):
 * `canton.monitoring.metrics.reporters = [{ type = prometheus, address, port }]`
 * (community/app-base/.../metrics/MetricsRegistry.scala, MetricsReporterConfig.Prometheus, served by
 * OpenTelemetry's PrometheusHttpServer). canton-mpc binds it to loopback only: some of Canton's
 * monitoring servers default to 0.0.0.0 (FACTS §2.7), and metrics are nobody else's business.
 */
export const METRICS_ADDRESS = '127.0.0.1';
/** Role 0 of slot 23: a port no node derives (see config/ports.ts), next to the embedded Postgres at +240. */
export const METRICS_OFFSET = 230;

export function metricsPort(config: { portBase: number; metrics?: { port?: number } }): number {
  return config.metrics?.port ?? config.portBase + METRICS_OFFSET;
}

/** The `canton.monitoring` section, or nothing when metrics are off. */
export function metricsMonitoring(t: Topology): HoconObject | undefined {
  if (!t.metrics) return undefined;
  return { metrics: { reporters: [{ type: 'prometheus', address: t.metrics.address, port: t.metrics.port }] } };
}

export function metricsUrl(t: Pick<Topology, 'metrics'>): string | undefined {
  return t.metrics ? `http://${t.metrics.address}:${t.metrics.port}/metrics` : undefined;
}

/** A Prometheus `scrape_configs` block for this topology's endpoint. */
export function scrapeConfig(t: Topology, jobName = 'canton-mpc'): string {
  if (!t.metrics) return '';
  return stringify({
    scrape_configs: [
      {
        job_name: jobName,
        metrics_path: '/metrics',
        scrape_interval: '15s',
        static_configs: [
          {
            targets: [`${t.metrics.address}:${t.metrics.port}`],
            labels: { synchronizer: t.synchronizer.name, nodes: [...t.sequencers, ...t.mediators, ...t.participants].map((n) => n.name).join(',') },
          },
        ],
      },
    ],
  });
}
