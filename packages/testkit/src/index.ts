export * from './poll.js';
export * from './unique.js';
export * from './mode.js';
