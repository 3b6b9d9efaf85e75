// Elementwise activations over arrays of any shape, forward and backward.
//
//   relu(z) = max(z, 0)      tanh(z)      sigmoid(z) = 1 / (1 + e^-z)      linear(z) = z
// The backward takes the forward OUTPUT a (as the kernels do): dZ = dA·(a > 0) for relu,
// dA·(1 − a²) for tanh, dA·a·(1 − a) for sigmoid, dA for linear.

import type { Kernels } from '../runtime/abi.js';
import { checkArray, checkShapeIs, product, type NdArray } from './ndarray.js';
import { requireReady, withScope } from './runtime.js';
import { shown } from '../util/format.js';

export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'linear';

const ACTIVATIONS: readonly Activation[] = ['relu', 'tanh', 'sigmoid', 'linear'];

export function checkActivation(a: unknown, label: string): asserts a is Activation {
  if (!ACTIVATIONS.includes(a as Activation)) {
    throw new TypeError(`${label}: activation must be one of ${ACTIVATIONS.map((x) => `'${x}'`).join(', ')}, got ${shown(a)}`);
  }
}

/** Runs the forward kernel of `act` from z into a (n values); 'linear' copies. Used by convForward. */
export function runActivation(k: Kernels, memory: WebAssembly.Memory, act: Activation, a: number, z: number, n: number): void {
  switch (act) {
    case 'relu': k.relu_forward(a, z, n); break;
    case 'tanh': k.tanh_forward(a, z, n); break;
    case 'sigmoid': k.sigmoid_forward(a, z, n); break;
    case 'linear': new Float32Array(memory.buffer, a, n).set(new Float32Array(memory.buffer, z, n)); break;
  }
}

/** A = activation(Z), elementwise; same shape as Z. */
export function activationForward(Z: NdArray, activation: Activation): NdArray {
  const label = 'activationForward';
  requireReady(label);
  checkArray(Z, 'Z', null, label);
  checkActivation(activation, label);
  const n = product(Z.shape);
  return withScope(label, (s) => {
    const z = s.put(Z.data, 'Z');
    const a = s.zeros(n, 'A');
    runActivation(s.k, s.memory, activation, a, z, n);
    return s.take(a, Z.shape);
  });
}

/** dZ from dA and the forward output A = activation(Z); all three have the same shape. */
export function activationBackward(dA: NdArray, A: NdArray, activation: Activation): NdArray {
  const label = 'activationBackward';
  requireReady(label);
  checkArray(dA, 'dA', null, label);
  checkArray(A, 'A', null, label);
  checkShapeIs(A, 'A', dA.shape, "the forward output, same shape as dA", label);
  checkActivation(activation, label);
  const n = product(dA.shape);
  if (activation === 'linear') return { data: dA.data.slice(), shape: [...dA.shape] };
  return withScope(label, (s) => {
    const dy = s.put(dA.data, 'dA');
    const y = s.put(A.data, 'A');
    const dx = s.zeros(n, 'dZ');
    switch (activation) {
      case 'relu': s.k.relu_backward(dx, dy, y, n); break;
      case 'tanh': s.k.tanh_backward(dx, dy, y, n); break;
      case 'sigmoid': s.k.sigmoid_backward(dx, dy, y, n); break;
    }
    return s.take(dx, dA.shape);
  });
}
