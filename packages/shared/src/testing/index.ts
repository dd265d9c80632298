export * from './free-port.js';
export * from './spawn-server.js';
export * from './redis-server.js';
export * from './nats-server.js';
export * from './fake-clock.js';
export * from './keys.js';
export * from './tls-certs.js';
export * from './browser.js';
