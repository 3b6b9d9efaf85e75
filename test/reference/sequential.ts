// A plain-TypeScript float64 reference Sequential for tests: straight loop nests from the
// definitions, written for clarity, never importing src/. Layouts match the library:
// activations NHWC [B][H][W][C], conv weights HWIO [KH][KW][C][OC], dense weights [IN][OUT].
//
// 'same' padding follows TensorFlow: OH = ceil(H / SH), total pad = max((OH−1)·SH + KH − H, 0),
// top gets floor(total / 2). Pool windows are clipped to the input (max over / mean of the
// in-bounds part). Loss: mean softmax cross-entropy over the batch on the last layer's output.

export type Act = 'linear' | 'relu' | 'tanh' | 'sigmoid';

export type RefLayer =
  | { kind: 'conv'; KH: number; KW: number; OC: number; SH: number; SW: number; padding: 'same' | 'valid'; act: Act; w?: Float64Array; b?: Float64Array }
  | { kind: 'maxpool' | 'avgpool'; KH: number; KW: number; SH: number; SW: number; padding: 'same' | 'valid' }
  | { kind: 'dense'; OUT: number; act: Act; w?: Float64Array; b?: Float64Array }
  | { kind: 'flatten' }
  | { kind: 'relu' | 'tanh' | 'sigmoid' };

type Shape3 = [number, number, number];

interface Planned {
  layer: RefLayer;
  inShape: number[];
  outShape: number[];
  PT: number;
  PL: number;
}

function outDim(n: number, k: number, s: number, padding: 'same' | 'valid'): { out: number; pad: number } {
  if (padding === 'valid') return { out: Math.floor((n - k) / s) + 1, pad: 0 };
  const out = Math.ceil(n / s);
  return { out, pad: Math.floor(Math.max((out - 1) * s + k - n, 0) / 2) };
}

function act(a: Act, z: number): number {
  if (a === 'relu') return z > 0 ? z : 0;
  if (a === 'tanh') return Math.tanh(z);
  if (a === 'sigmoid') return 1 / (1 + Math.exp(-z));
  return z;
}

/** d act / d z expressed through the output y. */
function actGrad(a: Act, y: number): number {
  if (a === 'relu') return y > 0 ? 1 : 0;
  if (a === 'tanh') return 1 - y * y;
  if (a === 'sigmoid') return y * (1 - y);
  return 1;
}

export interface RefGrads {
  loss: number;
  logits: Float64Array;
  /** Per layer: kernel and bias gradients (undefined for layers without parameters). */
  dw: (Float64Array | undefined)[];
  db: (Float64Array | undefined)[];
  dx: Float64Array;
}

export class RefSequential {
  readonly planned: Planned[] = [];

  constructor(readonly inputShape: number[], layers: RefLayer[]) {
    let shape = [...inputShape];
    for (const l of layers) {
      let out: number[];
      let PT = 0;
      let PL = 0;
      if (l.kind === 'conv' || l.kind === 'maxpool' || l.kind === 'avgpool') {
        const [H, W, C] = shape as Shape3;
        const h = outDim(H, l.KH, l.SH, l.padding);
        const w = outDim(W, l.KW, l.SW, l.padding);
        PT = h.pad;
        PL = w.pad;
        out = [h.out, w.out, l.kind === 'conv' ? l.OC : C];
        if (l.kind === 'conv') {
          l.w ??= new Float64Array(l.KH * l.KW * C * l.OC);
          l.b ??= new Float64Array(l.OC);
        }
      } else if (l.kind === 'dense') {
        const IN = shape.reduce((a, b) => a * b, 1);
        out = [l.OUT];
        l.w ??= new Float64Array(IN * l.OUT);
        l.b ??= new Float64Array(l.OUT);
      } else if (l.kind === 'flatten') {
        out = [shape.reduce((a, b) => a * b, 1)];
      } else {
        out = [...shape];
      }
      this.planned.push({ layer: l, inShape: shape, outShape: out, PT, PL });
      shape = out;
    }
  }

  /** All activations: acts[0] = x, acts[i+1] = output of layer i. */
  forwardAll(x: Float64Array, B: number): Float64Array[] {
    const acts = [x];
    for (const p of this.planned) acts.push(this.layerForward(p, acts[acts.length - 1]!, B));
    return acts;
  }

  forward(x: Float64Array, B: number): Float64Array {
    const a = this.forwardAll(x, B);
    return a[a.length - 1]!;
  }

  private layerForward(p: Planned, x: Float64Array, B: number): Float64Array {
    const l = p.layer;
    const outN = p.outShape.reduce((a, b) => a * b, 1);
    const y = new Float64Array(B * outN);
    if (l.kind === 'conv') {
      const [H, W, C] = p.inShape as Shape3;
      const [OH, OW, OC] = p.outShape as Shape3;
      for (let b = 0; b < B; b++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let oc = 0; oc < OC; oc++) {
        let s = l.b![oc]!;
        for (let kh = 0; kh < l.KH; kh++) for (let kw = 0; kw < l.KW; kw++) {
          const ih = oh * l.SH + kh - p.PT;
          const iw = ow * l.SW + kw - p.PL;
          if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
          for (let c = 0; c < C; c++) s += x[((b * H + ih) * W + iw) * C + c]! * l.w![((kh * l.KW + kw) * C + c) * OC + oc]!;
        }
        y[((b * OH + oh) * OW + ow) * OC + oc] = act(l.act, s);
      }
    } else if (l.kind === 'maxpool' || l.kind === 'avgpool') {
      const [H, W, C] = p.inShape as Shape3;
      const [OH, OW] = p.outShape as Shape3;
      for (let b = 0; b < B; b++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let c = 0; c < C; c++) {
        let m = -Infinity;
        let s = 0;
        let n = 0;
        for (let kh = 0; kh < l.KH; kh++) for (let kw = 0; kw < l.KW; kw++) {
          const ih = oh * l.SH + kh - p.PT;
          const iw = ow * l.SW + kw - p.PL;
          if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
          const v = x[((b * H + ih) * W + iw) * C + c]!;
          if (v > m) m = v;
          s += v;
          n++;
        }
        y[((b * OH + oh) * OW + ow) * C + c] = l.kind === 'maxpool' ? m : s / n;
      }
    } else if (l.kind === 'dense') {
      const IN = x.length / B;
      for (let b = 0; b < B; b++) for (let o = 0; o < l.OUT; o++) {
        let s = l.b![o]!;
        for (let i = 0; i < IN; i++) s += x[b * IN + i]! * l.w![i * l.OUT + o]!;
        y[b * l.OUT + o] = act(l.act, s);
      }
    } else if (l.kind === 'flatten') {
      y.set(x);
    } else {
      for (let i = 0; i < x.length; i++) y[i] = act(l.kind, x[i]!);
    }
    return y;
  }

  /** Mean softmax cross-entropy of the last layer's output (logits) over the batch. */
  static xent(logits: Float64Array, labels: ArrayLike<number>, B: number): { loss: number; dz: Float64Array } {
    const N = logits.length / B;
    const dz = new Float64Array(logits.length);
    let loss = 0;
    for (let b = 0; b < B; b++) {
      let m = -Infinity;
      for (let j = 0; j < N; j++) m = Math.max(m, logits[b * N + j]!);
      let s = 0;
      for (let j = 0; j < N; j++) s += Math.exp(logits[b * N + j]! - m);
      const lse = m + Math.log(s);
      loss += lse - logits[b * N + labels[b]!]!;
      for (let j = 0; j < N; j++) dz[b * N + j] = (Math.exp(logits[b * N + j]! - lse) - (j === labels[b] ? 1 : 0)) / B;
    }
    return { loss: loss / B, dz };
  }

  loss(x: Float64Array, labels: ArrayLike<number>, B: number): number {
    return RefSequential.xent(this.forward(x, B), labels, B).loss;
  }

  lossAndGrads(x: Float64Array, labels: ArrayLike<number>, B: number): RefGrads {
    const acts = this.forwardAll(x, B);
    const logits = acts[acts.length - 1]!;
    const { loss, dz } = RefSequential.xent(logits, labels, B);
    const dw: (Float64Array | undefined)[] = this.planned.map(() => undefined);
    const db: (Float64Array | undefined)[] = this.planned.map(() => undefined);
    let dy = dz;
    for (let i = this.planned.length - 1; i >= 0; i--) {
      const p = this.planned[i]!;
      const l = p.layer;
      const xin = acts[i]!;
      const y = acts[i + 1]!;
      const dx = new Float64Array(xin.length);
      if (l.kind === 'conv') {
        const [H, W, C] = p.inShape as Shape3;
        const [OH, OW, OC] = p.outShape as Shape3;
        const gw = new Float64Array(l.w!.length);
        const gb = new Float64Array(OC);
        for (let b = 0; b < B; b++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let oc = 0; oc < OC; oc++) {
          const o = ((b * OH + oh) * OW + ow) * OC + oc;
          const g = dy[o]! * actGrad(l.act, y[o]!);
          gb[oc]! += g;
          for (let kh = 0; kh < l.KH; kh++) for (let kw = 0; kw < l.KW; kw++) {
            const ih = oh * l.SH + kh - p.PT;
            const iw = ow * l.SW + kw - p.PL;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            for (let c = 0; c < C; c++) {
              const xi = ((b * H + ih) * W + iw) * C + c;
              const wi = ((kh * l.KW + kw) * C + c) * OC + oc;
              gw[wi]! += xin[xi]! * g;
              dx[xi]! += l.w![wi]! * g;
            }
          }
        }
        dw[i] = gw;
        db[i] = gb;
      } else if (l.kind === 'maxpool' || l.kind === 'avgpool') {
        const [H, W, C] = p.inShape as Shape3;
        const [OH, OW] = p.outShape as Shape3;
        for (let b = 0; b < B; b++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let c = 0; c < C; c++) {
          const g = dy[((b * OH + oh) * OW + ow) * C + c]!;
          const cells: number[] = [];
          let best = -1;
          let m = -Infinity;
          for (let kh = 0; kh < l.KH; kh++) for (let kw = 0; kw < l.KW; kw++) {
            const ih = oh * l.SH + kh - p.PT;
            const iw = ow * l.SW + kw - p.PL;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            const xi = ((b * H + ih) * W + iw) * C + c;
            cells.push(xi);
            if (xin[xi]! > m) { m = xin[xi]!; best = xi; }
          }
          if (l.kind === 'maxpool') dx[best]! += g;
          else for (const xi of cells) dx[xi]! += g / cells.length;
        }
      } else if (l.kind === 'dense') {
        const IN = xin.length / B;
        const gw = new Float64Array(l.w!.length);
        const gb = new Float64Array(l.OUT);
        for (let b = 0; b < B; b++) for (let o = 0; o < l.OUT; o++) {
          const g = dy[b * l.OUT + o]! * actGrad(l.act, y[b * l.OUT + o]!);
          gb[o]! += g;
          for (let k = 0; k < IN; k++) {
            gw[k * l.OUT + o]! += xin[b * IN + k]! * g;
            dx[b * IN + k]! += l.w![k * l.OUT + o]! * g;
          }
        }
        dw[i] = gw;
        db[i] = gb;
      } else if (l.kind === 'flatten') {
        dx.set(dy);
      } else {
        for (let k = 0; k < dx.length; k++) dx[k] = dy[k]! * actGrad(l.kind, y[k]!);
      }
      dy = dx;
    }
    return { loss, logits, dw, db, dx: dy };
  }
}

/** Adam (bias-corrected, ε after the correction, as the kernel contract) in f64, in place. */
export function refAdam(w: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, t: number,
  lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-7): void {
  const bc1 = 1 - b1 ** t;
  const bc2 = 1 - b2 ** t;
  for (let i = 0; i < w.length; i++) {
    m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
    v[i] = b2 * v[i]! + (1 - b2) * g[i]! * g[i]!;
    w[i]! -= (lr * (m[i]! / bc1)) / (Math.sqrt(v[i]! / bc2) + eps);
  }
}
