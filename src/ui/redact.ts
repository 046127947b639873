/**
 * Secrets must never reach stdout, stderr or logs. Every secret canton-mpc learns (generated
 * passwords, tokens, keys read from the environment) is registered here, and every line the
 * Output writes passes through `redact`.
 */
const secrets = new Set<string>();

/** Values shorter than this are too likely to collide with ordinary text to mask safely. */
const MIN_SECRET_LENGTH = 6;

export function registerSecret(value: string | undefined): void {
  if (value && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join('***');
  }
  return out;
}

/** Environment variable names whose values are secret whatever their content. */
export function isSecretName(name: string): boolean {
  return /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE|_KEY$|^KEY$|CREDENTIAL|MNEMONIC|SEED)/i.test(name);
}
