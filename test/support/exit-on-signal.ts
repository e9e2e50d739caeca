// A test process stopped by a signal (the runner stops a file that does not end by itself with
// SIGTERM; Ctrl-C sends SIGINT) leaves through process.exit, so that the exit hooks of the
// support modules run and kill what the test started (services, brokers of its own).
let installed = false;

export function exitOnSignal(): void {
  if (installed) return;
  installed = true;
  process.once('SIGTERM', () => process.exit(143));
  process.once('SIGINT', () => process.exit(130));
}
