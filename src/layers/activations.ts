// Standalone activation layers: ReLU, Tanh, Sigmoid, Softmax (over the last axis), LeakyReLU, ELU.
//
// Each writes y into its own buffer (not in place: the layer before may need its own output
// for its backward), and backward uses the cached OUTPUT y: relu dx = y > 0 ? dy : 0,
// tanh dx = dy·(1 − y²), sigmoid dx = dy·y·(1 − y), softmax dx = y ⊙ (dy − Σ dy·y),
// leaky relu dx = y > 0 ? dy : alpha·dy, elu dx = y > 0 ? dy : dy·(y + alpha).
// A Softmax as the LAST layer is fused with the cross-entropy loss by the model (training
// and evaluate never run it; predict applies softmax to the logits), the usual stable form.

import type { Kernels } from '../runtime/abi.js';
import { Layer, type LayerRun, type Shape } from './layer.js';
import { checkConfigKeys } from './config.js';
import { shown } from '../util/format.js';

type Fwd = (k: Kernels, y: number, x: number, n: number) => void;
type Bwd = (k: Kernels, dx: number, dy: number, y: number, n: number) => void;

abstract class Elementwise extends Layer {
  protected abstract readonly fwd: Fwd;
  protected abstract readonly bwd: Bwd;

  /** Only a name: any other config key is an error. */
  static readonly options: readonly string[] = ['name'];

  constructor(config: { name?: string } = {}) {
    super(config?.name);
    // The subclass's static type ('ReLU', ...): its instance fields are not set yet here.
    const type = (new.target as unknown as { type: string }).type;
    checkConfigKeys(config, Elementwise.options, `${type}${config?.name ? ` '${config.name}'` : ''}`);
  }

  outputShape(inShape: Shape): number[] { return [...inShape]; }

  forward(k: Kernels, r: LayerRun): void { this.fwd(k, r.y, r.x, r.B * this.outSize); }

  backward(k: Kernels, r: LayerRun): void {
    if (r.dx !== 0) this.bwd(k, r.dx, r.dy, r.y, r.B * this.outSize);
  }

  getConfig(): Record<string, unknown> { return {}; }
}

export class ReLU extends Elementwise {
  static readonly type = 'ReLU';
  readonly type = ReLU.type;
  protected readonly fwd: Fwd = (k, y, x, n) => k.relu_forward(y, x, n);
  protected readonly bwd: Bwd = (k, dx, dy, y, n) => k.relu_backward(dx, dy, y, n);
}

export class Tanh extends Elementwise {
  static readonly type = 'Tanh';
  readonly type = Tanh.type;
  protected readonly fwd: Fwd = (k, y, x, n) => k.tanh_forward(y, x, n);
  protected readonly bwd: Bwd = (k, dx, dy, y, n) => k.tanh_backward(dx, dy, y, n);
}

export class Sigmoid extends Elementwise {
  static readonly type = 'Sigmoid';
  readonly type = Sigmoid.type;
  protected readonly fwd: Fwd = (k, y, x, n) => k.sigmoid_forward(y, x, n);
  protected readonly bwd: Bwd = (k, dx, dy, y, n) => k.sigmoid_backward(dx, dy, y, n);
}

export class Softmax extends Layer {
  static readonly type = 'Softmax';
  readonly type = Softmax.type;
  static readonly options: readonly string[] = ['name'];

  constructor(config: { name?: string } = {}) {
    super(config?.name);
    checkConfigKeys(config, Softmax.options, `Softmax${config?.name ? ` '${config.name}'` : ''}`);
  }

  outputShape(inShape: Shape): number[] { return [...inShape]; }

  private get rowLen(): number { return this.inShape[this.inShape.length - 1]!; }

  forward(k: Kernels, r: LayerRun): void {
    const N = this.rowLen;
    k.softmax_forward(r.y, r.x, (r.B * this.outSize) / N, N);
  }

  backward(k: Kernels, r: LayerRun): void {
    const N = this.rowLen;
    if (r.dx !== 0) k.softmax_backward(r.dx, r.dy, r.y, (r.B * this.outSize) / N, N);
  }

  /** As the last layer it is fused with the loss: the model runs the loss on its input. */
  override fuseWithLoss(isLast: boolean): 'layer' | undefined { return isLast ? 'layer' : undefined; }

  getConfig(): Record<string, unknown> { return {}; }
}

/** Shared by LeakyReLU and ELU: an elementwise activation with a slope parameter `alpha`. */
abstract class WithAlpha extends Layer {
  static readonly options: readonly string[] = ['alpha', 'name'];
  readonly alpha: number;

  constructor(config: { alpha?: number; name?: string } | undefined, type: string, fallback: number, positive: boolean) {
    super(config?.name);
    const where = `${type}${config?.name ? ` '${config.name}'` : ''}`;
    checkConfigKeys(config, WithAlpha.options, where);
    this.alpha = config?.alpha ?? fallback;
    // Backward reads the OUTPUT y: y > 0 must mean x > 0, which needs alpha ≥ 0 (> 0 for ELU,
    // whose negative branch is alpha·(eˣ − 1)).
    if (typeof this.alpha !== 'number' || !Number.isFinite(this.alpha) || (positive ? !(this.alpha > 0) : !(this.alpha >= 0))) {
      throw new RangeError(`${where}: alpha must be a finite number ${positive ? '> 0' : '≥ 0'}, got ${shown(config?.alpha)}`);
    }
  }

  outputShape(inShape: Shape): number[] { return [...inShape]; }

  getConfig(): Record<string, unknown> { return { alpha: this.alpha }; }
}

/**
 * y = x > 0 ? x : alpha·x. alpha defaults to 0.3, as Keras's LeakyReLU layer (PyTorch's
 * nn.LeakyReLU uses 0.01; pass alpha: 0.01 for that). alpha ≥ 0.
 */
export class LeakyReLU extends WithAlpha {
  static readonly type = 'LeakyReLU';
  readonly type = LeakyReLU.type;

  constructor(config: { alpha?: number; name?: string } = {}) { super(config, LeakyReLU.type, 0.3, false); }

  forward(k: Kernels, r: LayerRun): void { k.leaky_relu_forward(r.y, r.x, r.B * this.outSize, this.alpha); }

  backward(k: Kernels, r: LayerRun): void {
    if (r.dx !== 0) k.leaky_relu_backward(r.dx, r.dy, r.y, r.B * this.outSize, this.alpha);
  }
}

/** y = x > 0 ? x : alpha·(eˣ − 1), alpha > 0, default 1 (Keras and PyTorch). */
export class ELU extends WithAlpha {
  static readonly type = 'ELU';
  readonly type = ELU.type;

  constructor(config: { alpha?: number; name?: string } = {}) { super(config, ELU.type, 1, true); }

  forward(k: Kernels, r: LayerRun): void { k.elu_forward(r.y, r.x, r.B * this.outSize, this.alpha); }

  backward(k: Kernels, r: LayerRun): void {
    if (r.dx !== 0) k.elu_backward(r.dx, r.dy, r.y, r.B * this.outSize, this.alpha);
  }
}
