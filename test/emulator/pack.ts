// Builds the fake `canton-open-source-<version>` distribution and packs it as a .tar.gz, like the
// release tarball the CLI downloads: bin/canton (sh launcher), lib/ (the emulator bundled into one
// file by esbuild), config/ (reference confs), VERSION.
import { createHash, createCipheriv } from 'node:crypto';
import { chmodSync, copyFileSync, createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import * as tar from 'tar';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = join(HERE, '..', '..');
/** Canton's reference configs, next to the repository as in CI (`../shared` is a checkout sibling). */
export const REFERENCE_FILES = join(REPO_ROOT, '..', 'shared', 'canton-3.4', 'repo-files');
const REF = join(REFERENCE_FILES, 'community', 'app', 'src', 'pack');
/** The reference files the fake distribution ships, as the real one does under config/ and examples/. */
export const REFERENCE_CONFIGS = [
  'config/participant.conf', 'config/sequencer.conf', 'config/mediator.conf', 'config/shared.conf',
  'config/storage/postgres.conf', 'config/storage/memory.conf', 'config/remote/participant.conf',
  'examples/01-simple-topology/simple-topology.conf', 'examples/11-bft-sequencer/two-peers.conf',
];

/** Every reference file, or an error naming the missing ones and where they were looked for. */
export function referenceConfigs(ref = REF): string[] {
  const missing = REFERENCE_CONFIGS.filter((f) => !existsSync(join(ref, f)));
  if (missing.length) {
    throw new Error(`Canton reference configs missing under ${ref}: ${missing.join(', ')}. The emulator ships them in its fake release; they come from ../shared/canton-3.4/repo-files/ next to the repository root (see test/emulator/README.md).`);
  }
  return REFERENCE_CONFIGS.map((f) => join(ref, f));
}

let bundle: Promise<string> | undefined;

/** esbuild once per process; returns the path of the bundled emulator. */
export function buildEmulator(): Promise<string> {
  bundle ??= (async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'canton-emu-build-')), 'canton-emulator.mjs');
    // hocon-parser loads its components with require(`../${d}/${f}`) (no extension); esbuild
    // bundles that glob but keys it with ".js", so add the extension.
    const hoconFix: esbuild.Plugin = {
      name: 'hocon-dynamic-require',
      setup(b) {
        b.onLoad({ filter: /hocon-parser[\\/]lib[\\/]core[\\/]Context\.js$/ }, async (a) => ({
          contents: (await readFile(a.path, 'utf8')).replace('require (`../${d}/${f}`)', 'require (`../${d}/${f}.js`)'),
          loader: 'js',
        }));
      },
    };
    await esbuild.build({
      entryPoints: [join(HERE, 'src', 'main.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20',
      outfile: out, external: ['pg-native'], plugins: [hoconFix], logLevel: 'error', legalComments: 'none',
      banner: { js: "import { createRequire as __emuCreateRequire } from 'node:module'; const require = __emuCreateRequire(import.meta.url);" },
    });
    return out;
  })();
  return bundle;
}

export interface PackResult { tarball: string; sha256: string; size: number; dirName: string }

export async function packDistribution(opts: { outDir: string; version?: string; padBytes?: number }): Promise<PackResult> {
  const version = opts.version ?? '3.4.11';
  const dirName = `canton-open-source-${version}`;
  const stage = mkdtempSync(join(tmpdir(), 'canton-emu-stage-'));
  const root = join(stage, dirName);
  for (const d of ['bin', 'lib', 'config', 'examples/01-simple-topology']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(join(HERE, 'launcher', 'canton'), join(root, 'bin', 'canton'));
  chmodSync(join(root, 'bin', 'canton'), 0o755);
  copyFileSync(await buildEmulator(), join(root, 'lib', 'canton-emulator.mjs'));
  writeFileSync(join(root, 'VERSION'), `${version}\n`);
  writeFileSync(join(root, 'lib', 'README.txt'), 'Canton emulator (test infrastructure of canton-mpc). Not Canton.\n');
  referenceConfigs();
  for (const f of REFERENCE_CONFIGS) {
    mkdirSync(dirname(join(root, f)), { recursive: true });
    copyFileSync(join(REF, f), join(root, f));
  }
  if (opts.padBytes && opts.padBytes > 0) await writeFiller(join(root, 'lib', 'canton-filler.jar'), opts.padBytes);
  mkdirSync(opts.outDir, { recursive: true });
  const tarball = join(opts.outDir, `${dirName}.tar.gz`);
  await tar.create({ gzip: { level: 1 }, file: tarball, cwd: stage, portable: true }, [dirName]);
  const hash = createHash('sha256');
  await pipeline(createReadStream(tarball), hash);
  return { tarball, sha256: hash.digest('hex'), size: statSync(tarball).size, dirName };
}

/** Incompressible, deterministic filler: AES-CTR keystream from a fixed key, streamed in 1 MiB chunks. */
async function writeFiller(path: string, bytes: number): Promise<void> {
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 0));
  const zero = Buffer.alloc(1 << 20);
  async function* chunks() {
    for (let left = bytes; left > 0; left -= zero.length) yield cipher.update(left >= zero.length ? zero : zero.subarray(0, left));
  }
  await pipeline(chunks(), createWriteStream(path));
}

export const LAUNCHER = readFileSync(join(HERE, 'launcher', 'canton'), 'utf8');
