import { shown } from '../util/format.js';
// Config key checking shared by every layer and optimizer constructor. A misspelt option
// ({ activaton: 'relu' }, { pool_size: 3 }, { learningRate: 0.5 }) would otherwise be ignored
// and the default used in its place, so each constructor lists the keys it reads and any other
// own key is an error naming the key, the layer or optimizer, and the allowed keys. A key is
// refused even when its value is undefined: it is still not what the caller meant to write.

/**
 * Throws unless `config` is undefined or a plain object whose own keys are all in `allowed`.
 * `where` names the owner in the message ("Dense 'fc1'", "Adam").
 */
export function checkConfigKeys(config: unknown, allowed: readonly string[], where: string): void {
  if (config === undefined) return;
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new TypeError(`${where}: config must be an object with keys among ${allowed.join(', ')}; got ${shown(config)}`);
  }
  for (const key of Object.keys(config)) {
    if (allowed.includes(key)) continue;
    const near = closestKey(key, allowed);
    throw new TypeError(`${where}: unknown option '${key}' (allowed: ${allowed.join(', ')})` +
      (near === undefined ? '' : `; did you mean '${near}'?`));
  }
}

/**
 * The allowed key `key` was most likely meant to be: equal ignoring case and '_' / '-'
 * (pool_size → poolSize), else the nearest by edit distance, when that distance is at most 2
 * (at most 1 for allowed keys of 4 letters or fewer, so 'x' does not suggest 'lr').
 */
function closestKey(key: string, allowed: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[_-]/g, '');
  const same = allowed.find((a) => norm(a) === norm(key));
  if (same !== undefined) return same;
  let best: string | undefined;
  let bestD = Infinity;
  for (const a of allowed) {
    const d = editDistance(norm(key), norm(a));
    if (d <= (a.length <= 4 ? 1 : 2) && d < bestD) { best = a; bestD = d; }
  }
  return best;
}

/** Levenshtein distance (insert, delete, substitute each cost 1), one row at a time. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
