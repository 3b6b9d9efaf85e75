// Seeded synthetic report inputs: an MNIST-like (gray, 10 digits) and a CIFAR-like (RGB) run.
import { makeRng } from '../helpers/rng.js';
import type { ReportInput } from '../../src/report/types.js';

/** A gray H×W image: a bright ring of radius r around (cy, cx) on black. */
export function ringImage(H: number, W: number, cy: number, cx: number, r: number): Float32Array {
  const img = new Float32Array(H * W);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const d = Math.hypot(y + 0.5 - cy, x + 0.5 - cx);
      img[y * W + x] = Math.max(0, 1 - Math.abs(d - r) / 1.5);
    }
  }
  return img;
}

export function mnistLikeInput(seed = 1): ReportInput {
  const rng = makeRng(seed);
  const E = 6;
  const epoch = Array.from({ length: E }, (_, i) => i + 1);
  const loss = epoch.map((e) => 0.05 + 0.6 / e);
  const valLoss = epoch.map((e) => 0.08 + 0.55 / e + 0.01 * e);
  const accuracy = epoch.map((e) => 0.99 - 0.12 / e);
  const valAccuracy = epoch.map((e) => 0.985 - 0.1 / e);
  const perEpoch = 40;
  const batchLoss = Array.from({ length: E * perEpoch }, (_, i) => 0.05 + 2.2 / (1 + i / 8) + 0.15 * rng());
  const K = 10;
  const confusion = Array.from({ length: K }, (_, t) =>
    Array.from({ length: K }, (_, p) => (t === p ? 950 + Math.floor(40 * rng()) : rng() < 0.4 ? Math.floor(12 * rng()) : 0)),
  );
  const N = 12;
  const H = 28;
  const W = 28;
  const images = new Float32Array(N * H * W);
  const predicted: number[] = [];
  const actual: number[] = [];
  for (let i = 0; i < N; i++) {
    images.set(ringImage(H, W, 10 + 8 * rng(), 10 + 8 * rng(), 4 + 5 * rng()), i * H * W);
    actual.push(i % K);
    predicted.push((i * 3 + 1) % K);
  }
  const KH = 5, KW = 5, C = 1, OC = 8;
  const filters = new Float32Array(KH * KW * C * OC);
  for (let i = 0; i < filters.length; i++) filters[i] = 0.4 * (rng() - 0.5);
  const FH = 24, FW = 24, FC = 8;
  const fmaps = new Float32Array(FH * FW * FC);
  for (let y = 0; y < FH; y++) for (let x = 0; x < FW; x++) for (let c = 0; c < FC; c++) {
    fmaps[(y * FW + x) * FC + c] = Math.max(0, Math.sin((x * (c + 1)) / 6) + Math.cos((y * (8 - c)) / 7));
  }
  return {
    summary: { model: 'conv(8,5x5)-relu-pool-dense(10)', build: 'simd', epochs: E, 'test accuracy': 0.9871, 'test loss': 0.04213, 'images/s': 12345.678 },
    history: { epoch, loss, accuracy, valLoss, valAccuracy },
    batchLoss,
    confusion,
    misclassified: { images, height: H, width: W, channels: 1, predicted, actual, indices: Array.from({ length: N }, (_, i) => 100 + i) },
    filters: { data: filters, KH, KW, C, OC },
    featureMaps: { data: fmaps, H: FH, W: FW, C: FC, title: 'conv1 + relu, test image 0 (label 7)' },
  };
}

export const CIFAR_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

export function cifarLikeInput(seed = 2): ReportInput {
  const rng = makeRng(seed);
  const K = 10;
  const confusion = Array.from({ length: K }, (_, t) =>
    Array.from({ length: K }, (_, p) => (t === p ? 600 + Math.floor(200 * rng()) : Math.floor(60 * rng()))),
  );
  const N = 7, H = 32, W = 32;
  const images = new Float32Array(N * H * W * 3);
  for (let i = 0; i < images.length; i++) images[i] = rng();
  const KH = 3, KW = 3, C = 3, OC = 16;
  const filters = new Float32Array(KH * KW * C * OC);
  for (let i = 0; i < filters.length; i++) filters[i] = rng() - 0.5;
  return {
    title: 'CIFAR-10 run',
    summary: { model: 'small-cnn', build: 'naive', epochs: 1, 'test accuracy': 0.52 },
    history: { epoch: [1], loss: [1.6], accuracy: [0.41] },
    confusion,
    classNames: CIFAR_NAMES,
    misclassified: { images, height: H, width: W, channels: 3, predicted: [1, 2, 3, 4, 5, 6, 7], actual: [0, 0, 0, 9, 9, 9, 8] },
    filters: { data: filters, KH, KW, C, OC },
  };
}
