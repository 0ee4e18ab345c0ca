import { Outputs } from './inputs.js';

export type OutputName = (typeof Outputs)[keyof typeof Outputs];

/** The step's outputs as a run produced them; the entry point writes them (action) or prints them (CLI). */
export type RunOutputs = Partial<Record<OutputName, string>>;

/** Sets every output the run produced, in the order of the Outputs table. */
export function writeOutputs(outputs: RunOutputs, setOutput: (name: string, value: string) => void): void {
  for (const name of Object.values(Outputs)) {
    const value = outputs[name];
    if (value !== undefined) setOutput(name, value);
  }
}
