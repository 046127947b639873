/**
 * Pure parsing of what JDKs say about themselves: the `java -version` banner (stderr) and the
 * `release` file at the root of every JDK since 9 (and of most 8 builds).
 */
export interface ParsedJavaVersion {
  /** As the JDK prints it: `1.8.0_412`, `17.0.15`, `25`. */
  version: string;
  /** 8 for `1.8.x`, otherwise the first number. */
  major: number;
}

export function majorOf(version: string): number | undefined {
  const m = /^(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!m) return undefined;
  const first = Number(m[1]);
  // Java 8 and older report themselves as 1.x.
  if (first === 1 && m[2] !== undefined) return Number(m[2]);
  return first;
}

function parsed(version: string | undefined): ParsedJavaVersion | undefined {
  if (!version) return undefined;
  const major = majorOf(version);
  return major === undefined || major < 1 ? undefined : { version, major };
}

/** `openjdk version "21.0.5" 2024-10-15 LTS`, `java version "1.8.0_412"`, `openjdk version "25-ea"`. */
export function parseJavaVersionOutput(text: string): ParsedJavaVersion | undefined {
  const m = /^\s*(?:openjdk|java)\s+version\s+"([^"]+)"/im.exec(text);
  return parsed(m?.[1]);
}

/** `JAVA_VERSION="17.0.15"` in `<home>/release`. */
export function parseReleaseFile(text: string): ParsedJavaVersion | undefined {
  const m = /^JAVA_VERSION="?([^"\n]+)"?\s*$/m.exec(text);
  return parsed(m?.[1]?.trim());
}

/** Orders `21.0.5` after `21.0.3`, `1.8.0_412` after `1.8.0_402`. */
export function compareJavaVersions(a: string, b: string): number {
  const parts = (v: string) => v.split(/[._+-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === 'number' && typeof y === 'number') {
      if (x !== y) return x - y;
    } else if (String(x) !== String(y)) {
      return String(x).localeCompare(String(y));
    }
  }
  return 0;
}
