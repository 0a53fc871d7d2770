export * from './decoder.js';
export * from './encoder.js';
export * from './errors.js';
export * from './frames.js';
