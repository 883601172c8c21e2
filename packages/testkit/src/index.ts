export * from './poll.js';
export * from './unique.js';
