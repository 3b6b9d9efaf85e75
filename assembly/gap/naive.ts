// Global average pooling over NHWC, naive variant: x [B][HW][C] → y [B][C] (HW = H·W).
//   global_avgpool_forward(y, x, B, HW, C)     y[b,c] = (Σ_p x[b,p,c], summed in p order from 0) / HW
//                                              Writes y; reads x.
//   global_avgpool_backward(dx, dy, B, HW, C)  dx[b,p,c] = dy[b,c] / HW. Overwrites dx; reads dy.
// The sum accumulates in y itself (rows of C floats), so the SIMD twin can keep the same order.
import { f32At } from "../util/ptr";

export function global_avgpool_forward_naive(y: usize, x: usize, B: i32, HW: i32, C: i32): void {
  const n = <f32>HW;
  for (let b = 0; b < B; b++) {
    const yb = f32At(y, b * C), xb = f32At(x, b * HW * C);
    for (let c = 0; c < C; c++) store<f32>(f32At(yb, c), 0);
    for (let p = 0; p < HW; p++) {
      for (let c = 0; c < C; c++) store<f32>(f32At(yb, c), load<f32>(f32At(yb, c)) + load<f32>(f32At(xb, p * C + c)));
    }
    for (let c = 0; c < C; c++) store<f32>(f32At(yb, c), load<f32>(f32At(yb, c)) / n);
  }
}

export function global_avgpool_backward_naive(dx: usize, dy: usize, B: i32, HW: i32, C: i32): void {
  const n = <f32>HW;
  for (let b = 0; b < B; b++) {
    const db = f32At(dy, b * C), xb = f32At(dx, b * HW * C);
    for (let p = 0; p < HW; p++) {
      for (let c = 0; c < C; c++) store<f32>(f32At(xb, p * C + c), load<f32>(f32At(db, c)) / n);
    }
  }
}
