import type { CommandContext } from '../context.js';
import { cantonCacheRoot, cantonVersionDir, compareVersions, listInstalledVersions, readInstallRecord, readTrusted } from '../canton/cache.js';
import { describeChecksumSource, loadCatalogue, normalizeSha256 } from '../canton/releases.js';
import { loadProjectFor } from '../doctor/project.js';
import { isCantonMpcError } from '../errors.js';

/**
 * Per version: installed or not, and whether a checksum is known and from where, in the order the
 * installer consults them (--sha256 aside): catalogue, canton.sha256, a first-use record; for an
 * installed release, what its install record says it was verified against.
 */
export async function run(ctx: CommandContext): Promise<number> {
  // The cache is listed even from a directory whose config does not load (then without its pin).
  const project = loadProjectFor(ctx).catch((e: unknown) => {
    if (!isCantonMpcError(e)) throw e;
    ctx.output.warn(`the project config was not read (${e.message.replace(/\n\s*/g, ' ')}); canton.sha256 is not shown`);
    return undefined;
  });
  const [catalogue, installed, trusted, loaded] = await Promise.all([loadCatalogue(), listInstalledVersions(ctx.env), readTrusted(ctx.env), project]);
  const canton = loaded?.topology.canton;
  const pinned = canton?.sha256 ? { version: canton.version, sha256: normalizeSha256(canton.sha256, 'canton.sha256') } : undefined;
  const offline = Boolean(ctx.env.CANTON_MPC_MIRROR?.trim());
  const versions = [...new Set([...Object.keys(catalogue.releases), ...installed, ...(pinned ? [pinned.version] : [])])].sort(compareVersions);
  const rows = await Promise.all(
    versions.map(async (version) => {
      const entry = catalogue.releases[version];
      const isInstalled = installed.includes(version);
      const home = isInstalled ? cantonVersionDir(version, ctx.env) : undefined;
      const record = home ? await readInstallRecord(home) : undefined;
      const known: Array<[string, string | null | undefined]> = [
        ['catalogue', entry?.sha256],
        ['config', pinned?.version === version ? pinned.sha256 : undefined],
        ['trusted', trusted[version]?.sha256],
        [record?.checksumSource ?? 'installed', record?.sha256],
      ];
      const hit = known.find(([, sha]) => sha);
      const source = hit?.[0];
      return {
        version,
        known: Boolean(entry),
        default: version === catalogue.default,
        installed: isInstalled,
        ...(home ? { home } : {}),
        sha256: hit?.[1] ?? null,
        checksumKnown: Boolean(hit),
        /** catalogue | config | trusted | --sha256 | publisher-api | trust-on-first-use | null */
        checksumSource: source ?? null,
        checksum: source ? describeChecksumSource(source) : offline ? 'unknown (CANTON_MPC_MIRROR is set: pin one)' : "unknown (asked from GitHub's releases API at install)",
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
