// The functional ops API: NumPy-exercise-style conv, pooling, activations and matmul on
// plain { data: Float32Array, shape } arrays (NHWC). `await init()` once, then every op is
// synchronous, validates its arguments before touching wasm memory, and returns fresh arrays.

export { init, dispose, isReady, memoryStats, type InitOptions, type InitInfo, type MemoryStats } from './runtime.js';
export { ndarray, zeros, type NdArray } from './ndarray.js';
export { activationForward, activationBackward, type Activation } from './activation.js';
export { convForward, convForwardWithZ, convBackward, type Stride, type ConvForwardResult, type ConvGradients } from './conv.js';
export { poolForward, poolBackward, type PoolMode, type KernelShape } from './pool.js';
export { matmul } from './matmul.js';
export type { Padding } from '../tensor/geometry.js';
