export { serialize, deserialize, modelFromSerialized, type LoadOptions, type SerializeOptions } from './model-io.js';
export { ModelFormatError, FORMAT_VERSION, MAGIC, crc32, type SerializedModel, type WeightTensor } from './format.js';
export { captureTrainingState, applyTrainingState, type TrainingState } from './training-state.js';
