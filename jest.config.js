/** @type {import('jest').Config} */
// @kubernetes/client-node 1.x and its OpenID dependencies ship as ES modules; swc turns
// them into CommonJS so Jest can load them in its CommonJS module registry.
const esmPackages = ['@kubernetes/client-node', 'openid-client', 'oauth4webapi', 'jose', 'jsonpath-plus'];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  testTimeout: 20000,
  setupFiles: ['<rootDir>/test/setup-env.ts'],
};
