export {
  exportOnnx, ONNX_OPSET, ONNX_IR_VERSION, ONNX_INPUT_NAME, ONNX_OUTPUT_NAME, ONNX_EXPORTABLE_LAYERS, type ExportOnnxOptions,
} from './export.js';
export { importOnnx, readOnnxLayers, type ImportOnnxOptions, type OnnxGraphLayers } from './import.js';
