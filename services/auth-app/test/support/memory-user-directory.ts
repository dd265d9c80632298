/** The shared test helper (packages/shared/src/testing). */
export { MemoryUserDirectory } from '@gatehouse/shared/testing';
