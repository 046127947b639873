// One line per event on stdout: `<ISO time> <event> key=value …`. Callers pass ids, offsets and
// error texts only; never a token or a key (the ledger client never puts one in an error).
export function log(event: string, fields: Record<string, unknown> = {}): void {
  const kv = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  process.stdout.write(`${new Date().toISOString()} ${event}${kv.length ? ' ' + kv.join(' ') : ''}\n`);
}
