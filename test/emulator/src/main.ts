// Entry point of the emulated `bin/canton` (after the sh launcher checked java). Follows
// CantonAppDriver/ServerRunner (FACTS §1): parse CLI → read config → start nodes → runner
// (bootstrap or script) → ports file; exit codes 1 (CLI/config/startup), 3 (bootstrap), 2 (unexpected).
import { readFile, writeFile } from 'node:fs/promises';
import { createServer as netServer, type Server as NetServer } from 'node:net';
import type { Server } from 'node:http';
import { resolve as resolvePath } from 'node:path';
import { adminServer, rpcCall } from './admin.js';
import { p2pServer, startDialing } from './bft.js';
import type { ConsoleHost } from './api.js';
import { makeVerifier } from './auth.js';
import { type CantonCfg, ConfigError, interpret, loadHocon, type NodeCfg } from './config.js';
import { parseArgs, USAGE, UsageError, type CliOptions } from './cli.js';
import { Env } from './env.js';
import { CantonError } from './errors.js';
import { faults, recordArgv } from './faults.js';
import { CompileError, Interp } from './interp.js';
import { jsonApiServer, listen } from './jsonapi.js';
import { metricsServer } from './metrics.js';
import { APP, ENV, initLog, log, RUNNER, SCRIPT } from './log.js';
import { runOp } from './ops.js';
import { adminVerifier, checkAuthServices, remoteClientTls, serverTls } from './security.js';
import { parseDuration } from './config.js';

const VERSION = '3.4.11';
const servers: Array<Server | NetServer> = [];
let env: Env | undefined;
let started = false;

class ExitError extends Error { constructor(readonly code: number, msg: string) { super(msg); } }

async function main(argv: string[]): Promise<number> {
  recordArgv(argv);
  let o: CliOptions | 'help' | 'version';
  try { o = parseArgs(argv); } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`${e.message}\n${USAGE}`); return 1; }
    throw e;
  }
  if (o === 'help') { process.stdout.write(USAGE); return 0; }
  if (o === 'version') {
    process.stdout.write(`Canton: ${VERSION}\nDaml Libraries: ${VERSION}\nStable Canton protocol versions: List(34)\nPreview Canton protocol versions: List()\n`);
    return 0;
  }
  initLog(resolvePath(o.logFileName), o.logLevelStdout);
  log('INFO', APP, `Starting Canton version ${VERSION}`);
  if (o.bootstrap !== undefined && (o.command === 'run' || o.command === 'generate')) {
    log('ERROR', APP, '--bootstrap and run/generate are mutually exclusive');
    process.stderr.write('--bootstrap and run/generate are mutually exclusive\n');
    return 1;
  }
  let cfg: CantonCfg;
  try { cfg = interpret(await loadHocon(o.configFiles, o.configKv)); } catch (e) {
    const msg = e instanceof ConfigError ? `Received an invalid configuration: ${e.message}` : (e as Error).message;
    log('ERROR', APP, `Failed to read config at startup: ${msg}`);
    return 1;
  }
  if (faults.crashAfterMs !== undefined) {
    setTimeout(() => { log('ERROR', APP, `Unexpected error: emulated crash (CANTON_EMULATOR_CRASH_AFTER_MS=${faults.crashAfterMs})`); process.exit(faults.crashExitCode); }, faults.crashAfterMs).unref();
  }
  if (o.command === 'generate') {
    for (const n of cfg.nodes) await writeFile(`remote-${n.name}.conf`, remoteConf(n));
    return 0;
  }
  env = new Env(cfg);
  if (faults.startDelayMs > 0) await new Promise((r) => setTimeout(r, faults.startDelayMs));
  if (cfg.manualStart || o.manualStart) log('INFO', ENV, 'Manual start requested.');
  else {
    await startAll(env);
    log('INFO', ENV, 'Successfully started all nodes');
  }

  const host = consoleHost(env, cfg);
  if (o.command === 'run') {
    try {
      await new Interp(host).runScript(await readScript(o.script!));
    } catch (e) {
      const detail = e instanceof CompileError ? `Compilation Failed\n${e.message}` : (e as Error).message;
      log('ERROR', SCRIPT, `Script execution failed: ${detail}`);
      process.stderr.write(`Script execution failed: ${detail}\n`);
      return 1;
    }
    // ConsoleScriptRunner exits (sys.exit) when the script ends, before Environment writes the
    // ports file after its runner (Runner.scala:107-117, Environment.scala:351-352): none for `run`.
    return 0;
  }
  // daemon or interactive console: the bootstrap script is the runner.
  if (o.bootstrap !== undefined) {
    try {
      if (faults.failBootstrap) throw new Error(`injected bootstrap failure (CANTON_EMULATOR_FAIL_BOOTSTRAP=${faults.failBootstrapMessage})`);
      await new Interp(host).runScript(await readScript(o.bootstrap));
    } catch (e) {
      const detail = e instanceof CompileError ? `Compilation Failed\n${e.message}` : (e as Error).message;
      log('ERROR', RUNNER, `Bootstrap script terminated with an error: ${detail}`);
      return 3;
    }
    log('INFO', RUNNER, 'Bootstrap script successfully executed.');
  } else log('INFO', RUNNER, 'Canton started');
  if (!faults.neverReady) {
    env.ready = true;
    await writePortsFile(env, cfg);
  }
  if (o.command === 'console') {
    // The REPL reads statements from stdin; on EOF it exits like the console does.
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    const src = Buffer.concat(chunks).toString('utf8');
    if (src.trim() !== '') {
      try { await new Interp(host).runScript(src); } catch (e) { process.stdout.write(`ERROR ${(e as Error).message}\n`); return 1; }
    }
    return 0;
  }
  return new Promise<number>(() => { /* daemon: run until a signal arrives */ });
}

async function readScript(path: string): Promise<string> {
  try { return await readFile(path, 'utf8'); } catch (e) {
    throw new ExitError(1, `Script file ${path} not found: ${(e as Error).message}`);
  }
}

/** ServerRunner: sequencers, then mediators, then participants; any failure fails the start. */
async function startAll(e: Env): Promise<void> {
  if (started) return;
  started = true;
  const order = ['sequencer', 'mediator', 'participant'];
  const nodes = [...e.cfg.nodes].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
  // MetricsRegistry starts the Prometheus server with the environment, before any node.
  for (const ep of e.cfg.metrics) {
    log('INFO', 'c.d.c.m.MetricsRegistry', `Exposing metrics for Prometheus on port ${ep.address}:${ep.port}`);
    try { servers.push(await listen(metricsServer(() => e.cfg.nodes, Date.now()), ep.address, ep.port)); } catch (err) {
      throw new ExitError(1, `Failed to start the Prometheus metrics server on ${ep.address}:${ep.port}: ${(err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'Address already in use' : (err as Error).message}`);
    }
  }
  for (const n of nodes) {
    try { await startNode(e, n); } catch (err) {
      throw new ExitError(1, `Failed to start ${n.name}: ${(err as Error).message}`);
    }
  }
  startDialing(e.cfg.nodes);
}

async function startNode(e: Env, n: NodeCfg): Promise<void> {
  const bind = async (s: Server | NetServer, api: string, ep: { address: string; port: number }) => {
    try { servers.push(await listen(s, ep.address, ep.port)); } catch (err) {
      throw new Error(`Failed to bind ${api} of ${n.name} to ${ep.address}:${ep.port}: ${(err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'Address already in use' : (err as Error).message}`);
    }
  };
  // A gRPC port the emulator does not speak: bound so it is taken, connections are dropped.
  const grpc = () => netServer((sock) => sock.destroy());
  const raw = e.cfg.raw;
  checkAuthServices(raw, n);
  if (n.kind === 'sequencer') {
    // DriverBlockSequencerFactory: only the bundled `reference` driver can be loaded.
    if (n.driver !== undefined && n.driver !== 'reference') throw new Error(`Sequencer implementation '${n.driver}', API version 1 not found (out of reference v1)`);
    serverTls(raw, n, 'public-api'); // validated and read like Canton; the gRPC stand-in drops connections anyway
    await bind(grpc(), 'public-api', n.publicApi!);
    if (n.bft?.server) await bind(p2pServer(n.name, n.bft.authenticates === true), 'peer-to-peer', n.bft.server);
  }
  const adminTls = serverTls(raw, n, 'admin-api');
  const verifyAdmin = await adminVerifier(raw, n, (v) => parseDuration(v, 5 * 60_000));
  await bind(adminServer(e, n.name, { ...(adminTls ? { tls: adminTls } : {}), ...(verifyAdmin ? { verify: verifyAdmin } : {}) }), 'admin-api', n.admin);
  const ledgerTls = n.kind === 'participant' ? serverTls(raw, n, 'ledger-api') : undefined;
  if (n.kind === 'participant') {
    await bind(grpc(), 'ledger-api', n.ledger!);
  }
  try { await e.openNode(n); } catch (err) {
    log('ERROR', `c.d.c.r.DbStorageSingle:${n.name}`, (err as Error).message);
    throw err;
  }
  if (n.kind === 'participant') {
    const doc = e.participant(n.name);
    // Reconnect to synchronizers on restart unless the connection is manual (reconnectParticipants).
    for (const c of Object.values(doc.connections)) c.connected = !c.manualConnect;
    if (n.http) await bind(jsonApiServer(e, n, await makeVerifier(n, () => doc.uid), ledgerTls), 'http-ledger-api', n.http);
  }
  log('INFO', ENV, `Successfully started ${n.kind} ${n.name}`);
}

function consoleHost(e: Env, cfg: CantonCfg): ConsoleHost {
  const remote = new Map(cfg.remote.map((r) => [r.name, r]));
  return {
    nodes: [...cfg.nodes.map((n) => ({ name: n.name, kind: n.kind, local: true })), ...cfg.remote.filter((r) => !cfg.nodes.some((n) => n.name === r.name)).map((r) => ({ name: r.name, kind: r.kind, local: false }))],
    boundedMs: cfg.consoleBoundedMs,
    print: (line) => { process.stdout.write(line + '\n'); },
    startLocal: async () => { await startAll(e); },
    async rpc(node, op, args) {
      const r = remote.get(node);
      if (r && !e.nodeCfg(node)) return rpcCall(r.admin, { node, op, args }, r.token, remoteClientTls(cfg.raw, r.kind, r.name, 'admin-api'));
      if (!started) throw new CantonError('NODE_NOT_STARTED', 9, `${node} has not been started`);
      try { return JSON.parse(JSON.stringify(await runOp(e, node, op, args) ?? null)) as unknown; } catch (err) {
        if (err instanceof CantonError) throw new (await import('./api.js')).ConsoleRuntimeError(`Request failed for ${node}. ${err.message}`);
        throw err;
      }
    },
  };
}

async function writePortsFile(e: Env, cfg: CantonCfg): Promise<void> {
  if (!cfg.portsFile) return;
  const out: Record<string, { ledgerApi: number; adminApi: number; jsonApi: number | null }> = {};
  for (const n of cfg.nodes) if (n.kind === 'participant') out[n.name] = { ledgerApi: n.ledger!.port, adminApi: n.admin.port, jsonApi: n.http ? n.http.port : null };
  void e;
  await writeFile(cfg.portsFile, JSON.stringify(out));
}

function remoteConf(n: NodeCfg): string {
  const ep = (x: { address: string; port: number }) => `{ address = "${x.address}", port = ${x.port} }`;
  if (n.kind === 'participant') return `canton.remote-participants.${n.name} {\n  admin-api ${ep(n.admin)}\n  ledger-api ${ep(n.ledger!)}\n}\n`;
  if (n.kind === 'sequencer') return `canton.remote-sequencers.${n.name} {\n  admin-api ${ep(n.admin)}\n  public-api ${ep(n.publicApi!)}\n}\n`;
  return `canton.remote-mediators.${n.name} {\n  admin-api ${ep(n.admin)}\n}\n`;
}

async function shutdown(code: number): Promise<never> {
  log('INFO', APP, 'Shutting down...');
  await Promise.race([
    Promise.all(servers.map((s) => new Promise<void>((r) => { (s as Server).closeAllConnections?.(); s.close(() => r()); }))).then(() => env?.closeStores()),
    new Promise((r) => setTimeout(r, 800)),
  ]);
  process.exit(code);
}

process.on('SIGTERM', () => { void shutdown(0); });
process.on('SIGINT', () => { void shutdown(130); });

main(process.argv.slice(2)).then(
  (code) => shutdown(code),
  (e: unknown) => {
    if (e instanceof ExitError) { log('ERROR', APP, `Canton startup encountered problems: ${e.message}`); return shutdown(e.code); }
    log('ERROR', APP, `Unexpected error: ${(e as Error)?.stack ?? String(e)}`);
    return shutdown(2);
  },
);
