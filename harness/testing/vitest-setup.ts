import { afterAll } from 'vitest';
import { removeTempDirs } from './run-cli.js';

// Tests import the AWS SDK, which otherwise warns about Node 20 in every worker.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

afterAll(() => removeTempDirs());
