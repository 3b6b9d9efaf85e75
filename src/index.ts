// simdnet's public API (browser-safe: nothing here imports Node modules).
// Node-only helpers (file loaders, saving to disk, the training report) are in ./node.ts.

// Runtime: the kernel builds (naive, simd, relaxed) over one shared wasm memory.
export { loadRuntime, BUILD_NAMES, type Runtime, type LoadOptions, type BuildName, type WasmSource } from './runtime/load.js';
export { simdSupported, relaxedSimdSupported } from './runtime/features.js';
export { availableThreads, threadStats, disposeRuntime, type ThreadsOption } from './pool/pool.js';
export { Arena } from './runtime/arena.js';
export { type Kernels, type Geom2d, KERNEL_NAMES } from './runtime/abi.js';
export { windowGeom, outputSize, type Padding } from './tensor/geometry.js';

// Functional ops (NumPy-exercise style): init() once, then synchronous calls.
export * from './ops/index.js';
export type { Activation as LayerActivation } from './layers/layer.js';

// Layers, models, optimizers, training.
export { Layer, Conv2D, MaxPool2D, AvgPool2D, Dense, Flatten, Reshape, ReLU, Tanh, Sigmoid, Softmax, Dropout,
  LeakyReLU, ELU, BatchNormalization, GlobalAveragePooling2D, type BatchNormalizationConfig,
  registerLayer, layerFromJSON, layerTypes, type Shape, type ParamView, type Conv2DConfig, type Pool2DConfig,
  type DenseConfig, type ReshapeConfig, type DropoutConfig, type InitializerName } from './layers/index.js';
export { Sequential, defaultRuntime, type CompileOptions, type ModelTopology } from './model/sequential.js';
export { SoftmaxCrossEntropy, type Loss } from './losses/index.js';
export { zoo, zooNames, zooEntry, zooModel, type ZooEntry } from './model/zoo.js';
export * from './optimizers/index.js';
export { fit } from './train/trainer.js';
export { evaluate, type Evaluation } from './train/evaluate.js';
export { predict, type Prediction } from './train/predict.js';
export { DivergenceError } from './train/divergence.js';
export type { FitOptions, History, BatchLogs, EpochLogs, TrainStream } from './train/fit-options.js';
export { confusionMatrix, precisionRecall } from './train/metrics.js';
export { EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, type Callback, type CallbackContext, type CheckpointInfo,
  type EarlyStoppingOptions, type ModelCheckpointOptions, type ReduceLROnPlateauOptions, type Monitor } from './train/callbacks.js';

// Save / load (bytes; see ./node.ts for files).
export * from './io/index.js';

// ONNX export and import (bytes).
export * from './onnx/index.js';

// Data: the Dataset type, pure parsers and transforms.
export { type Dataset, type DataSplit, imageSize } from './data/dataset.js';
export { parseIdx, encodeIdx, idxToDataset } from './data/idx.js';
export { parseCifarBatch } from './data/cifar.js';
export * as transforms from './data/transforms.js';
export { type Normalization, standardizeStats } from './model/normalization.js';
export { type AugmentOptions, shiftKey, sampleShift } from './train/augment.js';
export { DataFormatError } from './data/errors.js';

// The browser API (browser-safe): training in a dedicated Worker, and data loaders for a page.
export * from './browser/index.js';
