import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, makeProject, type CliProject } from '../support/cli.js';

// Progress is for people: a spinner on an interactive stderr, nothing animated anywhere else.
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

let p: CliProject;
beforeAll(async () => {
  p = await makeProject();
});
afterAll(async () => {
  await p?.cleanup();
});

describe('progress display', () => {
  it('on a terminal, `up` animates its readiness stage on stderr and ends with a ✔ line', async () => {
    // `script` gives the CLI a real pseudo-terminal (sized, as a terminal emulator would).
    const r = await execa('script', ['-qec', `stty cols 120 rows 40; exec node ${CLI} up --timeout 60s`, '/dev/null'], {
      cwd: p.dir,
      env: { ...p.env, CI: undefined, NO_COLOR: undefined, TERM: 'xterm-256color' },
      extendEnv: false,
      reject: false,
      timeout: 120_000,
    });
    expect(r.exitCode, String(r.stdout)).toBe(0);
    const screen = String(r.stdout);
    expect(screen).toMatch(SPINNER);
    expect(screen).toMatch(/Canton: [^\r\n]*(ports file|readyz|part)/);
    expect(screen).toMatch(/✔[^\r\n]*Canton ready in \d+\.\d s/);
  });

  it('piped (not a TTY), the same run prints plain lines: no spinner, no cursor control', async () => {
    expect((await p.run(['down'])).exitCode).toBe(0);
    const r = await p.run(['up', '--timeout', '60s'], { env: { CI: undefined } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\[\d+\/\d+\] /);
    expect(r.stderr).not.toMatch(SPINNER);
    expect(r.stderr + r.stdout).not.toContain('\u001b[');
  });
});
