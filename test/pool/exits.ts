// Child process of threads.test.ts: trains on two threads and returns from main without closing
// anything. The process must then exit on its own (the pool's workers are unref'd).
import { zooModel } from '../../src/model/zoo.js';
import { loadEmbeddedMnist } from '../../src/data/mnist-node.js';
import { take } from '../../src/data/transforms.js';

const data = take((await loadEmbeddedMnist({ trainCount: 64, testCount: 1 })).train, 64);
const m = await zooModel('lenet5', { seed: 1, threads: 2 });
await m.fit(data, { epochs: 1 });
console.log(`trained on ${m.threads} threads`);
