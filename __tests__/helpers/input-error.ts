import { InputError } from '../../src/errors.js';

/** The InputError `run` throws; fails the test when it throws something else or nothing. */
export function inputErrorOf(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}
