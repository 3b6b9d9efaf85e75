// One WebAssembly.Memory shared by both kernel builds, and a bump allocator over it.
//
// Every tensor is a byte offset into this memory. The arena only grows: a model
// reserves everything it needs when it is planned (one grow), so training never grows
// memory and never detaches views. Typed-array views are built fresh on each call
// (`f32`, `i32`, `u8`) and must not be kept across anything that may allocate.

const PAGE = 65536;
export const ALIGN = 16;

export class Arena {
  readonly memory: WebAssembly.Memory;
  /** Next free byte. Starts at ALIGN so that offset 0 always means "absent". */
  private top = ALIGN;

  /**
   * `shared` makes a memory that worker threads can use too (a SharedArrayBuffer underneath;
   * it needs the kernel builds compiled for shared memory, see load.ts).
   */
  constructor(memory?: WebAssembly.Memory, options: { shared?: boolean } = {}) {
    this.memory = memory ?? new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: options.shared === true });
  }

  /** True when the memory is shared (its buffer is a SharedArrayBuffer). */
  get shared(): boolean {
    return typeof SharedArrayBuffer !== 'undefined' && this.memory.buffer instanceof SharedArrayBuffer;
  }

  /** Bytes handed out so far (the high-water mark of live allocations). */
  get used(): number { return this.top; }

  /** Current size of the memory in bytes. */
  get capacity(): number { return this.memory.buffer.byteLength; }

  /** Reserves `bytes` (rounded up to 16) and returns the 16-byte-aligned offset. */
  alloc(bytes: number, what = 'buffer'): number {
    if (!Number.isInteger(bytes) || bytes < 0) {
      throw new RangeError(`Arena.alloc: ${what} needs a whole, non-negative byte count, got ${bytes}`);
    }
    const offset = this.top;
    const end = offset + Math.ceil(bytes / ALIGN) * ALIGN;
    if (end > 4 * 1024 * 1024 * 1024 - PAGE) {
      throw new RangeError(`Arena.alloc: ${what} of ${bytes} bytes does not fit in 4 GiB of wasm memory (already using ${offset})`);
    }
    this.ensure(end);
    this.top = end;
    return offset;
  }

  /** Allocates and zeroes room for `n` f32 values. */
  allocF32(n: number, what = 'tensor'): number {
    const p = this.alloc(n * 4, what);
    new Float32Array(this.memory.buffer, p, n).fill(0);
    return p;
  }

  /** Grows the memory (once, in whole pages) so that [0, end) is addressable. */
  ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
  }

  /** A position to return to with `release`, for temporary allocations (the ops API). */
  mark(): number { return this.top; }

  /** Frees everything allocated after `mark` was taken. */
  release(mark: number): void {
    if (mark < ALIGN || mark > this.top || mark % ALIGN !== 0) {
      throw new RangeError(`Arena.release: ${mark} is not a mark of this arena (top is ${this.top})`);
    }
    this.top = mark;
  }

  f32(offset: number, n: number): Float32Array { return new Float32Array(this.memory.buffer, offset, n); }
  i32(offset: number, n: number): Int32Array { return new Int32Array(this.memory.buffer, offset, n); }
  u8(offset: number, n: number): Uint8Array { return new Uint8Array(this.memory.buffer, offset, n); }
}
