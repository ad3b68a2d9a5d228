;; The co-moment pass of ../regression.ts (the block scheme: each window a suffix of the previous
;; n-day block and a prefix of its own, each part summed around its first point, merged with Chan's
;; formula) in two of its modes: qlib's Corr(x, y, n) where x and y are valid on the same days
;; (CORR_MASKED), and the regression on time (REG with x the day's index: Slope / Rsquare / Resi of
;; windows the replay does not take). The same operations in the same order, so the same bits, with
;; x's and y's halves of every step in the two lanes of a vector (their sums, squares, means and
;; central moments are the same operations on the two series). Assembled by bin/build-wasm.mjs into
;; comoments-wasm.ts; the JavaScript pass stays the definition (QUANTA_NO_WASM=1 runs it).
;;
;; Memory (the caller's, made for series of up to `cap` days; c8 = 8·cap bytes): X f64 @0, Y @c8
;; (the two series; X unused on time), OUT @2·c8 (the correlations, or the slopes), R2 @12·c8 and
;; RESI @13·c8 (on time), then the suffix parts, one entry per day of a
;; block: SC @3·c8 (point count), SK @4·c8 (the part's anchors, x and y), SO @6·c8 (mean offsets),
;; SQ @8·c8 (central sums of squares), SXY @10·c8 (central cross sums), TIES i32 @11·c8 (days to
;; recompute, see run). 14·c8 bytes in all.
(module
  (import "env" "memory" (memory 1))

  ;; run(len, w, c8, near1, near0, flag, time): for t < len, windows of w days (w ≤ len) counting
  ;; today and never reaching before 0.
  ;; time = 0: OUT[t] = the correlation; NaN below 2 points and where either series' std over the
  ;; window is ≤ 2e-5. Returns −1 when x and y are not valid on the same days (OUT is then not the
  ;; masked correlation: the caller takes another path), else how many days it listed in TIES
  ;; (i32 @11·c8): with flag ≠ 0, those whose |correlation| is ≥ near1 or ≤ near0 — the windows
  ;; ../regression.ts recomputes with the reference's arithmetic (instruments tie there).
  ;; time ≠ 0: y on the day's index: OUT[t] the slope (NaN below 2 points), R2[t] (also NaN where
  ;; y's std is ≤ 2e-5 when flag ≠ 0: qlib Rsquare), RESI[t] today's residual (NaN when y is not
  ;; valid today). Returns 0.
  (func (export "run") (param $len i32) (param $w i32) (param $c8 i32) (param $near1 f64) (param $near0 f64) (param $flag i32) (param $time i32) (result i32)
    (local $b0 i32) (local $b1 i32) (local $base i32) (local $s i32) (local $t i32) (local $j i32)
    (local $c i32) (local $u v128) (local $k v128) (local $sum v128) (local $sq v128) (local $sxy f64)
    (local $d v128) (local $m v128) (local $cm v128) (local $cxy f64) (local $cnt f64) (local $na f64)
    (local $f f64) (local $sd v128) (local $cf f64) (local $q v128) (local $ok v128) (local $o f64) (local $a f64) (local $nt i32) (local $ties i32) (local $bb v128) (local $cxx f64) (local $beta f64)
    (local $sc i32) (local $sk i32) (local $so i32) (local $ssq i32) (local $sxyA i32) (local $out i32)
    (local.set $out (i32.shl (local.get $c8) (i32.const 1)))
    (local.set $sc (i32.mul (local.get $c8) (i32.const 3)))
    (local.set $sk (i32.shl (local.get $c8) (i32.const 2)))
    (local.set $so (i32.mul (local.get $c8) (i32.const 6)))
    (local.set $ssq (i32.shl (local.get $c8) (i32.const 3)))
    (local.set $sxyA (i32.mul (local.get $c8) (i32.const 10)))
    (local.set $ties (i32.mul (local.get $c8) (i32.const 11)))
    (block $blocks (loop $block
      (br_if $blocks (i32.ge_s (local.get $b0) (local.get $len)))
      (local.set $b1 (select (i32.add (local.get $b0) (local.get $w)) (local.get $len)
        (i32.lt_s (i32.add (local.get $b0) (local.get $w)) (local.get $len))))
      (local.set $base (i32.sub (local.get $b0) (local.get $w)))
      ;; the suffixes of the previous block, latest day first
      (if (i32.gt_s (local.get $b0) (i32.const 0))
        (then
          (local.set $c (i32.const 0))
          (local.set $k (f64x2.splat (f64.const 0)))
          (local.set $sum (f64x2.splat (f64.const 0)))
          (local.set $sq (f64x2.splat (f64.const 0)))
          (local.set $sxy (f64.const 0))
          (local.set $s (i32.sub (local.get $b0) (i32.const 1)))
          (loop $suffix
            (if (local.get $time)
              (then (local.set $u (f64x2.replace_lane 0
                (v128.load64_lane 1 (i32.add (local.get $c8) (i32.shl (local.get $s) (i32.const 3))) (local.get $u))
                (f64.convert_i32_s (local.get $s)))))
              (else (local.set $u (v128.load64_lane 1
                (i32.add (local.get $c8) (i32.shl (local.get $s) (i32.const 3)))
                (v128.load64_zero (i32.shl (local.get $s) (i32.const 3)))))))
            (if (i64x2.all_true (f64x2.eq (f64x2.sub (local.get $u) (local.get $u)) (f64x2.splat (f64.const 0))))
              (then
                (if (i32.eqz (local.get $c)) (then (local.set $k (local.get $u))))
                (local.set $d (f64x2.sub (local.get $u) (local.get $k)))
                (local.set $sum (f64x2.add (local.get $sum) (local.get $d)))
                (local.set $sq (f64x2.add (local.get $sq) (f64x2.mul (local.get $d) (local.get $d))))
                (local.set $sxy (f64.add (local.get $sxy) (f64x2.extract_lane 0 (f64x2.mul (local.get $d) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $d) (local.get $d))))))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))))
            (local.set $j (i32.sub (local.get $s) (local.get $base)))
            (f64.store (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 3))) (f64.convert_i32_s (local.get $c)))
            (if (local.get $c)
              (then
                (local.set $m (f64x2.div (local.get $sum) (f64x2.splat (f64.convert_i32_s (local.get $c)))))
                (v128.store (i32.add (local.get $sk) (i32.shl (local.get $j) (i32.const 4))) (local.get $k))
                (v128.store (i32.add (local.get $so) (i32.shl (local.get $j) (i32.const 4))) (local.get $m))
                ;; the central sums of squares, clamped at 0 (NaN: +∞), as nonNegative in ../moments.ts
                (local.set $q (f64x2.sub (local.get $sq) (f64x2.mul (local.get $m) (local.get $sum))))
                (v128.store (i32.add (local.get $ssq) (i32.shl (local.get $j) (i32.const 4))) (v128.bitselect
                    (local.get $q)
                    (v128.bitselect (f64x2.splat (f64.const 0)) (f64x2.splat (f64.const inf)) (f64x2.le (local.get $q) (f64x2.splat (f64.const 0))))
                    (f64x2.gt (local.get $q) (f64x2.splat (f64.const 0)))))
                (f64.store (i32.add (local.get $sxyA) (i32.shl (local.get $j) (i32.const 3)))
                  (f64.sub (local.get $sxy) (f64.mul (f64x2.extract_lane 0 (local.get $m)) (f64x2.extract_lane 1 (local.get $sum)))))))
            (local.set $s (i32.sub (local.get $s) (i32.const 1)))
            (br_if $suffix (i32.ge_s (local.get $s) (local.get $base))))))
      ;; the prefixes of this block, each merged with the suffix that completes its window
      (local.set $c (i32.const 0))
      (local.set $k (f64x2.splat (f64.const 0)))
      (local.set $sum (f64x2.splat (f64.const 0)))
      (local.set $sq (f64x2.splat (f64.const 0)))
      (local.set $sxy (f64.const 0))
      (local.set $t (local.get $b0))
      (loop $prefix
        (if (local.get $time)
          (then (local.set $u (f64x2.replace_lane 0
            (v128.load64_lane 1 (i32.add (local.get $c8) (i32.shl (local.get $t) (i32.const 3))) (local.get $u))
            (f64.convert_i32_s (local.get $t)))))
          (else (local.set $u (v128.load64_lane 1
            (i32.add (local.get $c8) (i32.shl (local.get $t) (i32.const 3)))
            (v128.load64_zero (i32.shl (local.get $t) (i32.const 3)))))))
        (local.set $ok (f64x2.eq (f64x2.sub (local.get $u) (local.get $u)) (f64x2.splat (f64.const 0))))
        ;; one series valid today, the other not: not this kernel's case (every day is a prefix's once)
        (if (i32.and (i32.eqz (local.get $time)) (i32.ne (i64x2.all_true (local.get $ok)) (v128.any_true (local.get $ok))))
          (then (return (i32.const -1))))
        (if (i64x2.all_true (local.get $ok))
          (then
            (if (i32.eqz (local.get $c)) (then (local.set $k (local.get $u))))
            (local.set $d (f64x2.sub (local.get $u) (local.get $k)))
            (local.set $sum (f64x2.add (local.get $sum) (local.get $d)))
            (local.set $sq (f64x2.add (local.get $sq) (f64x2.mul (local.get $d) (local.get $d))))
            (local.set $sxy (f64.add (local.get $sxy) (f64x2.extract_lane 0 (f64x2.mul (local.get $d) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $d) (local.get $d))))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))))
        (local.set $cnt (f64.convert_i32_s (local.get $c)))
        (local.set $bb (local.get $k))
        (local.set $m (f64x2.splat (f64.const 0)))
        (local.set $cm (f64x2.splat (f64.const 0)))
        (local.set $cxy (f64.const 0))
        (if (local.get $c)
          (then
            (local.set $m (f64x2.div (local.get $sum) (f64x2.splat (local.get $cnt))))
            (local.set $q (f64x2.sub (local.get $sq) (f64x2.mul (local.get $m) (local.get $sum))))
            (local.set $cm (v128.bitselect
                    (local.get $q)
                    (v128.bitselect (f64x2.splat (f64.const 0)) (f64x2.splat (f64.const inf)) (f64x2.le (local.get $q) (f64x2.splat (f64.const 0))))
                    (f64x2.gt (local.get $q) (f64x2.splat (f64.const 0)))))
            (local.set $cxy (f64.sub (local.get $sxy) (f64.mul (f64x2.extract_lane 0 (local.get $m)) (f64x2.extract_lane 1 (local.get $sum)))))))
        (local.set $s (i32.add (i32.sub (local.get $t) (local.get $w)) (i32.const 1)))
        (if (i32.and (i32.gt_s (local.get $b0) (i32.const 0)) (i32.lt_s (local.get $s) (local.get $b0)))
          (then
            (local.set $j (i32.sub (local.get $s) (local.get $base)))
            (local.set $na (f64.load (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 3)))))
            (if (f64.gt (local.get $na) (f64.const 0))
              (then
                (if (i32.eqz (local.get $c))
                  (then
                    (local.set $cnt (local.get $na))
                    (local.set $cm (v128.load (i32.add (local.get $ssq) (i32.shl (local.get $j) (i32.const 4)))))
                    (local.set $cxy (f64.load (i32.add (local.get $sxyA) (i32.shl (local.get $j) (i32.const 3)))))
                    (local.set $bb (v128.load (i32.add (local.get $sk) (i32.shl (local.get $j) (i32.const 4)))))
                    (local.set $m (v128.load (i32.add (local.get $so) (i32.shl (local.get $j) (i32.const 4))))))
                  (else
                    (local.set $cf (local.get $cnt))
                    (local.set $cnt (f64.add (local.get $cf) (local.get $na)))
                    ;; the difference of the two parts' means: (anchor − anchor) + (offset − offset)
                    (local.set $d (f64x2.add
                      (f64x2.sub (local.get $k) (v128.load (i32.add (local.get $sk) (i32.shl (local.get $j) (i32.const 4)))))
                      (f64x2.sub (local.get $m) (v128.load (i32.add (local.get $so) (i32.shl (local.get $j) (i32.const 4)))))))
                    (local.set $f (f64.div (f64.mul (local.get $na) (local.get $cf)) (local.get $cnt)))
                    (local.set $cm (f64x2.add
                      (f64x2.add (local.get $cm) (v128.load (i32.add (local.get $ssq) (i32.shl (local.get $j) (i32.const 4)))))
                      (f64x2.mul (f64x2.mul (local.get $d) (local.get $d)) (f64x2.splat (local.get $f)))))
                    (local.set $cxy (f64.add
                      (f64.add (local.get $cxy) (f64.load (i32.add (local.get $sxyA) (i32.shl (local.get $j) (i32.const 3)))))
                      (f64.mul (f64x2.extract_lane 0 (f64x2.mul (local.get $d) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $d) (local.get $d)))) (local.get $f))))
                    ;; the window's base and mean offsets (the regression's residual reads them)
                    (local.set $bb (v128.load (i32.add (local.get $sk) (i32.shl (local.get $j) (i32.const 4)))))
                    (local.set $m (f64x2.add (v128.load (i32.add (local.get $so) (i32.shl (local.get $j) (i32.const 4))))
                      (f64x2.div (f64x2.mul (local.get $d) (f64x2.splat (local.get $cf))) (f64x2.splat (local.get $cnt)))))))))))
        (if (local.get $time)
          (then
            ;; the regression on time: slope, R² (NaN where y's std ≤ 2e-5, with mask), today's residual
            (local.set $cxx (f64x2.extract_lane 0 (local.get $cm)))
            (local.set $beta (select (f64.div (local.get $cxy) (local.get $cxx)) (f64.const nan)
              (i32.and (f64.ge (local.get $cnt) (f64.const 2)) (f64.gt (local.get $cxx) (f64.const 0)))))
            (f64.store (i32.add (local.get $out) (i32.shl (local.get $t) (i32.const 3))) (local.get $beta))
            (f64.store (i32.add (i32.mul (local.get $c8) (i32.const 12)) (i32.shl (local.get $t) (i32.const 3)))
              (select
                (f64.div (f64.mul (local.get $cxy) (local.get $cxy)) (f64.mul (local.get $cxx) (f64x2.extract_lane 1 (local.get $cm))))
                (f64.const nan)
                (i32.and (f64.ge (local.get $cnt) (f64.const 2))
                  (i32.eqz (i32.and (local.get $flag)
                    (f64.le (f64.sqrt (f64.div (f64x2.extract_lane 1 (local.get $cm)) (f64.sub (local.get $cnt) (f64.const 1)))) (f64.const 2e-5)))))))
            ;; ((y − by) − my) − β·((t − bx) − mx), NaN where y is not valid today
            (local.set $d (f64x2.sub (f64x2.sub (local.get $u) (local.get $bb)) (local.get $m)))
            (f64.store (i32.add (i32.mul (local.get $c8) (i32.const 13)) (i32.shl (local.get $t) (i32.const 3)))
              (select
                (f64.sub (f64x2.extract_lane 1 (local.get $d)) (f64.mul (local.get $beta) (f64x2.extract_lane 0 (local.get $d))))
                (f64.const nan)
                (i64x2.all_true (local.get $ok))))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br_if $prefix (i32.lt_s (local.get $t) (local.get $b1)))
            (local.set $b0 (local.get $b1))
            (br $block)))
        ;; the correlation, or NaN: below 2 points, or either std √(C/(cnt − 1)) ≤ 2e-5
        (local.set $sd (f64x2.sqrt (f64x2.div (local.get $cm) (f64x2.splat (f64.sub (local.get $cnt) (f64.const 1))))))
        (local.set $o
          (select
            (f64.div (local.get $cxy)
              (f64.sqrt (f64.mul (f64x2.extract_lane 0 (local.get $cm)) (f64x2.extract_lane 1 (local.get $cm)))))
            (f64.const nan)
            (i32.and
              (f64.ge (local.get $cnt) (f64.const 2))
              (i32.eqz (v128.any_true (f64x2.le (local.get $sd) (f64x2.splat (f64.const 2e-5))))))))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $t) (i32.const 3))) (local.get $o))
        (local.set $a (f64.abs (local.get $o)))
        (if (i32.and (local.get $flag) (i32.or (f64.ge (local.get $a) (local.get $near1)) (f64.le (local.get $a) (local.get $near0))))
          (then
            (i32.store (i32.add (local.get $ties) (i32.shl (local.get $nt) (i32.const 2))) (local.get $t))
            (local.set $nt (i32.add (local.get $nt) (i32.const 1)))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br_if $prefix (i32.lt_s (local.get $t) (local.get $b1))))
      (local.set $b0 (local.get $b1))
      (br $block)))
    (local.get $nt))
)
