// A plan: the memory of one batch size (and mode) of a model, planned once and kept.
//
// The batch is cut into shards: fixed ranges of samples, chosen from the batch size alone
// (never from the thread count), each run start to end by one thread. A shard has its own
// geometry structs, scratch and, in training, its own copy of the parameter gradients; the
// activations, caches and gradients flowing between layers are per-sample, so a shard uses
// its rows of the plan's buffers. The executor reduces the shards' gradient copies in shard
// order, so the result is the same bits however many threads ran the shards.
//
// Layout (one block, src/model/layout.ts): input; one output buffer per layer (layers that
// alias their input get none); per-sample caches ('rows' buffers); per shard: geometry
// structs, one scratch region (max over its layers' 'scratch' buffers), gradient copy;
// two ping-pong gradient buffers (train/grad); labels, predictions, probabilities (infer);
// one f64 loss slot per shard; the task tables. The tapes (recorded kernel calls) follow in
// a second block sized by a dry recording.
//
// A layer that needs the whole batch (BatchNormalization in training) declares barriers: each
// shard's tape is then cut there, and every program runs as pieces, all shards up to a cut, the
// layer's reduction once on the calling thread (combining the shards in shard order), then on
// (Barrier, Piece below; planned in planner.ts, run in executor.ts).
//
// `rows` is the one batch size in force: setRows (executor) changes it for a smaller last
// batch, rewriting the shards' geometry and tapes, nothing else.

import type { Layer, LayerRun } from '../layers/layer.js';
import type { RegionKind } from './layout.js';

export type PlanMode = 'train' | 'infer' | 'grad';

/** At most this many shards, and at least this many samples in each (but the last batch's). */
export const MAX_SHARDS = 8;
export const MIN_SHARD_ROWS = 8;
/** Training shards keep a gradient copy each: shards beyond this many bytes of copies are not made. */
export const SHARD_GRADIENT_BUDGET = 64 * 1024 * 1024;

/** Shards for a batch of `rows` samples: a function of the batch and the model only. */
export function shardCount(rows: number, mode: PlanMode, nParams: number): number {
  let s = Math.min(MAX_SHARDS, Math.max(1, Math.floor(rows / MIN_SHARD_ROWS)));
  if (mode !== 'infer' && nParams > 0) s = Math.min(s, 1 + Math.floor(SHARD_GRADIENT_BUDGET / (4 * nParams)));
  return Math.max(1, s);
}

/** First sample of shard s of S over `rows` samples (balanced: sizes differ by at most one). */
export function shardStart(rows: number, S: number, s: number): number {
  return Math.floor((s * rows) / S);
}

/** The largest shard any batch of 1..B samples gets (scratch is sized for it). */
export function largestShard(B: number, mode: PlanMode, nParams: number): number {
  let most = 0;
  for (let b = 1; b <= B; b++) {
    const S = shardCount(b, mode, nParams);
    most = Math.max(most, shardStart(b, S, 1) - shardStart(b, S, 0), b - shardStart(b, S, S - 1));
  }
  return most;
}

/** Where each program's calls sit in a shard's tape, as f64 indices [start, end). */
export interface Segments {
  /** train/grad: [zero grads][forward][loss + argmax][backward]; infer: [forward][loss + argmax], [forward][softmax + argmax]. */
  zero: number; fwd: number; head: number; bwd: number; end: number;
  /** infer: the second copy of the forward, followed by softmax + argmax. */
  fwd2: number; end2: number;
}

export interface Shard {
  index: number;
  /** First sample and sample count in the current batch. */
  start: number;
  rows: number;
  /** One run per layer of the stack. */
  runs: LayerRun[];
  /** Geometry struct per layer (0 where the layer has none). */
  geoms: number[];
  /** Scratch region and its size. */
  scratch: number;
  /** Where this shard's parameter gradients accumulate (the model's own for shard 0). */
  grads: number;
  /** f64 slot of this shard's loss sum. */
  loss: number;
  /** This shard's tape region: f64 index and capacity. */
  tape: number;
  tapeCap: number;
  seg: Segments;
  /** Tape positions (f64 indices) of the plan's barriers in this shard's tape, in plan.barriers order. */
  cuts: number[];
}

/**
 * A point where every shard must stop for a reduction over the whole batch (Layer.barriers):
 * layer `layer` of the stack, after stage `stage` of `pass`. Its reduce() calls are recorded
 * into the plan's barrier tape at f64 [start, end) and run once on the calling thread.
 */
export interface Barrier { layer: number; pass: 'forward' | 'backward'; stage: number; training: boolean; start: number; end: number }

/**
 * One piece of a program: run the task table at `table` (one [start, end) per shard; skipped
 * when `empty`), then barrier `barrier`'s reduction (-1: none). A program without barriers is
 * one piece, its table from tableOf.
 */
export interface Piece { table: number; empty: boolean; barrier: number }

/** Programs: which task table to run. */
export const PROGRAM = { STEP: 0, FWD_HEAD: 1, BWD: 2, FWD: 3, EVAL: 4, PREDICT: 5 } as const;
export type Program = (typeof PROGRAM)[keyof typeof PROGRAM];
export const PROGRAMS = 6;

export interface Plan {
  readonly mode: PlanMode;
  /** Planned (largest) batch size. */
  readonly B: number;
  /** The batch size in force: the samples the next step runs (≤ B). */
  rows: number;
  /** Shards in force for `rows`. */
  activeShards: number;
  readonly x0: number;
  /** i32 [B] labels and predicted classes. */
  readonly labels: number;
  readonly pred: number;
  readonly logits: number;
  /**
   * Gradient of the loss w.r.t. the logits (train/grad plans), else 0. Like every gradient
   * between layers, sample r's row starts at r·gradRow floats (not r·numClasses).
   */
  readonly dlogits: number;
  /** Floats between consecutive samples' rows in the ping-pong gradient buffers: the largest layer output. */
  readonly gradRow: number;
  /** Probabilities [B, numClasses] (inference plans), else 0. */
  readonly probs: number;
  /** d loss / d input (grad plans), else 0. */
  readonly dx0: number;
  /** Floats between samples' rows of dx0: the input size, or gradRow when the first layer aliases its input. */
  readonly dx0Row: number;
  /**
   * Whole-batch runs, one per layer: for prepare() and for reading activations. Their dy/dx
   * are the gradient buffers' starts, with rows gradRow floats apart.
   */
  readonly runs: LayerRun[];
  readonly shards: Shard[];
  /** Byte offset of the task tables: PROGRAMS tables of MAX shards f64 pairs, then the update table. */
  readonly tables: number;
  /** The update program: its table, tape region (f64 index, capacity) and chunk count. */
  readonly update: { table: number; tape: number; cap: number; chunks: number };
  /** Scratch bytes each shard has. */
  readonly scratchBytes: number;
  /** Estimated floating-point work of one step of B samples (when threads pay). */
  readonly work: number;
  readonly bytes: number;
  readonly byKind: Partial<Record<RegionKind, number>>;
  /** Arena blocks this plan owns (released by dispose). */
  readonly blocks: number[];
  /** The stack the plan runs (the model's layers, less a loss-fused Softmax). */
  readonly stack: readonly Layer[];
  /** Cross-shard reductions in recording order (empty for plans of layers without barriers). */
  readonly barriers: Barrier[];
  /** Per program (PROGRAM order), its pieces for the batch size in force. */
  pieces: Piece[][];
  /** In the tape block: the reduce tapes (f64 index, capacity) and the piece tables (byte offset); 0 when there are no barriers. */
  readonly barrierBlock: { tape: number; cap: number; tables: number };
}

/** Byte offset of program `p`'s table (f64 pairs, one per shard). */
export function tableOf(plan: Plan, p: Program): number {
  return plan.tables + p * plan.shards.length * 16;
}
