/**
 * Test helper: syntax-check Canton console scripts with the Scala parser (`scalac -Ystop-after:parser`,
 * Debian scala 2.11). Each script is wrapped in `object Check<n> { … }`; all go to one scalac run,
 * because scalac start-up costs seconds. Errors are mapped back to the script and its own line numbers.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ScalaScript {
  name: string;
  content: string;
}

const WRAP_LINES = 1;

/** Script name → its syntax errors (empty when it parses). */
export async function checkScalaSyntax(scripts: ScalaScript[]): Promise<Record<string, string[]>> {
  const dir = mkdtempSync(join(tmpdir(), 'scala-check-'));
  try {
    const files = scripts.map((s, i) => {
      const file = join(dir, `Check${i}.scala`);
      writeFileSync(file, `object Check${i} {\n${s.content}\n}\n`);
      return file;
    });
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile('scalac', ['-Ystop-after:parser', '-d', dir, ...files], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
      });
    });
    const result: Record<string, string[]> = Object.fromEntries(scripts.map((s) => [s.name, [] as string[]]));
    for (const line of output.split('\n')) {
      const m = /Check(\d+)\.scala:(\d+): error: (.*)$/.exec(line);
      if (!m) continue;
      const script = scripts[Number(m[1])]!;
      result[script.name]!.push(`line ${Number(m[2]) - WRAP_LINES}: ${m[3]}`);
    }
    if (code !== 0 && Object.values(result).every((e) => e.length === 0)) {
      throw new Error(`scalac failed without a located error (exit ${code}):\n${output}`);
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
