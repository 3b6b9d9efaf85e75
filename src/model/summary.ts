// Sequential.summary's text: a Keras-like table of the layers, the totals and the planned memory.

import type { Sequential } from './sequential.js';

/** The summary of a compiled model; `dataBytes`: the data slots staged so far. */
export function formatSummary(model: Sequential, dataBytes: number): string {
  const rows = model.layers.map((l, i) => {
    const p = l.params.reduce((s, v) => s + v.size, 0);
    const note = i >= model.stackSize || l.fuseWithLoss(i === model.layers.length - 1) === 'activation' ? ' *' : '';
    return [`${l.name} (${l.type})${note}`, `(None, ${l.outShape.join(', ')})`, p.toLocaleString('en-US')];
  });
  const head = ['Layer (type)', 'Output shape', 'Param #'];
  const w = [0, 1, 2].map((c) => Math.max(head[c]!.length, ...rows.map((r) => r[c]!.length)) + 2);
  const line = (r: string[]) => r[0]!.padEnd(w[0]!) + r[1]!.padEnd(w[1]!) + r[2]!.padStart(w[2]!);
  const rule = (ch: string) => ch.repeat(w[0]! + w[1]! + w[2]!);
  const kb = (b: number) => (b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(2)} MiB` : `${(b / 1024).toFixed(1)} KiB`);
  const mb = model.params.bytesByKind;
  const nAll = model.params.views.reduce((t, v) => t + v.size, 0);
  const out = [
    `Model: "${model.name}"  input (None, ${model.inputShape.join(', ')}), build ${model.build}`,
    rule('_'), line(head), rule('='),
    ...rows.map(line),
    rule('='),
    `Total params: ${nAll.toLocaleString('en-US')} (${kb(4 * nAll)})` +
      (model.optimizer.weightDecay > 0 ? `, ${model.nDecay.toLocaleString('en-US')} with weight decay` : ''),
    ...(nAll > model.nParams ? [`Trainable params: ${model.nParams.toLocaleString('en-US')}; non-trainable: ${(nAll - model.nParams).toLocaleString('en-US')} (running statistics)`] : []),
    `Optimizer: ${model.optimizer.type} ${JSON.stringify(model.optimizer.getConfig())}; loss: ${model.loss.type}` +
      (model.layers.some((l, i) => i >= model.stackSize || l.fuseWithLoss(i === model.layers.length - 1) === 'activation') ? ' (* softmax fused with the loss)' : ''),
    `Planned memory: parameters ${kb(mb.params ?? 0)}, gradients ${kb(mb.grads ?? 0)}, optimizer state ${kb(mb.optimizer ?? 0)}`,
  ];
  const plans = [...model.executor.allPlans()];
  for (const p of plans) {
    const k = p.byKind;
    out.push(`  batch ${p.B} (${p.mode}, ${p.shards.length} shard${p.shards.length > 1 ? 's' : ''}): activations ${kb((k.activations ?? 0) + (k.input ?? 0))}, caches ${kb(k.caches ?? 0)}, ` +
      `gradients ${kb((k.gradients ?? 0) + (k.grads ?? 0))}, scratch ${kb(k.scratch ?? 0)}, tapes ${kb(k.tape ?? 0)}, total ${kb(p.bytes)} (${p.bytes} bytes)`);
  }
  if (plans.length === 0) out.push('  no batch planned yet (fit/evaluate/predict plan on first use)');
  if (dataBytes > 0) out.push(`  data slots (datasets staged for fit/evaluate/predict): ${kb(dataBytes)}`);
  const total = Object.values(mb).reduce((s, b) => s + (b ?? 0), 0) + plans.reduce((s, p) => s + p.bytes, 0) + dataBytes;
  out.push(`  model total ${kb(total)} (${total} bytes); wasm memory ${kb(model.runtime.arena.capacity)}`);
  return out.join('\n');
}
