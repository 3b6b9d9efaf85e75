// Flag value parsers (commander argParsers: throw InvalidArgumentError) that name the flag, the
// value and what is allowed.

import { InvalidArgumentError, Option } from 'commander';

// Every numeric flag goes through numericFlag: plain decimal notation only (digits, an optional
// sign, decimal point and exponent: 12, 0.5, 1e-3). Number() alone would also take '0x10' (16),
// '0b1', '0o7', '' and '  ' (0), which a user almost never means; those are refused, and so are
// digit separators ('1_000') and spaces around the value.

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Why `text` is not a plain decimal number, or undefined when it is one. */
export function decimalFormProblem(text: string): string | undefined {
  if (DECIMAL.test(text)) return undefined;
  if (text.trim() === '') return text === '' ? 'got an empty value' : 'got only spaces';
  if (text.trim() !== text) return 'remove the spaces around the number';
  if (/^[+-]?0[xXbBoO]/.test(text)) return 'hexadecimal, binary and octal forms are not accepted: write it in decimal';
  if (text.includes('_')) return "digit separators ('_') are not accepted";
  return undefined; // just not a number: the rule's own description says what is wanted
}

export interface NumberRule {
  /** What the flag takes, completing "FLAG must be ...", e.g. "a positive integer (1, 2, 3, ...)". */
  what: string;
  integer?: boolean;
  /** Bounds; inclusive unless the matching *Open is set. */
  min?: number;
  minOpen?: boolean;
  max?: number;
  maxOpen?: boolean;
}

/** The one parser behind every numeric flag (a commander argParser: throws InvalidArgumentError). */
export function numericFlag(flag: string, rule: NumberRule): (v: string) => number {
  return (v) => {
    const form = decimalFormProblem(v);
    const n = DECIMAL.test(v) ? Number(v) : NaN;
    const ok = Number.isFinite(n)
      && (!rule.integer || Number.isSafeInteger(n))
      && (rule.min === undefined || (rule.minOpen ? n > rule.min : n >= rule.min))
      && (rule.max === undefined || (rule.maxOpen ? n < rule.max : n <= rule.max));
    if (!ok) throw new InvalidArgumentError(`${flag} must be ${rule.what}${form === undefined ? '' : `; ${form}`}`);
    return n === 0 ? 0 : n; // no -0
  };
}

export function positiveInt(flag: string): (v: string) => number {
  return numericFlag(flag, { what: 'a positive integer (1, 2, 3, ...)', integer: true, min: 1 });
}

export function nonNegativeInt(flag: string): (v: string) => number {
  return numericFlag(flag, { what: 'a whole number ≥ 0', integer: true, min: 0 });
}

/** A finite number strictly between lo and hi (open interval) or, with closedLo, lo ≤ x < hi. */
export function numberIn(flag: string, lo: number, hi: number, opts: { closedLo?: boolean } = {}): (v: string) => number {
  const range = `${opts.closedLo ? '[' : '('}${lo}, ${hi === Infinity ? '∞' : hi})`;
  return numericFlag(flag, { what: `a number in ${range}`, min: lo, minOpen: !opts.closedLo, max: hi, maxOpen: true });
}

/** A 32-bit unsigned seed. */
export const seedValue = numericFlag('--seed', { what: 'a whole number in [0, 4294967295]', integer: true, min: 0, max: 0xffffffff });

/** --threads: how many threads the kernels may use, a positive integer or 'auto' (the library decides). */
export type Threads = number | 'auto';

const threadCount = numericFlag('--threads', { what: "a positive integer (1, 2, 3, ...) or 'auto'", integer: true, min: 1 });

export function threadsValue(v: string): Threads {
  return v === 'auto' ? 'auto' : threadCount(v);
}

/** The --threads option, the same for every command. */
export function threadsOption(): Option {
  return new Option('--threads <n>', "threads for the kernels: a positive integer or 'auto'").argParser(threadsValue).default('auto');
}
