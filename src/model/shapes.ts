// Shape inference over a layer stack: every layer's input and output shape, default names for
// unnamed layers, where the loss fuses, and the class count of the logits.

import { formatShape, type Layer } from '../layers/layer.js';

/**
 * Sets each layer's index, name (type_N when unnamed; names must be unique), inShape and outShape
 * from `inputShape`. Returns how many layers run in training (a last layer fused with the loss,
 * such as Softmax, does not) and the number of classes the logits have.
 */
export function inferShapes(layers: readonly Layer[], inputShape: readonly number[], modelName: string): { stackSize: number; numClasses: number } {
  const counts = new Map<string, number>();
  const names = new Set<string>();
  for (const l of layers) if (l.name !== undefined) names.add(l.name);
  let shape = inputShape;
  layers.forEach((l, i) => {
    l.index = i;
    if (l.name === undefined) {
      const base = l.type.toLowerCase();
      let n = counts.get(base) ?? 0;
      let name: string;
      do { name = `${base}_${++n}`; } while (names.has(name));
      counts.set(base, n);
      names.add(name);
      l.name = name;
    } else if (layers.some((o, j) => j < i && o.name === l.name)) {
      throw new Error(`${l.label}: the name '${l.name}' is used by an earlier layer; layer names must be unique`);
    }
    l.inShape = [...shape];
    l.outShape = l.outputShape(shape);
    shape = l.outShape;
  });
  const lastIndex = layers.length - 1;
  let fusedLayer = false;
  layers.forEach((l, i) => { if (l.fuseWithLoss(i === lastIndex) === 'layer' && i === lastIndex) fusedLayer = true; });
  const stackSize = fusedLayer ? layers.length - 1 : layers.length;
  if (stackSize === 0) throw new Error(`Sequential '${modelName}': a model of only a Softmax layer has nothing to train`);
  const logitsShape = layers[stackSize - 1]!.outShape;
  if (logitsShape.length !== 1 || logitsShape[0]! < 2) {
    throw new RangeError(`Sequential '${modelName}': the last layer must output a vector of class scores [numClasses ≥ 2], ` +
      `got ${formatShape(logitsShape)} from ${layers[stackSize - 1]!.label}; end the model with Flatten and Dense({ units: numClasses })`);
  }
  return { stackSize, numClasses: logitsShape[0]! };
}
