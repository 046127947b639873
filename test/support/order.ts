import { expect } from 'vitest';

/** Every piece occurs in `text`, each after the one before it (the order a rendered script runs them in). */
export function expectInOrder(text: string, pieces: string[]): void {
  let at = -1;
  for (const piece of pieces) {
    const i = text.indexOf(piece, at + 1);
    expect(i, piece).toBeGreaterThan(at);
    at = i;
  }
}
