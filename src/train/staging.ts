// Data staging: the dataset is copied into wasm memory ONCE per fit/evaluate/predict call (a
// reusable slot per role) with an identity index beside it; fit writes each epoch's permutation
// over that index, and every step gathers its batch rows through a slice of it (gather_rows on the
// images, and on the i32 labels: memory.copy, bit-exact). The model's input normalization is
// applied once to each staged dataset (standardize_channels, in place).

import type { Sequential } from '../model/sequential.js';

/** Copies images and labels into the model's slots for `role`, plus an identity index 0..n-1. */
export function stage(model: Sequential, role: string, images: Float32Array, labels: Int32Array | undefined, n: number): { images: number; labels: number; index: number } {
  const pImages = model.slot(`${role} images`, images.length * 4);
  const pLabels = labels ? model.slot(`${role} labels`, n * 4) : 0;
  const pIndex = model.slot(`${role} index`, n * 4);
  const f32 = model.f32();
  const i32 = model.i32();
  f32.set(images, pImages >> 2);
  model.input.apply(pImages, images.length); // the model's normalization, in place (none: nothing)
  if (labels) i32.set(labels, pLabels >> 2);
  const base = pIndex >> 2;
  for (let i = 0; i < n; i++) i32[base + i] = i;
  return { images: pImages, labels: pLabels, index: pIndex };
}

export interface Staged { images: number; labels: number; index: number; count: number }
