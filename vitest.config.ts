import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        // Property tests run thousands of cases: 5 s (vitest's default) is too tight
        // on a loaded 2-core machine. Speed is measured by the bench, not here.
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], testTimeout: 60_000 },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 600_000,
          hookTimeout: 900_000,
          // One engine: run the e2e files one after another.
          fileParallelism: false,
        },
      },
    ],
  },
});
