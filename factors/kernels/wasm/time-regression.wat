;; qlib's Slope / Rsquare / Resi over the windows whose n points are all valid, replayed with the
;; reference's arithmetic — replayTimeRegression's main path in ../comoments-replay.ts, the same
;; operations in the same order per window, so the same bits — two adjacent windows at a time in the
;; two lanes of a vector: the window ending at r + 1 reads the same points one day later, so one
;; unaligned load of y[s], y[s + 1] feeds both. Assembled by bin/build-wasm.mjs into
;; time-regression-wasm.ts; the JavaScript replay stays the definition (QUANTA_NO_WASM=1 runs it).
;;
;; Memory (the caller's, made for series of up to `cap` days; c8 = 8·cap bytes): Y f64 @0 (the
;; series), LO @c8 (each all-valid window's minimum), ST @2·c8 (0 where the window's points are all
;; valid, NaN where not; pass 1 overwrites the 0s with Σ(y − min)), B, R2, RE @3·c8, 4·c8, 5·c8
;; (slope, R², residual of every all-valid window; the others are unspecified: B and R2 first hold
;; the minima's block prefixes and suffixes), DX @6·c8 (k − (n − 1)/2, k < n). cap ≥ len + 1: a
;; window alone in its vector reads one day past it in its idle lane.
(module
  (import "env" "memory" (memory 1))

  ;; run(len, n, c8, sxx, half, mask): sxx = Σ dx² pairwise (the caller's pairwiseDot), half =
  ;; (n − 1)/2; mask ≠ 0: R² is NaN where √(Σdy²/(n − 1)) ≤ 2e-5 (qlib Rsquare).
  (func (export "run") (param $len i32) (param $n i32) (param $c8 i32) (param $sxx f64) (param $half f64) (param $mask i32)
    (local $r i32) (local $k i32) (local $p i32) (local $st i32) (local $lo i32) (local $dx i32) (local $two i32)
    (local $va v128) (local $vb v128) (local $vlo v128) (local $vlo2 v128) (local $vm v128) (local $e v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $e0 v128) (local $e1 v128) (local $e2 v128) (local $e3 v128)
    (local $e4 v128) (local $e5 v128) (local $e6 v128) (local $e7 v128)
    (local $vyy v128) (local $vxy v128) (local $beta v128) (local $r2 v128) (local $re v128) (local $m8 i32)
    (local $run i32) (local $y f64) (local $best f64) (local $b0 i32) (local $b1 i32) (local $first i32) (local $pre i32) (local $suf i32)
    (local.set $lo (local.get $c8))
    (local.set $st (i32.shl (local.get $c8) (i32.const 1)))
    (local.set $dx (i32.mul (local.get $c8) (i32.const 6)))

    ;; pass 0: ST[r] = 0 where the n days ending at r are all valid (a run of n valid days), else
    ;; NaN; LO[r] their minimum — windowMinima's deque in ../comoments-replay.ts keeps the NEWEST of
    ;; equal minima (the sign of a zero can differ), so do these n-day blocks (van Herk / Gil-Werman,
    ;; with selects): prefix minima oldest first taking a value when not greater, suffix minima
    ;; latest first taking one when smaller, the prefix (newer) winning ties. Invalid days compare
    ;; false and are skipped; windows holding one are not read.
    (local.set $run (i32.const 0))
    (local.set $r (i32.const 0))
    (block $done (loop $valid
      (br_if $done (i32.ge_s (local.get $r) (local.get $len)))
      (local.set $y (f64.load (i32.shl (local.get $r) (i32.const 3))))
      (local.set $run (select (i32.add (local.get $run) (i32.const 1)) (i32.const 0)
        (f64.eq (f64.sub (local.get $y) (local.get $y)) (f64.const 0))))
      (f64.store (i32.add (local.get $st) (i32.shl (local.get $r) (i32.const 3)))
        (select (f64.const 0) (f64.const nan) (i32.ge_s (local.get $run) (local.get $n))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $valid)))
    (local.set $pre (i32.mul (local.get $c8) (i32.const 3)))
    (local.set $suf (i32.shl (local.get $c8) (i32.const 2)))
    (local.set $b0 (i32.const 0))
    (block $blocks (loop $block
      (br_if $blocks (i32.ge_s (local.get $b0) (local.get $len)))
      (local.set $b1 (select (i32.add (local.get $b0) (local.get $n)) (local.get $len)
        (i32.lt_s (i32.add (local.get $b0) (local.get $n)) (local.get $len))))
      (local.set $best (f64.const inf))
      (local.set $r (local.get $b0))
      (loop $prefix
        (local.set $y (f64.load (i32.shl (local.get $r) (i32.const 3))))
        (local.set $best (select (local.get $y) (local.get $best) (f64.le (local.get $y) (local.get $best))))
        (f64.store (i32.add (local.get $pre) (i32.shl (local.get $r) (i32.const 3))) (local.get $best))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $prefix (i32.lt_s (local.get $r) (local.get $b1))))
      (local.set $best (f64.const inf))
      (loop $suffix
        (local.set $r (i32.sub (local.get $r) (i32.const 1)))
        (local.set $y (f64.load (i32.shl (local.get $r) (i32.const 3))))
        (local.set $best (select (local.get $y) (local.get $best) (f64.lt (local.get $y) (local.get $best))))
        (f64.store (i32.add (local.get $suf) (i32.shl (local.get $r) (i32.const 3))) (local.get $best))
        (br_if $suffix (i32.gt_s (local.get $r) (local.get $b0))))
      (local.set $b0 (local.get $b1))
      (br $block)))
    (local.set $r (i32.sub (local.get $n) (i32.const 1)))
    (block $done (loop $minimum
      (br_if $done (i32.ge_s (local.get $r) (local.get $len)))
      ;; the window's first day: a block start (the prefix alone) or inside the previous block
      (local.set $first (i32.add (i32.sub (local.get $r) (local.get $n)) (i32.const 1)))
      (local.set $best (f64.load (i32.add (local.get $pre) (i32.shl (local.get $r) (i32.const 3)))))
      (if (i32.rem_s (local.get $first) (local.get $n))
        (then
          (local.set $y (f64.load (i32.add (local.get $suf) (i32.shl (local.get $first) (i32.const 3)))))
          (local.set $best (select (local.get $best) (local.get $y) (f64.le (local.get $best) (local.get $y))))))
      (f64.store (i32.add (local.get $lo) (i32.shl (local.get $r) (i32.const 3))) (local.get $best))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $minimum)))
    (local.set $r (i32.const 0))

    ;; pass 1: ST[r] = Σ_k (y[r − n + 1 + k] − LO[r]) from +0, left to right, for every valid r;
    ;; four windows at a time where r … r + 3 are valid (validity runs are contiguous), else two
    ;; (the second lane's result stored only when r + 1 is valid)
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $r) (local.get $len)))
      (if (f64.ne (f64.load (i32.add (local.get $st) (i32.shl (local.get $r) (i32.const 3))))
                  (f64.load (i32.add (local.get $st) (i32.shl (local.get $r) (i32.const 3)))))
        (then
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $next)))
      ;; p: byte address of y[r − n + 1]
      (local.set $p (i32.shl (i32.add (i32.sub (local.get $r) (local.get $n)) (i32.const 1)) (i32.const 3)))
      (local.set $vlo (v128.load (i32.add (local.get $lo) (i32.shl (local.get $r) (i32.const 3)))))
      (local.set $va (f64x2.splat (f64.const 0)))
      (if (i32.and
            (i32.lt_s (i32.add (local.get $r) (i32.const 3)) (local.get $len))
            (f64.eq (f64.load (i32.add (local.get $st) (i32.shl (i32.add (local.get $r) (i32.const 3)) (i32.const 3))))
                    (f64.const 0)))
        (then
          (local.set $vlo2 (v128.load offset=16 (i32.add (local.get $lo) (i32.shl (local.get $r) (i32.const 3)))))
          (local.set $vb (f64x2.splat (f64.const 0)))
          (local.set $k (i32.const 0))
          (loop $sum4
            (local.set $va (f64x2.add (local.get $va) (f64x2.sub (v128.load (local.get $p)) (local.get $vlo))))
            (local.set $vb (f64x2.add (local.get $vb) (f64x2.sub (v128.load offset=16 (local.get $p)) (local.get $vlo2))))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br_if $sum4 (i32.lt_s (local.get $k) (local.get $n))))
          (v128.store (i32.add (local.get $st) (i32.shl (local.get $r) (i32.const 3))) (local.get $va))
          (v128.store offset=16 (i32.add (local.get $st) (i32.shl (local.get $r) (i32.const 3))) (local.get $vb))
          (local.set $r (i32.add (local.get $r) (i32.const 4)))
          (br $next)))
      (local.set $k (i32.const 0))
      (loop $sum2
        (local.set $va (f64x2.add (local.get $va) (f64x2.sub (v128.load (local.get $p)) (local.get $vlo))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br_if $sum2 (i32.lt_s (local.get $k) (local.get $n))))
      (f64.store (i32.add (local.get $st) (i32.shl (local.get $r) (i32.const 3))) (f64x2.extract_lane 0 (local.get $va)))
      (local.set $two (i32.and
        (i32.lt_s (i32.add (local.get $r) (i32.const 1)) (local.get $len))
        (f64.eq (f64.load offset=8 (i32.add (local.get $st) (i32.shl (local.get $r) (i32.const 3)))) (f64.const 0))))
      (if (local.get $two)
        (then
          (f64.store offset=8 (i32.add (local.get $st) (i32.shl (local.get $r) (i32.const 3))) (f64x2.extract_lane 1 (local.get $va)))))
      (local.set $r (i32.add (local.get $r) (i32.add (local.get $two) (i32.const 1))))
      (br $next)))

    ;; pass 2: per valid window, m = Σ/n, e_k = (y − min) − m; Σdx·e in numpy's pairwise order
    ;; (left to right below 8 terms; else 8 interleaved accumulators started from their first
    ;; products, combined, then the rest) and Σe² left to right; then slope, R², residual.
    ;; Two windows a step (r and r + 1); a valid r whose r + 1 is not stores lane 0 only.
    (local.set $m8 (i32.sub (local.get $n) (i32.rem_s (local.get $n) (i32.const 8))))
    (local.set $r (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $r) (local.get $len)))
      (if (f64.ne (f64.load (i32.add (local.get $st) (i32.shl (local.get $r) (i32.const 3))))
                  (f64.load (i32.add (local.get $st) (i32.shl (local.get $r) (i32.const 3)))))
        (then
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $next)))
      (local.set $p (i32.shl (i32.add (i32.sub (local.get $r) (local.get $n)) (i32.const 1)) (i32.const 3)))
      (local.set $vlo (v128.load (i32.add (local.get $lo) (i32.shl (local.get $r) (i32.const 3)))))
      (local.set $vm (f64x2.div (v128.load (i32.add (local.get $st) (i32.shl (local.get $r) (i32.const 3))))
                                (f64x2.splat (f64.convert_i32_s (local.get $n)))))
      (if (i32.lt_s (local.get $n) (i32.const 8))
        (then
          (local.set $vxy (f64x2.splat (f64.const 0)))
          (local.set $vyy (f64x2.splat (f64.const 0)))
          (local.set $k (i32.const 0))
          (loop $acc
            (local.set $e (f64x2.sub (f64x2.sub (v128.load (local.get $p)) (local.get $vlo)) (local.get $vm)))
            (local.set $vxy (f64x2.add (local.get $vxy)
              (f64x2.mul (f64x2.splat (f64.load (i32.add (local.get $dx) (i32.shl (local.get $k) (i32.const 3))))) (local.get $e))))
            (local.set $vyy (f64x2.add (local.get $vyy) (f64x2.mul (local.get $e) (local.get $e))))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br_if $acc (i32.lt_s (local.get $k) (local.get $n)))))
        (else
          (local.set $e0 (f64x2.sub (f64x2.sub (v128.load (local.get $p)) (local.get $vlo)) (local.get $vm)))
          (local.set $e1 (f64x2.sub (f64x2.sub (v128.load offset=8 (local.get $p)) (local.get $vlo)) (local.get $vm)))
          (local.set $e2 (f64x2.sub (f64x2.sub (v128.load offset=16 (local.get $p)) (local.get $vlo)) (local.get $vm)))
          (local.set $e3 (f64x2.sub (f64x2.sub (v128.load offset=24 (local.get $p)) (local.get $vlo)) (local.get $vm)))
          (local.set $e4 (f64x2.sub (f64x2.sub (v128.load offset=32 (local.get $p)) (local.get $vlo)) (local.get $vm)))
          (local.set $e5 (f64x2.sub (f64x2.sub (v128.load offset=40 (local.get $p)) (local.get $vlo)) (local.get $vm)))
          (local.set $e6 (f64x2.sub (f64x2.sub (v128.load offset=48 (local.get $p)) (local.get $vlo)) (local.get $vm)))
          (local.set $e7 (f64x2.sub (f64x2.sub (v128.load offset=56 (local.get $p)) (local.get $vlo)) (local.get $vm)))
          (local.set $a0 (f64x2.mul (v128.load64_splat (local.get $dx)) (local.get $e0)))
          (local.set $a1 (f64x2.mul (v128.load64_splat offset=8 (local.get $dx)) (local.get $e1)))
          (local.set $a2 (f64x2.mul (v128.load64_splat offset=16 (local.get $dx)) (local.get $e2)))
          (local.set $a3 (f64x2.mul (v128.load64_splat offset=24 (local.get $dx)) (local.get $e3)))
          (local.set $a4 (f64x2.mul (v128.load64_splat offset=32 (local.get $dx)) (local.get $e4)))
          (local.set $a5 (f64x2.mul (v128.load64_splat offset=40 (local.get $dx)) (local.get $e5)))
          (local.set $a6 (f64x2.mul (v128.load64_splat offset=48 (local.get $dx)) (local.get $e6)))
          (local.set $a7 (f64x2.mul (v128.load64_splat offset=56 (local.get $dx)) (local.get $e7)))
          (local.set $vyy (f64x2.mul (local.get $e0) (local.get $e0)))
          (local.set $vyy (f64x2.add (local.get $vyy) (f64x2.mul (local.get $e1) (local.get $e1))))
          (local.set $vyy (f64x2.add (local.get $vyy) (f64x2.mul (local.get $e2) (local.get $e2))))
          (local.set $vyy (f64x2.add (local.get $vyy) (f64x2.mul (local.get $e3) (local.get $e3))))
          (local.set $vyy (f64x2.add (local.get $vyy) (f64x2.mul (local.get $e4) (local.get $e4))))
          (local.set $vyy (f64x2.add (local.get $vyy) (f64x2.mul (local.get $e5) (local.get $e5))))
          (local.set $vyy (f64x2.add (local.get $vyy) (f64x2.mul (local.get $e6) (local.get $e6))))
          (local.set $vyy (f64x2.add (local.get $vyy) (f64x2.mul (local.get $e7) (local.get $e7))))
          (local.set $k (i32.const 8))
          (block $full (loop $eight
            (br_if $full (i32.ge_s (local.get $k) (local.get $m8)))
            (local.set $p (i32.add (local.get $p) (i32.const 64)))
            (local.set $e0 (f64x2.sub (f64x2.sub (v128.load (local.get $p)) (local.get $vlo)) (local.get $vm)))
            (local.set $e1 (f64x2.sub (f64x2.sub (v128.load offset=8 (local.get $p)) (local.get $vlo)) (local.get $vm)))
            (local.set $e2 (f64x2.sub (f64x2.sub (v128.load offset=16 (local.get $p)) (local.get $vlo)) (local.get $vm)))
            (local.set $e3 (f64x2.sub (f64x2.sub (v128.load offset=24 (local.get $p)) (local.get $vlo)) (local.get $vm)))
            (local.set $e4 (f64x2.sub (f64x2.sub (v128.load offset=32 (local.get $p)) (local.get $vlo)) (local.get $vm)))
            (local.set $e5 (f64x2.sub (f64x2.sub (v128.load offset=40 (local.get $p)) (local.get $vlo)) (local.get $vm)))
            (local.set $e6 (f64x2.sub (f64x2.sub (v128.load offset=48 (local.get $p)) (local.get $vlo)) (local.get $vm)))
            (local.set $e7 (f64x2.sub (f64x2.sub (v128.load offset=56 (local.get $p)) (local.get $vlo)) (local.get $vm)))
            (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (v128.load64_splat (i32.add (local.get $dx) (i32.shl (local.get $k) (i32.const 3)))) (local.get $e0))))
            (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (v128.load64_splat offset=8 (i32.add (local.get $dx) (i32.shl (local.get $k) (i32.const 3)))) (local.get $e1))))
            (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (v128.load64_splat offset=16 (i32.add (local.get $dx) (i32.shl (local.get $k) (i32.const 3)))) (local.get $e2))))
            (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (v128.load64_splat offset=24 (i32.add (local.get $dx) (i32.shl (local.get $k) (i32.const 3)))) (local.get $e3))))
            (local.set $a4 (f64x2.add (local.get $a4) (f64x2.mul (v128.load64_splat offset=32 (i32.add (local.get $dx) (i32.shl (local.get $k) (i32.const 3)))) (local.get $e4))))
            (local.set $a5 (f64x2.add (local.get $a5) (f64x2.mul (v128.load64_splat offset=40 (i32.add (local.get $dx) (i32.shl (local.get $k) (i32.const 3)))) (local.get $e5))))
            (local.set $a6 (f64x2.add (local.get $a6) (f64x2.mul (v128.load64_splat offset=48 (i32.add (local.get $dx) (i32.shl (local.get $k) (i32.const 3)))) (local.get $e6))))
            (local.set $a7 (f64x2.add (local.get $a7) (f64x2.mul (v128.load64_splat offset=56 (i32.add (local.get $dx) (i32.shl (local.get $k) (i32.const 3)))) (local.get $e7))))
            (local.set $vyy (f64x2.add (local.get $vyy) (f64x2.mul (local.get $e0) (local.get $e0))))
            (local.set $vyy (f64x2.add (local.get $vyy) (f64x2.mul (local.get $e1) (local.get $e1))))
            (local.set $vyy (f64x2.add (local.get $vyy) (f64x2.mul (local.get $e2) (local.get $e2))))
            (local.set $vyy (f64x2.add (local.get $vyy) (f64x2.mul (local.get $e3) (local.get $e3))))
            (local.set $vyy (f64x2.add (local.get $vyy) (f64x2.mul (local.get $e4) (local.get $e4))))
            (local.set $vyy (f64x2.add (local.get $vyy) (f64x2.mul (local.get $e5) (local.get $e5))))
            (local.set $vyy (f64x2.add (local.get $vyy) (f64x2.mul (local.get $e6) (local.get $e6))))
            (local.set $vyy (f64x2.add (local.get $vyy) (f64x2.mul (local.get $e7) (local.get $e7))))
            (local.set $k (i32.add (local.get $k) (i32.const 8)))
            (br $eight)))
          (local.set $vxy (f64x2.add
            (f64x2.add (f64x2.add (local.get $a0) (local.get $a1)) (f64x2.add (local.get $a2) (local.get $a3)))
            (f64x2.add (f64x2.add (local.get $a4) (local.get $a5)) (f64x2.add (local.get $a6) (local.get $a7)))))
          ;; the rest, one point at a time (p: the first of the last step's eight)
          (local.set $p (i32.add (local.get $p) (i32.const 64)))
          (block $rest (loop $one
            (br_if $rest (i32.ge_s (local.get $k) (local.get $n)))
            (local.set $e (f64x2.sub (f64x2.sub (v128.load (local.get $p)) (local.get $vlo)) (local.get $vm)))
            (local.set $vxy (f64x2.add (local.get $vxy)
              (f64x2.mul (v128.load64_splat (i32.add (local.get $dx) (i32.shl (local.get $k) (i32.const 3)))) (local.get $e))))
            (local.set $vyy (f64x2.add (local.get $vyy) (f64x2.mul (local.get $e) (local.get $e))))
            (local.set $p (i32.add (local.get $p) (i32.const 8)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $one)))))
      ;; slope, R² (NaN where the window's std is ≤ 2e-5, with mask), residual of the window's last day
      (local.set $beta (f64x2.div (local.get $vxy) (f64x2.splat (local.get $sxx))))
      (local.set $r2 (f64x2.div (f64x2.mul (local.get $vxy) (local.get $vxy)) (f64x2.mul (f64x2.splat (local.get $sxx)) (local.get $vyy))))
      (if (local.get $mask)
        (then
          (local.set $r2 (v128.bitselect
            (f64x2.splat (f64.const nan))
            (local.get $r2)
            (f64x2.le (f64x2.sqrt (f64x2.div (local.get $vyy) (f64x2.splat (f64.convert_i32_s (i32.sub (local.get $n) (i32.const 1))))))
                      (f64x2.splat (f64.const 2e-5)))))))
      (local.set $re (f64x2.sub
        (f64x2.sub (f64x2.sub (v128.load (i32.shl (local.get $r) (i32.const 3))) (local.get $vlo)) (local.get $vm))
        (f64x2.mul (local.get $beta) (f64x2.splat (local.get $half)))))
      (local.set $p (i32.shl (local.get $r) (i32.const 3)))
      (local.set $two (i32.and
        (i32.lt_s (i32.add (local.get $r) (i32.const 1)) (local.get $len))
        (f64.eq (f64.load offset=8 (i32.add (local.get $st) (local.get $p)))
                (f64.load offset=8 (i32.add (local.get $st) (local.get $p))))))
      (if (local.get $two)
        (then
          (v128.store (i32.add (i32.mul (local.get $c8) (i32.const 3)) (local.get $p)) (local.get $beta))
          (v128.store (i32.add (i32.shl (local.get $c8) (i32.const 2)) (local.get $p)) (local.get $r2))
          (v128.store (i32.add (i32.mul (local.get $c8) (i32.const 5)) (local.get $p)) (local.get $re)))
        (else
          (f64.store (i32.add (i32.mul (local.get $c8) (i32.const 3)) (local.get $p)) (f64x2.extract_lane 0 (local.get $beta)))
          (f64.store (i32.add (i32.shl (local.get $c8) (i32.const 2)) (local.get $p)) (f64x2.extract_lane 0 (local.get $r2)))
          (f64.store (i32.add (i32.mul (local.get $c8) (i32.const 5)) (local.get $p)) (f64x2.extract_lane 0 (local.get $re)))))
      (local.set $r (i32.add (local.get $r) (i32.add (local.get $two) (i32.const 1))))
      (br $next)))
  )
)
