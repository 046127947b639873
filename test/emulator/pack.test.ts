// Issue 14 item 12: the fake release takes Canton's reference configs from ../shared next to the
// repository root (not one machine's absolute path) and fails loudly when one is missing.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tar from 'tar';
import { describe, expect, test } from 'vitest';
import { packDistribution, REFERENCE_CONFIGS, REFERENCE_FILES, referenceConfigs } from './pack.js';

describe('reference configs', () => {
  test('found relative to the repository root; all of them ship in the tarball', async () => {
    expect(REFERENCE_FILES).toBe(resolve(import.meta.dirname, '..', '..', '..', 'shared', 'canton-3.4', 'repo-files'));
    expect(referenceConfigs()).toHaveLength(REFERENCE_CONFIGS.length);
    const out = mkdtempSync(join(tmpdir(), 'pack-test-'));
    const r = await packDistribution({ outDir: out });
    const names: string[] = [];
    await tar.list({ file: r.tarball, onReadEntry: (e) => names.push(e.path) });
    for (const f of REFERENCE_CONFIGS) expect(names).toContain(`${r.dirName}/${f}`);
  });

  test('a missing file is an error naming it and where it was looked for', () => {
    const ref = mkdtempSync(join(tmpdir(), 'ref-'));
    mkdirSync(join(ref, 'config'), { recursive: true });
    writeFileSync(join(ref, 'config', 'participant.conf'), '');
    expect(() => referenceConfigs(ref)).toThrow(new RegExp(`missing under ${ref}: config/sequencer\\.conf,.*examples/11-bft-sequencer/two-peers\\.conf.*\\.\\./shared/canton-3\\.4/repo-files`));
  });
});
