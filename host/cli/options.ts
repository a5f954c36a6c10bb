/** commander argument parsers: a bad value is a usage error that names the option's rule. */

import { InvalidArgumentError } from 'commander';

export function parseFraction(value: string): number {
  const x = Number(value);
  if (!Number.isFinite(x) || x < 0 || x > 1) throw new InvalidArgumentError('expected a number from 0 to 1');
  return x;
}

export function parsePositive(value: string): number {
  const x = Number(value);
  if (!Number.isFinite(x) || x <= 0) throw new InvalidArgumentError('expected a number above 0');
  return x;
}

export function parseNonNegative(value: string): number {
  const x = Number(value);
  if (!Number.isFinite(x) || x < 0) throw new InvalidArgumentError('expected a number of 0 or more');
  return x;
}

export function parseIntInRange(min: number, max: number): (value: string) => number {
  return (value: string) => {
    const x = Number(value);
    if (!Number.isInteger(x) || x < min || x > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return x;
  };
}

export function parseNumber(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x)) throw new InvalidArgumentError('expected a number');
  return x;
}
