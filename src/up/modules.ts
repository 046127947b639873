/**
 * Everything `up` needs beyond the fast path is loaded only when the plan runs: the fast path on a
 * healthy topology (read state, probe, compare) must answer within 0.5 s, and these modules (tar,
 * pg, p-retry, the release installer) cost ~100 ms to import.
 */
const lazy = {
  install: () => import('../canton/install.js'),
  cache: () => import('../canton/cache.js'),
  jdk: () => import('../jdk/choose.js'),
  doctor: () => import('../doctor/checks.js'),
  doctorAdapters: () => import('../doctor/adapters.js'),
  daemon: () => import('../canton/daemon.js'),
  readiness: () => import('../canton/readiness.js'),
  ledger: () => import('../ledger/client.js'),
  users: () => import('../ledger/users.js'),
  parties: () => import('../ledger/parties.js'),
  plan: () => import('../plan/runner.js'),
  journal: () => import('../plan/journal.js'),
  password: () => import('../postgres/password.js'),
  embedded: () => import('../postgres/embedded.js'),
  provision: () => import('../postgres/provision.js'),
  signerEnv: () => import('../signer/env.js'),
  signerSecrets: () => import('../signer/secrets.js'),
  signerLaunch: () => import('../signer/launch.js'),
  security: () => import('../security/materials.js'),
  signerSecurity: () => import('../security/signer-token.js'),
};
export type Modules = { [K in keyof typeof lazy]: Awaited<ReturnType<(typeof lazy)[K]>> };
/** Set by loadModules before any plan step runs (ESM exports are live bindings). */
export let M: Modules;

export async function loadModules(): Promise<Modules> {
  const entries = await Promise.all(Object.entries(lazy).map(async ([k, f]) => [k, await f()] as const));
  M = Object.fromEntries(entries) as unknown as Modules;
  return M;
}
