export { serialize, deserialize, modelFromSerialized, type LoadOptions } from './model-io.js';
export { ModelFormatError, FORMAT_VERSION, MAGIC, crc32, type SerializedModel, type WeightTensor } from './format.js';
