/**
 * Operator registry: the single source of truth for what each dialect's
 * operators are called, how many arguments they take, which arguments are
 * numeric literals (windows, lags, quantiles …) and what they do. The parser,
 * the validator, the evaluator, the LLM prompts and the fuzzers all read it.
 *
 * Each operator is declared by one signature string such as
 * `TS_QUANTILE(A, n:win, q:q)` or `SCALE(A, a?:num)`: arguments without a kind
 * are sub-expressions, `name:kind` is a literal parameter of that kind, `?`
 * marks an optional trailing argument. Arity, parameter positions and the
 * printed signature are all derived from it, so they cannot disagree.
 * Tables mirror `QLIB_OPS` / `QUANTA_OPS` of shared/reference/factor_ref.py.
 */
import type { BinaryOp, Dialect } from "./ast.ts";

/**
 * Kinds of literal parameters (checked in validate.ts):
 * - `win`   integer ≥ 1 (quanta windows)
 * - `lag`   integer ≥ 0; negative = look-ahead, only with allowFuture
 * - `q`     number in [0, 1]
 * - `num`   any finite number
 * - `seqn`  integer ≥ 1 (SEQUENCE length)
 * - `qwin`  qlib rolling window: integer ≥ 0 (0 = expanding) or a float in (0, 1) (EWM alpha)
 * - `qwin0` qlib window, integer ≥ 0 (0 = expanding)
 * - `qwin1` qlib window, integer ≥ 1
 * - `qema`  qlib EMA: integer ≥ 1, or a float > 0 (0 < N < 1: alpha, else span)
 * - `qref`  qlib Ref/Delta shift: integer; negative = look-ahead, only with allowFuture
 */
export type ParamKind = "win" | "lag" | "q" | "num" | "seqn" | "qwin" | "qwin0" | "qwin1" | "qema" | "qref";

export const PARAM_KINDS: readonly ParamKind[] = ["win", "lag", "q", "num", "seqn", "qwin", "qwin0", "qwin1", "qema", "qref"];

/** ts = rolling over time per instrument, cs = per date across instruments, elem = element-wise,
 *  tech = moving averages / technical indicators, reg = rolling regressions. */
export type OpCategory = "ts" | "cs" | "elem" | "tech" | "reg";

export interface ArgSpec {
  /** Display name in the signature (`A`, `n`, `q` …). */
  readonly name: string;
  /** `expr` = any sub-expression; otherwise the kind of numeric literal required. */
  readonly kind: "expr" | ParamKind;
  readonly optional: boolean;
}

/** Infix/prefix syntax an operator is a plain alias of (`ADD(a,b)` ≡ `a+b`, `If(c,a,b)` ≡ `c?a:b`). */
export type OperatorForm = BinaryOp | "!" | "?:";

export interface OpSpec {
  readonly name: string;
  readonly dialect: Dialect;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly args: readonly ArgSpec[];
  /** Argument index → kind of the numeric literal required there. Other arguments are expressions. */
  readonly params: Readonly<Record<number, ParamKind>>;
  readonly category: OpCategory;
  /** Category when called with more than `minArgs` arguments (quanta MAX/MIN: 1 arg cs, 2–3 args elem). */
  readonly multiArgCategory?: OpCategory;
  /** Printed signature, e.g. `TS_MEAN(A, n)`, `SCALE(A[, a])`. */
  readonly signature: string;
  /** One line for LLM prompts. */
  readonly doc: string;
  /** The other dialect's closest operator with the same argument order (for hints and
   *  cross-dialect redundancy); semantics may differ in edge cases. */
  readonly counterpart?: string;
  /** The syntax this operator is an exact alias of, if any. */
  readonly operatorForm?: OperatorForm;
}

interface Row {
  sig: string;
  cat: OpCategory;
  doc: string;
  counterpart?: string;
  form?: OperatorForm;
  multiArgCategory?: OpCategory;
}

const r = (sig: string, cat: OpCategory, doc: string, extra: Partial<Row> = {}): Row => ({ sig, cat, doc, ...extra });

// ---------------------------------------------------------------------------------------------
// quanta dialect (QuantaAlpha / AlphaAgent names; window n counts today)
// ---------------------------------------------------------------------------------------------
const QUANTA_ROWS: Row[] = [
  // time series
  r("DELTA(A, n:lag)", "ts", "A minus A n days ago (n ≥ 0)", { counterpart: "Delta" }),
  r("DELAY(A, n:lag)", "ts", "A n days ago (n ≥ 0)", { counterpart: "Ref" }),
  r("TS_MEAN(A, n:win)", "ts", "mean of A over the last n days (today included), NaNs skipped", { counterpart: "Mean" }),
  r("TS_SUM(A, n:win)", "ts", "sum of A over the last n days", { counterpart: "Sum" }),
  r("TS_STD(A, n:win)", "ts", "sample standard deviation of A over the last n days (≥ 2 points)", { counterpart: "Std" }),
  r("TS_VAR(A, n:win)", "ts", "sample variance of A over the last n days (≥ 2 points)", { counterpart: "Var" }),
  r("TS_MAX(A, n:win)", "ts", "maximum of A over the last n days", { counterpart: "Max" }),
  r("TS_MIN(A, n:win)", "ts", "minimum of A over the last n days", { counterpart: "Min" }),
  r("TS_MEDIAN(A, n:win)", "ts", "median of A over the last n days", { counterpart: "Med" }),
  r("TS_RANK(A, n:win)", "ts", "percentile of today's A within the last n days, ties averaged, in (0, 1]", { counterpart: "Rank" }),
  r("TS_ZSCORE(A, n:win)", "ts", "(A − TS_MEAN(A, n)) / TS_STD(A, n)"),
  r("TS_PCTCHANGE(A, n:win)", "ts", "A / DELAY(A, n) − 1"),
  r("TS_CORR(A, B, n:win)", "ts", "Pearson correlation of A and B over the last n days (≥ 2 pairs)", { counterpart: "Corr" }),
  r("TS_COVARIANCE(A, B, n:win)", "ts", "sample covariance of A and B over the last n days (≥ 2 pairs)", { counterpart: "Cov" }),
  r("TS_ARGMAX(A, n:win)", "ts", "days since the maximum of A in the last n days (0 = today)", { counterpart: "IdxMax" }),
  r("TS_ARGMIN(A, n:win)", "ts", "days since the minimum of A in the last n days (0 = today)", { counterpart: "IdxMin" }),
  r("HIGHDAY(A, n:win)", "ts", "TS_ARGMAX(A, n) + 1 (1 = today)"),
  r("LOWDAY(A, n:win)", "ts", "TS_ARGMIN(A, n) + 1 (1 = today)"),
  r("TS_SKEW(A, n:win)", "ts", "skewness of A over the last n days (≥ 3 points)", { counterpart: "Skew" }),
  r("TS_KURT(A, n:win)", "ts", "excess kurtosis of A over the last n days (≥ 4 points)", { counterpart: "Kurt" }),
  r("TS_QUANTILE(A, n:win, q:q)", "ts", "q-quantile of A over the last n days (linear interpolation), q in [0, 1]", { counterpart: "Quantile" }),
  r("PERCENTILE(A, q:q, n:win)", "ts", "same as TS_QUANTILE(A, n, q)"),
  r("TS_MAD(A, n:win)", "ts", "median absolute deviation of A over the last n days", { counterpart: "Mad" }),
  r("SUMAC(A, n:win)", "ts", "same as TS_SUM(A, n)", { counterpart: "Sum" }),
  r("PROD(A, n:win)", "ts", "product of A over the last n days"),
  r("COUNT(C, n:win)", "ts", "number of days in the last n on which condition C is true"),
  r("SUMIF(A, n:win, C)", "ts", "sum of A over the days in the last n on which C is true"),
  // cross section
  r("RANK(A)", "cs", "cross-sectional percentile rank of A per date, ties averaged, in (0, 1]"),
  r("ZSCORE(A)", "cs", "cross-sectional z-score of A per date"),
  r("SCALE(A, a?:num)", "cs", "A · a / Σ|A| per date (a = 1 by default)"),
  r("MEAN(A)", "cs", "cross-sectional mean of A per date, broadcast to every instrument"),
  r("STD(A)", "cs", "cross-sectional standard deviation of A per date, broadcast"),
  r("MEDIAN(A)", "cs", "cross-sectional median of A per date, broadcast"),
  r("SKEW(A)", "cs", "cross-sectional skewness of A per date, broadcast"),
  r("KURT(A)", "cs", "cross-sectional excess kurtosis of A per date, broadcast"),
  r("MAX(A, B?, C?)", "cs", "MAX(A): cross-sectional maximum per date, broadcast; MAX(A, B[, C]): element-wise maximum",
    { counterpart: "Greater", multiArgCategory: "elem" }),
  r("MIN(A, B?, C?)", "cs", "MIN(A): cross-sectional minimum per date, broadcast; MIN(A, B[, C]): element-wise minimum",
    { counterpart: "Less", multiArgCategory: "elem" }),
  // moving averages, technical
  r("SMA(A, n:win, m?:num)", "tech", "smoothed mean Y = (m·A + (n − m)·Y[t−1]) / n, 0 < m ≤ n; SMA(A, n) = TS_MEAN(A, n)"),
  r("EMA(A, n:win)", "tech", "exponential moving average of A with span n", { counterpart: "EMA" }),
  r("WMA(A, n:win)", "tech", "weighted mean of A over the last n days, weight 0.9^k for k days ago"),
  r("DECAYLINEAR(A, d:win)", "tech", "linearly decaying weighted mean over the last d days (weights d, d−1, …, 1; today heaviest)", { counterpart: "WMA" }),
  r("MACD(A, s:win, l:win)", "tech", "EMA(A, s) − EMA(A, l), s < l"),
  r("RSI(A, n:win)", "tech", "relative strength index of A (0–100), EMA(n) of up and down moves"),
  r("BB_MIDDLE(A, n:win)", "tech", "Bollinger middle band: TS_MEAN(A, n)"),
  r("BB_UPPER(A, n:win)", "tech", "Bollinger upper band: TS_MEAN(A, n) + 2·TS_STD(A, n)"),
  r("BB_LOWER(A, n:win)", "tech", "Bollinger lower band: TS_MEAN(A, n) − 2·TS_STD(A, n)"),
  // regression
  r("REGBETA(A, B, n:win)", "reg", "slope of the OLS regression of A on B over the last n days"),
  r("REGRESI(A, B, n:win)", "reg", "today's residual of the OLS regression of A on B over the last n days"),
  r("SEQUENCE(n:seqn)", "reg", "time index 1..n; only as the B argument of REGBETA / REGRESI (regression on time)"),
  // element-wise
  r("ABS(A)", "elem", "absolute value", { counterpart: "Abs" }),
  r("SIGN(A)", "elem", "sign: −1, 0 or 1", { counterpart: "Sign" }),
  r("EXP(A)", "elem", "exponential e^A"),
  r("SQRT(A)", "elem", "square root (NaN for A < 0)"),
  r("INV(A)", "elem", "reciprocal 1 / A"),
  r("FLOOR(A)", "elem", "largest integer ≤ A"),
  r("LOG(A)", "elem", "natural logarithm (NaN for A ≤ 0)", { counterpart: "Log" }),
  r("POW(A, B)", "elem", "A to the power B", { counterpart: "Power" }),
  r("WHERE(C, A, B)", "elem", "A where C is true, else B (same as C ? A : B)", { counterpart: "If", form: "?:" }),
  r("FILTER(A, C)", "elem", "A where C is true, else 0"),
  r("ADD(A, B)", "elem", "A + B", { counterpart: "Add", form: "+" }),
  r("SUBTRACT(A, B)", "elem", "A − B", { counterpart: "Sub", form: "-" }),
  r("MULTIPLY(A, B)", "elem", "A · B", { counterpart: "Mul", form: "*" }),
  r("DIVIDE(A, B)", "elem", "A / B (NaN where B = 0)", { counterpart: "Div", form: "/" }),
  r("GT(A, B)", "elem", "A > B as 1 / 0", { counterpart: "Gt", form: ">" }),
  r("GE(A, B)", "elem", "A ≥ B as 1 / 0", { counterpart: "Ge", form: ">=" }),
  r("LT(A, B)", "elem", "A < B as 1 / 0", { counterpart: "Lt", form: "<" }),
  r("LE(A, B)", "elem", "A ≤ B as 1 / 0", { counterpart: "Le", form: "<=" }),
  r("EQ(A, B)", "elem", "A = B as 1 / 0", { counterpart: "Eq", form: "==" }),
  r("NE(A, B)", "elem", "A ≠ B as 1 / 0", { counterpart: "Ne", form: "!=" }),
  r("AND(A, B)", "elem", "logical and (A && B)", { counterpart: "And", form: "&&" }),
  r("OR(A, B)", "elem", "logical or (A || B)", { counterpart: "Or", form: "||" }),
  r("NOT(A)", "elem", "logical not (!A)", { counterpart: "Not", form: "!" }),
];

// ---------------------------------------------------------------------------------------------
// qlib dialect (qlib's ops.py names and semantics; N counts today; Alpha158 is written in it)
// ---------------------------------------------------------------------------------------------
const ROLL = "(N = 0: expanding; 0 < N < 1: EWM with alpha N)";
const QLIB_ROWS: Row[] = [
  r("Ref(x, N:qref)", "ts", "x N days ago (N = 0: the first value of the series)", { counterpart: "DELAY" }),
  r("Delta(x, N:qref)", "ts", "x − Ref(x, N)", { counterpart: "DELTA" }),
  r("Mean(x, N:qwin)", "ts", `rolling mean over N days ${ROLL}`, { counterpart: "TS_MEAN" }),
  r("Sum(x, N:qwin)", "ts", `rolling sum over N days ${ROLL}`, { counterpart: "TS_SUM" }),
  r("Std(x, N:qwin)", "ts", `rolling sample standard deviation over N days ${ROLL}`, { counterpart: "TS_STD" }),
  r("Var(x, N:qwin)", "ts", `rolling sample variance over N days ${ROLL}`, { counterpart: "TS_VAR" }),
  r("Skew(x, N:qwin)", "ts", `rolling skewness over N ≥ 3 days ${ROLL}`, { counterpart: "TS_SKEW" }),
  r("Kurt(x, N:qwin)", "ts", `rolling excess kurtosis over N ≥ 4 days ${ROLL}`, { counterpart: "TS_KURT" }),
  r("Max(x, N:qwin)", "ts", `rolling maximum over N days ${ROLL}`, { counterpart: "TS_MAX" }),
  r("Min(x, N:qwin)", "ts", `rolling minimum over N days ${ROLL}`, { counterpart: "TS_MIN" }),
  r("Med(x, N:qwin)", "ts", `rolling median over N days ${ROLL}`, { counterpart: "TS_MEDIAN" }),
  r("Count(x, N:qwin)", "ts", `number of non-missing values over N days ${ROLL}`),
  r("Mad(x, N:qwin1)", "ts", "rolling mean absolute deviation over N days", { counterpart: "TS_MAD" }),
  r("IdxMax(x, N:qwin1)", "ts", "1-based position of the N-day maximum, counted from the oldest day of the window", { counterpart: "TS_ARGMAX" }),
  r("IdxMin(x, N:qwin1)", "ts", "1-based position of the N-day minimum, counted from the oldest day of the window", { counterpart: "TS_ARGMIN" }),
  r("Quantile(x, N:qwin0, qscore:q)", "ts", "rolling qscore-quantile over N days (N = 0: expanding)", { counterpart: "TS_QUANTILE" }),
  r("Rank(x, N:qwin0)", "ts", "percentile of today's x within the last N days, in (0, 1] (N = 0: expanding)", { counterpart: "TS_RANK" }),
  r("Slope(x, N:qwin1)", "reg", "slope of the OLS regression of x on time over N days"),
  r("Rsquare(x, N:qwin1)", "reg", "R² of the OLS regression of x on time over N days"),
  r("Resi(x, N:qwin1)", "reg", "today's residual of the OLS regression of x on time over N days"),
  r("WMA(x, N:qwin1)", "tech", "linearly weighted mean over N days (weights 1..N, today heaviest)", { counterpart: "DECAYLINEAR" }),
  r("EMA(x, N:qema)", "tech", "exponential moving average with span N (0 < N < 1: alpha N)", { counterpart: "EMA" }),
  r("Corr(x, y, N:qwin1)", "ts", "rolling Pearson correlation of x and y over N days", { counterpart: "TS_CORR" }),
  r("Cov(x, y, N:qwin1)", "ts", "rolling sample covariance of x and y over N days", { counterpart: "TS_COVARIANCE" }),
  r("Abs(x)", "elem", "absolute value", { counterpart: "ABS" }),
  r("Sign(x)", "elem", "sign: −1, 0 or 1", { counterpart: "SIGN" }),
  r("Log(x)", "elem", "natural logarithm", { counterpart: "LOG" }),
  r("Not(x)", "elem", "logical not (!x)", { counterpart: "NOT", form: "!" }),
  r("Power(x, y)", "elem", "x to the power y", { counterpart: "POW" }),
  r("Greater(x, y)", "elem", "element-wise maximum", { counterpart: "MAX" }),
  r("Less(x, y)", "elem", "element-wise minimum", { counterpart: "MIN" }),
  r("Gt(x, y)", "elem", "x > y as 1 / 0", { counterpart: "GT", form: ">" }),
  r("Ge(x, y)", "elem", "x ≥ y as 1 / 0", { counterpart: "GE", form: ">=" }),
  r("Lt(x, y)", "elem", "x < y as 1 / 0", { counterpart: "LT", form: "<" }),
  r("Le(x, y)", "elem", "x ≤ y as 1 / 0", { counterpart: "LE", form: "<=" }),
  r("Eq(x, y)", "elem", "x = y as 1 / 0", { counterpart: "EQ", form: "==" }),
  r("Ne(x, y)", "elem", "x ≠ y as 1 / 0", { counterpart: "NE", form: "!=" }),
  r("And(x, y)", "elem", "logical and (x && y)", { counterpart: "AND", form: "&&" }),
  r("Or(x, y)", "elem", "logical or (x || y)", { counterpart: "OR", form: "||" }),
  r("If(cond, x, y)", "elem", "x where cond is true, else y (same as cond ? x : y)", { counterpart: "WHERE", form: "?:" }),
  r("Add(x, y)", "elem", "x + y", { counterpart: "ADD", form: "+" }),
  r("Sub(x, y)", "elem", "x − y", { counterpart: "SUBTRACT", form: "-" }),
  r("Mul(x, y)", "elem", "x · y", { counterpart: "MULTIPLY", form: "*" }),
  r("Div(x, y)", "elem", "x / y", { counterpart: "DIVIDE", form: "/" }),
];

const SIG_RE = /^([A-Za-z_][A-Za-z0-9_]*)\((.*)\)$/;

function buildSpec(row: Row, dialect: Dialect): OpSpec {
  const m = SIG_RE.exec(row.sig);
  if (!m) throw new Error(`registry: bad signature ${row.sig}`);
  const name = m[1] as string;
  const args: ArgSpec[] = (m[2] as string).split(",").map((s) => {
    const [rawName, kind] = s.trim().split(":") as [string, string | undefined];
    const optional = rawName.endsWith("?");
    return { name: optional ? rawName.slice(0, -1) : rawName, kind: (kind ?? "expr") as ArgSpec["kind"], optional };
  });
  const params: Record<number, ParamKind> = {};
  args.forEach((a, i) => {
    if (a.kind !== "expr") {
      if (!PARAM_KINDS.includes(a.kind)) throw new Error(`registry: unknown param kind in ${row.sig}`);
      params[i] = a.kind;
    }
  });
  const minArgs = args.filter((a) => !a.optional).length;
  // `MAX(A[, B[, C]])`: each optional argument opens a bracket closed at the end.
  const required = args.slice(0, minArgs).map((a) => a.name).join(", ");
  const optional = args.slice(minArgs);
  const signature = `${name}(${required}${optional.map((a) => `[, ${a.name}`).join("")}${"]".repeat(optional.length)})`;
  const spec: OpSpec = {
    name,
    dialect,
    minArgs,
    maxArgs: args.length,
    args,
    params,
    category: row.cat,
    signature,
    doc: row.doc,
    ...(row.multiArgCategory ? { multiArgCategory: row.multiArgCategory } : {}),
    ...(row.counterpart ? { counterpart: row.counterpart } : {}),
    ...(row.form ? { operatorForm: row.form } : {}),
  };
  return Object.freeze(spec);
}

function buildTable(rows: Row[], dialect: Dialect): ReadonlyMap<string, OpSpec> {
  const map = new Map<string, OpSpec>();
  for (const row of rows) {
    const spec = buildSpec(row, dialect);
    if (map.has(spec.name)) throw new Error(`registry: duplicate operator ${spec.name}`);
    map.set(spec.name, spec);
  }
  return map;
}

const TABLES: Readonly<Record<Dialect, ReadonlyMap<string, OpSpec>>> = {
  quanta: buildTable(QUANTA_ROWS, "quanta"),
  qlib: buildTable(QLIB_ROWS, "qlib"),
};

export const DIALECTS: readonly Dialect[] = ["quanta", "qlib"];

export function otherDialect(d: Dialect): Dialect {
  return d === "quanta" ? "qlib" : "quanta";
}

/** All operators of a dialect, in registry order (grouped by category as documented). */
export function operatorsOf(dialect: Dialect): readonly OpSpec[] {
  return [...TABLES[dialect].values()];
}

/** The operator called `name` (case-sensitive) in `dialect`, or undefined. */
export function lookupOp(dialect: Dialect, name: string): OpSpec | undefined {
  return TABLES[dialect].get(name);
}

/** Category of a call with `nArgs` arguments (MAX/MIN are cross-sectional with one argument only). */
export function callCategory(spec: OpSpec, nArgs: number): OpCategory {
  return nArgs > spec.minArgs && spec.multiArgCategory ? spec.multiArgCategory : spec.category;
}

const CATEGORY_TITLES: Record<OpCategory, string> = {
  ts: "time series",
  cs: "cross section",
  tech: "moving average / technical",
  reg: "regression",
  elem: "element-wise",
};

const SYNTAX_ROWS: Record<Dialect, readonly [string, string][]> = {
  quanta: [
    ["`A + B`, `A - B`, `A * B`, `A / B`, `-A`", "arithmetic (x / 0 is NaN)"],
    ["`A > B`, `A < B`, `A >= B`, `A <= B`, `A == B`, `A != B`", "comparison as 1 / 0 (NaN if an operand is NaN)"],
    ["`A && B`, `A || B`, `!A`", "logic on truth values (≠ 0)"],
    ["`C ? A : B`", "A where C is true, else B"],
  ],
  qlib: [
    ["`x + y`, `x - y`, `x * y`, `x / y`, `-x`", "arithmetic"],
    ["`x > y`, `x < y`, `x >= y`, `x <= y`, `x == y`, `x != y`", "comparison as 1 / 0 (NaN compares false)"],
    ["`x & y`, `x | y`, `!x`", "logic on truth values (≠ 0)"],
    ["`c ? x : y`", "x where c is true, else y"],
  ],
};

/**
 * Markdown table of a dialect's operators for LLM prompts: signature, category, one-line doc,
 * then the infix syntax. Literal parameters (windows, lags, quantiles) must be numbers.
 */
export function operatorTable(dialect: Dialect): string {
  const lines = ["| operator | group | meaning |", "|---|---|---|"];
  for (const spec of TABLES[dialect].values()) {
    const group = spec.multiArgCategory
      ? `${CATEGORY_TITLES[spec.category]} / ${CATEGORY_TITLES[spec.multiArgCategory]}`
      : CATEGORY_TITLES[spec.category];
    lines.push(`| \`${spec.signature}\` | ${group} | ${spec.doc.replaceAll("|", "\\|")} |`);
  }
  for (const [syntax, doc] of SYNTAX_ROWS[dialect]) {
    lines.push(`| ${syntax.replaceAll("|", "\\|")} | syntax | ${doc} |`);
  }
  return lines.join("\n");
}
