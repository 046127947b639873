import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { IntegrityError, PrerequisiteError, RemoteError, UserError, isCantonMpcError } from '../errors.js';
import { withLock } from '../system/lock.js';
import type { FetchLike } from '../system/http.js';
import type { Output } from '../ui/output.js';
import {
  cantonCacheRoot,
  cantonVersionDir,
  downloadsDir,
  INSTALL_RECORD,
  installedCantonHome,
  lockPath,
  readInstallRecord,
  readTrusted,
  recordTrusted,
  trustedPath,
  type InstallRecord,
} from './cache.js';
import { downloadResumable, type DownloadSink } from './download.js';
import { removeStaleExtractions, startExtraction, type ArchiveLabel } from './extract.js';
import { createProgressReporter, formatBytes } from './progress.js';
import { fetchPublisherDigest, pinHint, releaseApiUrl } from './publisher.js';
import { chooseChecksum, chooseUrls, describeChecksumSource, loadCatalogue, tarballName, validateVersion, type ChecksumChoice } from './releases.js';

export interface EnsureOptions {
  version: string;
  env: NodeJS.ProcessEnv;
  output: Output;
  url?: string;
  file?: string;
  /** --sha256 */
  sha256?: string;
  /** canton.sha256 pinned in the project config. */
  configSha256?: string;
  trustOnFirstUse?: boolean;
  force?: boolean;
  signal?: AbortSignal;
  fetchImpl?: typeof fetch;
}

export interface EnsureResult {
  home: string;
  version: string;
  /** false: it was already there. */
  installed: boolean;
  sha256: string;
  /** Where the checksum came from (see ChecksumSource); for a release already installed, what its record says. */
  checksumSource?: string;
  /** Where the tarball came from (URL or file). */
  source?: string;
}

/**
 * Make `<cache>/canton/<version>/bin/canton` exist, downloading (resumably), verifying and
 * unpacking the release when needed. Safe to run concurrently: one process installs under the
 * version's lock, the others wait and then find it installed.
 */
export async function ensureCantonRelease(opts: EnsureOptions): Promise<EnsureResult> {
  const version = validateVersion(opts.version);
  const { env, output } = opts;
  if (!opts.force) {
    const home = await installedCantonHome(version, env);
    if (home) return alreadyInstalled(home, version);
  }

  const catalogue = await loadCatalogue();
  const entry = catalogue.releases[version];
  const trusted = (await readTrusted(env))[version]?.sha256;
  let checksum = chooseChecksum({ version, flag: opts.sha256, config: opts.configSha256, entry, trusted, trustOnFirstUse: opts.trustOnFirstUse });
  let publisherUrl: string | undefined;
  if (checksum.kind === 'unknown') {
    const offline = opts.file ? '--file' : env.CANTON_MPC_MIRROR?.trim() ? 'CANTON_MPC_MIRROR' : undefined;
    if (offline) {
      // Air-gapped installs never reach out to the internet, not even for a checksum.
      throw new PrerequisiteError(`no sha256 is known for Canton ${version}, so its download cannot be verified (with ${offline} set, GitHub's releases API is not asked)`, {
        kind: 'checksum_unknown',
        where: entry ? 'canton/releases.json (sha256: null)' : `Canton ${version} is not in canton/releases.json`,
        hint: pinHint(version),
        data: { version, apiAsked: false },
      });
    }
    output.info(`No checksum is pinned for Canton ${version}; asking the publisher (${releaseApiUrl(version, env)})…`);
    const digest = await fetchPublisherDigest({ version, env, signal: opts.signal, fetchImpl: opts.fetchImpl });
    checksum = { kind: 'known', sha256: digest.sha256, source: 'publisher-api' };
    if (!opts.url) publisherUrl = digest.downloadUrl;
  }
  if (opts.file && opts.url) throw new UserError('--file and --url cannot be used together', { where: '--file, --url', hint: 'Use --file for a local tarball, --url to download.' });

  const target = cantonVersionDir(version, env);
  let waitedForOther = false;
  return withLock(
    lockPath(version, env),
    {
      signal: opts.signal,
      onWait: () => {
        waitedForOther = true;
        output.info(`Another canton-mpc process is installing Canton ${version}; waiting for it…`);
      },
    },
    async (signal) => {
      // The process we waited for may have installed it meanwhile.
      if (!opts.force || waitedForOther) {
        const home = await installedCantonHome(version, env);
        if (home) return alreadyInstalled(home, version);
      }
      await removeStaleExtractions(target, version);
      // Unpacking runs while the bytes arrive; the temporary directory is renamed into place only
      // after the checksum verified (and is deleted, whatever was unpacked, when it does not).
      const extraction = await startExtraction(target, version);
      let got: Obtained | undefined;
      try {
        got = opts.file ? await fromFile(opts.file, checksum, version, output, extraction) : await fromNetwork(version, checksum, opts, { entry, publisherUrl }, signal, extraction);
        await extraction.finish(got.label);
        const record: InstallRecord = {
          version,
          sha256: got.sha256,
          checksumSource: checksum.kind === 'known' ? checksum.source : 'trust-on-first-use',
          source: got.source,
          installedAt: new Date().toISOString(),
        };
        await extraction.commit({ ...got.label, targetDir: target, extraFiles: { [INSTALL_RECORD]: `${JSON.stringify(record, null, 2)}\n` } });
      } finally {
        await extraction.dispose();
        if (got?.partial) await fsp.rm(got.partial, { force: true });
      }
      output.event({ event: 'extracted', version, home: target });
      if (checksum.kind === 'tofu') {
        await recordTrusted(env, version, got.sha256, got.source, signal);
        output.warn(
          `no published checksum is known for Canton ${version}; trusted this download on first use: sha256 ${got.sha256} ` +
            `(recorded in ${trustedPath(env)}; later installs of ${version} must match it). Compare it with the publisher's digest.`,
        );
      }
      output.info(
        `Installed Canton ${version} in ${target}: from ${got.source}, sha256 ${got.sha256} ${checksum.kind === 'known' ? `verified against ${describeChecksumSource(checksum.source)}` : 'not verified (trusted on first use)'}`,
      );
      return { home: target, version, installed: true, sha256: got.sha256, checksumSource: checksum.kind === 'known' ? checksum.source : 'trust-on-first-use', source: got.source };
    },
  );
}

async function alreadyInstalled(home: string, version: string): Promise<EnsureResult> {
  const record = await readInstallRecord(home);
  return { home, version, installed: false, sha256: record?.sha256 ?? '', checksumSource: record?.checksumSource, source: record?.source };
}

interface Obtained {
  sha256: string;
  source: string;
  label: ArchiveLabel;
  /** Our own verified download in the cache, deleted after unpacking. */
  partial?: string;
}

const FILE_READ_CHUNK_BYTES = 1 << 20;

function verify(checksum: ChecksumChoice, actual: string, version: string, source: string): void {
  if (checksum.kind !== 'known' || checksum.sha256 === actual) return;
  throw new IntegrityError(`sha256 mismatch for Canton ${version} from ${source}: expected ${checksum.sha256} (${describeChecksumSource(checksum.source)}), got ${actual}`, {
    where: source,
    kind: 'checksum_mismatch',
    hint:
      checksum.source === 'trusted'
        ? `The file differs from the first one you trusted. If the new one is right, remove the ${version} entry from the cache's trusted.json.`
        : 'The file is corrupt or not the published release. Nothing was installed; check the source and the checksum, then retry.',
    data: { expected: checksum.sha256, actual, source },
  });
}

async function fromFile(file: string, checksum: ChecksumChoice, version: string, output: Output, sink: DownloadSink): Promise<Obtained> {
  const path = resolve(file);
  try {
    const st = await fsp.stat(path);
    if (!st.isFile()) throw new Error('not a file');
  } catch {
    throw new UserError(`--file ${file}: no such file`, { where: '--file', hint: 'Give the path of a downloaded canton-open-source-<version>.tar.gz.' });
  }
  output.info(`Verifying ${path}…`);
  // One read feeds both the hash and the unpacker; nothing is moved into place before verify passes.
  const hash = createHash('sha256');
  await sink.seek(0, path);
  for await (const chunk of createReadStream(path, { highWaterMark: FILE_READ_CHUNK_BYTES })) {
    hash.update(chunk as Buffer);
    const fed = sink.write(chunk as Buffer);
    if (fed) await fed;
  }
  const sha256 = hash.digest('hex');
  verify(checksum, sha256, version, path);
  output.event({ event: 'verified', version, sha256, source: path, checksumSource: checksum.kind === 'known' ? checksum.source : 'trust-on-first-use' });
  return { sha256, source: path, label: { name: basename(path), where: path } };
}

async function fromNetwork(
  version: string,
  checksum: ChecksumChoice,
  opts: EnsureOptions,
  where: { entry: Parameters<typeof chooseUrls>[1]['entry']; publisherUrl?: string },
  signal: AbortSignal,
  sink: DownloadSink,
): Promise<Obtained> {
  const { output, env } = opts;
  const { urls, origin } = chooseUrls(version, { url: opts.url, env, ...where });
  const dir = downloadsDir(env);
  await fsp.mkdir(dir, { recursive: true });
  const partial = join(dir, `${tarballName(version)}.partial`);
  const failures: Error[] = [];
  for (const url of urls) {
    // A mismatch after resuming may come from a stale prefix (another file of the same name): one clean retry.
    for (let fresh = 0; fresh < 2; fresh++) {
      const reporter = createProgressReporter(output, `Downloading Canton ${version}`, { version, url });
      let started = false;
      try {
        const result = await downloadResumable({
          url,
          partialPath: partial,
          sink,
          fetchImpl: opts.fetchImpl as FetchLike | undefined,
          signal,
          onProgress: (p) => {
            if (!started) {
              started = true;
              output.event({ event: 'start', version, url, resumeFrom: p.resumedFrom, ...(p.total === undefined ? {} : { total: p.total }) });
              output.info(
                p.resumedFrom > 0
                  ? `Resuming the download of Canton ${version} from ${url} at ${formatBytes(p.resumedFrom)}`
                  : `Downloading Canton ${version} from ${url}${p.total ? ` (${formatBytes(p.total)})` : ''}`,
              );
            }
            reporter.update(p);
          },
          onRetry: ({ error, attempt, retriesLeft }) => {
            output.event({ event: 'retry', version, url, attempt, retriesLeft, error: error.message });
            output.debug(`attempt ${attempt} failed: ${error.message}; retrying (${retriesLeft} left)`);
          },
        });
        try {
          verify(checksum, result.sha256, version, url);
        } catch (e) {
          await fsp.rm(partial, { force: true });
          if (result.resumed && fresh === 0) {
            output.warn(`the resumed download of ${version} did not verify; downloading it again from zero`);
            continue;
          }
          reporter.fail();
          throw e;
        }
        reporter.succeed(`Downloaded Canton ${version} (${formatBytes(result.size)})`);
        const checksumSource = checksum.kind === 'known' ? checksum.source : 'trust-on-first-use';
        output.event({ event: 'verified', version, sha256: result.sha256, size: result.size, url, attempts: result.attempts, resumed: result.resumed, checksumSource });
        output.debug(`sha256 ${result.sha256}: ${describeChecksumSource(checksumSource)}`);
        return { sha256: result.sha256, source: url, label: { name: tarballName(version), where: url }, partial };
      } catch (e) {
        reporter.fail();
        if (e instanceof IntegrityError || !isCantonMpcError(e) || signal.aborted) throw e;
        failures.push(e);
        break;
      }
    }
    if (urls.length > 1 && url !== urls[urls.length - 1]) output.warn(`${failures[failures.length - 1]?.message}; trying the next URL`);
  }
  const last = failures[failures.length - 1];
  if (failures.length <= 1 && last) throw last;
  throw new RemoteError(`could not download Canton ${version}:\n${failures.map((f) => `  ${f.message}`).join('\n')}`, {
    kind: 'download_failed',
    where: origin === 'catalogue' ? urls.join(', ') : origin,
    hint: `Set CANTON_MPC_MIRROR to a reachable mirror, pass --url, or download the tarball elsewhere and use --file. Cache: ${cantonCacheRoot(env)}`,
    data: { urls },
  });
}
