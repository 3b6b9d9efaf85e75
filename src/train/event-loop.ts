// Yielding to the event loop: mid-epoch in fit (FitOptions.yieldEvery), and between epochs in the
// train CLI (so a pending signal is handled).

/** Resolvers waiting for the browser's yield message (see yieldToEventLoop). */
const yielded: (() => void)[] = [];
let yieldChannel: MessageChannel | undefined;

/**
 * Lets the event loop run (timers, I/O, signal handlers, a page's input and rendering, a worker's
 * messages) and comes back. Node: setImmediate. Browser: a message to ourselves, which queues a
 * task like setTimeout(0) does but without the 4 ms clamp browsers put on nested timeouts (fit
 * yields from inside its own continuations, so setTimeout would cost 4 ms per yield).
 */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  if (g.setImmediate) return new Promise((resolve) => g.setImmediate!(resolve));
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  if (yieldChannel === undefined) {
    yieldChannel = new MessageChannel();
    yieldChannel.port1.onmessage = () => yielded.shift()?.();
  }
  const port = yieldChannel.port2;
  return new Promise((resolve) => { yielded.push(resolve); port.postMessage(0); });
}
