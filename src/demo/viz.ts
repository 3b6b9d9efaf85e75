// Small pictures of what the model holds: a grey image on a canvas, the first conv layer's
// filters (HWIO kernel, one tile per output channel, blue negative / white zero / red positive on
// one scale for all filters) and the feature maps of one image (one tile per channel, each
// scaled to its own maximum so weak channels still show their pattern).

/** Sizes `canvas` to width x height and paints pixel i (row-major) with the colour `rgbAt(i)`. */
function paint(canvas: HTMLCanvasElement, width: number, height: number, rgbAt: (i: number) => [number, number, number]): void {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const [r, g, b] = rgbAt(i);
    img.data[i * 4] = r; img.data[i * 4 + 1] = g; img.data[i * 4 + 2] = b; img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

const grey = (v: number): [number, number, number] => {
  const k = Math.round(255 * Math.min(1, Math.max(0, v)));
  return [k, k, k];
};

/** A 28x28 (or any size) image with values in [0, 1]. */
export function drawGrey(canvas: HTMLCanvasElement, values: Float32Array, width: number, height: number): void {
  paint(canvas, width, height, (i) => grey(values[i]!));
}

/** Diverging colour for v in [-1, 1]: blue, white, red. */
function diverging(v: number): [number, number, number] {
  const t = Math.min(1, Math.abs(v));
  const fade = Math.round(255 * (1 - t));
  return v >= 0 ? [255, fade, fade] : [fade, fade, 255];
}

/** One tile per output channel of an HWIO kernel; input channels are averaged (C = 3 for the cifar model). */
export function drawFilters(host: HTMLElement, kernel: { shape: number[]; data: Float32Array }): void {
  const [KH, KW, C, OC] = kernel.shape as [number, number, number, number];
  let max = 0;
  for (const v of kernel.data) max = Math.max(max, Math.abs(v));
  host.replaceChildren();
  for (let oc = 0; oc < OC; oc++) {
    const canvas = document.createElement('canvas');
    paint(canvas, KW, KH, (i) => {
      let s = 0;
      for (let c = 0; c < C; c++) s += kernel.data[(i * C + c) * OC + oc]!;
      return diverging(max > 0 ? s / C / max : 0);
    });
    canvas.title = `filter ${oc}`;
    host.append(canvas);
  }
}

/** One tile per channel of an H x W x C activation (NHWC with B = 1). */
export function drawFeatureMaps(host: HTMLElement, maps: { shape: number[]; values: Float32Array }): void {
  const dims = maps.shape.slice(-3);
  const [H, W, C] = dims as [number, number, number];
  host.replaceChildren();
  for (let c = 0; c < C; c++) {
    let max = 0;
    for (let i = 0; i < H * W; i++) max = Math.max(max, Math.abs(maps.values[i * C + c]!));
    const canvas = document.createElement('canvas');
    paint(canvas, W, H, (i) => grey(max > 0 ? Math.abs(maps.values[i * C + c]!) / max : 0));
    canvas.title = `channel ${c}`;
    host.append(canvas);
  }
}

/** The probability bars: one row per class, the most likely one highlighted. */
export function drawProbabilities(list: HTMLElement, probs: ArrayLike<number> | undefined, labels: readonly string[]): void {
  if (list.children.length !== labels.length) {
    list.replaceChildren(...labels.map((label) => {
      const li = document.createElement('li');
      li.innerHTML = '<span class="d"></span><span class="track"><span class="fill"></span></span><span class="p"></span>';
      li.querySelector('.d')!.textContent = label;
      return li;
    }));
  }
  let top = -1;
  if (probs) for (let i = 0; i < probs.length; i++) if (top < 0 || probs[i]! > probs[top]!) top = i;
  Array.from(list.children).forEach((li, i) => {
    const p = probs?.[i];
    (li.querySelector('.fill') as HTMLElement).style.width = p === undefined ? '0' : `${(100 * p).toFixed(1)}%`;
    li.querySelector('.p')!.textContent = p === undefined ? '' : `${(100 * p).toFixed(1)}%`;
    li.classList.toggle('best', i === top);
    li.setAttribute('aria-label', p === undefined ? labels[i]! : `${labels[i]}: ${(100 * p).toFixed(1)}%`);
  });
}
