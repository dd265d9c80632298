#!/usr/bin/env node
import { describeError, parseCommand } from './cli.js';

// The only file with side effects: argv/env in, signals and exit codes out.
const out = (s: string) => process.stdout.write(`${s}\n`);

try {
  const cmd = parseCommand(process.argv.slice(2), process.env, out);
  if (cmd.kind === 'once') {
    await cmd.run();
    process.exit(0);
  }
  const runtime = await cmd.start();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
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
} catch (err) {
  process.stderr.write(`${describeError(err)}\n`);
  process.exit(2);
}
