/** What the all-in-one runtime tells a newcomer once it is up. */
export interface BannerInfo {
  services: readonly string[];
  /** Bound ports per service (port 0 resolved). */
  ports: Record<string, { http?: number; grpc?: number; debug: number } | undefined>;
  /** The proxy's listen addresses as configured (their host is shown; 0.0.0.0 as 127.0.0.1). */
  proxyHttpAddr: string;
  proxyDebugAddr: string;
  store: 'memory' | 'redis';
  bus: 'memory' | 'nats';
  admin?: { email: string; outcome: 'created' | 'exists'; passwordFromEnv: boolean } | undefined;
}

const hostOf = (addr: string): string => {
  const host = addr.slice(0, addr.lastIndexOf(':'));
  return host === '' || host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
};

/** The start-up banner: where to go, who can sign in, what backs it, and the next command. */
export function startupBanner(i: BannerInfo): string[] {
  const proxy = i.ports.proxy;
  const base = proxy?.http !== undefined ? `http://${hostOf(i.proxyHttpAddr)}:${proxy.http}` : undefined;
  const email = i.admin?.email ?? 'admin@example.com';
  const password =
    i.admin === undefined
      ? 'auth-basic is not running here'
      : i.admin.passwordFromEnv
        ? 'password from GATEHOUSE_ADMIN_PASSWORD'
        : i.admin.outcome === 'created'
          ? 'password printed above, shown once'
          : 'already existed: its password is unchanged';
  const backing =
    i.store === 'memory' && i.bus === 'memory'
      ? 'memory store, memory bus (nothing survives a restart; set REDIS_URL and NATS_URL for Redis and NATS)'
      : `${i.store} store, ${i.bus} bus`;
  const lines = ['', `  Gatehouse is up: ${i.services.join(', ')}`];
  if (base) {
    lines.push(`    proxy            ${base}`);
    lines.push(`    debug            http://${hostOf(i.proxyDebugAddr)}:${proxy!.debug}  (/healthz /readyz /metrics)`);
  }
  lines.push(`    bootstrap admin  ${email}  (${password})`);
  lines.push(`    backed by        ${backing}`);
  if (base) {
    lines.push('', '  Next, sign in and see what the upstream receives:');
    lines.push(
      `    TOKEN=$(curl -s ${base}/auth/login -H 'content-type: application/json' -d '{"email":"${email}","password":"<password>"}' | jq -r .data.access_token)`,
    );
    lines.push(`    curl -s ${base}/whoami -H "authorization: Bearer $TOKEN"`);
    lines.push(`  or open ${base}/whoami in a browser.`);
  }
  lines.push('');
  return lines;
}
