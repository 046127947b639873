// Issue 14 item 13: README.md ships in the npm package, so it must not send readers to files the
// package does not contain. A repository-only path may be named only in a paragraph that says it lives
// in the repository (a link too: the issue allows saying where the file lives).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');

function packageFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
}
const repoFiles = (): string[] => execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
const covers = (files: string[], p: string) => {
  const clean = p.replace(/^\.\//, '').replace(/\/$/, '');
  return files.some((f) => f === clean || f.startsWith(`${clean}/`));
};

/** Paths a section names that are in the repository but not in the package, unless it says "repository". */
function strayReferences(readme: string, pkg: string[], repo: string[]): string[] {
  const out: string[] = [];
  for (const section of readme.split(/^(?=#{1,3} )/m)) {
    const named = [...section.matchAll(/\]\(([^)#\s]+)\)/g)].map((m) => m[1]!);
    // Inside code spans and fenced blocks, every whitespace-separated word that could be a path.
    for (const m of section.matchAll(/```[\s\S]*?```|`[^`\n]+`/g)) for (const w of m[0].replace(/`/g, ' ').split(/[\s,;()"'=]+/)) named.push(w);
    for (const p of named) {
      if (!p || /^[a-z]+:\/\//.test(p) || p.startsWith('/') || p.startsWith('~')) continue;
      if (!covers(repo, p) || covers(pkg, p)) continue;
      if (/\brepository\b/i.test(section)) continue;
      out.push(p);
    }
  }
  return [...new Set(out)];
}

describe('README in the npm package', () => {
  it('names or links a repository-only file only where it says it lives in the repository', () => {
    const pkg = packageFiles();
    expect(pkg).toContain('README.md');
    expect(pkg.some((f) => f.startsWith('test/') || f.startsWith('bench/') || f.startsWith('.ci/'))).toBe(false);
    expect(strayReferences(readFileSync(join(ROOT, 'README.md'), 'utf8'), pkg, repoFiles())).toEqual([]);
  });

  it('the check can fail: a bare mention of bench/ or test/emulator/ is caught', () => {
    const pkg = packageFiles();
    const repo = repoFiles();
    expect(strayReferences('## Bench\n\nRun `node bench/up.mjs`.\n\n## Emulator\n\nSee [the emulator](test/emulator/README.md).\n', pkg, repo)).toEqual(['bench/up.mjs', 'test/emulator/README.md']);
    expect(strayReferences('## Bench\n\nIn the repository: `node bench/up.mjs`.\n', pkg, repo)).toEqual([]);
    expect(strayReferences('## Files\n\n`templates/canton.conf` and `README.md`\n', pkg, repo)).toEqual([]);
  });
});
