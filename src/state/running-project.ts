/**
 * The project as the running topology sees it: the config read with the `up --storage …` override that
 * state.json records, so a command after `up --storage postgres` knows its participants keep their state
 * in Postgres (Workflow 2 refuses memory storage; the backup needs the database).
 */
import { loadProject, type LoadOptions } from '../config/load.js';
import type { Topology } from '../config/types.js';
import { readState, type State } from './state.js';

export async function loadRunningProject(opts: LoadOptions): Promise<{ topology: Topology; file?: string; state: State | undefined }> {
  let loaded = await loadProject(opts);
  const state = await readState(loaded.topology.stateDir);
  if (state?.storageOverride && !opts.storageOverride) loaded = await loadProject({ ...opts, storageOverride: state.storageOverride });
  return { topology: loaded.topology, ...(loaded.file ? { file: loaded.file } : {}), state };
}
