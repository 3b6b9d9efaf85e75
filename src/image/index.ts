// Image helpers: float images, resizing, tile grids, tensor → tiles, PNG codec.
export { type ImageF32, checkImage, upscaleNearest, normalizeMinMax, luma, toByte } from './image.js';
export { resizeGray } from './resize.js';
export { tileGrid, GAP_COLOR, type Grid, type GridOptions, type TileRect } from './grid.js';
export { filterTiles, featureMapTiles, scaleToAtLeast, type TensorTiles } from './tensor-tiles.js';
export { encodePng, decodePng, decodeToGray, borderMean, type DecodedPng, type DecodeGrayOptions } from './png.js';
