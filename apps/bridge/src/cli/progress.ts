import type { OutputStream } from './io.js';

/** What a long command shows while it works: a spinner line on a terminal, plain lines elsewhere. */
export interface Progress {
  /** Shows what is being done now. */
  update(message: string): void;
  /** Removes the spinner line. */
  stop(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function createProgress(stream: OutputStream, options: { intervalMs?: number } = {}): Progress {
  if (!stream.isTTY) {
    let last = '';
    return {
      update(message) {
        if (message === last) return;
        last = message;
        stream.write(`… ${message}\n`);
      },
      stop() {},
    };
  }
  let message = '';
  let frame = 0;
  let since = Date.now();
  const draw = () => {
    const seconds = ((Date.now() - since) / 1000).toFixed(1);
    stream.write(`\r\x1b[K${FRAMES[frame++ % FRAMES.length]} ${message} (${seconds}s)`);
  };
  const timer = setInterval(draw, options.intervalMs ?? 100);
  timer.unref?.();
  return {
    update(next) {
      message = next;
      since = Date.now();
      draw();
    },
    stop() {
      clearInterval(timer);
      stream.write('\r\x1b[K');
    },
  };
}
