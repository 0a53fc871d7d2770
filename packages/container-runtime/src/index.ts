export type * from './runtime.js';
