// Classification metrics from integer labels and predictions.
//
// confusion[t·N + p] counts samples of true class t predicted as p.
// precision_c = TP_c / (TP_c + FP_c) = confusion[c,c] / Σ_t confusion[t,c]
// recall_c    = TP_c / (TP_c + FN_c) = confusion[c,c] / Σ_p confusion[c,p]
// A class that is never predicted (or never present) gets 0, as scikit-learn's zero_division=0.

export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, N: number): Int32Array {
  if (labels.length !== predicted.length) {
    throw new RangeError(`confusionMatrix: ${labels.length} labels but ${predicted.length} predictions`);
  }
  const m = new Int32Array(N * N);
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i]!;
    const p = predicted[i]!;
    if (!(t >= 0 && t < N && p >= 0 && p < N)) throw new RangeError(`confusionMatrix: sample ${i} has label ${t} / prediction ${p} outside [0, ${N})`);
    m[t * N + p]!++;
  }
  return m;
}

export function precisionRecall(confusion: Int32Array, N: number): { precision: number[]; recall: number[] } {
  const precision: number[] = [];
  const recall: number[] = [];
  for (let c = 0; c < N; c++) {
    let col = 0;
    let row = 0;
    for (let j = 0; j < N; j++) {
      col += confusion[j * N + c]!;
      row += confusion[c * N + j]!;
    }
    const tp = confusion[c * N + c]!;
    precision.push(col > 0 ? tp / col : 0);
    recall.push(row > 0 ? tp / row : 0);
  }
  return { precision, recall };
}
