import { ConfigError } from '../errors.js';
import type { Topology } from '../config/types.js';
import { jsonApiUrl } from '../config/endpoints.js';
import { substitutePlaceholders, type PlaceholderToken } from '../config/placeholders.js';

export function partyEnvName(party: string): string {
  return `CANTON_MPC_PARTY_${party.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

function hostFor(address: string): string {
  return address === '0.0.0.0' ? '127.0.0.1' : address;
}

/**
 * The signer's view of the topology: the fixed CANTON_MPC_* variables plus the config's
 * `signer.env` with every placeholder resolved. Pure; an unresolvable placeholder is a config error.
 */
export function signerEnvironment(topology: Topology, partyIds: Record<string, string>, configFile = 'canton-mpc.yaml'): Record<string, string> {
  const signer = topology.signer;
  if (!signer) return {};
  const byName = new Map(topology.participants.map((p) => [p.name, p]));
  const participant = byName.get(signer.participant);
  if (!participant) throw new ConfigError(configFile, [{ path: 'signer.participant', message: `unknown participant "${signer.participant}"` }]);
  const env: Record<string, string> = {
    CANTON_MPC_LEDGER_GRPC: `${hostFor(participant.address)}:${participant.ports.ledger}`,
    CANTON_MPC_JSON_API: jsonApiUrl(participant),
    CANTON_MPC_USER_ID: signer.user,
    CANTON_MPC_PARTICIPANT: participant.name,
  };
  if (partyIds[signer.party]) env.CANTON_MPC_PARTY = partyIds[signer.party]!;
  for (const [name, id] of Object.entries(partyIds)) env[partyEnvName(name)] = id;

  const lookup = (key: string) => (t: Exclude<PlaceholderToken, { kind: 'text' }>): string => {
    const fail = (message: string): never => {
      throw new ConfigError(configFile, [{ path: `signer.env.${key}`, message }]);
    };
    if (t.kind === 'global') {
      if (t.key === 'synchronizer.name') return topology.synchronizer.name;
      if (t.key === 'projectDir') return topology.projectDir;
      return topology.stateDir;
    }
    if (t.section === 'participants') {
      const p = byName.get(t.name) ?? fail(`{${t.raw}}: no participant named "${t.name}" (known: ${[...byName.keys()].join(', ')})`);
      const host = hostFor(p.address);
      const fields: Record<string, string> = {
        jsonApiUrl: jsonApiUrl(p),
        ledgerApi: `${host}:${p.ports.ledger}`,
        adminApi: `${host}:${p.ports.admin}`,
        address: host,
        ledgerPort: String(p.ports.ledger),
        adminPort: String(p.ports.admin),
        jsonPort: String(p.ports.json),
        name: p.name,
      };
      return fields[t.field] ?? fail(`{${t.raw}}: unknown field "${t.field}"`);
    }
    if (t.section === 'parties') {
      const spec = topology.parties.find((p) => p.name === t.name) ?? fail(`{${t.raw}}: no party named "${t.name}" (known: ${topology.parties.map((p) => p.name).join(', ')})`);
      if (t.field === 'name') return spec.name;
      return partyIds[spec.name] ?? fail(`{${t.raw}}: the party id of "${t.name}" is not known yet`);
    }
    const user = topology.users.find((u) => u.id === t.name) ?? fail(`{${t.raw}}: no user "${t.name}" (known: ${topology.users.map((u) => u.id).join(', ')})`);
    return t.field === 'participant' ? user.participant : user.id;
  };

  for (const [key, value] of Object.entries(signer.env)) {
    try {
      env[key] = substitutePlaceholders(value, lookup(key));
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw new ConfigError(configFile, [{ path: `signer.env.${key}`, message: (e as Error).message }]);
    }
  }
  return env;
}

/** `signer.args` and `signer.health.url` may use the same placeholders. */
export function resolveSignerString(topology: Topology, partyIds: Record<string, string>, value: string, path: string, configFile = 'canton-mpc.yaml'): string {
  const t: Topology = { ...topology, signer: topology.signer ? { ...topology.signer, env: { __value: value } } : undefined };
  try {
    return signerEnvironment(t, partyIds, configFile).__value ?? value;
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(configFile, e.issues.map((i) => ({ ...i, path })));
    throw e;
  }
}
