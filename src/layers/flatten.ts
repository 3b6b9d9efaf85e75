// Flatten and Reshape: free. The output is the same memory as the input with a new per-sample
// shape (NHWC is row-major, so [H, W, C] → [H·W·C] needs no copy). The model gives these layers
// y = x in every plan, and in backward dx = dy, so both methods do nothing.

import { Layer, formatShape, product, type Shape } from './layer.js';
import { checkConfigKeys } from './config.js';
import { shown } from '../util/format.js';

export class Flatten extends Layer {
  static readonly type = 'Flatten';
  readonly type = Flatten.type;

  static readonly options: readonly string[] = ['name'];

  constructor(config: { name?: string } = {}) {
    super(config?.name);
    checkConfigKeys(config, Flatten.options, `Flatten${config?.name ? ` '${config.name}'` : ''}`);
  }

  outputShape(inShape: Shape): number[] { return [product(inShape)]; }
  override aliasesInput(): boolean { return true; }
  forward(): void { /* y is x */ }
  backward(): void { /* dx is dy */ }
  getConfig(): Record<string, unknown> { return {}; }
}

export interface ReshapeConfig {
  /** Per-sample target shape; one entry may be -1 (inferred). */
  targetShape: number[];
  name?: string;
}

export class Reshape extends Layer {
  static readonly type = 'Reshape';
  /** The config keys the constructor reads; any other key is an error. */
  static readonly options: readonly string[] = ['targetShape', 'name'];
  readonly type = Reshape.type;
  readonly targetShape: number[];

  constructor(config: ReshapeConfig) {
    super(config?.name);
    const where = `Reshape${config?.name ? ` '${config.name}'` : ''}`;
    checkConfigKeys(config, Reshape.options, where);
    const t = config?.targetShape;
    if (!Array.isArray(t) || t.length === 0 ||
        t.some((d) => !Number.isInteger(d) || (d < 1 && d !== -1)) || t.filter((d) => d === -1).length > 1) {
      throw new RangeError(`${where}: targetShape must be a non-empty list of positive integers with at most one -1, got ${shown(t)}`);
    }
    this.targetShape = [...t];
  }

  outputShape(inShape: Shape): number[] {
    const n = product(inShape);
    const known = product(this.targetShape.filter((d) => d !== -1));
    const out = this.targetShape.map((d) => (d === -1 ? n / known : d));
    if (product(out) !== n || out.some((d) => !Number.isInteger(d))) {
      throw new RangeError(`${this.label}: cannot reshape ${formatShape(inShape)} (${n} values) to ${formatShape(this.targetShape)}; ` +
        `the target must hold exactly ${n} values`);
    }
    return out;
  }

  override aliasesInput(): boolean { return true; }
  forward(): void { /* y is x */ }
  backward(): void { /* dx is dy */ }
  getConfig(): Record<string, unknown> { return { targetShape: this.targetShape }; }
}
