import type { CommandContext } from '../context.js';
import { cantonCacheRoot, cantonVersionDir, compareVersions, listInstalledVersions, readInstallRecord, readTrusted } from '../canton/cache.js';
import { loadCatalogue } from '../canton/releases.js';

export async function run(ctx: CommandContext): Promise<number> {
  const [catalogue, installed, trusted] = await Promise.all([loadCatalogue(), listInstalledVersions(ctx.env), readTrusted(ctx.env)]);
  const versions = [...new Set([...Object.keys(catalogue.releases), ...installed])].sort(compareVersions);
  const rows = await Promise.all(
    versions.map(async (version) => {
      const entry = catalogue.releases[version];
      const isInstalled = installed.includes(version);
      const home = isInstalled ? cantonVersionDir(version, ctx.env) : undefined;
      const record = home ? await readInstallRecord(home) : undefined;
      return {
        version,
        known: Boolean(entry),
        default: version === catalogue.default,
        installed: isInstalled,
        ...(home ? { home } : {}),
        sha256: record?.sha256 ?? entry?.sha256 ?? trusted[version]?.sha256 ?? null,
        checksum: entry?.sha256 ? 'catalogue' : trusted[version] ? 'trusted-on-first-use' : record ? record.checksumSource : 'unknown',
      };
    }),
  );
  const w = Math.max(7, ...rows.map((r) => r.version.length));
  const human = [
    `${'VERSION'.padEnd(w)}  ${'STATUS'.padEnd(13)}  CHECKSUM`,
    ...rows.map((r) => `${r.version.padEnd(w)}  ${(r.installed ? 'installed' : 'not installed').padEnd(13)}  ${r.checksum}${r.default ? '  (default)' : ''}${r.home ? `  ${r.home}` : ''}`),
    '',
    `cache: ${cantonCacheRoot(ctx.env)}`,
  ].join('\n');
  ctx.output.result(human, { cache: cantonCacheRoot(ctx.env), releases: rows });
  return 0;
}
