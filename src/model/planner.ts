// Planning for the executor: lays out a plan's memory, places the shards on their samples and
// records each shard's tapes (src/pool/tape.ts). Everything here runs once per plan, or once
// per change of batch size (setRows: the last, smaller batch of an epoch); nothing per step.

import { writeGeom } from '../runtime/abi.js';
import { shardSlotStride, type Layer, type LayerRun, type Pass } from '../layers/layer.js';
import type { Recorder } from '../pool/tape.js';
import { Layout } from './layout.js';
import type { ModelCore } from './executor.js';
import {
  PROGRAM, PROGRAMS, largestShard, shardCount, shardStart, tableOf,
  type Barrier, type Piece, type Plan, type PlanMode, type Program, type Shard,
} from './plan.js';

/** Parameters per update task. */
export const CHUNK = 16384;

/** Bytes of a layer's 'scratch' buffers for a shard of `rows` samples (laid out 16-byte aligned, one after another). */
function scratchSize(l: Layer, rows: number, training: boolean): number {
  return l.bufferSpecs(rows, training).filter((b) => b.kind === 'scratch').reduce((t, b) => t + Math.ceil(b.bytes / 16) * 16, 0);
}

export class Planner {
  constructor(private readonly m: ModelCore, private readonly rec: Recorder) {}

  /** Lays out, records and returns the plan for batch size B and mode. */
  makePlan(B: number, mode: PlanMode): Plan {
    const { stack, params, runtime, numClasses: N, inputSize } = this.m;
    const training = mode !== 'infer';
    const S = shardCount(B, mode, params.n);
    const most = largestShard(B, mode, params.n);
    const layout = new Layout();
    const iX0 = layout.add('input', 'input', 4 * B * inputSize);
    const iY = stack.map((l) => (l.aliasesInput(training) ? -1 : layout.add(`${l.name} output`, 'activations', 4 * B * l.outSize)));
    const rowBufs = stack.map((l) => {
      const one = l.bufferSpecs(1, training).filter((s) => s.kind === 'rows');
      const all = l.bufferSpecs(B, training).filter((s) => s.kind === 'rows');
      return all.map((s, i) => {
        if (s.bytes !== B * one[i]!.bytes) throw new Error(`${l.label}: buffer '${s.name}' of kind 'rows' is not ${B} × its size for one sample`);
        return { name: s.name, perRow: one[i]!.bytes, i: layout.add(`${l.name} ${s.name}`, 'caches', s.bytes) };
      });
    });
    // Buffers of batch-wide layers: one region per plan ('batch') or one slot per shard ('shards').
    const wideBufs = stack.map((l) => {
      const one = l.bufferSpecs(1, training).filter((s) => s.kind === 'batch' || s.kind === 'shards');
      return l.bufferSpecs(B, training).filter((s) => s.kind === 'batch' || s.kind === 'shards').map((s, i) => {
        if (s.bytes !== one[i]!.bytes) throw new Error(`${l.label}: buffer '${s.name}' of kind '${s.kind}' must not depend on the batch size`);
        const bytes = s.kind === 'batch' ? s.bytes : S * shardSlotStride(s.bytes);
        return { name: s.name, i: layout.add(`${l.name} ${s.name}`, s.kind === 'batch' ? 'caches' : 'scratch', bytes) };
      });
    });
    const scratchBytes = Math.max(0, ...stack.map((l) => scratchSize(l, most, training)));
    const iShard = Array.from({ length: S }, (_, s) => ({
      geoms: stack.map((l) => (l.geometry(1) !== undefined ? layout.add(`shard ${s} ${l.name} geometry`, 'geometry', 64) : -1)),
      scratch: scratchBytes > 0 ? layout.add(`shard ${s} scratch`, 'scratch', scratchBytes) : -1,
      grads: training && s > 0 && params.n > 0 ? layout.add(`shard ${s} gradients`, 'grads', 4 * params.n) : -1,
    }));
    // Gradient rows: every sample owns gradRow floats of each ping-pong buffer (see below).
    const gradRow = training ? Math.max(...stack.map((l) => l.outSize)) : 0;
    let iG0 = -1, iG1 = -1, iDx0 = -1;
    if (training) {
      iG0 = layout.add('gradient ping', 'gradients', 4 * B * gradRow);
      iG1 = layout.add('gradient pong', 'gradients', 4 * B * gradRow);
      if (mode === 'grad') iDx0 = layout.add('input gradient', 'gradients', 4 * B * inputSize);
    }
    const iLabels = layout.add('labels', 'io', 4 * B);
    const iPred = layout.add('predictions', 'io', 4 * B);
    const iProbs = training ? -1 : layout.add('probabilities', 'io', 4 * B * N);
    const iLoss = layout.add('shard losses', 'io', 8 * S);
    const chunks = training ? Math.ceil(params.n / CHUNK) : 0;
    const iTables = layout.add('task tables', 'tape', 16 * (PROGRAMS * S + chunks));
    const base = layout.commit(runtime.arena, `model '${this.m.name}' batch ${B} ${mode} plan`);
    const off = (i: number) => (i < 0 ? 0 : layout.offset(i));
    const blocks = [base];
    try { // a plan that fails from here on keeps no memory
      // Whole-batch runs: activations and the backward ping-pong.
      const x0 = off(iX0);
      const runs: LayerRun[] = [];
      let x = x0;
      stack.forEach((l, j) => {
        const y = iY[j]! < 0 ? x : layout.offset(iY[j]!);
        const bufs: Record<string, number> = {};
        for (const b of rowBufs[j]!) bufs[b.name] = layout.offset(b.i);
        for (const b of wideBufs[j]!) bufs[b.name] = layout.offset(b.i);
        runs.push({ B, batch: B, x, y, dy: 0, dx: 0, bufs, values: l.params.map((v) => v.value), grads: l.params.map((v) => v.grad) });
        x = y;
      });
      const logits = runs[runs.length - 1]!.y;
      let dlogits = 0;
      if (training) {
        // Each layer reads dy and writes dx into the other buffer; layers that alias their input
        // pass the same buffer through. The first layer's dx is absent (0) unless this is a
        // gradient-check plan that wants d loss / d input.
        // Shards run their layers at their own pace, so a shard's gradient rows must never meet
        // another's whatever layer each is at: in the ping-pong buffers every sample owns
        // maxOut floats (gradRow), and a layer uses the first outSize of them.
        const g = [off(iG0), off(iG1)];
        let which = 0;
        dlogits = g[0]!;
        let dy = dlogits;
        for (let j = stack.length - 1; j >= 0; j--) {
          const r = runs[j]!;
          r.dy = dy;
          if (stack[j]!.aliasesInput(true)) r.dx = j === 0 && mode !== 'grad' ? 0 : dy;
          else if (j === 0) r.dx = off(iDx0);
          else { which ^= 1; r.dx = g[which]!; }
          dy = r.dx;
        }
      }

      const shards: Shard[] = iShard.map((ix, s) => ({
        index: s, start: 0, rows: 0,
        runs: stack.map((l) => ({ B: 0, batch: 0, x: 0, y: 0, dy: 0, dx: 0, bufs: {}, values: l.params.map((v) => v.value), grads: l.params.map(() => 0) })),
        geoms: ix.geoms.map(off), scratch: off(ix.scratch), grads: s === 0 ? params.grads : off(ix.grads),
        loss: off(iLoss) + 8 * s, tape: 0, tapeCap: 0,
        seg: { zero: 0, fwd: 0, head: 0, bwd: 0, end: 0, fwd2: 0, end2: 0 }, cuts: [],
      }));
      for (const sh of shards) {
        sh.runs.forEach((r, j) => {
          r.grads = stack[j]!.params.map((v) => (v.trainable && training ? sh.grads + (v.grad - params.grads) : 0));
        });
      }
      const work = stack.reduce((t, l) => t + l.work(B), 0) / (training ? 1 : 3);
      const plan: Plan = {
        gradRow, mode, B, rows: 0, activeShards: 0, x0, labels: off(iLabels), pred: off(iPred), logits, dlogits, probs: off(iProbs),
        dx0: mode === 'grad' ? runs[0]!.dx : 0, dx0Row: stack[0]!.aliasesInput(true) ? gradRow : inputSize,
        runs, shards, tables: off(iTables),
        update: { table: off(iTables) + 16 * PROGRAMS * S, tape: 0, cap: 0, chunks },
        work, scratchBytes, bytes: layout.bytes, byKind: layout.byKind(), blocks, stack,
        barriers: [], pieces: [], barrierBlock: { tape: 0, cap: 0, tables: 0 },
      };

      // Size the tapes with a dry recording of the full batch, then give each shard room for
      // twice that (a smaller batch may take other paths, e.g. Dense's unpacked GEMM).
      this.placeShards(plan, B);
      let longest = 0;
      for (const sh of shards) {
        this.rec.beginDry();
        this.recordShard(plan, sh);
        longest = Math.max(longest, this.rec.end());
      }
      const shardCap = 2 * longest + 64;
      const updateCap = chunks * ((S - 1) * 6 + 2 * 15) + 16;
      const barrierCap = this.reduceCap(plan);
      const barrierTables = barrierCap > 0 ? PROGRAMS * (plan.barriers.length + 1) * S * 16 : 0;
      const tapeBytes = Math.ceil((8 * (S * shardCap + updateCap + barrierCap)) / 16) * 16 + barrierTables;
      const tapeBase = runtime.arena.alloc(tapeBytes, `model '${this.m.name}' batch ${B} ${mode} tapes`);
      blocks.push(tapeBase);
      (plan as { bytes: number }).bytes += tapeBytes;
      plan.byKind.tape = (plan.byKind.tape ?? 0) + tapeBytes;
      shards.forEach((sh, s) => { sh.tape = tapeBase / 8 + s * shardCap; sh.tapeCap = shardCap; });
      Object.assign(plan.update, { tape: tapeBase / 8 + S * shardCap, cap: updateCap });
      if (barrierCap > 0) {
        const tape = tapeBase / 8 + S * shardCap + updateCap;
        Object.assign(plan.barrierBlock, { tape, cap: barrierCap, tables: tapeBase + tapeBytes - barrierTables });
      }
      this.setRows(plan, B, true);
      return plan;
    } catch (e) {
      for (const b of blocks) runtime.arena.free(b);
      throw e;
    }
  }

  /** Points every shard's runs at its samples of a batch of `rows` and writes its geometry structs. */
  private placeShards(plan: Plan, rows: number): void {
    const { stack, params } = this.m;
    const S = shardCount(rows, plan.mode, params.n);
    const mem = this.m.runtime.arena.memory;
    plan.rows = rows;
    plan.activeShards = S;
    for (const r of plan.runs) { r.B = rows; r.batch = rows; }
    for (let s = 0; s < S; s++) {
      const sh = plan.shards[s]!;
      sh.start = shardStart(rows, S, s);
      sh.rows = shardStart(rows, S, s + 1) - sh.start;
      stack.forEach((l, j) => {
        const full = plan.runs[j]!;
        const r = sh.runs[j]!;
        r.B = sh.rows;
        r.x = full.x + 4 * sh.start * l.inSize;
        r.y = full.y + 4 * sh.start * l.outSize;
        // Gradient rows are gradRow floats apart in the ping-pong buffers (see makePlan).
        r.dy = full.dy === 0 ? 0 : full.dy + 4 * sh.start * plan.gradRow;
        // Only the first layer's own input-gradient buffer (grad plans) has rows inSize apart; a
        // first layer that aliases its input passes the ping-pong buffer through, rows gradRow apart.
        const ownInputGradient = j === 0 && plan.mode === 'grad' && !l.aliasesInput(true);
        r.dx = full.dx === 0 ? 0 : full.dx + 4 * sh.start * (ownInputGradient ? l.inSize : plan.gradRow);
        r.batch = rows;
        for (const b of l.bufferSpecs(1, plan.mode !== 'infer')) {
          if (b.kind === 'rows') r.bufs[b.name] = full.bufs[b.name]! + sh.start * b.bytes;
          else if (b.kind === 'batch') r.bufs[b.name] = full.bufs[b.name]!;
          else if (b.kind === 'shards') r.bufs[b.name] = full.bufs[b.name]! + s * shardSlotStride(b.bytes);
        }
        const g = l.geometry(sh.rows);
        if (g !== undefined) {
          writeGeom(mem, sh.geoms[j]!, g);
          r.bufs.geom = sh.geoms[j]!;
        }
        let at = sh.scratch;
        for (const b of l.bufferSpecs(sh.rows, plan.mode !== 'infer').filter((b) => b.kind === 'scratch')) {
          r.bufs[b.name] = at;
          at += Math.ceil(b.bytes / 16) * 16;
        }
      });
    }
  }

  /** Records shard `sh`'s programs into its tape and fills its task-table entries. */
  private recordShard(plan: Plan, sh: Shard): void {
    const { stack, loss, numClasses: N, params } = this.m;
    const k = this.rec.kernels;
    const rec = this.rec;
    const seg = sh.seg;
    const rows = sh.rows;
    const at = (p: number, bytesPerRow: number) => (p === 0 ? 0 : p + sh.start * bytesPerRow);
    const logits = at(plan.logits, 4 * N);
    const labels = at(plan.labels, 4);
    const pred = at(plan.pred, 4);
    sh.cuts.length = 0;
    if (sh.index === 0) plan.barriers.length = 0;
    // A layer with barriers records stages 0..n; before each stage after the first, a cut.
    const staged = (j: number, pass: Pass, training: boolean, run: (stage: number) => void) => {
      const n = stack[j]!.barriers(pass, training);
      for (let stage = 0; stage <= n; stage++) {
        if (stage > 0) {
          sh.cuts.push(rec.end());
          if (sh.index === 0) plan.barriers.push({ layer: j, pass, stage: stage - 1, training, start: 0, end: 0 });
        }
        run(stage);
      }
    };
    const forward = (training: boolean) => {
      stack.forEach((l, j) => staged(j, 'forward', training, (stage) => l.forward(k, sh.runs[j]!, training, stage)));
    };
    if (plan.mode === 'infer') {
      seg.fwd = rec.end();
      forward(false);
      seg.head = rec.end();
      rec.resultAt = sh.loss;
      loss.compute(k, at(plan.probs, 4 * N), 0, logits, labels, rows, N, 1);
      k.argmax_rows(pred, logits, rows, N);
      seg.end = rec.end();
      seg.fwd2 = seg.end;
      forward(false);
      k.softmax_forward(at(plan.probs, 4 * N), logits, rows, N);
      k.argmax_rows(pred, logits, rows, N);
      seg.end2 = rec.end();
      seg.zero = seg.fwd;
      seg.bwd = seg.end;
    } else {
      seg.zero = rec.end();
      if (params.n > 0) k.fill(sh.grads, params.n, 0);
      seg.fwd = rec.end();
      forward(true);
      seg.head = rec.end();
      rec.resultAt = sh.loss;
      loss.compute(k, 0, sh.runs[stack.length - 1]!.dy, logits, labels, rows, N, 1 / plan.rows);
      k.argmax_rows(pred, logits, rows, N);
      seg.bwd = rec.end();
      for (let j = stack.length - 1; j >= 0; j--) staged(j, 'backward', true, (stage) => stack[j]!.backward(k, sh.runs[j]!, stage));
      seg.end = rec.end();
      seg.fwd2 = seg.fwd;
      seg.end2 = seg.head;
    }
  }

  /**
   * Makes `rows` (≤ plan.B) the batch size of the plan's next steps: re-places the shards and
   * re-records their tapes. Cheap enough for once per epoch (the last, smaller batch).
   */
  setRows(plan: Plan, rows: number, force = false): void {
    if (plan.rows === rows && !force) return;
    if (!(Number.isInteger(rows) && rows >= 1 && rows <= plan.B)) throw new RangeError(`batch of ${rows} does not fit a plan for ${plan.B}`);
    this.placeShards(plan, rows);
    const f64 = new Float64Array(this.m.runtime.arena.memory.buffer); // once per batch-size change, not per step
    for (let s = 0; s < plan.activeShards; s++) {
      const sh = plan.shards[s]!;
      for (const l of this.m.stack) {
        const need = scratchSize(l, sh.rows, plan.mode !== 'infer');
        if (need > plan.scratchBytes) {
          throw new Error(`${l.label}: needs ${need} bytes of scratch for ${sh.rows} samples, more than the ${plan.scratchBytes} planned for batch ${plan.B}`);
        }
      }
      this.rec.begin(sh.tape, sh.tapeCap);
      this.recordShard(plan, sh); // segment marks are absolute f64 indices into memory
      const entries: [Program, number, number][] = [
        [PROGRAM.STEP, sh.seg.zero, sh.seg.end], [PROGRAM.FWD_HEAD, sh.seg.zero, sh.seg.bwd],
        [PROGRAM.BWD, sh.seg.bwd, sh.seg.end], [PROGRAM.FWD, sh.seg.fwd, sh.seg.head],
        [PROGRAM.EVAL, sh.seg.fwd, sh.seg.end], [PROGRAM.PREDICT, sh.seg.fwd2, sh.seg.end2],
      ];
      for (const [p, a, b] of entries) {
        const t = tableOf(plan, p) / 8 + 2 * s;
        f64[t] = a;
        f64[t + 1] = b;
      }
    }
    this.recordBarriers(plan, f64);
  }

  // ---- barriers (batch-wide layers, Layer.barriers) ------------------------------------------
  //
  // Every shard records the same layers, so the same barriers in the same order; shard s's
  // sh.cuts[i] is where barrier i falls in its tape. A program (a [start, end) per shard) is
  // cut at the barriers inside it into pieces: piece q runs every shard from the previous cut to
  // cut q (one task table), then barrier q's reduce tape on the calling thread.

  /** f64 values for the reduce tapes (twice a dry recording's), 0 without barriers. Their piece tables follow them in the tape block. */
  private reduceCap(plan: Plan): number {
    if (plan.barriers.length === 0) return 0;
    this.rec.beginDry();
    for (const b of plan.barriers) this.recordReduce(plan, b);
    return 2 * this.rec.end() + 16;
  }

  private recordReduce(plan: Plan, b: Barrier): void {
    const run = plan.runs[b.layer]!;
    this.m.stack[b.layer]!.reduce(this.rec.kernels, { run, shards: plan.activeShards }, b.pass, b.stage, b.training);
  }

  /** Records the reduce tapes for the shards in force and cuts every program into pieces. */
  private recordBarriers(plan: Plan, f64: Float64Array): void {
    const S = plan.activeShards;
    plan.pieces = [];
    const nb = plan.barriers.length;
    if (nb > 0) {
      for (let s = 1; s < S; s++) {
        if (plan.shards[s]!.cuts.length !== nb) throw new Error(`plan: shard ${s} recorded ${plan.shards[s]!.cuts.length} barriers, shard 0 ${nb}`);
      }
      this.rec.begin(plan.barrierBlock.tape, plan.barrierBlock.cap);
      for (const b of plan.barriers) {
        b.start = this.rec.end();
        this.recordReduce(plan, b);
        b.end = this.rec.end();
      }
    }
    let table = plan.barrierBlock.tables;
    for (let pi = 0; pi < PROGRAMS; pi++) {
      const p = pi as Program;
      const t0 = tableOf(plan, p) / 8;
      const inside: number[] = [];
      for (let i = 0; i < nb; i++) {
        const c = plan.shards[0]!.cuts[i]!;
        if (f64[t0]! < c && c <= f64[t0 + 1]!) inside.push(i);
      }
      if (inside.length === 0) { plan.pieces.push([{ table: tableOf(plan, p), empty: false, barrier: -1 }]); continue; }
      const pieces: Piece[] = [];
      for (let q = 0; q <= inside.length; q++) {
        let empty = true;
        for (let s = 0; s < S; s++) {
          const sh = plan.shards[s]!;
          const a = q === 0 ? f64[t0 + 2 * s]! : sh.cuts[inside[q - 1]!]!;
          const b = q === inside.length ? f64[t0 + 2 * s + 1]! : sh.cuts[inside[q]!]!;
          f64[table / 8 + 2 * s] = a;
          f64[table / 8 + 2 * s + 1] = b;
          if (b > a) empty = false;
        }
        pieces.push({ table, empty, barrier: q < inside.length ? inside[q]! : -1 });
        table += 16 * plan.shards.length;
      }
      plan.pieces.push(pieces);
    }
  }
}
