/**
 * The dashboard's build: plain TypeScript and DOM with uPlot, bundled by Vite into
 * packages/server/dist/ui (shipped in the package, served by dashboard/routes.ts). Everything is
 * local: no CDN, no web fonts.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: here,
  base: "/",
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("../dist/ui", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
  },
});
