import type { EnvironmentKind } from '../scenario/schema.js';
import { nativeProvider } from './native/index.js';
import type { EnvironmentProvider } from './types.js';

/** Environments in one typed registry, each loaded when a drill asks for it; one not built yet says so. */
const providers: { [K in EnvironmentKind]: () => Promise<EnvironmentProvider> } = {
  native: async () => nativeProvider,
  // Loaded on demand: testcontainers is only needed by drills that run in containers.
  testcontainers: async () => (await import('./testcontainers/index.js')).testcontainersProvider,
  kubernetes: async () => (await import('./kubernetes/index.js')).kubernetesProvider,
};

export async function environmentProvider(kind: EnvironmentKind): Promise<EnvironmentProvider> {
  return providers[kind]();
}
