/** A bad action input or CLI flag: names the input, shows the value, lists what is accepted. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    readonly value: string,
    readonly accepted: string,
  ) {
    super(`Input '${input}' has an invalid value ${JSON.stringify(value)}: expected ${accepted}.`);
    this.name = 'InputError';
  }
}

/** An external command exited non-zero; the message carries the tail of its stderr. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number,
    readonly stderrTail: string,
    hint?: string,
  ) {
    super(
      `${command} failed with exit code ${exitCode}` +
        (stderrTail ? `:\n${stderrTail}` : '') +
        (hint ? `\nHint: ${hint}` : ''),
    );
    this.name = 'CommandError';
  }
}

/** A failure with the context a user needs to act on it (what, where, why). */
export class ActionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ActionError';
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The message a failed step ends with, plus what to do about the causes that have one obvious fix. */
export function failureMessage(error: unknown): string {
  const message = errorMessage(error);
  if (/no space left on device|ENOSPC/.test(message)) return `${message}\nHint: the runner's disk (RUNNER_TEMP, GOCACHE) is full; free space or use a larger runner.`;
  return message;
}
