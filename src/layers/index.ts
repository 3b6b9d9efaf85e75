export { Layer, type Shape, type LayerRun, type ParamSpec, type ParamView, type BufferSpec, type Activation, type InitSpec } from './layer.js';
export { Conv2D, type Conv2DConfig } from './conv2d.js';
export { MaxPool2D, AvgPool2D, type Pool2DConfig } from './pool2d.js';
export { Dense, type DenseConfig } from './dense.js';
export { Flatten, Reshape, type ReshapeConfig } from './flatten.js';
export { ReLU, Tanh, Sigmoid, Softmax } from './activations.js';
export { Dropout, type DropoutConfig } from './dropout.js';
export { registerLayer, layerFromJSON, layerTypes, type LayerFactory } from './registry.js';
export { type InitializerName } from './initializers.js';
