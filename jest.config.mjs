// Test tiers by file suffix: *.unit.spec.ts (pure, no I/O), *.int.spec.ts (one component against the real
// local stack), *.e2e.spec.ts (all services as processes). Workspace packages resolve to their TS sources.
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@saga/([a-z]+)-service$': '<rootDir>/services/$1/src/index.ts',
    '^@saga/node$': '<rootDir>/apps/saga-node/src/index.ts',
    '^@saga/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/services', '<rootDir>/apps', '<rootDir>/test'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
export default {
  // Generous: the int and e2e tiers wait on real processes; unit tests finish in milliseconds anyway.
  testTimeout: 180_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/*.unit.spec.ts'] },
    {
      ...common,
      displayName: 'int',
      testMatch: ['**/*.int.spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.mjs',
      globalTeardown: '<rootDir>/test/global-teardown.mjs',
      slowTestThreshold: 30,
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['**/*.e2e.spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.mjs',
      globalTeardown: '<rootDir>/test/global-teardown.mjs',
      slowTestThreshold: 60,
    },
    {
      // Fault injection under load (npm run test:chaos; SAGA_CHAOS=short for CI): kills services, the broker and
      // Redis, so it runs on its own, in band, and never as part of `npm test`.
      ...common,
      displayName: 'chaos',
      testMatch: ['**/*.chaos.spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.mjs',
      globalTeardown: '<rootDir>/test/global-teardown.mjs',
      slowTestThreshold: 120,
    },
  ],
};
