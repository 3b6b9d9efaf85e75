// Child process of soak.test.ts (run with --expose-gc): CYCLES times create → compile → fit one
// batch → save → load → predict → dispose on one runtime, printing as JSON the wasm memory size,
// the arena's live bytes and the JS heap after a full GC at a few checkpoints.
import { zooModel } from '../../src/model/zoo.js';
import { loadRuntime } from '../../src/runtime/load.js';
import { serialize, modelFromSerialized } from '../../src/io/index.js';
import { synthDataset } from './util.js';

const cycles = Number(process.argv[2] ?? 200);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const rt = await loadRuntime({});
const data = synthDataset(32, [28, 28, 1], 10, 7);
const probe = data.images.subarray(0, 4 * 784);
const points: { cycle: number; wasmBytes: number; liveBytes: number; heapUsed: number }[] = [];
for (let c = 1; c <= cycles; c++) {
  const m = await zooModel('lenet5', { runtime: rt, seed: c, threads: 2 });
  await m.fit(data, { epochs: 1, batchSize: 32 });
  const bytes = serialize(m);
  m.dispose();
  const back = await modelFromSerialized(bytes, { runtime: rt });
  back.predict(probe);
  back.dispose();
  if (c === 1 || c === 10 || c === Math.floor(cycles / 2) || c === cycles) {
    gc(); gc();
    points.push({ cycle: c, wasmBytes: rt.arena.capacity, liveBytes: rt.arena.liveBytes, heapUsed: process.memoryUsage().heapUsed });
  }
}
console.log(JSON.stringify(points));
