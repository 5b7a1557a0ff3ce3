import { defineConfig } from 'vitest/config';

// Unit tests run anywhere, in parallel. End-to-end tests need root, bpffs, podman and the
// built hook (npm run build): they share the pinned BPF program, so they run one file at a time.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**'] } },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
