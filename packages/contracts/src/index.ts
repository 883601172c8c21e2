export * from './generated/events.js';
export * from './errors.js';
export * from './names.js';
export * from './schemas.js';
