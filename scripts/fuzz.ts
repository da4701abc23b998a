/**
 * `npm run fuzz -- --frames N [--seed S]` (issue #11): N fuzzed frames (binary and JSON) against a live server
 * (test/fuzz/live.ts; docs/reliability.md). Prints progress, the tally and the server's RSS at the start and the end;
 * exit 1 when anything went wrong (a crash, a hang, a refused frame that changed something).
 */
import { parseArgs } from 'node:util';
import { runFuzz } from '../test/fuzz/live.ts';

const { values } = parseArgs({
  options: { frames: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '1' } },
  strict: true,
});
const frames = Number(values.frames.replace(/k$/i, '000').replace(/m$/i, '000000'));
const seed = Number(values.seed);
if (!Number.isInteger(frames) || frames < 1)
  throw new Error(`--frames must be a positive whole number, got ${values.frames}`);
const t0 = Date.now();
const r = await runFuzz({
  frames,
  seed,
  log: (l) => {
    process.stdout.write(`${l}\n`);
  },
});
const s = (Date.now() - t0) / 1000;
process.stdout.write(
  `\n${String(r.frames)} frames (${String(r.binary)} binary, ${String(r.json)} JSON; seed ${String(seed)}) in ${s.toFixed(0)} s: ` +
    `${String(r.acked)} answered, ${String(r.refused)} refused with EventError, ${String(r.closed)} closed the connection, ` +
    `${String(r.incomplete)} left waiting for bytes; server RSS ${r.rssStartMb.toFixed(0)} -> ${r.rssEndMb.toFixed(0)} MB; ` +
    `${r.problems.length ? `${String(r.problems.length)} PROBLEMS:\n${r.problems.slice(0, 20).join('\n')}` : 'no problem'}\n`,
);
process.exit(r.problems.length ? 1 : 0);
