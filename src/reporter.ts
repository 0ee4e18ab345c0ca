/** Where a run reports to: the Actions runner (core) or a terminal (the CLI). */
export interface Reporter {
  info(message: string): void;
  warning(message: string): void;
  /** Runs `task` inside a collapsible log group (or a progress line on a terminal). */
  group<T>(title: string, task: () => Promise<T>): Promise<T>;
  /** Masks a value in every later log line. */
  setSecret(value: string): void;
  addSummary(markdown: string): Promise<void>;
  saveState(name: string, value: string): void;
  /** Makes a variable visible to this process and to later steps. */
  exportVariable(name: string, value: string): void;
  /** Prepends a folder to PATH for this process and later steps. */
  addPath(dir: string): void;
}
