// A tape: a flat list of kernel calls recorded once at plan time and replayed every step,
// by the calling thread or by any worker of the pool (src/pool/pool.ts).
//
// Layers drive kernels through the `Kernels` interface. To plan a step, the executor hands
// them a Recorder instead: an object with the same methods that, instead of computing,
// appends each call to a tape in wasm memory. Replaying a tape is then a loop that needs
// nothing but the memory and the module's exports, so a worker can run any part of a step
// without knowing about layers, shapes or plans. Every thread replays the same calls in the
// same order, which is why the thread count cannot change a result.
//
// Layout: f64 values (pointers, sizes and scalars are all exact in f64). Each call is
//   [kernel id, argument count, result byte offset (0: discard), arguments...]
// and a kernel that returns a value (a loss sum) stores it as an f64 at the result offset.

import { KERNEL_NAMES, type Kernels } from '../runtime/abi.js';

/** Most arguments a kernel may take (adam_update has 12). */
export const MAX_ARGS = 12;

/**
 * Runs the calls in f64[start, end) with fns[id] the kernel of id. Self-contained (it is also
 * the worker's replay loop, see worker.ts): it must not refer to anything outside itself.
 */
export function runTape(f64: Float64Array, start: number, end: number, fns: ((...a: number[]) => number)[]): void {
  let p = start;
  while (p < end) {
    const f = fns[f64[p]!]!;
    const n = f64[p + 1]!;
    const out = f64[p + 2]!;
    const a = p + 3;
    let r: number;
    switch (n) {
      case 0: r = f(); break;
      case 1: r = f(f64[a]!); break;
      case 2: r = f(f64[a]!, f64[a + 1]!); break;
      case 3: r = f(f64[a]!, f64[a + 1]!, f64[a + 2]!); break;
      case 4: r = f(f64[a]!, f64[a + 1]!, f64[a + 2]!, f64[a + 3]!); break;
      case 5: r = f(f64[a]!, f64[a + 1]!, f64[a + 2]!, f64[a + 3]!, f64[a + 4]!); break;
      case 6: r = f(f64[a]!, f64[a + 1]!, f64[a + 2]!, f64[a + 3]!, f64[a + 4]!, f64[a + 5]!); break;
      case 7: r = f(f64[a]!, f64[a + 1]!, f64[a + 2]!, f64[a + 3]!, f64[a + 4]!, f64[a + 5]!, f64[a + 6]!); break;
      case 8: r = f(f64[a]!, f64[a + 1]!, f64[a + 2]!, f64[a + 3]!, f64[a + 4]!, f64[a + 5]!, f64[a + 6]!, f64[a + 7]!); break;
      case 9: r = f(f64[a]!, f64[a + 1]!, f64[a + 2]!, f64[a + 3]!, f64[a + 4]!, f64[a + 5]!, f64[a + 6]!, f64[a + 7]!, f64[a + 8]!); break;
      case 10: r = f(f64[a]!, f64[a + 1]!, f64[a + 2]!, f64[a + 3]!, f64[a + 4]!, f64[a + 5]!, f64[a + 6]!, f64[a + 7]!, f64[a + 8]!, f64[a + 9]!); break;
      case 11: r = f(f64[a]!, f64[a + 1]!, f64[a + 2]!, f64[a + 3]!, f64[a + 4]!, f64[a + 5]!, f64[a + 6]!, f64[a + 7]!, f64[a + 8]!, f64[a + 9]!, f64[a + 10]!); break;
      case 12: r = f(f64[a]!, f64[a + 1]!, f64[a + 2]!, f64[a + 3]!, f64[a + 4]!, f64[a + 5]!, f64[a + 6]!, f64[a + 7]!, f64[a + 8]!, f64[a + 9]!, f64[a + 10]!, f64[a + 11]!); break;
      default: throw new Error(`tape: a call with ${n} arguments at ${p}`);
    }
    if (out !== 0) f64[out / 8] = r;
    p = a + n;
  }
}

/** A Float64Array over the whole memory, made again only when the memory grew (its buffer changed). */
export class F64View {
  private v: Float64Array = new Float64Array(0);

  constructor(private readonly memory: WebAssembly.Memory) {}

  get(): Float64Array {
    if (this.v.buffer !== this.memory.buffer) this.v = new Float64Array(this.memory.buffer);
    return this.v;
  }
}

/** The kernel functions of a build in tape-id order (KERNEL_NAMES order). */
export function kernelList(k: Kernels): ((...a: number[]) => number)[] {
  return KERNEL_NAMES.map((name) => k[name] as unknown as (...a: number[]) => number);
}

/**
 * Records kernel calls into a region of wasm memory. `kernels` has the `Kernels` shape; its
 * methods append and return 0. Call `begin` before recording and `end` after: the recorded
 * range is [begin's position, end()). Recording allocates nothing once constructed.
 */
export class Recorder {
  readonly kernels: Kernels;
  private f64: Float64Array = new Float64Array(0);
  private readonly view: F64View;
  private pos = 0;
  private limit = 0;
  /** Byte offset the next value-returning call stores its result at (then reset to 0). */
  resultAt = 0;

  private dry = false;

  constructor(memory: WebAssembly.Memory, arities: Kernels) {
    this.view = new F64View(memory);
    const rec: Record<string, unknown> = {};
    KERNEL_NAMES.forEach((name, id) => {
      const n = (arities[name] as unknown as { length: number }).length;
      if (n > MAX_ARGS) throw new Error(`tape: kernel ${name} takes ${n} arguments, more than ${MAX_ARGS}`);
      // Fixed parameters, not rest arguments: recording allocates nothing.
      rec[name] = (a0: number, a1: number, a2: number, a3: number, a4: number, a5: number,
        a6: number, a7: number, a8: number, a9: number, a10: number, a11: number): number => {
        const p = this.pos;
        this.pos += 3 + n;
        if (this.dry) return 0;
        if (this.pos > this.limit) throw new Error(`tape: out of room recording ${name} (the plan sized it too small)`);
        const f = this.f64;
        f[p] = id;
        f[p + 1] = n;
        f[p + 2] = this.resultAt;
        this.resultAt = 0;
        const q = p + 3;
        switch (n) {
          case 12: f[q + 11] = a11; // falls through
          case 11: f[q + 10] = a10; // falls through
          case 10: f[q + 9] = a9; // falls through
          case 9: f[q + 8] = a8; // falls through
          case 8: f[q + 7] = a7; // falls through
          case 7: f[q + 6] = a6; // falls through
          case 6: f[q + 5] = a5; // falls through
          case 5: f[q + 4] = a4; // falls through
          case 4: f[q + 3] = a3; // falls through
          case 3: f[q + 2] = a2; // falls through
          case 2: f[q + 1] = a1; // falls through
          case 1: f[q] = a0; // falls through
          default:
        }
        return 0;
      };
    });
    this.kernels = rec as unknown as Kernels;
  }

  /** Counts what recording would take, writing nothing: begin with no memory, then end(). */
  beginDry(): void {
    this.dry = true;
    this.pos = 0;
    this.limit = Infinity;
    this.resultAt = 0;
  }

  /** Starts recording at f64 index `start` (byte offset / 8); at most `capacity` values. */
  begin(start: number, capacity: number): void {
    this.f64 = this.view.get();
    this.dry = false;
    this.pos = start;
    this.limit = start + capacity;
    this.resultAt = 0;
  }

  /** The f64 index one past the last value recorded. */
  end(): number { return this.pos; }
}
