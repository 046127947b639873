import { PrerequisiteError, isCantonMpcError } from '../errors.js';
import { httpRequest, type FetchLike } from '../system/http.js';
import { registerSecret } from '../ui/redact.js';
import { tarballName } from './releases.js';

/**
 * The publisher's checksum, from GitHub's releases API: every release asset carries a `digest`
 * (`sha256:<hex>`) that GitHub computed over the uploaded file. Asked only when nothing pinned a
 * checksum (catalogue, canton.sha256, --sha256, a first-use record) and the download goes to the
 * internet anyway (no CANTON_MPC_MIRROR, no --file).
 */
export const DEFAULT_GITHUB_API = 'https://api.github.com';
export const PUBLISHER_REPO = 'digital-asset/canton';
/** The API answers in well under a second; a hung request must not hold `up` for long. */
export const PUBLISHER_API_TIMEOUT_MS = 10_000;

export interface PublisherDigest {
  sha256: string;
  /** The asset's `browser_download_url`: where the publisher serves exactly that file. */
  downloadUrl: string;
  /** The API URL the digest was read from (recorded with the install). */
  apiUrl: string;
}

export function githubApiBase(env: NodeJS.ProcessEnv): string {
  return (env.CANTON_MPC_GITHUB_API?.trim() || DEFAULT_GITHUB_API).replace(/\/+$/, '');
}

export function releaseApiUrl(version: string, env: NodeJS.ProcessEnv): string {
  return `${githubApiBase(env)}/repos/${PUBLISHER_REPO}/releases/tags/v${version}`;
}

/** The three ways to pin a checksum, named in every error that leaves the user without one. */
export function pinHint(version: string): string {
  return (
    `Pin the checksum in one of three ways: canton.sha256 in canton-mpc.yaml (like a lockfile), ` +
    `or once with canton-mpc canton install ${version} --sha256 <hex>, ` +
    `or accept and record this first download: canton-mpc canton install ${version} --trust-on-first-use. ` +
    `The publisher's digest is on the release page (gh release view v${version} -R ${PUBLISHER_REPO} --json assets).`
  );
}

/**
 * A token goes only where it cannot leak on the wire: HTTPS, or a loopback test server. A plain
 * http base elsewhere is asked anonymously.
 */
function mayCarryToken(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}

interface Asset {
  name?: unknown;
  digest?: unknown;
  browser_download_url?: unknown;
}

/** Pure: pick the tarball's digest out of a release document. */
export function digestFromRelease(doc: unknown, version: string): { sha256: string; downloadUrl: string } | { missing: string } {
  const assets = (doc as { assets?: unknown })?.assets;
  if (!Array.isArray(assets)) return { missing: 'the answer has no assets list' };
  const name = tarballName(version);
  const asset = (assets as Asset[]).find((a) => a?.name === name);
  if (!asset) return { missing: `the release has no asset ${name}` };
  const m = typeof asset.digest === 'string' ? /^sha256:([0-9a-fA-F]{64})$/.exec(asset.digest.trim()) : null;
  if (!m) return { missing: `the asset ${name} carries no sha256 digest` };
  const url = typeof asset.browser_download_url === 'string' && /^https?:\/\//.test(asset.browser_download_url) ? asset.browser_download_url : undefined;
  if (!url) return { missing: `the asset ${name} has no browser_download_url` };
  return { sha256: m[1]!.toLowerCase(), downloadUrl: url };
}

function unavailable(version: string, apiUrl: string, why: string, data: Record<string, unknown> = {}, cause?: unknown): PrerequisiteError {
  return new PrerequisiteError(`no sha256 is known for Canton ${version}, and the publisher's could not be read: ${why}`, {
    kind: 'checksum_unknown',
    where: `GET ${apiUrl}`,
    hint: pinHint(version),
    data: { version, apiUrl, ...data },
    cause,
  });
}

export async function fetchPublisherDigest(opts: { version: string; env: NodeJS.ProcessEnv; signal?: AbortSignal; fetchImpl?: FetchLike }): Promise<PublisherDigest> {
  const { version, env } = opts;
  const apiUrl = releaseApiUrl(version, env);
  const token = env.GITHUB_TOKEN?.trim();
  registerSecret(token);
  const headers: Record<string, string> = {
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
    'user-agent': 'canton-mpc',
  };
  if (token && mayCarryToken(apiUrl)) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await httpRequest(apiUrl, { headers, timeoutMs: PUBLISHER_API_TIMEOUT_MS, signal: opts.signal }, opts.fetchImpl);
  } catch (e) {
    if (!isCantonMpcError(e)) throw e;
    throw unavailable(version, apiUrl, e.message, {}, e);
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => undefined);
    const remaining = res.headers.get('x-ratelimit-remaining');
    const rateLimited = res.status === 429 || (res.status === 403 && (remaining === '0' || !token));
    const why =
      res.status === 404
        ? `the API answered 404: no release v${version} in ${PUBLISHER_REPO}`
        : res.status === 401
          ? 'the API answered 401: GITHUB_TOKEN was refused (expired or revoked?); unset it to ask anonymously'
        : rateLimited
          ? `the API answered ${res.status}: rate limited${token ? '' : ' (anonymous requests are limited to 60 an hour; set GITHUB_TOKEN to raise it)'}`
          : `the API answered ${res.status}`;
    throw unavailable(version, apiUrl, why, { status: res.status });
  }
  let doc: unknown;
  try {
    doc = await res.json();
  } catch (e) {
    throw unavailable(version, apiUrl, 'the answer is not JSON', {}, e);
  }
  const found = digestFromRelease(doc, version);
  if ('missing' in found) throw unavailable(version, apiUrl, found.missing);
  return { ...found, apiUrl };
}
