/**
 * What canton-mpc knows about the decentralized parties it set up: `.canton-mpc/decentralized/<name>/party.json`
 * (the id, the decentralized namespace, owners, thresholds, key names and PUBLIC fingerprints), next to
 * that party's run journal. `party status` lists them; a change (`--add`, `--remove`) starts from it.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DecentralizedPartySpec, Topology } from '../config/types.js';
import { readJsonIfExists, writeFileAtomic } from '../system/fs.js';
import type { State } from '../state/state.js';
import type { Permission } from './types.js';

export const DECENTRAL_DIR = 'decentralized';

export interface DecentralRecord {
  name: string;
  id: string;
  namespace: string;
  owners: string[];
  threshold: number;
  confirmationThreshold: number;
  permission: Permission;
  partyToKey: boolean;
  keyNames: { ns: string; proto: string };
  /** Per owner: the public fingerprints of its namespace key and (with PartyToKey) its protocol key. */
  keys: Record<string, { namespace: string; protocol?: string }>;
  /** The daemon start it was recorded under (a memory-storage owner forgets it on restart). */
  daemonStartedAt?: string;
}

export const decentralDir = (t: Topology, name: string): string => join(t.stateDir, DECENTRAL_DIR, name.replace(/[^A-Za-z0-9_-]/g, '_'));

export async function readDecentralRecord(dir: string): Promise<DecentralRecord | undefined> {
  return (await readJsonIfExists<DecentralRecord>(join(dir, 'party.json')).catch(() => undefined)) ?? undefined;
}

export async function writeDecentralRecord(dir: string, r: DecentralRecord): Promise<void> {
  await writeFileAtomic(join(dir, 'party.json'), `${JSON.stringify(r, null, 2)}\n`, 0o600);
}

/**
 * The record, unless it is stale: an owner with memory storage starts empty after a restart (new
 * keys, no namespace), so a record from an earlier daemon start describes nothing that exists.
 */
export async function currentDecentralRecord(t: Topology, state: State | undefined, dir: string): Promise<DecentralRecord | undefined> {
  const r = await readDecentralRecord(dir);
  if (!r) return undefined;
  const memoryOwner = r.owners.some((o) => t.participants.find((p) => p.name === o)?.storage.type === 'memory');
  return memoryOwner && r.daemonStartedAt !== state?.canton?.startedAt ? undefined : r;
}

/** Every recorded decentralized party of the project. */
export async function decentralParties(t: Topology, state?: State): Promise<DecentralRecord[]> {
  let names: string[];
  try {
    names = readdirSync(join(t.stateDir, DECENTRAL_DIR));
  } catch {
    return [];
  }
  const out: DecentralRecord[] = [];
  for (const n of names.sort()) {
    const r = await currentDecentralRecord(t, state, join(t.stateDir, DECENTRAL_DIR, n));
    if (r?.id) out.push(r);
  }
  return out;
}

/**
 * `up`'s marker: which configured specs this daemon start already has, so a re-run of `up` against the
 * same daemon costs no console run. Here, not in decentral-up.ts, because `up`'s fast path reads it and
 * must not load the plan's adapters to do so.
 */
const markerPath = (t: Topology) => join(t.stateDir, DECENTRAL_DIR, 'up.json');
interface Marker { daemonStartedAt: string; done: string[] }
export const decentralSpecKey = (d: DecentralizedPartySpec): string => JSON.stringify([d.name, d.owners, d.threshold, d.confirmationThreshold, d.permission, d.partyToKey]);

export async function decentralConverged(t: Topology, state: State): Promise<boolean> {
  const specs = t.decentralizedParties ?? [];
  if (specs.length === 0) return true;
  const m = await readJsonIfExists<Marker>(markerPath(t)).catch(() => undefined);
  return !!m && m.daemonStartedAt === state.canton?.startedAt && specs.every((d) => m.done.includes(decentralSpecKey(d)));
}

export async function writeDecentralMarker(t: Topology, state: State, done: string[]): Promise<void> {
  await writeFileAtomic(markerPath(t), JSON.stringify({ daemonStartedAt: state.canton?.startedAt ?? '', done } satisfies Marker), 0o600);
}
