/**
 * A CI-sized live fuzzing run (`npm run fuzz -- --frames 1000000` runs the full one): 20,000 mutated and generated
 * frames over both doors against the real server (test/fuzz/live.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runFuzz } from '../fuzz/live.ts';

describe('live fuzzing', () => {
  it('20,000 frames: no crash, no hang, refused frames change nothing', async () => {
    const r = await runFuzz({ frames: 20_000, seed: 20_261_202 });
    assert.deepEqual(r.problems, []);
    assert.equal(r.frames, 20_000);
    assert.ok(r.binary > 5000 && r.json > 5000, `both doors fuzzed (${String(r.binary)}, ${String(r.json)})`);
    assert.ok(r.refused > 1000 && r.acked > 100, `refusals and answers (${String(r.refused)}, ${String(r.acked)})`);
  });
});
