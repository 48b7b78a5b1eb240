/** Quotes one argument the way a POSIX shell would need it, for showing (never for running). */
export function shellQuote(arg: string): string {
  if (arg === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The exact command line a stdio server runs, as the user would type it. */
export function formatCommandLine(command: string, args: readonly string[]): string {
  return [command, ...args].map(shellQuote).join(' ');
}

/** `KEY=VALUE` lines into a map; returns the first bad line as an error. */
export function parseEnvLines(text: string): { env: Record<string, string> } | { error: string } {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const index = line.indexOf('=');
    const key = index === -1 ? '' : line.slice(0, index).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return { error: `Not KEY=VALUE: ${line.slice(0, 40)}` };
    env[key] = line.slice(index + 1);
  }
  return { env };
}

/** One argument per line, so arguments with spaces need no quoting. */
export function parseArgLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '');
}
