// CIFAR-10 "binary version" batches (data_batch_1.bin … data_batch_5.bin, test_batch.bin), parsed
// from bytes.
//
// A batch is a run of 3073-byte records, nothing else (no header):
//   byte 0           label, 0..9
//   bytes 1..1024    red plane, 32x32 row-major
//   bytes 1025..2048 green plane
//   bytes 2049..3072 blue plane
// Output: NHWC [n, 32, 32, 3], value = byte/255, so image r pixel (y, x) channel c is
//   images[((r·32 + y)·32 + x)·3 + c] = record_r[1 + c·1024 + y·32 + x] / 255.
//
// Browser-safe: no Node imports.

import type { Dataset } from './dataset.js';
import { BYTE_TO_UNIT, DataFormatError } from './errors.js';

export const CIFAR10_CLASSES: readonly string[] = [
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
];
export const CIFAR_SIDE = 32;
export const CIFAR_PLANE = CIFAR_SIDE * CIFAR_SIDE; // 1024
export const CIFAR_RECORD_BYTES = 1 + 3 * CIFAR_PLANE; // 3073

/** Parses one CIFAR-10 binary batch. `file` names it in error messages; `name` becomes Dataset.name. */
export function parseCifarBatch(bytes: Uint8Array, file = 'CIFAR-10 batch', name = file): Dataset {
  const len = bytes.length;
  if (len === 0) throw new DataFormatError(file, 0, `empty file, expected one or more ${CIFAR_RECORD_BYTES}-byte records`);
  const n = Math.floor(len / CIFAR_RECORD_BYTES);
  const rest = len - n * CIFAR_RECORD_BYTES;
  if (rest !== 0) {
    throw new DataFormatError(file, n * CIFAR_RECORD_BYTES,
      `size ${len} bytes is not a whole number of ${CIFAR_RECORD_BYTES}-byte records (1 label + 3x1024 pixels): ` +
      `${n} whole records then ${rest} bytes left over`);
  }
  const labels = new Int32Array(n);
  const images = new Float32Array(n * CIFAR_PLANE * 3);
  for (let r = 0; r < n; r++) {
    const at = r * CIFAR_RECORD_BYTES;
    const label = bytes[at]!;
    if (label > 9) {
      throw new DataFormatError(file, at, `record ${r} has label ${label}, expected 0..9`);
    }
    labels[r] = label;
    const out = r * CIFAR_PLANE * 3;
    for (let c = 0; c < 3; c++) {
      const plane = at + 1 + c * CIFAR_PLANE;
      // p = y·32 + x walks the plane row-major; the NHWC index of (y, x, c) is p·3 + c.
      for (let p = 0; p < CIFAR_PLANE; p++) images[out + p * 3 + c] = BYTE_TO_UNIT[bytes[plane + p]!]!;
    }
  }
  return {
    name, images, labels, count: n, height: CIFAR_SIDE, width: CIFAR_SIDE, channels: 3,
    numClasses: 10, classNames: CIFAR10_CLASSES.slice(),
  };
}
