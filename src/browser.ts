// The package's browser entry (the `browser` condition of "." in package.json): the public API,
// which reaches no Node built-in (test/browser/entry.test.ts bundles it for the browser and fails
// on any node: import). It is the same surface as ./index.ts, whose browser part is ./browser/.
export * from './index.js';
