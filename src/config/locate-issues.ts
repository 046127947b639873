/** Path issues → located config issues (file:line:col), sorted by position. Import-light (no zod). */
import type { ConfigIssue } from '../errors.js';
import type { Locator } from './locate.js';
import type { PathIssue } from './users-check.js';

export function locateAll(issues: PathIssue[], locate: Locator): ConfigIssue[] {
  return issues
    .map((i) => {
      const loc = locate(i.path, i.at);
      return { path: i.path.join('.'), message: i.message, ...(loc ? { line: loc.line, column: loc.column } : {}), ...(i.hint ? { hint: i.hint } : {}) };
    })
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}
