/**
 * The remote console's tokens: `canton.remote-<kind>s.<n>.token` (FACTS §2.5: one token for the
 * node's Ledger and Admin APIs), kept out of remote.conf itself, which `include`s this 0600 file.
 * Tokens live minutes (max-token-lifetime), so the file is rewritten before each console run.
 */
import type { Topology } from '../config/types.js';
import { allNodes } from '../config/topology.js';
import { writeSecretFile } from '../system/fs.js';
import { tokenPaths } from './paths.js';
import { loadSigningKey, mintToken, PARTICIPANT_ADMIN } from './tokens.js';

export async function writeConsoleTokens(t: Topology, env: NodeJS.ProcessEnv, now = Date.now()): Promise<string | undefined> {
  const jwt = t.security.jwt;
  if (!jwt) return undefined;
  const path = tokenPaths(t.security.secretsDir).console;
  const lines = ['# Written by canton-mpc (0600). Tokens expire: refresh with `canton-mpc token --console`.'];
  if (jwt.type === 'jwt-jwks') {
    // No key to mint with: the identity provider's admin token (auth.adminTokenEnv), ledger side only.
    const token = jwt.adminTokenEnv ? env[jwt.adminTokenEnv] : undefined;
    for (const p of t.participants) if (token) lines.push(`canton.remote-participants.${p.name}.token = ${JSON.stringify(token)}`);
  } else {
    const key = await loadSigningKey(jwt, { env, secretsDir: t.security.secretsDir });
    for (const n of allNodes(t)) {
      const token = await mintToken(jwt, key, { participant: n.name, user: PARTICIPANT_ADMIN, admin: true }, now);
      lines.push(`canton.remote-${n.kind}s.${n.name}.token = ${JSON.stringify(token)}`);
    }
  }
  await writeSecretFile(path, `${lines.join('\n')}\n`);
  return path;
}
