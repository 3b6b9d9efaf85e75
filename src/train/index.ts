export { fit } from './trainer.js';
export { evaluate, type EvaluateOptions, type Evaluation } from './evaluate.js';
export { predict, type PredictOptions, type Prediction } from './predict.js';
export { checkDataFits } from './checks.js';
export type { FitOptions, History, BatchLogs, EpochLogs } from './fit-options.js';
export { confusionMatrix, precisionRecall } from './metrics.js';
export { EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, type Callback, type CallbackContext } from './callbacks.js';
