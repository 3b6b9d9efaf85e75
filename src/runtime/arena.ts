// One WebAssembly.Memory shared by both kernel builds, and an allocator over it.
//
// Every tensor is a byte offset into this memory. A model reserves everything it needs
// when it is planned (a few blocks), so training never grows memory and never detaches
// views. Blocks are handed out from the top (a bump pointer) or, first fit, from blocks
// freed earlier (a disposed model's), so a process that makes and disposes models keeps
// reusing the same memory. A wasm memory never shrinks; freeing makes room, it does not
// return pages to the system. Typed-array views are built fresh on each call (`f32`,
// `i32`, `u8`) and must not be kept across anything that may allocate.

const PAGE = 65536;
export const ALIGN = 16;

export class Arena {
  readonly memory: WebAssembly.Memory;
  /** Next free byte. Starts at ALIGN so that offset 0 always means "absent". */
  private top = ALIGN;
  /** Live blocks: offset → bytes (rounded). */
  private readonly live = new Map<number, number>();
  /** Freed blocks below `top`, sorted by offset, never adjacent (coalesced). */
  private readonly holes: { at: number; bytes: number }[] = [];
  /** Marks taken and not yet released: while any is open, blocks come from the top only. */
  private marks = 0;

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

  /** The top of the allocated region (bytes below it are live or in freed holes). */
  get used(): number { return this.top; }

  /** Bytes in live blocks. */
  get liveBytes(): number {
    let n = 0;
    for (const b of this.live.values()) n += b;
    return n;
  }

  /** Current size of the memory in bytes. */
  get capacity(): number { return this.memory.buffer.byteLength; }

  /** Reserves `bytes` (rounded up to 16) and returns the 16-byte-aligned offset. */
  alloc(bytes: number, what = 'buffer'): number {
    if (!Number.isInteger(bytes) || bytes < 0) {
      throw new RangeError(`Arena.alloc: ${what} needs a whole, non-negative byte count, got ${bytes}`);
    }
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    if (this.marks === 0) {
      const i = this.holes.findIndex((h) => h.bytes >= size);
      if (i >= 0) {
        const h = this.holes[i]!;
        const at = h.at;
        if (h.bytes === size) this.holes.splice(i, 1);
        else { h.at += size; h.bytes -= size; }
        this.live.set(at, size);
        return at;
      }
    }
    const offset = this.top;
    const end = offset + size;
    if (end > 4 * 1024 * 1024 * 1024 - PAGE) {
      throw new RangeError(`Arena.alloc: ${what} of ${bytes} bytes does not fit in 4 GiB of wasm memory ` +
        `(${this.liveBytes} bytes in use); dispose() models you no longer need`);
    }
    this.ensure(end);
    this.top = end;
    this.live.set(offset, size);
    return offset;
  }

  /** Gives back a block from alloc (its contents are then undefined). */
  free(offset: number): void {
    const size = this.live.get(offset);
    if (size === undefined) throw new RangeError(`Arena.free: ${offset} is not a live block of this arena (freed twice?)`);
    this.live.delete(offset);
    let i = this.holes.findIndex((h) => h.at > offset);
    if (i < 0) i = this.holes.length;
    this.holes.splice(i, 0, { at: offset, bytes: size });
    // Coalesce with the next, then the previous hole.
    const next = this.holes[i + 1];
    if (next !== undefined && offset + size === next.at) { this.holes[i]!.bytes += next.bytes; this.holes.splice(i + 1, 1); }
    const prev = this.holes[i - 1];
    if (prev !== undefined && prev.at + prev.bytes === offset) { prev.bytes += this.holes[i]!.bytes; this.holes.splice(i, 1); i--; }
    // A hole that reaches the top lowers the top.
    const last = this.holes[this.holes.length - 1];
    if (last !== undefined && last.at + last.bytes === this.top && this.marks === 0) {
      this.top = last.at;
      this.holes.pop();
    }
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

  /**
   * A position to return to with `release`, for temporary allocations (the ops API). Until it
   * is released, blocks come from the top only, so release frees exactly what came after.
   */
  mark(): number {
    this.marks++;
    return this.top;
  }

  /** Frees everything allocated after `mark` was taken. */
  release(mark: number): void {
    if (mark < ALIGN || mark > this.top || mark % ALIGN !== 0 || this.marks === 0) {
      throw new RangeError(`Arena.release: ${mark} is not a mark of this arena (top is ${this.top})`);
    }
    for (const at of [...this.live.keys()]) if (at >= mark) this.live.delete(at);
    while (this.holes.length > 0 && this.holes[this.holes.length - 1]!.at >= mark) this.holes.pop();
    // A hole freed below the mark may have coalesced with one freed above it: cut it at the mark.
    const straddling = this.holes[this.holes.length - 1];
    if (straddling !== undefined && straddling.at + straddling.bytes > mark) straddling.bytes = mark - straddling.at;
    this.top = mark;
    this.marks--;
    const last = this.holes[this.holes.length - 1];
    if (this.marks === 0 && last !== undefined && last.at + last.bytes === this.top) {
      this.top = last.at;
      this.holes.pop();
    }
  }

  f32(offset: number, n: number): Float32Array { return new Float32Array(this.memory.buffer, offset, n); }
  i32(offset: number, n: number): Int32Array { return new Int32Array(this.memory.buffer, offset, n); }
  u8(offset: number, n: number): Uint8Array { return new Uint8Array(this.memory.buffer, offset, n); }
}
