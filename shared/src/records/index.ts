// One module per record that crosses a process boundary: its type, encoder and parser.
export * from './malformed.ts';
export * from './headers.ts';
export * from './delivery.ts';
export * from './attempt.ts';
export * from './dead-letter.ts';
export * from './quarantine.ts';
export * from './invalid.ts';
export * from './parked-state.ts';
export * from './flag.ts';
export * from './disable.ts';
export * from './backfill-progress.ts';
export * from './breaker-state.ts';
