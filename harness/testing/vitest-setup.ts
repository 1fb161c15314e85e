import { afterAll } from 'vitest';
import { removeTempDirs } from './run-cli.js';

afterAll(() => removeTempDirs());
