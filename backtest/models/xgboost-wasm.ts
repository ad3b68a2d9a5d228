/**
 * Thin binding to ml-xgboost 1.1.2 (XGBoost ~0.7 compiled to WASM, single-threaded).
 *
 * We talk to the emscripten module directly instead of through the package's `XGBoost` class:
 * the class copies data through the WASM stack (`cwrap` 'array'), which overflows beyond a few MB,
 * predicts one row per call, and can only train a fixed number of rounds. Here the matrix goes
 * through `_malloc`, rounds are added one at a time (`train_full_model(m, 1)` runs
 * `XGBoosterUpdateOneIter` once; the iteration number only matters with `seed_per_iteration`),
 * and the model is read back in XGBoost's binary format (see trees.ts) so prediction, and
 * truncation at the early-stopping round, happen in JS.
 *
 * Quirks of the WASM build, handled by callers: the DMatrix is created with `missing = -1`, so a
 * feature value equal to −1 (as float32) counts as missing and goes the default way; a NaN in the
 * data aborts inside XGBoost (the C return code is dropped), so never pass one. Library output
 * (the "wasm streaming compile failed" notice, XGBoost's log lines) is captured, not printed.
 */
import { createRequire } from "node:module";

interface EmscriptenModule {
  isReady: Promise<EmscriptenModule>;
  print: (s: string) => void;
  printErr: (s: string) => void;
  cwrap: (name: string, ret: string | null, args: string[]) => (...a: (number | string)[]) => number;
  _malloc: (bytes: number) => number;
  _free: (ptr: number) => void;
  HEAPF32: Float32Array;
  HEAPU8: Uint8Array;
}

/** The calls we use, bound once. Pointers are byte offsets into the WASM heap. */
export interface XGBoostWasm {
  createModel(x: Float32Array, y: Float32Array, rows: number, cols: number): number;
  setParam(model: number, key: string, value: string): void;
  /** Adds `rounds` boosting rounds. */
  train(model: number, rounds: number): void;
  /** One row through XGBoost's own predictor (used to cross-check the JS predictor). */
  predictRow(model: number, row: Float32Array): number;
  /** The model in XGBoost's binary format. */
  save(model: number): Uint8Array;
  free(model: number): void;
  /** Lines XGBoost printed since the last call. */
  drainLog(): string[];
}

let loading: Promise<XGBoostWasm> | undefined;

/** Loads the WASM module once per process (≈ 0.3 s). */
export function loadXGBoost(): Promise<XGBoostWasm> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    const M = require("ml-xgboost/dist/wasm/xgboost.js") as EmscriptenModule;
    const log: string[] = [];
    M.print = (s) => log.push(s);
    M.printErr = (s) => log.push(s);
    const X = await M.isReady;
    const create = X.cwrap("create_model", "number", ["number", "number", "number", "number"]);
    const setParam = X.cwrap("set_param", null, ["number", "string", "string"]);
    const train = X.cwrap("train_full_model", null, ["number", "number"]);
    const predictOne = X.cwrap("predict_one", "number", ["number", "number", "number", "number"]);
    const saveModel = X.cwrap("save_model", "number", ["number"]);
    const getFileContent = X.cwrap("get_file_content", null, ["number", "number"]);
    const freeModel = X.cwrap("free_memory_model", null, ["number"]);

    const copyIn = (a: Float32Array): number => {
      const p = X._malloc(Math.max(4, a.length * 4));
      if (p === 0) throw new Error("xgboost: WASM heap exhausted");
      X.HEAPF32.set(a, p >>> 2); // read HEAPF32 after malloc: growth replaces the view
      return p;
    };
    return {
      createModel(x, y, rows, cols) {
        const px = copyIn(x);
        const py = copyIn(y);
        try {
          return create(px, py, rows, cols); // the DMatrix copies the data
        } finally {
          X._free(px);
          X._free(py);
        }
      },
      setParam(model, key, value) {
        setParam(model, key, value);
      },
      train(model, rounds) {
        train(model, rounds);
      },
      predictRow(model, row) {
        const pr = copyIn(row);
        const out = X._malloc(16);
        try {
          predictOne(model, pr, row.length, out);
          return X.HEAPF32[out >>> 2]!;
        } finally {
          X._free(pr);
          X._free(out);
        }
      },
      save(model) {
        const size = saveModel(model);
        if (size <= 0) throw new Error("xgboost: saving the model failed");
        const p = X._malloc(size);
        try {
          getFileContent(p, size);
          return X.HEAPU8.slice(p, p + size);
        } finally {
          X._free(p);
        }
      },
      free(model) {
        freeModel(model);
      },
      drainLog() {
        return log.splice(0, log.length);
      },
    };
  })();
  return loading;
}
