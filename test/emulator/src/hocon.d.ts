// @pushcorn/hocon-parser ships no types; this is the part the emulator uses.
declare module '@pushcorn/hocon-parser' {
  interface ParseOptions { text?: string; url?: string; strict?: boolean }
  const parser: { parse(opts: ParseOptions): Promise<unknown>; $mode: string };
  export default parser;
}
