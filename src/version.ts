import { createRequire } from 'node:module';

// Read once from package.json so `--version` never drifts from the published package.
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
