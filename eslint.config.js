import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "runs/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ["bin/**/*.mjs"], languageOptions: { globals: { process: "readonly", console: "readonly" } } },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-explicit-any": "error",
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  {
    // Node 20's optimiser boxes a double that may also be the global NaN or Infinity constant (a
    // ternary with NaN stored to a Float64Array, a running minimum that starts at Infinity): every
    // assignment in a hot loop allocated a heap number (~1.4 GB of garbage per Alpha158 pass). The
    // kernels write `0 / 0` and `1 / 0` in place, which fold to unboxed constants. Named constants
    // do not work: imported ones are not folded, and esbuild turns module-level `const` into `var`.
    files: ["factors/kernels/**/*.ts"],
    rules: {
      "no-restricted-globals": [
        "error",
        { name: "NaN", message: "write `0 / 0` (the global boxes hot-loop doubles; see eslint.config.js)" },
        { name: "Infinity", message: "write `1 / 0` (the global boxes hot-loop doubles; see eslint.config.js)" },
      ],
    },
  },
);
