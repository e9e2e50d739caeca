export { scenarios } from './scenarios/index.ts';
export type { Context, Scenario } from './context.ts';
