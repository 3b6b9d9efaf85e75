export { SoftmaxCrossEntropy, makeLoss, type Loss } from './softmax-cross-entropy.js';
