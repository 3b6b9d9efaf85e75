// The error every data parser throws for a malformed file: it names the file, the byte offset
// where the problem was found, and (in the message) what was expected instead.
//
// Browser-safe: no Node imports.

export class DataFormatError extends Error {
  /**
   * @param file   the file (or other source) being read, as the caller named it
   * @param offset byte offset in that file where the problem was found
   * @param detail what was wrong and what was expected
   */
  constructor(readonly file: string, readonly offset: number, readonly detail: string) {
    super(`${file}: at byte offset ${offset}: ${detail}`);
    this.name = 'DataFormatError';
  }
}

/** "0x1f 0x8b" — bytes as hex, for messages. */
export function hexBytes(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => '0x' + b.toString(16).padStart(2, '0')).join(' ');
}

/** k/255 for k = 0..255 as float32: the one table every byte-image loader scales with. */
export const BYTE_TO_UNIT: Float32Array = (() => {
  const t = new Float32Array(256);
  for (let k = 0; k < 256; k++) t[k] = k / 255;
  return t;
})();
