export { fit, evaluate, predict, checkDataFits } from './trainer.js';
export type { FitOptions, History, BatchLogs, EpochLogs, EvaluateOptions, Evaluation, PredictOptions, Prediction } from './trainer.js';
export { confusionMatrix, precisionRecall } from './metrics.js';
export { EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, type Callback, type CallbackContext } from './callbacks.js';
