import type { CommandContext } from '../context.js';
import { UserError } from '../errors.js';
import { loadProjectFor } from '../doctor/project.js';
import { metricsUrl, scrapeConfig } from '../ci/metrics.js';

/** Prints a Prometheus `scrape_configs` block for this project's metrics endpoint (YAML). */
export async function run(ctx: CommandContext, opts: { job?: string }): Promise<number> {
  const { topology, file } = await loadProjectFor(ctx);
  if (!topology.metrics) {
    throw new UserError(`metrics are not enabled in ${file ?? 'the configuration (built-in defaults)'}`, {
      where: file ? `${file}: metrics` : 'metrics',
      hint: 'Add `metrics: { enabled: true }` (optionally `port:`) to canton-mpc.yaml, then `canton-mpc up` (after `down` if it runs).',
      exitCode: 3,
      kind: 'metrics_disabled',
    });
  }
  const yaml = scrapeConfig(topology, opts.job);
  ctx.output.result(yaml.trimEnd(), { ok: true, url: metricsUrl(topology), scrapeConfig: yaml });
  return 0;
}
