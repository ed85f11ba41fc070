// Public entry point: re-exports only.
export * from './errors';
export * from './codec';
