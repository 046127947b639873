import type { Topology } from '../config/types.js';
import type { CheckResult, DoctorDeps } from './checks.js';

/** Checks added for issue 13 (never harm a running topology): the signer, and addresses that are not this machine's. */

/** Listen errors that mean the address, not the port, is wrong. */
const ADDRESS_ERRORS: Record<string, string> = {
  EADDRNOTAVAIL: 'is not an address of this machine, so nothing can listen on it',
  ENOTFOUND: 'is neither a valid IP address nor a host name that resolves',
  EAI_AGAIN: 'does not resolve (name lookup failed)',
};

/** The detail and fix when busy ports are really addresses that cannot be listened on. */
export function addressProblem(busy: Array<{ host: string; node: string; probe: { error?: string } }>): { detail: string; fix: string } | undefined {
  const bad = [...new Set(busy.filter((p) => p.probe.error && ADDRESS_ERRORS[p.probe.error]).map((p) => `${p.host}\0${p.probe.error}`))];
  if (bad.length === 0) return undefined;
  return {
    detail: bad
      .map((k) => {
        const [host, code] = k.split('\0') as [string, string];
        const nodes = [...new Set(busy.filter((p) => p.host === host).map((p) => p.node))];
        return `${host} ${ADDRESS_ERRORS[code]} (${code}; used by ${nodes.join(', ')})`;
      })
      .join('\n'),
    fix: "Set `address` (or the node's own `address`) in canton-mpc.yaml to 127.0.0.1, 0.0.0.0 or an address of one of this machine's interfaces (`ip -brief address`).",
  };
}

export async function checkSigner(topology: Topology, deps: Pick<DoctorDeps, 'signerProblems'>): Promise<CheckResult> {
  const base = { id: 'signer', title: 'MPC signer', required: true };
  if (!topology.signer) return { ...base, required: false, status: 'ok', detail: 'not configured' };
  if (!deps.signerProblems) return { ...base, required: false, status: 'ok', detail: 'not checked' };
  const problems = await deps.signerProblems(topology.signer, topology.projectDir);
  return problems.length === 0
    ? { ...base, status: 'ok', detail: `${topology.signer.command} can start (cwd, command, passEnv and secrets file checked)` }
    : { ...base, status: 'fail', detail: problems.map((p) => p.message).join('\n'), fix: problems.map((p) => p.fix).filter(Boolean).join(' '), data: { problems } };
}

