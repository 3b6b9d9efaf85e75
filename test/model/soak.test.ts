// Soak (issue 7): 200 create → fit one batch → save → load → predict → dispose cycles in one
// process (a child run with --expose-gc, see soak.ts). Bounds: the wasm memory after the last
// cycle is within 10% of its size after the first (it is expected to be equal: freed blocks are
// reused), the arena holds no more live bytes than after the first cycle, and the JS heap after
// a full collection grows by less than 4 MB between cycle 10 and cycle 200 (a leak of one model's
// JS objects per cycle, ~20 KB, would exceed it).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

describe('soak', () => {
  it('200 create/fit/save/load/predict/dispose cycles keep wasm memory and the JS heap flat', () => {
    const script = fileURLToPath(new URL('./soak.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, '200'], { encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    const points = JSON.parse(r.stdout.trim().split('\n').pop()!) as { cycle: number; wasmBytes: number; liveBytes: number; heapUsed: number }[];
    const first = points[0]!;
    const tenth = points.find((p) => p.cycle === 10)!;
    const last = points[points.length - 1]!;
    console.log(`soak: ${JSON.stringify(points)}`);
    expect(last.cycle).toBe(200);
    expect(last.wasmBytes / first.wasmBytes, 'wasm memory, last cycle / first').toBeLessThanOrEqual(1.1);
    expect(last.liveBytes, 'arena live bytes after the last cycle').toBeLessThanOrEqual(first.liveBytes);
    expect(last.heapUsed - tenth.heapUsed, 'JS heap growth (after GC) from cycle 10 to 200').toBeLessThan(4 * 1024 * 1024);
  });
});
