#!/usr/bin/env node
import { describeError, parseCommand } from './cli.js';
import type { RunningRuntime } from './runtime/all-in-one.js';

// The only file with side effects: argv/env in, signals and exit codes out.
const out = (s: string) => process.stdout.write(`${s}\n`);

/**
 * SIGTERM/SIGINT drain the all-in-one runtime, then exit 0 (1 if draining failed or hung); a second
 * signal while draining exits 1 at once.
 */
function drainOnSignals(runtime: RunningRuntime): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting without draining\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`${signal}: draining...\n`);
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    runtime.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

try {
  const cmd = parseCommand(process.argv.slice(2), process.env, out, { stdoutIsTty: process.stdout.isTTY === true });
  if (cmd.kind === 'once') {
    await cmd.run();
    process.exit(0);
  } else if (cmd.kind === 'service') {
    await cmd.run(); // runService owns the signals from here on
  } else {
    drainOnSignals(await cmd.start());
  }
} catch (err) {
  process.stderr.write(`${describeError(err)}\n`);
  process.exit(2);
}
