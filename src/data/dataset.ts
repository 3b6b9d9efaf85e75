// The in-memory form every loader produces and the trainer consumes.

export interface Dataset {
  /** Human-readable origin, e.g. "mnist (embedded)" or "idx:/data/fashion train". */
  name: string;
  /** Images [count, height, width, channels], NHWC, float32, already normalised (e.g. to [0, 1]). */
  images: Float32Array;
  /** Class index of each image, 0 ≤ label < numClasses. */
  labels: Int32Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  /** Optional names of the classes, numClasses long. */
  classNames?: string[];
}

/** Values per image (height · width · channels). */
export function imageSize(d: Pick<Dataset, 'height' | 'width' | 'channels'>): number {
  return d.height * d.width * d.channels;
}

/** A train/test pair as the loaders return it. */
export interface DataSplit {
  train: Dataset;
  test: Dataset;
}
