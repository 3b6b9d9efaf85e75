// The shapes that matter: the real layers of the reference models (LeNet-5, the Keras-style
// convnet and `fast`) at batch 32 and batch 1, plus square GEMMs. Benchmarks time these,
// not arbitrary sizes.

export interface ConvShape {
  name: string;
  B: number; H: number; W: number; C: number;
  OC: number; K: number; stride: number; padding: 'same' | 'valid';
}

export interface PoolShape {
  name: string;
  B: number; H: number; W: number; C: number; K: number; stride: number;
}

export interface GemmShape {
  name: string;
  M: number; N: number; K: number;
}

/** Conv layers of the zoo models at batch B (`fast`: 24@5x5 valid, maxpool 2, 32@3x3 valid). */
export function convShapes(B: number): ConvShape[] {
  return [
    { name: `lenet.conv1 B=${B}`, B, H: 28, W: 28, C: 1, OC: 6, K: 5, stride: 1, padding: 'same' },
    { name: `lenet.conv2 B=${B}`, B, H: 14, W: 14, C: 6, OC: 16, K: 5, stride: 1, padding: 'valid' },
    { name: `convnet.conv1 B=${B}`, B, H: 28, W: 28, C: 1, OC: 32, K: 3, stride: 1, padding: 'valid' },
    { name: `convnet.conv2 B=${B}`, B, H: 26, W: 26, C: 32, OC: 64, K: 3, stride: 1, padding: 'valid' },
    { name: `fast.conv1 B=${B}`, B, H: 28, W: 28, C: 1, OC: 24, K: 5, stride: 1, padding: 'valid' },
    { name: `fast.conv2 B=${B}`, B, H: 12, W: 12, C: 24, OC: 32, K: 3, stride: 1, padding: 'valid' },
  ];
}

export function poolShapes(B: number): PoolShape[] {
  return [
    { name: `lenet.pool1 B=${B}`, B, H: 28, W: 28, C: 6, K: 2, stride: 2 },
    { name: `lenet.pool2 B=${B}`, B, H: 10, W: 10, C: 16, K: 2, stride: 2 },
    { name: `convnet.pool B=${B}`, B, H: 24, W: 24, C: 64, K: 2, stride: 2 },
    { name: `fast.pool1 B=${B}`, B, H: 24, W: 24, C: 24, K: 2, stride: 2 },
    { name: `fast.pool2 B=${B}`, B, H: 10, W: 10, C: 32, K: 2, stride: 2 },
  ];
}

/** Dense layers as GEMMs (M = batch), and the square ones. */
export function gemmShapes(B: number): GemmShape[] {
  return [
    { name: `lenet.fc1 B=${B}`, M: B, N: 120, K: 400 },
    { name: `lenet.fc2 B=${B}`, M: B, N: 84, K: 120 },
    { name: `convnet.fc1 B=${B}`, M: B, N: 128, K: 9216 },
    { name: `fast.fc1 B=${B}`, M: B, N: 256, K: 800 },
  ];
}

export const squareGemms: GemmShape[] = [
  { name: 'square 64', M: 64, N: 64, K: 64 },
  { name: 'square 256', M: 256, N: 256, K: 256 },
  { name: 'square 512', M: 512, N: 512, K: 512 },
];

/** Parameter counts of the zoo models, for the optimizer kernels. */
export const paramCounts = [
  { name: 'lenet5 params', n: 61706 },
  { name: 'convnet params', n: 1199882 },
];

/** Activation sizes (values per batch) for the elementwise kernels. */
export const activationSizes = [
  { name: 'lenet.conv1 out B=32', n: 32 * 28 * 28 * 6 },
  { name: 'convnet.conv2 out B=32', n: 32 * 24 * 24 * 64 },
];
