// Numeric flags take plain decimal numbers only (issue 7, item 7): '--lr 0x10' used to be read as
// 16. Every numeric flag of every command goes through one parser, so each refuses hexadecimal,
// binary and octal forms, digit separators, empty values and spaces, with exit 2 and one line
// naming the flag and the value. Plain decimal forms (including 1e-3 and .5) stay accepted.

import { describe, expect, it } from 'vitest';
import { main as trainMain } from '../../src/cli/train.js';
import { main as evaluateMain } from '../../src/cli/evaluate.js';
import { main as predictMain } from '../../src/cli/predict.js';
import { numericFlag } from '../../src/cli/flags.js';
import { runCli } from './util.js';

type Main = typeof trainMain;

const BAD: [string, RegExp][] = [
  ['0x10', /hexadecimal, binary and octal/],
  ['0X1f', /hexadecimal, binary and octal/],
  ['0b11', /hexadecimal, binary and octal/],
  ['0o17', /hexadecimal, binary and octal/],
  ['1_000', /digit separators/],
  ['', /empty value/],
  ['   ', /only spaces/],
  [' 8', /spaces around/],
  ['8 ', /spaces around/],
  ['Infinity', /must be/],
  ['NaN', /must be/],
];

// The numeric flags of each command. evaluate and predict get a --model that does not exist:
// a flag error must come first (exit 2 naming the flag, not the model file).
const COMMANDS: [string, Main, string[], string[]][] = [
  ['train', trainMain, [], ['--epochs', '--batch', '--lr', '--seed', '--train-count', '--test-count', '--validation-split', '--threads']],
  ['evaluate', evaluateMain, ['--model', 'no-such.simdnet'], ['--test-count', '--threads']],
  ['predict', predictMain, ['--model', 'no-such.simdnet', 'idx:0'], ['--top', '--threads']],
];

describe('every numeric flag refuses non-decimal forms with exit 2 naming the flag and the value', () => {
  for (const [name, main, base, flags] of COMMANDS) {
    for (const flag of flags) {
      it(`${name} ${flag}`, async () => {
        for (const [value, why] of BAD) {
          const r = await runCli(main, [...base, `${flag}=${value}`]);
          const line = `${name} ${flag}=${JSON.stringify(value)}: ${r.err}`;
          expect(r.code, line).toBe(2);
          expect(r.err.trim().split('\n'), line).toHaveLength(1);
          expect(r.err, line).toContain(flag);
          expect(r.err, line).toContain(`'${value}'`);
          expect(r.err, line).toMatch(why);
          expect(r.out, line).toBe('');
        }
      });
    }
  }
});

describe('numericFlag', () => {
  const lr = numericFlag('--lr', { what: 'a number in (0, ∞)', min: 0, minOpen: true });
  const count = numericFlag('--n', { what: 'a positive integer', integer: true, min: 1 });

  it('accepts plain decimal notation', () => {
    expect(lr('0.01')).toBe(0.01);
    expect(lr('.5')).toBe(0.5);
    expect(lr('1e-3')).toBe(0.001);
    expect(lr('2E2')).toBe(200);
    expect(lr('+3')).toBe(3);
    expect(lr('10')).toBe(10); // a leading digit 1 then 0 is not octal
    expect(count('010')).toBe(10); // leading zeros are decimal too
    expect(count('1e3')).toBe(1000);
  });

  it('applies the rule after the form', () => {
    expect(() => lr('0')).toThrow(/--lr must be a number in \(0, ∞\)$/);
    expect(() => count('2.5')).toThrow(/--n must be a positive integer$/);
    expect(() => count('0')).toThrow(/--n must be a positive integer$/);
    expect(() => count('0x10')).toThrow(/--n must be a positive integer; hexadecimal/);
  });
});
