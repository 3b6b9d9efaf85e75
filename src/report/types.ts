// What a training report is made from: plain data the trainer already has, no model objects.

export interface TrainingHistory {
  /** Epoch numbers, usually 1..E, one per entry of the arrays below. */
  epoch: number[];
  /** Mean training loss of each epoch. NaN/Infinity (a diverged run) leaves a gap in the curve. */
  loss: number[];
  /** Training accuracy of each epoch, a fraction in [0, 1] (not a percentage). */
  accuracy: number[];
  valLoss?: number[];
  /** Validation accuracy, a fraction in [0, 1]. */
  valAccuracy?: number[];
}

export interface MisclassifiedImages {
  /** N images, NHWC [N][height][width][channels], N = predicted.length. Values in [0, 1] are
   *  shown as they are; if any value lies outside [0, 1] (standardised data) all N images are
   *  min-max normalised together, so their relative brightness is kept. */
  images: Float32Array;
  height: number;
  width: number;
  /** 1 (gray, MNIST) or 3 (RGB, CIFAR). */
  channels: number;
  predicted: number[];
  actual: number[];
  /** Optional position of each image in the test set, shown in the tile's tooltip. */
  indices?: number[];
  /** How many test images were misclassified in all, when only the first N are passed
   *  (default N): the page then says "Showing the first N of total". */
  total?: number;
}

export interface FilterWeights {
  /** HWIO [KH][KW][C][OC] conv weights (the first layer's). */
  data: Float32Array;
  KH: number;
  KW: number;
  C: number;
  OC: number;
}

export interface FeatureMaps {
  /** One image's activations [H][W][C] (HWC, batch index dropped). */
  data: Float32Array;
  H: number;
  W: number;
  C: number;
  /** What these are, e.g. "conv1 + relu, test image 0 (label 7)". */
  title?: string;
}

export interface ReportInput {
  /** Page title; default "simdnet training report". */
  title?: string;
  /** Free-form key/value facts shown first: model, build, epochs, test accuracy, images/s, … */
  summary: Record<string, string | number>;
  history: TrainingHistory;
  /** Training loss of every mini-batch (or sample) in order, spread evenly over the epochs in
   *  `history`: entry i of L sits at x = e₀ − 1 + (i + 1)·E/L, where e₀ is the first epoch and
   *  E the number of epochs, so the last batch of epoch k lands on k. */
  batchLoss?: number[];
  /** K×K counts, rows = true class, columns = predicted class. */
  confusion?: number[][];
  /** K names, for the confusion matrix, the metrics table and the misclassified captions. */
  classNames?: string[];
  misclassified?: MisclassifiedImages;
  filters?: FilterWeights;
  featureMaps?: FeatureMaps;
}

/** File name → contents (text for .svg/.html/.json, bytes for .png). Names are flat, no folders. */
export type ReportFiles = Record<string, string | Uint8Array>;
