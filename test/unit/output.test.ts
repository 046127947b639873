import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createOutputSync } from '../../src/ui/output.js';
import { redact, registerSecret, isSecretName } from '../../src/ui/redact.js';

function sink() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

function make(json: boolean, verbose = false) {
  const out = sink();
  const err = sink();
  const o = createOutputSync({ json, verbose, color: false, interactive: false, stdout: out.stream, stderr: err.stream });
  return { o, out, err };
}

describe('output modes', () => {
  it('human mode: info on stderr, result text on stdout', () => {
    const { o, out, err } = make(false);
    o.info('starting');
    o.result('done', { ok: true });
    o.event({ type: 'x' });
    expect(err.text()).toBe('starting\n');
    expect(out.text()).toBe('done\n');
  });

  it('json mode: no info, result is JSON, events are NDJSON lines', () => {
    const { o, out, err } = make(true);
    o.info('starting');
    o.event({ type: 'progress', percent: 5 });
    o.result('done', { ok: true });
    expect(err.text()).toBe('');
    const lines = out.text().trim().split('\n');
    expect(JSON.parse(lines[0]!)).toEqual({ type: 'progress', percent: 5 });
    expect(JSON.parse(lines.slice(1).join('\n'))).toEqual({ ok: true });
  });

  it('warnings reach stderr even in json mode; debug only with verbose', () => {
    const { o, err } = make(true);
    o.warn('careful');
    o.debug('hidden');
    expect(err.text()).toBe('warning: careful\n');
    const v = make(false, true);
    v.o.debug('shown');
    expect(v.err.text()).toBe('shown\n');
  });

  it('progress is a no-op when not interactive', () => {
    const { o, err } = make(false);
    const p = o.progress('working');
    p.update('still');
    p.succeed('ok');
    expect(err.text()).toBe('');
  });
});

describe('redaction', () => {
  it('masks registered secrets in everything written', () => {
    registerSecret('s3cr3t-password-value');
    expect(redact('password=s3cr3t-password-value;')).toBe('password=***;');
    const { o, out, err } = make(false);
    o.info('using s3cr3t-password-value');
    o.result('pw s3cr3t-password-value', {});
    expect(err.text()).not.toContain('s3cr3t');
    expect(out.text()).not.toContain('s3cr3t');
  });

  it('ignores values too short to mask safely', () => {
    registerSecret('abc');
    expect(redact('abc def')).toBe('abc def');
  });

  const names: Array<[string, boolean]> = [
    ['POSTGRES_PASSWORD', true],
    ['MPC_ROOT_KEY', true],
    ['CANTON_TOKEN', true],
    ['JWT_SECRET', true],
    ['CANTON_JSON_API_URL', false],
    ['ISSUER_PARTY', false],
  ];
  for (const [name, secret] of names) {
    it(`isSecretName(${name}) = ${secret}`, () => expect(isSecretName(name)).toBe(secret));
  }
});
