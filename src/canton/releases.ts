import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { InternalError, UserError } from '../errors.js';

/**
 * The release catalogue (`canton/releases.json`, shipped in the npm package) and the pure rules
 * that turn a version plus the user's flags into download URLs and an expected checksum.
 */
export const DEFAULT_CANTON_VERSION = '3.4.11';

/** The publisher's URL pattern; also used for versions the catalogue does not list. */
export const GITHUB_URL_PATTERNS = [
  'https://github.com/digital-asset/canton/releases/download/v{version}/canton-open-source-{version}.tar.gz',
  'https://github.com/digital-asset/daml/releases/download/v{version}/canton-open-source-{version}.tar.gz',
];

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 is 64 lowercase hex digits');

const ReleaseSchema = z.object({
  urls: z.array(z.string().url()).min(1),
  sha256: Sha256.nullable(),
  sha256Note: z.string().optional(),
  approxSizeBytes: z.number().int().positive().optional(),
  approxExtractedBytes: z.number().int().positive().optional(),
  java: z.number().int().positive().optional(),
});

const CatalogueSchema = z.object({
  default: z.string(),
  releases: z.record(z.string(), ReleaseSchema),
});

export type ReleaseEntry = z.infer<typeof ReleaseSchema>;
export type Catalogue = z.infer<typeof CatalogueSchema>;

/** Sizes from the seed (~291 MB download, ~350 MB unpacked), used where the catalogue has none. */
export const APPROX_DOWNLOAD_BYTES = 291_000_000;
export const APPROX_EXTRACTED_BYTES = 350_000_000;

const CATALOGUE_URL = new URL('../../canton/releases.json', import.meta.url);

let cached: Catalogue | undefined;

export async function loadCatalogue(): Promise<Catalogue> {
  if (cached) return cached;
  const text = await readFile(CATALOGUE_URL, 'utf8');
  const parsed = CatalogueSchema.safeParse(JSON.parse(text));
  // The catalogue ships with canton-mpc: a bad one is our bug, not the user's.
  if (!parsed.success) throw new InternalError(`canton/releases.json is invalid: ${parsed.error.message}`);
  cached = parsed.data;
  return cached;
}

const VERSION_RE = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z][0-9A-Za-z.+-]*)?$/;

/** Versions end up in paths and URLs, so only the shapes Canton publishes are accepted. */
export function validateVersion(version: string, where = 'VERSION'): string {
  if (!VERSION_RE.test(version)) {
    throw new UserError(`"${version}" is not a Canton version`, {
      where,
      hint: 'Use a release number such as 3.4.11 (see `canton-mpc canton list`).',
    });
  }
  return version;
}

export function tarballName(version: string): string {
  return `canton-open-source-${version}.tar.gz`;
}

/**
 * `CANTON_MPC_MIRROR` is a base URL of a flat directory of tarballs, as published:
 * `<mirror>/canton-open-source-<version>.tar.gz`. A flat layout is what `python3 -m http.server`
 * or an S3 prefix of downloaded files gives with no extra work.
 */
export function mirrorUrl(mirror: string, version: string): string {
  return `${mirror.replace(/\/+$/, '')}/${tarballName(version)}`;
}

export interface UrlChoice {
  urls: string[];
  /** Where the URLs came from, for messages. */
  origin: '--url' | 'CANTON_MPC_MIRROR' | 'catalogue' | 'pattern';
}

/**
 * `--url` wins, then the mirror (never falling back to the internet: air-gapped CI), then the
 * catalogue. `publisherUrl` (the asset URL the releases API gave with its digest) goes first among
 * the internet URLs: it is the file the digest was computed over.
 */
export function chooseUrls(version: string, opts: { url?: string; env: NodeJS.ProcessEnv; entry?: ReleaseEntry; publisherUrl?: string }): UrlChoice {
  if (opts.url) return { urls: [opts.url], origin: '--url' };
  const mirror = opts.env.CANTON_MPC_MIRROR?.trim();
  if (mirror) return { urls: [mirrorUrl(mirror, version)], origin: 'CANTON_MPC_MIRROR' };
  const first = opts.publisherUrl ? [opts.publisherUrl] : [];
  const dedupe = (urls: string[]) => [...new Set([...first, ...urls])];
  if (opts.entry) return { urls: dedupe(opts.entry.urls), origin: 'catalogue' };
  return { urls: dedupe(GITHUB_URL_PATTERNS.map((p) => p.replaceAll('{version}', version))), origin: 'pattern' };
}

/**
 * Where the checksum a download is verified against came from: the shipped catalogue, canton.sha256
 * in the project config, the --sha256 flag, GitHub's releases API (the publisher's asset digest), a
 * hash recorded on an earlier first use, or none (this download is trusted on first use).
 */
export type ChecksumSource = 'catalogue' | 'config' | '--sha256' | 'publisher-api' | 'trusted' | 'trust-on-first-use';

const SOURCE_LABELS: Record<ChecksumSource, string> = {
  catalogue: 'from canton/releases.json (catalogue)',
  config: 'pinned in canton-mpc.yaml (canton.sha256)',
  '--sha256': 'given with --sha256',
  'publisher-api': "the publisher's digest from GitHub's releases API",
  trusted: 'recorded on first use',
  'trust-on-first-use': 'none: trusted on first use',
};

export function describeChecksumSource(source: string): string {
  return SOURCE_LABELS[source as ChecksumSource] ?? source;
}

export type ChecksumChoice =
  | { kind: 'known'; sha256: string; source: Exclude<ChecksumSource, 'trust-on-first-use'> }
  | { kind: 'tofu' }
  | { kind: 'unknown' };

export function normalizeSha256(hex: string, where = '--sha256'): string {
  const h = hex.trim().toLowerCase().replace(/^sha256:/, '');
  if (!/^[0-9a-f]{64}$/.test(h)) {
    throw new UserError(`${where} must be 64 hex digits, got "${hex}"`, { where, hint: 'Copy the full sha256 of the tarball (e.g. from `sha256sum`).' });
  }
  return h;
}

/**
 * Which checksum the download must match. A flag that contradicts the catalogue is refused rather
 * than silently preferred: one of them is wrong and the user must decide which.
 */
export function chooseChecksum(opts: {
  version: string;
  flag?: string;
  /** canton.sha256 from the project config. */
  config?: string;
  entry?: ReleaseEntry;
  trusted?: string;
  trustOnFirstUse?: boolean;
}): ChecksumChoice {
  const flag = opts.flag === undefined ? undefined : normalizeSha256(opts.flag);
  const config = opts.config === undefined ? undefined : normalizeSha256(opts.config, 'canton.sha256');
  const published = opts.entry?.sha256 ?? undefined;
  const pinned: Array<[string, string | undefined, string]> = [
    ['--sha256', flag, 'drop --sha256 to use the other value'],
    ['canton.sha256', config, 'fix or remove canton.sha256 in canton-mpc.yaml'],
    ["the catalogue's sha256", published, 'canton/releases.json ships with canton-mpc'],
  ];
  // Two pinned checksums that disagree: one of them is wrong and the user must decide which.
  for (let i = 0; i < pinned.length; i++) {
    for (let j = i + 1; j < pinned.length; j++) {
      const [na, a, fix] = pinned[i]!;
      const [nb, b] = pinned[j]!;
      if (a && b && a !== b) {
        throw new UserError(`${na} ${a} contradicts ${nb} ${b} for Canton ${opts.version}`, {
          where: na,
          hint: `Check where each checksum comes from; ${fix}.`,
        });
      }
    }
  }
  if (flag) return { kind: 'known', sha256: flag, source: '--sha256' };
  if (published) return { kind: 'known', sha256: published, source: 'catalogue' };
  if (config) return { kind: 'known', sha256: config, source: 'config' };
  if (opts.trusted) return { kind: 'known', sha256: opts.trusted, source: 'trusted' };
  if (opts.trustOnFirstUse) return { kind: 'tofu' };
  return { kind: 'unknown' };
}
