/** Client addresses and trusted peers (`@gatehouse/shared/net`): node:net only, no framework. */
export * from './ip-address.js';
export * from './trusted-peers.js';
export * from './client-address.js';
export * from './loopback-host.js';
export * from './limit-key.js';
