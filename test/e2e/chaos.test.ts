/**
 * A CI-sized run of the crash trials (`npm run chaos -- --trials 100` runs the full one): 10 SIGKILLs at random
 * moments under mixed load over both doors; after each, everything acknowledged is recovered, the event log has no
 * gap or repeat, no interaction is in two places and the timers the kill left armed fire after the restart (test/chaos/trials.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runTrials } from '../chaos/trials.ts';

describe('crash trials', () => {
  it('10 kills under load: every acknowledged request recovered, the log without gaps or repeats', async () => {
    const lines: string[] = [];
    const r = await runTrials({ trials: 10, log: (l) => lines.push(l) });
    assert.equal(r.trials.length, 10);
    assert.deepEqual(
      r.trials.flatMap((t) => t.problems),
      [],
      lines.join('\n'),
    );
    assert.ok(r.ackedRequests > 100, `the load made acknowledged requests (${String(r.ackedRequests)})`);
    assert.ok(r.timers > 0, `some kill left timers armed, and they were checked (${String(r.timers)})`);
    assert.ok(
      r.changed > 10 && r.stopped > 10,
      `changes and stops were checked (${String(r.changed)}, ${String(r.stopped)})`,
    );
  });
});
