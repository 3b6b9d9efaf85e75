// Global average pooling, SIMD variant: four channels per f32x4. Same formulas and order as
// gap/naive.ts (each channel still sums its HW positions in p order, the C % 4 tail runs the
// scalar body), so each lane does the naive IEEE operations: bit-identical to the naive build.
import { f32At } from "../util/ptr";

export function global_avgpool_forward_simd(y: usize, x: usize, B: i32, HW: i32, C: i32): void {
  const n = <f32>HW;
  const vn = f32x4.splat(n);
  const C4 = C & ~3;
  for (let b = 0; b < B; b++) {
    const yb = f32At(y, b * C), xb = f32At(x, b * HW * C);
    for (let c = 0; c < C; c++) store<f32>(f32At(yb, c), 0);
    for (let p = 0; p < HW; p++) {
      const xp = f32At(xb, p * C);
      let c = 0;
      for (; c < C4; c += 4) v128.store(f32At(yb, c), f32x4.add(v128.load(f32At(yb, c)), v128.load(f32At(xp, c))));
      for (; c < C; c++) store<f32>(f32At(yb, c), load<f32>(f32At(yb, c)) + load<f32>(f32At(xp, c)));
    }
    let c = 0;
    for (; c < C4; c += 4) v128.store(f32At(yb, c), f32x4.div(v128.load(f32At(yb, c)), vn));
    for (; c < C; c++) store<f32>(f32At(yb, c), load<f32>(f32At(yb, c)) / n);
  }
}

export function global_avgpool_backward_simd(dx: usize, dy: usize, B: i32, HW: i32, C: i32): void {
  const n = <f32>HW;
  const vn = f32x4.splat(n);
  const C4 = C & ~3;
  for (let b = 0; b < B; b++) {
    const db = f32At(dy, b * C), xb = f32At(dx, b * HW * C);
    for (let p = 0; p < HW; p++) {
      const xp = f32At(xb, p * C);
      let c = 0;
      for (; c < C4; c += 4) v128.store(f32At(xp, c), f32x4.div(v128.load(f32At(db, c)), vn));
      for (; c < C; c++) store<f32>(f32At(xp, c), load<f32>(f32At(db, c)) / n);
    }
  }
}
