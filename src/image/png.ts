// PNG encode/decode (through pngjs) and turning an arbitrary picture into a model input.
//
// encodePng: ImageF32 (gray or RGB, [0, 1], HWC) → 8-bit PNG bytes, gray or RGB colour type,
//   optionally upscaled by an integer factor (nearest neighbour, so pixels stay square).
// decodePng: PNG bytes → 8-bit RGBA (pngjs expands palettes, 16-bit and gray to RGBA).
// decodeToGray: PNG bytes → height×width gray Float32Array in [0, 1], bright ink on a dark
//   background like MNIST:
//   1. each pixel's luma (Rec. 601), composited over WHITE by its alpha, so a transparent
//      canvas export with black strokes reads as black-on-white;
//   2. invert: 'auto' (default) inverts when the mean of the border pixels is above 0.5,
//      i.e. the background is light; true/false force it;
//   3. fit 'stretch' (default): resize the whole picture to the target size (area averaging
//      when shrinking, bilinear when growing; see resize.ts), aspect ratio not kept;
//      fit 'mnist': do what MNIST's preparation did: stretch contrast so the background
//      (border mean) is 0 and the brightest ink 1, crop to the ink's bounding box, scale its
//      longer side to 20/28 of the target (aspect kept), and paste it so its centre of mass
//      sits at the centre of the target.
//
// pngjs needs Node's zlib and Buffer. In a browser bundle, alias 'pngjs' to 'pngjs/browser.js'
// (its self-contained build, which carries its own zlib and Buffer); encodePng then works as is,
// while decodePng also needs a global Buffer and Node's zlib (it is meant for the Node CLI; it
// checks the IHDR and the compressed data that pngjs takes on trust, see checkDeclaredSize). Everything else
// under src/image is plain TypeScript.

import pngjs from 'pngjs';
import { checkImage, isPositiveInt, luma, toByte, upscaleNearest, type ImageF32 } from './image.js';
import { resizeGray } from './resize.js';

const { PNG } = pngjs;

/** Encodes a gray or RGB float image as an 8-bit PNG, upscaled by `scale` (an integer ≥ 1). */
export function encodePng(img: ImageF32, scale = 1): Uint8Array {
  checkImage(img, 'encodePng');
  if (!isPositiveInt(scale)) throw new RangeError(`encodePng: scale must be a positive integer, got ${scale}`);
  const big = upscaleNearest(img, scale);
  // A plain Uint8Array is enough: with input colour type = output colour type at 8 bits,
  // pngjs uses the array as it is.
  const bytes = new Uint8Array(big.data.length);
  for (let i = 0; i < big.data.length; i++) bytes[i] = toByte(big.data[i]!);
  const colorType = big.channels === 1 ? 0 : 2;
  const meta = { width: big.width, height: big.height, data: bytes } as unknown as InstanceType<typeof PNG>;
  const out = PNG.sync.write(meta, { colorType, inputColorType: colorType, inputHasAlpha: false, bitDepth: 8 });
  // Copy out of the Buffer (which may be a slice of Node's shared pool) into a plain array.
  return new Uint8Array(out);
}

export interface DecodedPng {
  width: number;
  height: number;
  /** width·height·4 bytes, RGBA, row-major. */
  rgba: Uint8Array;
}

export function decodePng(bytes: Uint8Array): DecodedPng {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decodePng: expected the PNG file as a Uint8Array');
  let png;
  try {
    const d = imageData(bytes);
    if (d) checkDeclaredSize(d);
    // A whole file is checked before pngjs, so that pngjs never reads past short data; a
    // truncated one is left to pngjs's own error ("the data ends early" in the CLI), and
    // checked afterwards if pngjs accepts it anyway.
    if (d?.complete) checkInflates(d);
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    if (d && !d.complete) checkInflates(d);
  } catch (e) {
    throw new Error(`decodePng: not a readable PNG (${(e as Error).message})`, { cause: e });
  }
  return { width: png.width, height: png.height, rgba: new Uint8Array(png.data) };
}

/** Channels per pixel of each PNG colour type (gray, RGB, palette, gray+alpha, RGBA). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Deflate's best case is about 1032 output bytes per input byte (runs of 258 bytes in 2 bits). */
const MAX_INFLATE_RATIO = 1032;
/** Adam7 passes: x0, y0, dx, dy. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;

/** Bytes of filtered scanlines (a filter byte plus the packed pixels per row) the IHDR implies. */
function scanlineBytes(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const rows = (w: number, h: number) => (w > 0 && h > 0 ? h * (Math.ceil((w * bitsPerPixel) / 8) + 1) : 0);
  if (!interlaced) return rows(width, height);
  let n = 0;
  for (const [x0, y0, dx, dy] of ADAM7) n += rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy));
  return n;
}

interface ImageData {
  width: number; height: number; need: number; parts: Uint8Array[]; idat: number;
  /** The chunks run whole up to an IEND (not a truncated file). */
  complete: boolean;
}

/**
 * The IHDR's image size, the bytes of filtered scanlines it implies, and the IDAT payloads; or
 * undefined for a file this cannot read (no signature, no IHDR first, an unknown colour type,
 * depth or interlace method), which is left to pngjs and its own errors.
 */
function imageData(b: Uint8Array): ImageData | undefined {
  if (b.length < 33 || PNG_SIGNATURE.some((x, i) => b[i] !== x)) return undefined;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(8, false) !== 13 || dv.getUint32(12, false) !== 0x49484452 /* IHDR */) return undefined;
  const width = dv.getUint32(16, false);
  const height = dv.getUint32(20, false);
  const depth = b[24]!;
  const channels = CHANNELS[b[25]!];
  if (channels === undefined || ![1, 2, 4, 8, 16].includes(depth) || b[28]! > 1) return undefined;
  const parts: Uint8Array[] = [];
  let idat = 0;
  let complete = false;
  for (let at = 8; at + 8 <= b.length;) {
    const len = dv.getUint32(at, false);
    const type = dv.getUint32(at + 4, false);
    if (type === 0x49444154 /* IDAT */) {
      const part = b.subarray(at + 8, Math.min(b.length, at + 8 + len));
      parts.push(part);
      idat += part.length;
    }
    at += 12 + len;
    if (type === 0x49454e44 /* IEND */) { complete = at <= b.length; break; }
  }
  return { width, height, need: scanlineBytes(width, height, channels * depth, b[28] === 1), parts, idat, complete };
}

/**
 * Before pngjs runs: the IDAT chunks must be able to hold the image the IHDR declares. pngjs
 * allocates buffers of the declared size up front, so a flipped bit in the width asked for
 * 200 MB and 3 s for a 400-byte file.
 */
function checkDeclaredSize(d: ImageData): void {
  const most = MAX_INFLATE_RATIO * d.idat + 65536;
  if (d.need > most) {
    throw new Error(`the header (IHDR, byte offset 16) declares ${d.width}x${d.height} pixels, ${d.need} bytes of image data, ` +
      `but the file holds only ${d.idat} bytes of compressed data (IDAT), which cannot inflate to more than ${most}; ` +
      'the header is damaged or the data truncated');
  }
}

/**
 * The IDAT data must inflate cleanly to at least the declared size. Given no IDAT, or zlib data that is short or corrupt (a bad Adler-32, a stream that ends
 * early), pngjs filled the missing rows from uninitialised memory and returned them as pixels,
 * so the same bytes decoded differently from run to run.
 */
function checkInflates(d: ImageData): void {
  if (d.parts.length === 0) throw new Error(`no image data: the file has no IDAT chunk for its ${d.width}x${d.height} image`);
  // Node's zlib, fetched at call time so that this module still bundles for the browser (for
  // encodePng); without process.getBuiltinModule (Node < 20.16) this check is skipped.
  const zlib = typeof process !== 'undefined' ? process.getBuiltinModule?.('node:zlib') : undefined;
  if (zlib === undefined) return;
  let got: number;
  try {
    got = zlib.inflateSync(concatBytes(d.parts, d.idat), { maxOutputLength: Math.max(d.need, 1) }).length;
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return; // more data than needed: pngjs ignores the rest
    throw new Error(`the compressed image data (IDAT) is damaged: zlib says ${(e as Error).message}`);
  }
  if (got < d.need) {
    throw new Error(`the compressed image data (IDAT) inflates to ${got} bytes, but the ${d.width}x${d.height} image ` +
      `the header declares needs ${d.need}; the data is truncated or the header damaged`);
  }
}

function concatBytes(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export interface DecodeGrayOptions {
  /** 'auto' (default): invert when the picture's border is light. */
  invert?: 'auto' | boolean;
  /** 'stretch' (default): resize the whole picture; 'mnist': crop, scale to 20/28 and centre by mass. */
  fit?: 'stretch' | 'mnist';
}

/** A PNG as a targetH×targetW gray image in [0, 1], bright on dark (see the header). */
export function decodeToGray(
  pngBytes: Uint8Array,
  targetH: number,
  targetW: number,
  opts: DecodeGrayOptions = {},
): Float32Array {
  checkGrayOptions('decodeToGray', targetH, targetW, opts);
  return rgbaToGray(decodePng(pngBytes), targetH, targetW, opts);
}

/** decodeToGray for a picture already decoded by decodePng. */
export function rgbaToGray(png: DecodedPng, targetH: number, targetW: number, opts: DecodeGrayOptions = {}): Float32Array {
  const { invert: invertOpt, fit } = checkGrayOptions('rgbaToGray', targetH, targetW, opts);
  const { width: W, height: H, rgba } = png;
  const gray = new Float32Array(H * W);
  for (let p = 0; p < H * W; p++) {
    const a = rgba[p * 4 + 3]! / 255;
    const y = luma(rgba[p * 4]! / 255, rgba[p * 4 + 1]! / 255, rgba[p * 4 + 2]! / 255);
    gray[p] = a * y + (1 - a);
  }
  const invert = invertOpt === 'auto' ? borderMean(gray, H, W) > 0.5 : invertOpt;
  if (invert) for (let p = 0; p < gray.length; p++) gray[p] = 1 - gray[p]!;
  return fit === 'mnist' ? mnistFit(gray, H, W, targetH, targetW) : resizeGray(gray, H, W, targetH, targetW);
}

function checkGrayOptions(fn: string, targetH: number, targetW: number, opts: DecodeGrayOptions): Required<DecodeGrayOptions> {
  if (!isPositiveInt(targetH) || !isPositiveInt(targetW)) {
    throw new RangeError(`${fn}: target size must be positive integers, got ${targetH}x${targetW}`);
  }
  const invert = opts.invert ?? 'auto';
  if (invert !== 'auto' && typeof invert !== 'boolean') {
    throw new TypeError(`${fn}: invert must be 'auto', true or false, got ${String(invert)}`);
  }
  const fit = opts.fit ?? 'stretch';
  if (fit !== 'stretch' && fit !== 'mnist') {
    throw new TypeError(`${fn}: fit must be 'stretch' or 'mnist', got ${String(fit)}`);
  }
  return { invert, fit };
}

/** Mean of the outermost ring of pixels (the whole image when it is 1 or 2 pixels thick). */
export function borderMean(g: Float32Array, H: number, W: number): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (y === 0 || y === H - 1 || x === 0 || x === W - 1) {
        sum += g[y * W + x]!;
        n++;
      }
    }
  }
  return sum / n;
}

/** Pixels (after contrast stretch) at or below this count as background for the bounding box. */
const INK_THRESHOLD = 0.1;

function mnistFit(g: Float32Array, H: number, W: number, TH: number, TW: number): Float32Array {
  const out = new Float32Array(TH * TW);
  const bg = borderMean(g, H, W);
  let hi = -Infinity;
  for (let p = 0; p < g.length; p++) hi = Math.max(hi, g[p]!);
  if (!(hi - bg > 0.05)) return out; // no ink to speak of: a blank input
  const s = new Float32Array(g.length);
  let y0 = H, y1 = -1, x0 = W, x1 = -1;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = Math.min(1, Math.max(0, (g[y * W + x]! - bg) / (hi - bg)));
      s[y * W + x] = v;
      if (v > INK_THRESHOLD) {
        y0 = Math.min(y0, y); y1 = Math.max(y1, y);
        x0 = Math.min(x0, x); x1 = Math.max(x1, x);
      }
    }
  }
  const ch = y1 - y0 + 1;
  const cw = x1 - x0 + 1;
  const crop = new Float32Array(ch * cw);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) crop[y * cw + x] = s[(y0 + y) * W + x0 + x]!;
  // MNIST fits each digit into a 20×20 box inside the 28×28 frame.
  const box = Math.max(1, Math.round((Math.min(TH, TW) * 20) / 28));
  const k = box / Math.max(ch, cw);
  const gh = Math.max(1, Math.min(TH, Math.round(ch * k)));
  const gw = Math.max(1, Math.min(TW, Math.round(cw * k)));
  const glyph = resizeGray(crop, ch, cw, gh, gw);
  let mass = 0, my = 0, mx = 0;
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      const v = glyph[y * gw + x]!;
      mass += v; my += v * (y + 0.5); mx += v * (x + 0.5);
    }
  }
  const cy = mass > 0 ? my / mass : gh / 2;
  const cx = mass > 0 ? mx / mass : gw / 2;
  const top = Math.min(TH - gh, Math.max(0, Math.round(TH / 2 - cy)));
  const left = Math.min(TW - gw, Math.max(0, Math.round(TW / 2 - cx)));
  for (let y = 0; y < gh; y++) for (let x = 0; x < gw; x++) out[(top + y) * TW + left + x] = glyph[y * gw + x]!;
  return out;
}
