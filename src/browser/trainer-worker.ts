// The trainer worker's entry: a module worker script that client.ts starts with
// `new Worker(new URL('./trainer-worker.js', import.meta.url), { type: 'module' })`. It only
// wires the worker's global scope to TrainerCore (worker-core.ts). With esbuild, which does not
// follow that pattern, bundle this file as a second entry point named trainer-worker.js next to
// the page's bundle (README, "In the browser").

import { TrainerCore } from './worker-core.js';
import type { CallMessage, StopMessage } from './protocol.js';

interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<CallMessage | StopMessage>) => void) | null;
}

const scope = globalThis as unknown as WorkerScope;
const core = new TrainerCore({ postMessage: (m, t) => scope.postMessage(m, t ?? []) });
scope.onmessage = (e) => core.receive(e.data);
