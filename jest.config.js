// Tests are compiled by `tsc -b` with the code and run from dist/ as native ESM
// (node --experimental-vm-modules), so what runs in tests is exactly what ships.
export default {
  testEnvironment: 'node',
  transform: {},
  roots: ['<rootDir>/packages', '<rootDir>/services'],
  testMatch: ['**/dist/**/*.test.js'],
  testPathIgnorePatterns: ['/node_modules/'],
  moduleFileExtensions: ['js', 'mjs', 'cjs', 'json'],
  testTimeout: 30000,
  maxWorkers: 2,
  verbose: false,
  // A leaked handle must never hang CI; leaks are still reported by --detectOpenHandles runs.
  forceExit: true,
};
