// The last processed offset, persisted atomically (write a temp file, rename) after each update, so a
// restart resumes where the signer stopped. Offsets are per participant: this file belongs to the
// participant in CANTON_MPC_JSON_API and is refused for another one.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

interface Saved { offset: number; participant: string }

export class OffsetStore {
  constructor(private readonly file: string, private readonly participant: string) {}

  load(): number | undefined {
    if (!existsSync(this.file)) return undefined;
    const s = JSON.parse(readFileSync(this.file, 'utf8')) as Saved;
    if (s.participant !== this.participant) {
      // "Do not compare offsets across participants": an offset of another participant means nothing here.
      throw new Error(`${this.file} holds an offset of ${s.participant}, not of ${this.participant}; move it away to start from the active contracts`);
    }
    if (!Number.isInteger(s.offset) || s.offset < 0) throw new Error(`${this.file}: offset ${String(s.offset)} is not a non-negative integer`);
    return s.offset;
  }

  save(offset: number): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ offset, participant: this.participant } satisfies Saved) + '\n');
    renameSync(tmp, this.file);
  }
}
