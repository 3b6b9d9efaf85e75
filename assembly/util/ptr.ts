// Pointer helpers shared by every kernel family. All pointers are byte offsets into
// the one imported linear memory; element counts are i32.

/** Byte offset of element `i` in an f32 array that starts at `base`. */
@inline export function f32At(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}
