// Shared with the process-stack tests: see @scaleout/testing.
export { eventually, sleep } from '@scaleout/testing';
