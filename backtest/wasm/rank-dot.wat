;; The IC's per-date ranking kernel (RankScratch.pearsonRankDot's keyed path, see ../stats.ts) in
;; WebAssembly: the same operations in the same order, so the same bits, in about three quarters
;; of the time (no bounds or type checks, no deoptimisation); and `day`, a date of ICEvaluator's
;; in front of it (its factor values already in label order: min, max and finiteness in one vector
;; pass, then the ranking where they lie). Assembled by bin/build-wasm.mjs into rank-dot-wasm.ts;
;; the JavaScript kernel stays the definition and takes over whenever this one gives up (prd
;; returns 1).
;;
;; Memory layout (bytes): IN f64[65536] @0 (where `day` hands values back to the caller, and where
;; the caller may put values for prd), PA and PB i32[65536] @524288 / @786432 (the packed
;; key<<16|index words), H i32[512] @1048576 (the two byte histograms), RES f64[4] @1050624 (the
;; four sums), then the caller's own arrays from DATA = 1050688 (its label deviations, its tile of
;; factor values, …). The memory is the caller's, made at its final size: growing it would detach
;; its buffer, and one detached ArrayBuffer makes V8 check every typed array access of the process
;; for detachment from then on (all kernels ran ~30 % slower).
(module
  (import "env" "memory" (memory 17))

  ;; (t³ − t)/12 from h = t/2, as cubeTerm in ../stats.ts
  (func $cube (param $t f64) (result f64)
    (local $h f64)
    (local.set $h (f64.mul (local.get $t) (f64.const 0.5)))
    (f64.div
      (f64.sub
        (f64.mul (f64.mul (f64.mul (f64.const 8) (local.get $h)) (local.get $h)) (local.get $h))
        (f64.mul (f64.const 2) (local.get $h)))
      (f64.const 12)))

  ;; pearsonRankDot(x[0..n), mn, mx, w, y) into RES — x, w and y the byte addresses of n doubles each:
  ;; RES[0] Σ (r − c)·w, RES[1] Σ (r − c)², RES[2] Σ d·y, RES[3] Σ d² (d = x − mn − a, two lanes:
  ;; even and odd positions, added at the end). The caller has checked 2 ≤ n ≤ 65536 and that
  ;; 65535 / (mx − mn) is finite and positive. Returns 0, or 1 when a run of equal keys needs more
  ;; than 2n + 64 insertion moves (the caller then runs the JavaScript kernel, which counts such
  ;; runs out by value).
  (func $prd (export "prd") (param $x i32) (param $n i32) (param $mn f64) (param $mx f64) (param $w i32) (param $y i32) (result i32)
    (local $scale f64) (local $k i32) (local $u f64) (local $u2 f64) (local $key i32) (local $key2 i32)
    (local $sx f64) (local $sx2 f64) (local $a f64) (local $sum i32) (local $b i32) (local $cnt i32)
    (local $e i32) (local $ha i32) (local $d f64) (local $d2 f64)
    (local $sxy f64) (local $sxx f64) (local $sxy2 f64) (local $sxx2 f64)
    (local $c f64) (local $s f64) (local $ties f64) (local $g i32) (local $gw f64) (local $lastKey i32)
    (local $runStart i32) (local $sRun f64) (local $tRun f64) (local $budget i32) (local $p i32)
    (local $i i32) (local $xv f64) (local $last f64) (local $end i32) (local $q i32) (local $ee i32)
    (local $xx f64)
    (local $vmn v128) (local $vu v128) (local $vs v128) (local $vk v128) (local $va v128) (local $vd v128)
    (local $vxy v128) (local $vxx v128)
    (local.set $scale (f64.div (f64.const 65535) (f64.sub (local.get $mx) (local.get $mn))))
    (memory.fill (i32.const 1048576) (i32.const 0) (i32.const 2048))

    ;; key pass: the keys, both histograms, the packed words, Σ (x − mn) in two lanes (even and
    ;; odd positions: the lanes of a vector, two values a step; the same operations as one at a time)
    (local.set $vmn (f64x2.splat (local.get $mn)))
    (block $done (loop $next
      (br_if $done (i32.ge_s (i32.add (local.get $k) (i32.const 1)) (local.get $n)))
      ;; the pair (x[k], x[k+1]) in the two lanes of a vector: the lanes are the sums' two lanes
      (local.set $vu (f64x2.sub (v128.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 3)))) (local.get $vmn)))
      (local.set $vs (f64x2.add (local.get $vs) (local.get $vu)))
      (local.set $vk (i32x4.trunc_sat_f64x2_s_zero (f64x2.mul (local.get $vu) (f64x2.splat (local.get $scale)))))
      (local.set $key (i32x4.extract_lane 0 (local.get $vk)))
      (local.set $key2 (i32x4.extract_lane 1 (local.get $vk)))
      (local.set $ha (i32.shl (i32.and (local.get $key) (i32.const 255)) (i32.const 2)))
      (i32.store offset=1048576 (local.get $ha) (i32.add (i32.load offset=1048576 (local.get $ha)) (i32.const 1)))
      (local.set $ha (i32.shl (i32.shr_u (local.get $key) (i32.const 8)) (i32.const 2)))
      (i32.store offset=1049600 (local.get $ha) (i32.add (i32.load offset=1049600 (local.get $ha)) (i32.const 1)))
      (local.set $ha (i32.shl (i32.and (local.get $key2) (i32.const 255)) (i32.const 2)))
      (i32.store offset=1048576 (local.get $ha) (i32.add (i32.load offset=1048576 (local.get $ha)) (i32.const 1)))
      (local.set $ha (i32.shl (i32.shr_u (local.get $key2) (i32.const 8)) (i32.const 2)))
      (i32.store offset=1049600 (local.get $ha) (i32.add (i32.load offset=1049600 (local.get $ha)) (i32.const 1)))
      (i32.store offset=524288 (i32.shl (local.get $k) (i32.const 2))
        (i32.or (i32.shl (local.get $key) (i32.const 16)) (local.get $k)))
      (i32.store offset=524292 (i32.shl (local.get $k) (i32.const 2))
        (i32.or (i32.shl (local.get $key2) (i32.const 16)) (i32.add (local.get $k) (i32.const 1))))
      (local.set $k (i32.add (local.get $k) (i32.const 2)))
      (br $next)))
    (local.set $sx (f64x2.extract_lane 0 (local.get $vs)))
    (local.set $sx2 (f64x2.extract_lane 1 (local.get $vs)))
    (if (i32.lt_s (local.get $k) (local.get $n))
      (then
        (local.set $u (f64.sub (f64.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 3)))) (local.get $mn)))
        (local.set $sx (f64.add (local.get $sx) (local.get $u)))
        (local.set $key (i32.trunc_sat_f64_s (f64.mul (local.get $u) (local.get $scale))))
        (local.set $ha (i32.shl (i32.and (local.get $key) (i32.const 255)) (i32.const 2)))
        (i32.store offset=1048576 (local.get $ha) (i32.add (i32.load offset=1048576 (local.get $ha)) (i32.const 1)))
        (local.set $ha (i32.shl (i32.shr_u (local.get $key) (i32.const 8)) (i32.const 2)))
        (i32.store offset=1049600 (local.get $ha) (i32.add (i32.load offset=1049600 (local.get $ha)) (i32.const 1)))
        (i32.store offset=524288 (i32.shl (local.get $k) (i32.const 2))
          (i32.or (i32.shl (local.get $key) (i32.const 16)) (local.get $k)))))
    (local.set $a (f64.div (f64.add (local.get $sx) (local.get $sx2)) (f64.convert_i32_s (local.get $n))))

    ;; the low byte's bucket starts
    (local.set $b (i32.const 0))
    (block $done (loop $next
      (local.set $cnt (i32.load offset=1048576 (local.get $b)))
      (i32.store offset=1048576 (local.get $b) (local.get $sum))
      (local.set $sum (i32.add (local.get $sum) (local.get $cnt)))
      (local.set $b (i32.add (local.get $b) (i32.const 4)))
      (br_if $next (i32.lt_u (local.get $b) (i32.const 1024)))))

    ;; scatter PA → PB by the low byte; the Pearson sums ride along, two lanes (a vector's)
    (local.set $va (f64x2.splat (local.get $a)))
    (local.set $k (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_s (i32.add (local.get $k) (i32.const 1)) (local.get $n)))
      (local.set $e (i32.load offset=524288 (i32.shl (local.get $k) (i32.const 2))))
      (local.set $ha (i32.shl (i32.and (i32.shr_u (local.get $e) (i32.const 16)) (i32.const 255)) (i32.const 2)))
      (local.set $cnt (i32.load offset=1048576 (local.get $ha)))
      (i32.store offset=786432 (i32.shl (local.get $cnt) (i32.const 2)) (local.get $e))
      (i32.store offset=1048576 (local.get $ha) (i32.add (local.get $cnt) (i32.const 1)))
      (local.set $e (i32.load offset=524292 (i32.shl (local.get $k) (i32.const 2))))
      (local.set $ha (i32.shl (i32.and (i32.shr_u (local.get $e) (i32.const 16)) (i32.const 255)) (i32.const 2)))
      (local.set $cnt (i32.load offset=1048576 (local.get $ha)))
      (i32.store offset=786432 (i32.shl (local.get $cnt) (i32.const 2)) (local.get $e))
      (i32.store offset=1048576 (local.get $ha) (i32.add (local.get $cnt) (i32.const 1)))
      (local.set $vd (f64x2.sub (f64x2.sub (v128.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 3)))) (local.get $vmn)) (local.get $va)))
      (local.set $vxy (f64x2.add (local.get $vxy)
        (f64x2.mul (local.get $vd) (v128.load (i32.add (local.get $y) (i32.shl (local.get $k) (i32.const 3)))))))
      (local.set $vxx (f64x2.add (local.get $vxx) (f64x2.mul (local.get $vd) (local.get $vd))))
      (local.set $k (i32.add (local.get $k) (i32.const 2)))
      (br $next)))
    (local.set $sxy (f64x2.extract_lane 0 (local.get $vxy)))
    (local.set $sxy2 (f64x2.extract_lane 1 (local.get $vxy)))
    (local.set $sxx (f64x2.extract_lane 0 (local.get $vxx)))
    (local.set $sxx2 (f64x2.extract_lane 1 (local.get $vxx)))
    (if (i32.lt_s (local.get $k) (local.get $n))
      (then
        (local.set $e (i32.load offset=524288 (i32.shl (local.get $k) (i32.const 2))))
        (local.set $ha (i32.shl (i32.and (i32.shr_u (local.get $e) (i32.const 16)) (i32.const 255)) (i32.const 2)))
        (local.set $cnt (i32.load offset=1048576 (local.get $ha)))
        (i32.store offset=786432 (i32.shl (local.get $cnt) (i32.const 2)) (local.get $e))
        (i32.store offset=1048576 (local.get $ha) (i32.add (local.get $cnt) (i32.const 1)))
        (local.set $d (f64.sub (f64.sub (f64.load (i32.add (local.get $x) (i32.shl (local.get $k) (i32.const 3)))) (local.get $mn)) (local.get $a)))
        (local.set $sxy (f64.add (local.get $sxy)
          (f64.mul (local.get $d) (f64.load (i32.add (local.get $y) (i32.shl (local.get $k) (i32.const 3)))))))
        (local.set $sxx (f64.add (local.get $sxx) (f64.mul (local.get $d) (local.get $d))))))
    (f64.store offset=1050640 (i32.const 0) (f64.add (local.get $sxy) (local.get $sxy2)))
    (f64.store offset=1050648 (i32.const 0) (f64.add (local.get $sxx) (local.get $sxx2)))

    ;; the high byte's bucket starts, then scatter PB → PA by it
    (local.set $b (i32.const 0))
    (local.set $sum (i32.const 0))
    (block $done (loop $next
      (local.set $cnt (i32.load offset=1049600 (local.get $b)))
      (i32.store offset=1049600 (local.get $b) (local.get $sum))
      (local.set $sum (i32.add (local.get $sum) (local.get $cnt)))
      (local.set $b (i32.add (local.get $b) (i32.const 4)))
      (br_if $next (i32.lt_u (local.get $b) (i32.const 1024)))))
    (local.set $k (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $k) (local.get $n)))
      (local.set $e (i32.load offset=786432 (i32.shl (local.get $k) (i32.const 2))))
      (local.set $ha (i32.shl (i32.shr_u (local.get $e) (i32.const 24)) (i32.const 2)))
      (local.set $cnt (i32.load offset=1049600 (local.get $ha)))
      (i32.store offset=524288 (i32.shl (local.get $cnt) (i32.const 2)) (local.get $e))
      (i32.store offset=1049600 (local.get $ha) (i32.add (local.get $cnt) (i32.const 1)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $next)))

    ;; read the key order out into the rank sums (readOutDot in ../stats.ts): groups of equal
    ;; values close when a larger one comes; a value smaller than the one before it (same key)
    ;; sends the key's run through an insertion sort, and the run is summed again.
    (local.set $c (f64.mul (f64.convert_i32_s (i32.add (local.get $n) (i32.const 1))) (f64.const 0.5)))
    (local.set $e (i32.load offset=524288 (i32.const 0)))
    (local.set $gw (f64.load (i32.add (local.get $w) (i32.shl (i32.and (local.get $e) (i32.const 0xffff)) (i32.const 3)))))
    (local.set $lastKey (i32.shr_u (local.get $e) (i32.const 16)))
    (local.set $budget (i32.add (i32.shl (local.get $n) (i32.const 1)) (i32.const 64)))
    (local.set $p (i32.const 1))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $p) (local.get $n)))
      (local.set $e (i32.load offset=524288 (i32.shl (local.get $p) (i32.const 2))))
      (local.set $i (i32.and (local.get $e) (i32.const 0xffff)))
      (local.set $key (i32.shr_u (local.get $e) (i32.const 16)))
      (if (i32.ne (local.get $key) (local.get $lastKey))
        (then
          (local.set $s (f64.add (local.get $s)
            (f64.mul
              (f64.sub (f64.mul (f64.convert_i32_s (i32.add (i32.add (local.get $g) (i32.const 1)) (local.get $p))) (f64.const 0.5)) (local.get $c))
              (local.get $gw))))
          (if (i32.gt_s (i32.sub (local.get $p) (local.get $g)) (i32.const 1))
            (then (local.set $ties (f64.add (local.get $ties) (call $cube (f64.convert_i32_s (i32.sub (local.get $p) (local.get $g))))))))
          (local.set $g (local.get $p))
          (local.set $gw (f64.load (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 3)))))
          (local.set $lastKey (local.get $key))
          (local.set $runStart (local.get $p))
          (local.set $sRun (local.get $s))
          (local.set $tRun (local.get $ties))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $next)))
      (local.set $xv (f64.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $last (f64.load (i32.add (local.get $x) (i32.shl (i32.and (i32.load offset=524284 (i32.shl (local.get $p) (i32.const 2))) (i32.const 0xffff)) (i32.const 3)))))
      (if (f64.eq (local.get $xv) (local.get $last))
        (then
          (local.set $gw (f64.add (local.get $gw) (f64.load (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 3))))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $next)))
      (if (f64.gt (local.get $xv) (local.get $last))
        (then
          (local.set $s (f64.add (local.get $s)
            (f64.mul
              (f64.sub (f64.mul (f64.convert_i32_s (i32.add (i32.add (local.get $g) (i32.const 1)) (local.get $p))) (f64.const 0.5)) (local.get $c))
              (local.get $gw))))
          (if (i32.gt_s (i32.sub (local.get $p) (local.get $g)) (i32.const 1))
            (then (local.set $ties (f64.add (local.get $ties) (call $cube (f64.convert_i32_s (i32.sub (local.get $p) (local.get $g))))))))
          (local.set $g (local.get $p))
          (local.set $gw (f64.load (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 3)))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $next)))
      ;; out of order: the end of the key's run, an insertion sort of it, then its sums again
      (local.set $end (i32.add (local.get $p) (i32.const 1)))
      (block $found (loop $scan
        (br_if $found (i32.ge_s (local.get $end) (local.get $n)))
        (br_if $found (i32.ne (i32.shr_u (i32.load offset=524288 (i32.shl (local.get $end) (i32.const 2))) (i32.const 16)) (local.get $key)))
        (local.set $end (i32.add (local.get $end) (i32.const 1)))
        (br $scan)))
      (local.set $k (i32.add (local.get $runStart) (i32.const 1)))
      (block $sorted (loop $insert
        (br_if $sorted (i32.ge_s (local.get $k) (local.get $end)))
        (local.set $ee (i32.load offset=524288 (i32.shl (local.get $k) (i32.const 2))))
        (local.set $xx (f64.load (i32.add (local.get $x) (i32.shl (i32.and (local.get $ee) (i32.const 0xffff)) (i32.const 3)))))
        (local.set $q (i32.sub (local.get $k) (i32.const 1)))
        (block $placed (loop $shift
          (br_if $placed (i32.lt_s (local.get $q) (local.get $runStart)))
          (br_if $placed (i32.eqz (f64.gt
            (f64.load (i32.add (local.get $x) (i32.shl (i32.and (i32.load offset=524288 (i32.shl (local.get $q) (i32.const 2))) (i32.const 0xffff)) (i32.const 3))))
            (local.get $xx))))
          (i32.store offset=524292 (i32.shl (local.get $q) (i32.const 2)) (i32.load offset=524288 (i32.shl (local.get $q) (i32.const 2))))
          (local.set $q (i32.sub (local.get $q) (i32.const 1)))
          (local.set $budget (i32.sub (local.get $budget) (i32.const 1)))
          (br $shift)))
        ;; q may be runStart − 1 = −1: the address is computed, not an offset on a negative base
        (i32.store (i32.add (i32.shl (local.get $q) (i32.const 2)) (i32.const 524292)) (local.get $ee))
        (if (i32.lt_s (local.get $budget) (i32.const 0)) (then (return (i32.const 1))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $insert)))
      (local.set $s (local.get $sRun))
      (local.set $ties (local.get $tRun))
      (local.set $g (local.get $runStart))
      (local.set $gw (f64.load (i32.add (local.get $w)
        (i32.shl (i32.and (i32.load offset=524288 (i32.shl (local.get $runStart) (i32.const 2))) (i32.const 0xffff)) (i32.const 3)))))
      (local.set $p (i32.add (local.get $runStart) (i32.const 1)))
      (br $next)))
    (local.set $s (f64.add (local.get $s)
      (f64.mul
        (f64.sub (f64.mul (f64.convert_i32_s (i32.add (i32.add (local.get $g) (i32.const 1)) (local.get $n))) (f64.const 0.5)) (local.get $c))
        (local.get $gw))))
    (if (i32.gt_s (i32.sub (local.get $n) (local.get $g)) (i32.const 1))
      (then (local.set $ties (f64.add (local.get $ties) (call $cube (f64.convert_i32_s (i32.sub (local.get $n) (local.get $g))))))))
    (f64.store offset=1050624 (i32.const 0) (local.get $s))
    (f64.store offset=1050632 (i32.const 0) (f64.sub (call $cube (f64.convert_i32_s (local.get $n))) (local.get $ties)))
    (i32.const 0))

  ;; A date of the IC (ICEvaluator's common path): its m factor values, in the label's order, at
  ;; byte address $row. Their min, max and finiteness in one vector pass (two lanes; a value
  ;; replaces a lane's minimum only when smaller, as the JavaScript gather), then prd on them where
  ;; they lie, against w and y. Returns 0 when the sums are in RES; otherwise n + 1 with n values
  ;; in IN[0..n) for the caller to finish: the finite ones in order (n < m) when some are not, all
  ;; m when their range cannot be keyed or prd gave up.
  (func (export "day") (param $row i32) (param $m i32) (param $w i32) (param $y i32) (result i32)
    (local $k i32) (local $v v128) (local $vmn v128) (local $vmx v128) (local $vok v128)
    (local $mn f64) (local $mx f64) (local $f f64) (local $n i32) (local $scale f64)
    (local.set $vmn (f64x2.splat (f64.const inf)))
    (local.set $vmx (f64x2.splat (f64.const -inf)))
    (local.set $vok (v128.const i64x2 -1 -1))
    (block $done (loop $next
      (br_if $done (i32.ge_s (i32.add (local.get $k) (i32.const 1)) (local.get $m)))
      (local.set $v (v128.load (i32.add (local.get $row) (i32.shl (local.get $k) (i32.const 3)))))
      (local.set $vok (v128.and (local.get $vok) (f64x2.eq (f64x2.sub (local.get $v) (local.get $v)) (f64x2.splat (f64.const 0)))))
      (local.set $vmn (f64x2.pmin (local.get $vmn) (local.get $v)))
      (local.set $vmx (f64x2.pmax (local.get $vmx) (local.get $v)))
      (local.set $k (i32.add (local.get $k) (i32.const 2)))
      (br $next)))
    (local.set $mn (f64x2.extract_lane 0 (local.get $vmn)))
    (local.set $f (f64x2.extract_lane 1 (local.get $vmn)))
    (local.set $mn (select (local.get $f) (local.get $mn) (f64.lt (local.get $f) (local.get $mn))))
    (local.set $mx (f64x2.extract_lane 0 (local.get $vmx)))
    (local.set $f (f64x2.extract_lane 1 (local.get $vmx)))
    (local.set $mx (select (local.get $f) (local.get $mx) (f64.gt (local.get $f) (local.get $mx))))
    (if (i32.lt_s (local.get $k) (local.get $m))
      (then
        (local.set $f (f64.load (i32.add (local.get $row) (i32.shl (local.get $k) (i32.const 3)))))
        (if (f64.ne (f64.sub (local.get $f) (local.get $f)) (f64.const 0)) (then (local.set $vok (v128.const i64x2 0 0))))
        (local.set $mn (select (local.get $f) (local.get $mn) (f64.lt (local.get $f) (local.get $mn))))
        (local.set $mx (select (local.get $f) (local.get $mx) (f64.gt (local.get $f) (local.get $mx))))))
    (if (i32.eqz (i64x2.all_true (local.get $vok)))
      (then
        ;; not all finite: the finite ones, in order, into IN for the caller
        (local.set $k (i32.const 0))
        (block $done (loop $next
          (br_if $done (i32.ge_s (local.get $k) (local.get $m)))
          (local.set $f (f64.load (i32.add (local.get $row) (i32.shl (local.get $k) (i32.const 3)))))
          (f64.store (i32.shl (local.get $n) (i32.const 3)) (local.get $f))
          (local.set $n (i32.add (local.get $n) (f64.eq (f64.sub (local.get $f) (local.get $f)) (f64.const 0))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $next)))
        (return (i32.add (local.get $n) (i32.const 1)))))
    (local.set $scale (f64.div (f64.const 65535) (f64.sub (local.get $mx) (local.get $mn))))
    (if (i32.eqz (i32.and (f64.gt (local.get $scale) (f64.const 0)) (f64.lt (local.get $scale) (f64.const inf))))
      (then
        (memory.copy (i32.const 0) (local.get $row) (i32.shl (local.get $m) (i32.const 3)))
        (return (i32.add (local.get $m) (i32.const 1)))))
    (if (call $prd (local.get $row) (local.get $m) (local.get $mn) (local.get $mx) (local.get $w) (local.get $y))
      (then
        (memory.copy (i32.const 0) (local.get $row) (i32.shl (local.get $m) (i32.const 3)))
        (return (i32.add (local.get $m) (i32.const 1)))))
    (i32.const 0))
)
