/**
 * Public surface of factors/: the factor language (AST, parser, registry,
 * printer), the panel contract, quality gates (complexity, redundancy) and the
 * evaluator. Kernels are internal; the evaluator is their public face.
 */
export * from "./panel.ts";
export * from "./ast.ts";
export * from "./errors.ts";
export * from "./parser.ts";
export * from "./registry.ts";
export * from "./printer.ts";
export * from "./fields.ts";
export * from "./complexity.ts";
export * from "./redundancy.ts";
export * from "./translate.ts";
export * from "./evaluate.ts";
