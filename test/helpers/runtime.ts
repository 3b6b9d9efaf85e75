// One runtime per test file: both builds over one memory.
import { loadRuntime, type Runtime } from '../../src/runtime/load.js';

let rt: Promise<Runtime> | undefined;
export function getRuntime(): Promise<Runtime> {
  rt ??= loadRuntime({ build: 'simd' });
  return rt;
}
