// Training report: pure builders (browser-safe apart from pngjs, see src/image/png.ts).
// File writing lives in ./write-node.ts (Node only) and is not re-exported here.
export { buildReport, validateReportInput, MAX_MISCLASSIFIED, MAX_BATCH_POINTS } from './build.js';
export type { ReportInput, ReportFiles, TrainingHistory, MisclassifiedImages, FilterWeights, FeatureMaps } from './types.js';
export { lineChartSvg, type Series, type LineChartOptions } from './line-chart.js';
export { confusionSvg, confusionMetrics, checkConfusion, heatColor, type ClassMetrics, type ConfusionMetrics } from './confusion.js';
export { renderIndexHtml, type PageParts } from './html.js';
export { niceTicks, fmtValue, esc } from './svg.js';
