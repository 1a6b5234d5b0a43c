// Entry of the scenarios' load worker thread: TypeScript through tsx, then the worker's code.
import { register } from 'tsx/esm/api';

register();
await import('./load-worker-main.ts');
