import getPort from 'get-port';

/**
 * Port blocks for test topologies. They stay below Linux's ephemeral range (32768+), where the OS picks
 * the local port of every outgoing connection and `get-port()` picks its random ports: a block there
 * can be free when chosen and taken a moment later by someone's client socket.
 */
// From 2000: six groups of two lanes need about ten blocks a lane (up.test.ts keeps 8 topologies up).
const LOW = 2_000;
const HIGH = 32_500;
const BLOCK = 250;
/** Each vitest worker draws from its own lane of blocks, so two workers never pick the same one (vitest.config: maxWorkers 2). */
const LANES = 2;
/**
 * Several checkouts may run their suites side by side on one machine (git worktrees). Each sets
 * CANTON_MPC_TEST_PORT_GROUP to a different 0..GROUPS-1 and gets its own slice of the range.
 */
const GROUPS = 6;

const used = new Set<number>();

/** A base such that `base + offset` is free right now for every offset (the ports a topology derives). */
export async function freePortBase(offsets: readonly number[]): Promise<number> {
  const lane = (Number(process.env.VITEST_POOL_ID ?? 1) - 1) % LANES;
  const group = process.env.CANTON_MPC_TEST_PORT_GROUP;
  const all = Math.floor((HIGH - LOW) / BLOCK);
  const blocks = group === undefined ? all : Math.floor(all / GROUPS);
  const first = group === undefined ? 0 : (Number(group) % GROUPS) * blocks;
  for (let attempt = 0; attempt < 60; attempt++) {
    const k = first + Math.floor(Math.random() * Math.floor(blocks / LANES)) * LANES + lane;
    const base = LOW + k * BLOCK;
    if (used.has(base)) continue;
    const free = await Promise.all(offsets.map(async (o) => (await getPort({ port: base + o })) === base + o));
    if (free.every(Boolean)) {
      used.add(base);
      return base;
    }
  }
  throw new Error('no free port block below the ephemeral range');
}

/** A block whose project was cleaned up may be drawn again (a group's lane holds only a few blocks). */
export function releasePortBase(base: number): void {
  used.delete(base);
}

/** The offsets a topology of one sequencer, one mediator and `participants` participants derives. */
export function topologyOffsets(participants: number): number[] {
  const offsets = [1, 2, 202];
  for (let s = 1; s <= participants; s++) offsets.push(10 * s + 1, 10 * s + 2, 10 * s + 3);
  return offsets;
}
