// Training progress for the train script.
//
// When stderr is a terminal: one live cli-progress bar per epoch (on stderr) with the running
// loss and accuracy of the epoch so far, images/s and the epoch's ETA; it is cleared at the end of
// the epoch and replaced by a one-line epoch summary on stdout.
// Otherwise (a pipe, a CI log, the tests): plain lines on stdout, one every ~10% of an epoch and
// one per epoch.
//
// The per-batch callback is on the hot path of training (per-sample SGD calls it thousands of
// times a second), so it only adds to a few numbers, stores the batch loss in a preallocated
// array, and reads the clock; the bar is redrawn at most 10 times a second.

import cliProgress from 'cli-progress';
import type { BatchLogs, EpochLogs } from '../train/fit-options.js';
import { type CliIO, fmtSeconds, pct, println } from './common.js';
import { onInterrupt } from './interrupts.js';

export interface ProgressOptions {
  epochs: number;
  /** Training images per epoch and the batch size (the last batch may be smaller). */
  images: number;
  batchSize: number;
  /** Force the mode (default: a bar when io.stderr is a TTY). */
  bar?: boolean;
}

const REDRAW_MS = 100;

export class TrainProgress {
  readonly steps: number;
  /** The loss of every batch, in order (for the report's per-batch curve). */
  readonly batchLoss: Float32Array;
  batchesSeen = 0;
  private readonly useBar: boolean;
  private bar: cliProgress.SingleBar | undefined;
  private epochStart = 0;
  private lossSum = 0;
  private correct = 0;
  private seen = 0;
  private nextLogAt = 0;
  private lastDraw = 0;
  private readonly payload = { epoch: '', loss: '', acc: '', ips: '', etaText: '' };
  /** Unregisters the interrupt clean-up that stops a live bar (which restores the terminal). */
  private readonly forgetInterrupt: () => void = () => {};

  constructor(private readonly io: CliIO, private readonly o: ProgressOptions) {
    this.steps = Math.ceil(o.images / o.batchSize);
    this.batchLoss = new Float32Array(this.steps * o.epochs);
    this.useBar = o.bar ?? io.stderr.isTTY === true;
    this.epochStart = performance.now();
    // The bar hides the cursor and turns off line wrap; stopping it turns both back on.
    if (this.useBar) this.forgetInterrupt = onInterrupt(() => this.bar?.stop());
  }

  /** fit's onBatchEnd. */
  readonly onBatchEnd = (batch: number, logs: BatchLogs): void => {
    if (batch === 0) this.startEpoch(logs.epoch);
    if (this.batchesSeen < this.batchLoss.length) this.batchLoss[this.batchesSeen] = logs.loss;
    this.batchesSeen++;
    this.lossSum += logs.loss * logs.size;
    this.correct += logs.accuracy * logs.size;
    this.seen += logs.size;
    if (this.useBar) {
      const now = performance.now();
      if (now - this.lastDraw >= REDRAW_MS) {
        this.lastDraw = now;
        this.draw(now);
      }
    } else if (this.seen >= this.nextLogAt && this.seen < this.o.images) {
      const every = Math.max(1, Math.ceil(this.o.images / 10));
      this.nextLogAt = (Math.floor(this.seen / every) + 1) * every;
      const now = performance.now();
      const ips = this.seen / Math.max(1e-9, (now - this.epochStart) / 1000);
      println(this.io.stdout, `epoch ${logs.epoch + 1}/${this.o.epochs} ${String(Math.floor((100 * this.seen) / this.o.images)).padStart(3)}% ` +
        `${this.seen}/${this.o.images}: loss ${(this.lossSum / this.seen).toFixed(4)} acc ${pct(this.correct / this.seen)} ` +
        `${Math.round(ips)} img/s, ETA ${fmtSeconds((this.o.images - this.seen) / ips)}`);
    }
  };

  /** fit's onEpochEnd: closes the bar and prints the epoch summary. */
  readonly onEpochEnd = (epoch: number, logs: EpochLogs): void => {
    if (this.bar) {
      this.draw(performance.now());
      this.bar.stop();
      this.bar = undefined;
    }
    this.epochStart = performance.now();
    println(this.io.stdout, `epoch ${epoch + 1}/${this.o.epochs}: loss ${logs.loss.toFixed(4)} acc ${pct(logs.accuracy)}` +
      (logs.valLoss !== undefined ? `, val_loss ${logs.valLoss.toFixed(4)} val_acc ${pct(logs.valAccuracy!)}` : '') +
      ` (${fmtSeconds(logs.seconds)}, ${Math.round(logs.imagesPerSecond)} img/s)`);
  };

  /** Stops a bar left open (training stopped early or threw). */
  close(): void {
    this.bar?.stop();
    this.bar = undefined;
    this.forgetInterrupt();
  }

  private startEpoch(epoch: number): void {
    // The epoch's clock started when the previous epoch ended (or at construction, just before
    // fit), so the first batch, which runs before this call, is counted.
    this.lossSum = 0;
    this.correct = 0;
    this.seen = 0;
    this.nextLogAt = Math.max(1, Math.ceil(this.o.images / 10));
    this.payload.epoch = `${epoch + 1}/${this.o.epochs}`;
    if (this.useBar) {
      this.bar = new cliProgress.SingleBar({
        stream: this.io.stderr as NodeJS.WritableStream,
        format: 'epoch {epoch} [{bar}] {percentage}% {value}/{total} | loss {loss} acc {acc} | {ips} img/s | ETA {etaText}',
        barsize: 30,
        hideCursor: true,
        clearOnComplete: true,
        fps: 10,
      }, cliProgress.Presets.shades_classic);
      this.payload.loss = this.payload.acc = this.payload.ips = this.payload.etaText = '-';
      this.bar.start(this.o.images, 0, this.payload);
      this.lastDraw = performance.now();
    }
  }

  private draw(now: number): void {
    if (!this.bar || this.seen === 0) return;
    const ips = this.seen / Math.max(1e-9, (now - this.epochStart) / 1000);
    this.payload.loss = (this.lossSum / this.seen).toFixed(4);
    this.payload.acc = pct(this.correct / this.seen);
    this.payload.ips = String(Math.round(ips));
    this.payload.etaText = fmtSeconds((this.o.images - this.seen) / ips);
    this.bar.update(this.seen, this.payload);
  }
}
