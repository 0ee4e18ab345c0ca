import { InputError } from './errors.js';

/** Values an `ldflags` template may use, e.g. `-X main.version={{.Version}}`. */
export interface TemplateValues {
  /** `git describe --tags` without a leading `v` (1.2.3, 1.2.3-4-gabc1234), or the short commit without tags. */
  Version: string;
  Commit: string;
  ShortCommit: string;
  /** Commit time, RFC 3339 in UTC. */
  Date: string;
}

export const TEMPLATE_FIELDS: readonly (keyof TemplateValues)[] = ['Version', 'Commit', 'ShortCommit', 'Date'];

const FIELD = /\{\{\s*\.([A-Za-z]+)\s*\}\}/g;

/** Checks a template's syntax and fields up front, so a typo fails before any compile. */
export function checkTemplate(input: string, text: string): void {
  const accepted = `text with {{.Field}} templates, Field one of ${TEMPLATE_FIELDS.join(', ')}`;
  for (const match of text.matchAll(FIELD)) {
    if (!(TEMPLATE_FIELDS as readonly string[]).includes(match[1]!)) throw new InputError(input, match[0], accepted);
  }
  const leftover = text.replace(FIELD, '');
  if (leftover.includes('{{') || leftover.includes('}}')) throw new InputError(input, text, `${accepted} (an unbalanced {{ or }} was found)`);
}

export function expandTemplate(text: string, values: TemplateValues): string {
  return text.replace(FIELD, (_whole, field: string) => values[field as keyof TemplateValues] ?? '');
}
