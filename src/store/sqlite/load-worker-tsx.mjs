// Worker entry when running from the TypeScript sources: registers tsx in this thread, then loads the worker.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./load-worker.ts', import.meta.url).href);
