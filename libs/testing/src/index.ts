export { createTestInfra, type TestInfra } from './infra';
export { waitFor, sleep } from './wait';
export { testConfig } from './config';
