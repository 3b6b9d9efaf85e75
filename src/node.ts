// Node-only additions to the public API: data loaders that read files, saving models to
// disk (temporary file, then rename), and the training report writer.
export * from './index.js';
export * from './data/load-node.js';
export * from './data/mnist-node.js';
export * from './data/idx-node.js';
export * from './data/cifar-node.js';
export * from './io/model-node.js';
export * from './report/index.js';
export * from './image/index.js';
export { writeReport } from './report/write-node.js';
