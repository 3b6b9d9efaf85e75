// TEMPORARY: the worker API, from the shim until the browserapi branch is merged.
export * from './shim.js';
