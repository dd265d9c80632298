/** The store port and the per-user slotted records on it (`@gatehouse/shared/store`): no driver. */
export * from './store.js';
export * from './slotted-records.js';
