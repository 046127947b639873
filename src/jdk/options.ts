/**
 * JVM options for the Canton process (`JAVA_OPTS`, read by `bin/canton`). Pure.
 *
 * `-Duser.language=en` unless the user's own JVM options choose a language: with a Turkish default
 * locale the JVM upper-cases `i` to `İ`, and Canton fails on Daml-LF names containing `I` (`TİME`;
 * FACTS §6). A user's `JAVA_OPTS` is kept, after ours, so its settings (e.g. its own -Xmx) win;
 * `JAVA_TOOL_OPTIONS` and `JDK_JAVA_OPTIONS` are read by the JVM itself and are only looked at.
 */
export const LOCALE_OPTION = '-Duser.language=en';
const USER_OPTION_VARS = ['JAVA_OPTS', 'JAVA_TOOL_OPTIONS', 'JDK_JAVA_OPTIONS'] as const;

export function setsLanguage(options: string): boolean {
  return /(^|\s)-Duser\.language=/.test(options);
}

export function cantonJavaOpts(heap: string, env: Record<string, string | undefined>): string {
  const user = (env.JAVA_OPTS ?? '').trim();
  const userChoosesLanguage = USER_OPTION_VARS.some((v) => setsLanguage(env[v] ?? ''));
  return [`-Xmx${heap.replace(/^-Xmx/, '')}`, ...(userChoosesLanguage ? [] : [LOCALE_OPTION]), ...(user ? [user] : [])].join(' ');
}
