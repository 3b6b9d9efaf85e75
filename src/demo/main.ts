// The demo page: train a zoo model on the embedded digits in a Worker, watch it learn, draw a
// digit and see what the model makes of it. All heavy work runs in the trainer worker (src/browser),
// so the page stays responsive while it trains; this file only wires the DOM to it.
//
// States (document.body.dataset.state): 'idle' (no model yet), 'training', 'trained' (a trained
// or loaded model can predict, be saved, be trained again). Test hooks: data-testid attributes.

import { createTrainerWorker, loadEmbeddedDigits, type BatchProgress, type TrainerWorker } from '../browser/index.js';
import type { Dataset, DataSplit } from '../data/dataset.js';
import { zooEntry, zooNames } from '../model/zoo.js';
import { LiveCharts, RecentMeans } from './charts.js';
import { demoFitOptions, digitsForModel, inSharedMemory } from './data.js';
import { DrawingPad } from './draw.js';
import { DIGIT_SIDE, digitForInput, toMnistDigit } from './preprocess.js';
import { drawFeatureMaps, drawFilters, drawGrey, drawProbabilities } from './viz.js';

const byTestId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.querySelector<T>(`[data-testid="${id}"]`);
  if (!el) throw new Error(`demo page: no element with data-testid="${id}"`);
  return el;
};
const byId = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

const ui = {
  train: byTestId<HTMLButtonElement>('train'), stop: byTestId<HTMLButtonElement>('stop'),
  epoch: byTestId('epoch'), accuracy: byTestId('accuracy'), speed: byTestId('images-per-second'),
  threads: byTestId('threads'), build: byTestId('build'), isolated: byId('isolated'),
  canvas: byTestId<HTMLCanvasElement>('canvas'), clear: byTestId<HTMLButtonElement>('clear'),
  prediction: byTestId('prediction'), confidence: byId('confidence'), probabilities: byTestId('probabilities'),
  save: byTestId<HTMLButtonElement>('save'), loadInput: byId<HTMLInputElement>('load-input'),
  model: byId<HTMLSelectElement>('model'), epochs: byId<HTMLInputElement>('epochs'), note: byId('model-note'),
  progress: byId('progress-bar'), loss: byId('loss'), status: byId('status'),
  digit28: byId<HTMLCanvasElement>('digit28'), filters: byId('filters'), maps: byId('maps'), mapsCaption: byId('maps-caption'),
};

type State = 'idle' | 'training' | 'trained';

/** The model the worker holds now: what it takes and which digit each output class stands for. */
interface Current { name: string; inputShape: number[]; labels: string[] }

let worker: TrainerWorker;
let digits: DataSplit;
let current: Current | undefined;
const charts = new LiveCharts(byId<HTMLCanvasElement>('loss-chart'), byId<HTMLCanvasElement>('accuracy-chart'));
const pad = new DrawingPad(ui.canvas, () => schedulePrediction());
/** Train/test digits per model name, adapted and in shared memory (both copy; done once, while idle). */
const adapted = new Map<string, { train: Dataset; test: Dataset }>();

function setState(state: State): void {
  document.body.dataset.state = state;
  const training = state === 'training';
  ui.train.disabled = training || digits === undefined;
  ui.stop.disabled = !training;
  ui.model.disabled = training;
  ui.epochs.disabled = training;
  ui.save.disabled = state !== 'trained';
  ui.loadInput.disabled = training;
}

function status(text: string, error = false): void {
  ui.status.textContent = text;
  ui.status.classList.toggle('error', error);
}

/** The progress bar, as a transform (no layout, no repaint of anything else). */
const setProgress = (fraction: number) => { ui.progress.style.transform = `scaleX(${Math.min(1, Math.max(0, fraction))})`; };

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const int = (v: number) => Math.round(v).toLocaleString('en-US');

// ---- model picker ---------------------------------------------------------------------------

function describeModel(name: string): void {
  const e = zooEntry(name);
  const notes: string[] = [e.description];
  if (e.classes) notes.push(`trains on digits ${e.classes.join(' and ')} only`);
  if (e.inputShape.join('x') !== '28x28x1') notes.push(`takes ${e.inputShape.join('×')}: the digits are padded and repeated over the channels`);
  notes.push(`batch ${e.recipe.batchSize}, ${e.recipe.optimizer.type}`);
  ui.note.textContent = notes.join('; ');
}

for (const name of zooNames()) ui.model.append(new Option(name, name, name === 'lenet5', name === 'lenet5'));
ui.model.addEventListener('change', () => {
  describeModel(ui.model.value);
  ui.epochs.value = String(zooEntry(ui.model.value).recipe.epochs);
  if (digits) dataFor(ui.model.value); // prepare it now, not when Train is pressed
});
describeModel(ui.model.value);
ui.epochs.value = String(zooEntry(ui.model.value).recipe.epochs);

function dataFor(name: string): { train: Dataset; test: Dataset } {
  let d = adapted.get(name);
  if (!d) {
    const e = zooEntry(name);
    d = {
      train: inSharedMemory(digitsForModel(digits.train, e.inputShape, e.classes)),
      test: inSharedMemory(digitsForModel(digits.test, e.inputShape, e.classes)),
    };
    adapted.set(name, d);
  }
  return d;
}

// ---- training -------------------------------------------------------------------------------

async function train(): Promise<void> {
  const name = ui.model.value;
  const entry = zooEntry(name);
  const epochs = Number(ui.epochs.value);
  if (!Number.isInteger(epochs) || epochs < 1 || epochs > 100) {
    status(`epochs must be a whole number from 1 to 100, got '${ui.epochs.value}'`, true);
    return;
  }
  setState('training');
  charts.reset(epochs);
  const recentMeans = new RecentMeans();
  let last: BatchProgress | undefined;
  ui.accuracy.textContent = '–';
  ui.epoch.textContent = `epoch 1 / ${epochs}`;
  setProgress(0);
  try {
    const { train: trainSet, test } = dataFor(name);
    const compiled = await worker.compile({ zoo: name, seed: 1 });
    current = { name, inputShape: compiled.inputShape, labels: (entry.classes ?? range(entry.numClasses)).map(String) };
    status(`training ${name} (${int(compiled.params)} parameters) on ${int(trainSet.count)} digits, 10% held out for validation`);
    await showFilters();
    const result = await worker.fit(trainSet, demoFitOptions(entry, epochs), {
      batch: (p) => {
        // Progress numbers are 0-based; the page counts from 1 and plots finished epochs at 1, 2, ...
        const x = p.epoch + (p.batch + 1) / p.batches;
        const recent = recentMeans.next(p);
        last = p;
        if (recent) charts.addTrain(x, recent.loss, recent.accuracy);
        ui.epoch.textContent = `epoch ${p.epoch + 1} / ${epochs} · batch ${p.batch + 1} / ${p.batches}`;
        setProgress(x / epochs);
        ui.speed.textContent = `${int(p.imagesPerSecond)} images/s`;
        ui.loss.textContent = `train ${p.loss.toFixed(3)}`;
      },
      epoch: (p) => {
        charts.addValidation(p.epoch + 1, p.valLoss, p.valAccuracy);
        ui.epoch.textContent = `epoch ${p.epoch + 1} / ${p.epochs} done`;
        setProgress((p.epoch + 1) / p.epochs);
        ui.speed.textContent = `${int(p.imagesPerSecond)} images/s`;
        ui.loss.textContent = p.valLoss !== undefined ? `validation ${p.valLoss.toFixed(3)}` : `train ${p.loss.toFixed(3)}`;
        if (p.valAccuracy !== undefined) ui.accuracy.textContent = `validation ${pct(p.valAccuracy)}`;
      },
    });
    if (result.stopped && last) ui.epoch.textContent = `stopped in epoch ${last.epoch + 1} / ${epochs}`;
    const ev = await worker.evaluate(test);
    ui.accuracy.textContent = `test ${pct(ev.accuracy)}`;
    status(`${result.stopped ? 'stopped' : 'trained'}: test accuracy ${pct(ev.accuracy)} on ${int(ev.count)} digits it never saw. Now draw one.`);
    await showFilters();
    setState('trained');
    schedulePrediction();
  } catch (e) {
    status(`training failed: ${(e as Error).message}`, true);
    setState(current ? 'trained' : 'idle');
  }
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

ui.train.addEventListener('click', () => { void train(); });
ui.stop.addEventListener('click', () => {
  worker.stop();
  status('stopping after this batch…');
});

// ---- drawing and prediction -----------------------------------------------------------------

let predicting = false;
let again = false;

/** Predicts the drawing; while a prediction is running, remembers to predict once more after it. */
function schedulePrediction(): void {
  if (predicting) { again = true; return; }
  if (!current || document.body.dataset.state === 'training') return; // the worker runs calls in order: it would wait for fit
  predicting = true;
  void predictDrawing().finally(() => {
    predicting = false;
    if (again) { again = false; schedulePrediction(); }
  });
}

async function predictDrawing(): Promise<void> {
  const model = current!;
  const digit = pad.isBlank ? undefined : toMnistDigit(pad.ink(), ui.canvas.width, ui.canvas.height);
  if (!digit) {
    clearPrediction();
    return;
  }
  drawGrey(ui.digit28, digit, DIGIT_SIDE, DIGIT_SIDE);
  try {
    const input = digitForInput(digit, model.inputShape);
    const probs = await worker.predict(input, 1);
    let top = 0;
    for (let i = 1; i < probs.length; i++) if (probs[i]! > probs[top]!) top = i;
    ui.prediction.textContent = model.labels[top] ?? String(top);
    ui.confidence.textContent = `${pct(probs[top]!)} sure`;
    drawProbabilities(ui.probabilities, probs, model.labels);
    const layers = await worker.activations(input);
    const conv = layers.find((l) => l.shape.length >= 3 && /conv/i.test(l.type));
    if (conv) {
      drawFeatureMaps(ui.maps, conv);
      ui.mapsCaption.textContent = `${conv.name}: ${conv.shape.slice(-1)[0]} feature maps of your digit`;
    }
  } catch (e) {
    status(`prediction failed: ${(e as Error).message}`, true);
  }
}

function clearPrediction(): void {
  ui.prediction.textContent = '?';
  ui.confidence.textContent = '';
  drawProbabilities(ui.probabilities, undefined, current?.labels ?? range(10).map(String));
  drawGrey(ui.digit28, new Float32Array(DIGIT_SIDE * DIGIT_SIDE), DIGIT_SIDE, DIGIT_SIDE);
  ui.maps.replaceChildren();
}

ui.clear.addEventListener('click', () => {
  pad.clear();
  schedulePrediction();
  if (!current) clearPrediction();
});

async function showFilters(): Promise<void> {
  const kernel = (await worker.weights()).find((w) => w.shape.length === 4);
  if (kernel) drawFilters(ui.filters, kernel);
  else ui.filters.innerHTML = '<span class="empty">this model has no conv layer</span>';
}

// ---- save and load --------------------------------------------------------------------------

ui.save.addEventListener('click', async () => {
  try {
    const bytes = await worker.save();
    const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${current?.name ?? 'model'}.simdnet`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    status(`saved ${a.download} (${int(bytes.length)} bytes; Node reads it with loadModel or npm run evaluate -- --model FILE)`);
  } catch (e) {
    status(`saving failed: ${(e as Error).message}`, true);
  }
});

ui.loadInput.addEventListener('change', async () => {
  const file = ui.loadInput.files?.[0];
  ui.loadInput.value = '';
  if (!file) return;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const compiled = await worker.compile({ model: bytes });
    const size = compiled.inputShape.reduce((a, b) => a * b, 1);
    const numClasses = (await worker.predict(new Float32Array(size), 1)).length;
    // The file does not say which digits its classes are; a 2-class model is taken to be 0 vs 1 (tanh-binary).
    const classes = numClasses === 2 ? [0, 1] : undefined;
    current = { name: file.name.replace(/\.simdnet$/, ''), inputShape: compiled.inputShape, labels: (classes ?? range(numClasses)).map(String) };
    const test = digitsForModel(digits.test, compiled.inputShape, classes);
    const ev = await worker.evaluate(test);
    ui.accuracy.textContent = `test ${pct(ev.accuracy)}`;
    status(`loaded ${file.name}: ${int(compiled.params)} parameters, test accuracy ${pct(ev.accuracy)}`);
    await showFilters();
    setState('trained');
    schedulePrediction();
  } catch (e) {
    status(`cannot load ${file.name}: ${(e as Error).message}`, true);
  }
});

// ---- start ----------------------------------------------------------------------------------

async function start(): Promise<void> {
  setState('idle');
  clearPrediction();
  try {
    const [w, d] = await Promise.all([createTrainerWorker(), loadEmbeddedDigits()]);
    worker = w;
    digits = d;
    dataFor(ui.model.value);
    ui.threads.textContent = String(w.info.threads);
    ui.build.textContent = w.info.build;
    ui.isolated.textContent = w.info.crossOriginIsolated ? 'yes' : 'no';
    status(`${int(d.train.count)} training and ${int(d.test.count)} test digits loaded. Press Train.` +
      (w.info.crossOriginIsolated ? '' : ' (This page is not cross-origin isolated, so training runs on one thread.)'));
    setState('idle');
  } catch (e) {
    status(`cannot start: ${(e as Error).message}`, true);
  }
}

void start();
