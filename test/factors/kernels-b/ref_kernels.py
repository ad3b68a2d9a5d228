#!/usr/bin/python3
"""Random panel + the reference evaluator's values for the order / cross-sectional ops.

Run by reference.test.ts: `/usr/bin/python3 ref_kernels.py SEED` prints one JSON object
{nDates, nInst, first, last, member, x, results: {key: values}}; arrays are
instrument-major (x[i * nDates + t]); NaN -> null, +-inf -> "inf" / "-inf".
Results are the Evaluator methods of /work/shared/reference/factor_ref.py, masked to the
instruments' spans (cross-sectional ones are already NaN outside the cross-section).
"""
import json
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.environ.get("QUANTA_REF_DIR", "/work/shared/reference"))
import factor_ref as fr  # noqa: E402

seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
rs = np.random.RandomState(seed)
T, I = 130, 18

present = np.zeros((T, I), dtype=bool)
for i in range(I):
    f = 0 if i % 3 else rs.randint(0, 60)
    l = T - 1 if i % 4 else rs.randint(f, T)
    present[f:l + 1, i] = True
present[:, 5] = False          # an instrument without rows
present[7, 5] = True           # ... except one
x = np.round(rs.randn(T, I) * 4) / 4          # coarse grid -> ties
x[rs.rand(T, I) < 0.1] = np.nan
for _ in range(12):                             # NaN runs
    i, t, k = rs.randint(I), rs.randint(T), rs.randint(1, 15)
    x[t:t + k, i] = np.nan
x[rs.rand(T, I) < 0.02] = np.inf
x[rs.rand(T, I) < 0.02] = -np.inf
x[~present] = np.nan
member = rs.rand(T, I) < 0.85

dates = (np.datetime64("2020-01-01") + np.arange(T)).astype("datetime64[ns]")
panel = fr.Panel(dates, [f"I{i:02d}" for i in range(I)], {"x": x.copy()}, present, member)
xq = np.where(np.isfinite(x), x, np.nan)        # quanta nodes never hold +-inf

warnings.simplefilter("ignore", RuntimeWarning)
results = {}
with np.errstate(all="ignore"):
    lq = fr.Evaluator(panel, "qlib")
    qq = fr.Evaluator(panel, "quanta")
    for n in (1, 3, 20, 60):
        for op in ("Max", "Min", "Med", "Count", "Rank", "IdxMax", "IdxMin", "Mad"):
            results[f"{op}/{n}"] = getattr(lq, "l_" + op)(x, n)
        for q in (0.2, 0.8):
            results[f"Quantile/{n}/{q}"] = lq.l_Quantile(x, n, q)
        for op in ("TS_MAX", "TS_MIN", "TS_MEDIAN", "TS_RANK", "TS_ARGMAX", "TS_ARGMIN",
                   "HIGHDAY", "LOWDAY", "TS_MAD"):
            results[f"{op}/{n}"] = getattr(qq, "q_" + op)(xq, n)
        results[f"TS_QUANTILE/{n}/0.25"] = qq.q_TS_QUANTILE(xq, n, 0.25)
    for op in ("Max", "Min", "Med", "Count", "Rank"):
        results[f"{op}/0"] = getattr(lq, "l_" + op)(x, 0)
    results["Quantile/0/0.8"] = lq.l_Quantile(x, 0, 0.8)
    for op in ("RANK", "ZSCORE", "MEAN", "STD", "MEDIAN", "SKEW", "KURT"):
        results[op] = getattr(qq, "q_" + op)(xq)
    results["MAX"] = qq.q_MAX(xq)
    results["MIN"] = qq.q_MIN(xq)
    results["SCALE/1"] = qq.q_SCALE(xq)
    results["SCALE/2.5"] = qq.q_SCALE(xq, 2.5)


def enc(a):
    out = []
    for v in a.T.ravel():            # instrument-major
        v = float(v)
        if v != v:
            out.append(None)
        elif v == float("inf"):
            out.append("inf")
        elif v == float("-inf"):
            out.append("-inf")
        else:
            out.append(v)
    return out


doc = {
    "nDates": T, "nInst": I,
    "first": [int(v) for v in panel.first], "last": [int(v) for v in panel.last],
    "member": [int(v) for v in member.T.ravel()],
    "x": enc(x),
    "results": {k: enc(np.where(panel.inspan & np.isfinite(v), v, np.nan)) for k, v in results.items()},
}
json.dump(doc, sys.stdout)
