// Live loss and accuracy charts, drawn with the training report's SVG line chart
// (src/report/line-chart.ts). Training curves get a point per progress event (x: epochs as a
// fraction, e.g. 1.5 halfway through epoch 2); validation curves a marked point per epoch.
// Redraws are coalesced to one per animation frame, however often progress arrives.

import { lineChartSvg, type Series } from '../report/line-chart.js';

const TRAIN = '#2f6fed';
const VALIDATION = '#e8590c';

interface Curve { x: number[]; y: number[] }
const curve = (): Curve => ({ x: [], y: [] });

export class LiveCharts {
  private trainLoss = curve();
  private trainAcc = curve();
  private valLoss = curve();
  private valAcc = curve();
  private epochs = 1;
  private pending = false;

  constructor(private readonly lossHost: HTMLElement, private readonly accHost: HTMLElement) {
    this.render();
  }

  reset(epochs: number): void {
    this.trainLoss = curve(); this.trainAcc = curve(); this.valLoss = curve(); this.valAcc = curve();
    this.epochs = epochs;
    this.schedule();
  }

  /** A running training loss and accuracy at `x` epochs. */
  addTrain(x: number, loss: number, accuracy: number): void {
    this.trainLoss.x.push(x); this.trainLoss.y.push(loss);
    this.trainAcc.x.push(x); this.trainAcc.y.push(accuracy);
    this.schedule();
  }

  /** The end of an epoch: its training figures (replacing the running ones' last point) and validation. */
  addEpoch(epoch: number, loss: number, accuracy: number, valLoss?: number, valAccuracy?: number): void {
    this.addTrain(epoch, loss, accuracy);
    if (valLoss !== undefined && valAccuracy !== undefined) {
      this.valLoss.x.push(epoch); this.valLoss.y.push(valLoss);
      this.valAcc.x.push(epoch); this.valAcc.y.push(valAccuracy);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => { this.pending = false; this.render(); });
  }

  private render(): void {
    const series = (train: Curve, val: Curve): Series[] => [
      { name: 'train', ...train, color: TRAIN },
      { name: 'validation', ...val, color: VALIDATION, markers: true, dash: '6 4' },
    ];
    const common = { xLabel: 'epoch', xMinStep: 1, xDomain: [0, this.epochs] as const, width: 520, height: 300 };
    this.lossHost.innerHTML = lineChartSvg({ ...common, title: 'loss', yLabel: 'cross-entropy', series: series(this.trainLoss, this.valLoss) });
    this.accHost.innerHTML = lineChartSvg({
      ...common, title: 'accuracy', yLabel: 'accuracy', yFormat: 'percent', yBounds: [0, 1], series: series(this.trainAcc, this.valAcc),
    });
  }
}
