/** The shared test helper (packages/shared/src/testing). */
export { codeOf } from '@gatehouse/shared/testing';
