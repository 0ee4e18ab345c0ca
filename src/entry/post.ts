import { run } from '../post.js';

await run();
// A timed-out cache upload can leave a socket open that would keep the job waiting.
process.exit(0);
