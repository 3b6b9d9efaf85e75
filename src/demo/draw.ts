// The drawing pad: white ink on black, like MNIST, drawn with pointer events (mouse, pen and touch
// alike). Coordinates are mapped from CSS pixels to the canvas's own 280x280 grid, so the pad
// may be shown at any size. The stroke is 1/14 of the pad wide: after toMnistDigit scales a
// digit's ~200-pixel-tall box to 20 pixels, that is about 2 pixels, the width of MNIST strokes.

export class DrawingPad {
  private readonly ctx: CanvasRenderingContext2D;
  private last: { x: number; y: number } | undefined;
  private inked = false;

  constructor(readonly canvas: HTMLCanvasElement, private readonly onChange: () => void) {
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('the drawing pad needs a 2D canvas context');
    this.ctx = ctx;
    this.clear();
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    for (const type of ['pointerup', 'pointercancel', 'lostpointercapture'] as const) {
      canvas.addEventListener(type, () => { this.last = undefined; });
    }
  }

  get isBlank(): boolean { return !this.inked; }

  clear(): void {
    const { ctx, canvas } = this;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    this.inked = false;
    this.last = undefined;
  }

  /** Ink in [0, 1] per canvas pixel (the red channel: strokes are white on black). */
  ink(): Float32Array {
    const { width, height } = this.canvas;
    const rgba = this.ctx.getImageData(0, 0, width, height).data;
    const out = new Float32Array(width * height);
    for (let i = 0; i < out.length; i++) out[i] = rgba[i * 4]! / 255;
    return out;
  }

  private point(e: PointerEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * this.canvas.width, y: ((e.clientY - r.top) / r.height) * this.canvas.height };
  }

  private down(e: PointerEvent): void {
    if (e.button !== 0) return;
    e.preventDefault();
    this.canvas.setPointerCapture(e.pointerId);
    this.last = this.point(e);
    this.segment(this.last, this.last);
  }

  private move(e: PointerEvent): void {
    if (this.last === undefined) return;
    // Coalesced events: the points the browser merged into this one, so fast strokes stay smooth.
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    for (const ev of events.length > 0 ? events : [e]) {
      const p = this.point(ev);
      this.segment(this.last, p);
      this.last = p;
    }
  }

  private segment(a: { x: number; y: number }, b: { x: number; y: number }): void {
    const { ctx } = this;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = this.canvas.width / 14;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
    this.inked = true;
    this.onChange();
  }
}
