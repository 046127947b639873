// Issue 14 item 10: connect_by_config (behind connect_local) reconnects a registered alias
// (ParticipantAdministration.scala:2084-2093); the template must not claim it fails, and the guard
// that keeps a re-run away from an active connection stays.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/parse.js';
import { toTopology } from '../../src/config/topology.js';
import { renderProject } from '../../src/render/index.js';

it('bootstrap.canton: no false claim about connect_local; the is_registered / active guard is rendered', () => {
  const template = readFileSync(join(import.meta.dirname, '../../templates/bootstrap.canton'), 'utf8');
  expect(template.replace(/\n\/\/ ?/g, ' ')).not.toMatch(/connect_local on a registered alias would fail/);
  expect(template).toMatch(/connect_by_config/);
  const t = toTopology(parseConfigText('', 'canton-mpc.yaml', { format: 'yaml' }), '/p');
  const script = renderProject(t, { darExists: () => false }).find((f) => f.name === 'bootstrap.canton')!.content;
  expect(script).toContain('if (!participant1.synchronizers.is_registered("da")) participant1.synchronizers.connect_local(sequencer1, "da")');
  expect(script).toContain('else if (!participant1.synchronizers.active("da")) participant1.synchronizers.reconnect("da")');
});
