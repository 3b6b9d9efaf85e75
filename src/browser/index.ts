// The browser API: training in a worker, and data a page can load without Node.
export { createTrainerWorker, type TrainerWorker, type FitCallbacks } from './client.js';
export type {
  TrainerWorkerOptions, TrainerWorkerInfo, BatchProgress, EpochProgress, WorkerFitOptions, WorkerFitResult, WorkerLike,
  CompileSpec, CompileResult, EvaluateResult, LayerActivation, WeightData,
} from './protocol.js';
export { loadEmbeddedDigits, loadIdxFrom, loadCifarFrom, type BlobLike, type EmbeddedDigitsOptions, type IdxFromOptions,
  type CifarFromOptions } from './data.js';
export { encodeEmbeddedDigits, decodeEmbeddedDigits } from '../data/mnist-embedded.js';
