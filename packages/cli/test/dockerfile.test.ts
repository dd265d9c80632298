import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createServer } from 'node:http';
import { freePort } from '@gatehouse/shared/testing';

// No Docker engine runs here: the image's recipe is checked as a file, and its HEALTHCHECK script
// is run against a real debug listener.
const root = process.cwd();
const dockerfile = readFileSync(resolve(root, 'deploy/Dockerfile'), 'utf8');
const stages = dockerfile.split(/^FROM /m).slice(1);
const final = stages[stages.length - 1]!;

describe('deploy/Dockerfile', () => {
  it('builds in one stage and runs from a second, small one (node slim, production only)', () => {
    expect(stages.length).toBe(2);
    expect(final).toMatch(/^node:20-bookworm-slim\n/);
    expect(stages[0]).toMatch(/pnpm prune --prod/);
    expect(final).toMatch(/^ENV NODE_ENV=production$/m);
    // Only built output and runtime files are copied over, never the build stage's whole tree.
    expect(final).not.toMatch(/COPY --from=build \/src \/app/);
  });

  it('runs as a non-root user', () => {
    const user = /^USER (\S+)$/m.exec(final)?.[1];
    expect(user).toBeDefined();
    expect(user!.split(':')[0]).not.toMatch(/^(root|0)$/);
  });

  it('has `gatehouse` as the entry point, so the command is `<service> server`', () => {
    expect(final).toMatch(/^ENTRYPOINT \["gatehouse"\]$/m);
    expect(final).toMatch(/ln -s \/app\/packages\/cli\/dist\/src\/main\.js \/usr\/local\/bin\/gatehouse/);
    const compose = readFileSync(resolve(root, 'docker-compose.yml'), 'utf8');
    expect(compose).toMatch(/command: \['auth-bearer', 'server'\]/);
  });

  it('declares a HEALTHCHECK running the shipped script', () => {
    expect(final).toMatch(/^HEALTHCHECK .*CMD \["node", "\/app\/deploy\/healthcheck\.mjs"\]$/m);
    expect(final).toMatch(/COPY --from=build \/src\/deploy\/healthcheck\.mjs deploy\/healthcheck\.mjs/);
  });

  it('keeps the host’s installs, builds and secrets out of the build context', () => {
    const ignored = readFileSync(resolve(root, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '**/dist', '.git', 'secrets', '.gatehouse']));
  });
});

describe('deploy/healthcheck.mjs', () => {
  const run = (env: Record<string, string>) =>
    new Promise<number | null>((done) => {
      const child = spawn(process.execPath, [resolve(root, 'deploy/healthcheck.mjs')], { env: { PATH: process.env.PATH ?? '', ...env } });
      child.once('exit', (code) => done(code));
    });

  it('is healthy when the service’s debug port answers /healthz, unhealthy otherwise', async () => {
    const server = createServer((req, res) => {
      res.writeHead(req.url === '/healthz' ? 200 : 404);
      res.end();
    });
    const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
    try {
      expect(await run({ GATEHOUSE_HEALTHCHECK_SERVICE: 'auth-bearer', AUTH_BEARER_DEBUG_ADDR: `0.0.0.0:${port}` })).toBe(0);
      // Another service's variable is not this one's address.
      expect(
        await run({
          GATEHOUSE_HEALTHCHECK_SERVICE: 'auth-basic',
          AUTH_BEARER_DEBUG_ADDR: `0.0.0.0:${port}`,
          AUTH_BASIC_DEBUG_ADDR: `127.0.0.1:${await freePort()}`,
        }),
      ).toBe(1);
    } finally {
      server.close();
    }
  });

  it('is unhealthy when /healthz does not answer 200', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(503);
      res.end();
    });
    const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
    try {
      expect(await run({ GATEHOUSE_HEALTHCHECK_SERVICE: 'proxy', PROXY_DEBUG_ADDR: `127.0.0.1:${port}` })).toBe(1);
    } finally {
      server.close();
    }
  });
});
