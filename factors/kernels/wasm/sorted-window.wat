;; Order statistics over a sliding window kept sorted — scanSorted in ../order-sorted.ts (median,
;; linear-interpolated quantile, percentile rank: pandas' roll_median_c / roll_quantile / roll_rank)
;; with the same sorted window and the same arithmetic, so the same bits. Where the JavaScript finds
;; a value's place by binary search and walks the arriving one to its place (a loop whose exit the
;; branch predictor keeps missing), this counts the window's values below it two at a time and
;; moves the values between the two places with one memory.copy. The median absolute deviation is
;; not here (the JavaScript computes it). Assembled by bin/build-wasm.mjs into
;; sorted-window-wasm.ts; the JavaScript scan stays the definition (QUANTA_NO_WASM=1 runs it).
;;
;; Memory (the caller's, made for series of up to `cap` days; c8 = 8·cap bytes): X f64 @0 (the
;; series), OUT_s @(1 + s)·c8 for the outputs s < 8, BUF @9·c8 (the window's m values sorted, +∞
;; after them: the counts read pairs), STATS i32[8] @10·c8 + 16 (0 median, 1 quantile, 2 rank),
;; QS f64[8] @10·c8 + 48 (the quantiles).
(module
  (import "env" "memory" (memory 1))

;; How many of the sorted buf[0..m) (buf[m] = +∞) are < v ($less) or ≤ v ($notAbove); v finite.
  ;; A true lane of a comparison is all ones (−1): subtracting it counts it.
  (func $less (param $buf i32) (param $m i32) (param $v f64) (result i32)
    (local $end i32) (local $acc v128) (local $vv v128)
    (local.set $vv (f64x2.splat (local.get $v)))
    (local.set $end (i32.add (local.get $buf) (i32.shl (local.get $m) (i32.const 3))))
    (block $done (loop $pairs
      (br_if $done (i32.ge_u (local.get $buf) (local.get $end)))
      (local.set $acc (i64x2.sub (local.get $acc) (f64x2.lt (v128.load (local.get $buf)) (local.get $vv))))
      (local.set $buf (i32.add (local.get $buf) (i32.const 16)))
      (br $pairs)))
    (i32.wrap_i64 (i64.add (i64x2.extract_lane 0 (local.get $acc)) (i64x2.extract_lane 1 (local.get $acc)))))

  (func $notAbove (param $buf i32) (param $m i32) (param $v f64) (result i32)
    (local $end i32) (local $acc v128) (local $vv v128)
    (local.set $vv (f64x2.splat (local.get $v)))
    (local.set $end (i32.add (local.get $buf) (i32.shl (local.get $m) (i32.const 3))))
    (block $done (loop $pairs
      (br_if $done (i32.ge_u (local.get $buf) (local.get $end)))
      (local.set $acc (i64x2.sub (local.get $acc) (f64x2.le (v128.load (local.get $buf)) (local.get $vv))))
      (local.set $buf (i32.add (local.get $buf) (i32.const 16)))
      (br $pairs)))
    (i32.wrap_i64 (i64.add (i64x2.extract_lane 0 (local.get $acc)) (i64x2.extract_lane 1 (local.get $acc)))))

  ;; run(len, w, nOut, c8): OUT_s[r] for r < len and s < nOut, windows of w days (1 ≤ w ≤ len)
  ;; counting today and never reaching before 0, non-finite values left out; NaN while the window
  ;; holds no value, and (rank) when today's is not finite.
  (func (export "run") (param $len i32) (param $w i32) (param $nOut i32) (param $c8 i32)
    (local $r i32) (local $v f64) (local $o f64) (local $today i32) (local $at i32) (local $m i32)
    (local $po i32) (local $pv i32) (local $s i32) (local $stat i32) (local $res f64) (local $pos f64)
    (local $idx i32) (local $lo f64) (local $below i32) (local $mid i32) (local $buf i32) (local $meta i32)
    (local.set $buf (i32.mul (local.get $c8) (i32.const 9)))
    (local.set $meta (i32.add (i32.mul (local.get $c8) (i32.const 10)) (i32.const 16)))
    (f64.store (local.get $buf) (f64.const inf))
    (block $done (loop $step
      (br_if $done (i32.ge_s (local.get $r) (local.get $len)))
      (local.set $v (f64.load (i32.shl (local.get $r) (i32.const 3))))
      (local.set $today (f64.eq (f64.sub (local.get $v) (local.get $v)) (f64.const 0)))
      (local.set $o (f64.const nan))
      (if (i32.ge_s (i32.sub (local.get $r) (local.get $w)) (i32.const 0))
        (then (local.set $o (f64.load (i32.shl (i32.sub (local.get $r) (local.get $w)) (i32.const 3))))))
      (local.set $at (i32.const -1))
      (if (f64.eq (f64.sub (local.get $o) (local.get $o)) (f64.const 0))
        (then
          ;; o leaves from its first place among equals (lowerBound)
          (local.set $po (call $less (local.get $buf) (local.get $m) (local.get $o)))
          (if (local.get $today)
            (then
              ;; v arrives after its equals among the others: ≤ v counted, less o when o ≤ v
              (local.set $pv (i32.sub (call $notAbove (local.get $buf) (local.get $m) (local.get $v))
                (f64.ge (local.get $v) (local.get $o))))
              (if (i32.gt_s (local.get $pv) (local.get $po))
                (then (memory.copy
                  (i32.add (local.get $buf) (i32.shl (local.get $po) (i32.const 3)))
                  (i32.add (local.get $buf) (i32.shl (i32.add (local.get $po) (i32.const 1)) (i32.const 3)))
                  (i32.shl (i32.sub (local.get $pv) (local.get $po)) (i32.const 3)))))
              (if (i32.lt_s (local.get $pv) (local.get $po))
                (then (memory.copy
                  (i32.add (local.get $buf) (i32.shl (i32.add (local.get $pv) (i32.const 1)) (i32.const 3)))
                  (i32.add (local.get $buf) (i32.shl (local.get $pv) (i32.const 3)))
                  (i32.shl (i32.sub (local.get $po) (local.get $pv)) (i32.const 3)))))
              (f64.store (i32.add (local.get $buf) (i32.shl (local.get $pv) (i32.const 3))) (local.get $v))
              (local.set $at (local.get $pv)))
            (else
              (local.set $m (i32.sub (local.get $m) (i32.const 1)))
              (memory.copy
                (i32.add (local.get $buf) (i32.shl (local.get $po) (i32.const 3)))
                (i32.add (local.get $buf) (i32.shl (i32.add (local.get $po) (i32.const 1)) (i32.const 3)))
                (i32.shl (i32.sub (local.get $m) (local.get $po)) (i32.const 3)))
              (f64.store (i32.add (local.get $buf) (i32.shl (local.get $m) (i32.const 3))) (f64.const inf)))))
        (else
          (if (local.get $today)
            (then
              ;; v arrives after its equals (an insertion-sort step from the top)
              (local.set $pv (call $notAbove (local.get $buf) (local.get $m) (local.get $v)))
              (memory.copy
                (i32.add (local.get $buf) (i32.shl (i32.add (local.get $pv) (i32.const 1)) (i32.const 3)))
                (i32.add (local.get $buf) (i32.shl (local.get $pv) (i32.const 3)))
                (i32.shl (i32.sub (local.get $m) (local.get $pv)) (i32.const 3)))
              (f64.store (i32.add (local.get $buf) (i32.shl (local.get $pv) (i32.const 3))) (local.get $v))
              (local.set $m (i32.add (local.get $m) (i32.const 1)))
              (f64.store (i32.add (local.get $buf) (i32.shl (local.get $m) (i32.const 3))) (f64.const inf))
              (local.set $at (local.get $pv))))))
      ;; the statistics
      (local.set $s (i32.const 0))
      (block $stats (loop $stat
        (br_if $stats (i32.ge_s (local.get $s) (local.get $nOut)))
        (local.set $stat (i32.load (i32.add (local.get $meta) (i32.shl (local.get $s) (i32.const 2)))))
        (local.set $res (f64.const nan))
        (if (local.get $m)
          (then
            (if (i32.eqz (local.get $stat))
              (then
                ;; median: the middle value, or (buf[mid] + buf[mid − 1]) / 2
                (local.set $mid (i32.shr_u (local.get $m) (i32.const 1)))
                (local.set $res (f64.load (i32.add (local.get $buf) (i32.shl (local.get $mid) (i32.const 3)))))
                (if (i32.eqz (i32.and (local.get $m) (i32.const 1)))
                  (then (local.set $res (f64.div
                    (f64.add (local.get $res) (f64.load (i32.add (local.get $buf) (i32.shl (i32.sub (local.get $mid) (i32.const 1)) (i32.const 3)))))
                    (f64.const 2)))))))
            (if (i32.eq (local.get $stat) (i32.const 1))
              (then
                ;; quantile q: pos = q·(m − 1), lo + (hi − lo)·(pos − floor(pos)) between the two values around it
                (local.set $res (f64.load (local.get $buf)))
                (if (i32.gt_s (local.get $m) (i32.const 1))
                  (then
                    (local.set $pos (f64.mul
                      (f64.load offset=32 (i32.add (local.get $meta) (i32.shl (local.get $s) (i32.const 3))))
                      (f64.convert_i32_s (i32.sub (local.get $m) (i32.const 1)))))
                    (local.set $idx (i32.trunc_f64_s (f64.floor (local.get $pos))))
                    (local.set $lo (f64.load (i32.add (local.get $buf) (i32.shl (local.get $idx) (i32.const 3)))))
                    (local.set $res (local.get $lo))
                    (if (f64.ne (local.get $pos) (f64.convert_i32_s (local.get $idx)))
                      (then (local.set $res (f64.add (local.get $lo)
                        (f64.mul
                          (f64.sub (f64.load offset=8 (i32.add (local.get $buf) (i32.shl (local.get $idx) (i32.const 3)))) (local.get $lo))
                          (f64.sub (local.get $pos) (f64.convert_i32_s (local.get $idx))))))))))))
            (if (i32.eq (local.get $stat) (i32.const 2))
              (then
                ;; rank of today's value: the mean of its equals' ranks (v sits after them), over m
                (if (i32.ge_s (local.get $at) (i32.const 0))
                  (then
                    (local.set $below (call $less (local.get $buf) (local.get $m) (local.get $v)))
                    (local.set $res (f64.div
                      (f64.div (f64.convert_i32_s (i32.add (i32.add (local.get $below) (i32.const 1)) (i32.add (local.get $at) (i32.const 1)))) (f64.const 2))
                      (f64.convert_i32_s (local.get $m))))))))))
        (f64.store (i32.add (i32.mul (i32.add (local.get $s) (i32.const 1)) (local.get $c8)) (i32.shl (local.get $r) (i32.const 3))) (local.get $res))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $stat)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $step)))
  )
)
