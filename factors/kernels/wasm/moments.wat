;; Rolling mean, variance, std, z-score and band of one series, and its window sums —
;; moments2MultiInto, blockMean and blockSum in ../moments.ts (the block scheme: each window a suffix of the previous n-day block and a prefix of
;; its own, each part summed around its first valid point, merged with Chan's formula; the mean as
;; the window's minimum plus Σ(x − min)/count) with the same operations in the same order, so the
;; same bits. Assembled by bin/build-wasm.mjs into moments-wasm.ts; the JavaScript kernels stay the
;; definition (QUANTA_NO_WASM=1 runs them).
;;
;; Memory (the caller's, made for series of up to `cap` days; c8 = 8·cap bytes): X f64 @0 (the
;; series), the outputs MEAN, VAR, STD, Z, BAND @c8 … 5·c8, then the suffix parts, one entry per
;; day of a block: count @6·c8, anchor @7·c8, mean offset @8·c8, central sum of squares @9·c8,
;; minimum @10·c8, Σ(x − anchor) @11·c8 (`sum`: its suffix sums @7·c8, i32 counts @6·c8). 12·c8 bytes
;; in all.
(module
  (import "env" "memory" (memory 1))

  ;; run(len, w, c8, want, k): the statistics in `want` (bit 0 mean, 1 variance, 2 std, 3 z-score,
  ;; 4 band mean + k·std) for t < len, windows of w days (1 ≤ w ≤ len) counting today and never
  ;; reaching before 0, non-finite values skipped; NaN below 1 point (mean) or 2 (the others).
  (func (export "run") (param $len i32) (param $w i32) (param $c8 i32) (param $want i32) (param $k f64)
    (local $b0 i32) (local $b1 i32) (local $base i32) (local $s i32) (local $t i32) (local $j i32)
    (local $c i32) (local $cf f64) (local $v f64) (local $d f64) (local $anchor f64) (local $s1 f64) (local $s2 f64) (local $lo f64)
    (local $m f64) (local $q f64) (local $cnt f64) (local $base0 f64) (local $off f64) (local $m2 f64)
    (local $wMin f64) (local $wSum f64) (local $c2 f64) (local $kS f64) (local $oS f64) (local $mS f64) (local $delta f64)
    (local $std f64) (local $o i32) (local $wantMean i32) (local $wantM2 i32) (local $suf i32)
    (local.set $wantMean (i32.and (local.get $want) (i32.const 1)))
    (local.set $wantM2 (i32.and (local.get $want) (i32.const 30)))
    (local.set $suf (i32.mul (local.get $c8) (i32.const 6)))
    (block $blocks (loop $block
      (br_if $blocks (i32.ge_s (local.get $b0) (local.get $len)))
      (local.set $b1 (select (i32.add (local.get $b0) (local.get $w)) (local.get $len)
        (i32.lt_s (i32.add (local.get $b0) (local.get $w)) (local.get $len))))
      (local.set $base (i32.sub (local.get $b0) (local.get $w)))
      ;; the suffixes of the previous block, latest day first
      (if (i32.gt_s (local.get $b0) (i32.const 0))
        (then
          (local.set $c (i32.const 0))
          (local.set $anchor (f64.const 0))
          (local.set $s1 (f64.const 0))
          (local.set $s2 (f64.const 0))
          (local.set $lo (f64.const inf))
          (local.set $s (i32.sub (local.get $b0) (i32.const 1)))
          (loop $suffix
            (local.set $v (f64.load (i32.shl (local.get $s) (i32.const 3))))
            (if (f64.eq (f64.sub (local.get $v) (local.get $v)) (f64.const 0))
              (then
                (if (i32.eqz (local.get $c)) (then (local.set $anchor (local.get $v))))
                (local.set $d (f64.sub (local.get $v) (local.get $anchor)))
                (local.set $s1 (f64.add (local.get $s1) (local.get $d)))
                (local.set $s2 (f64.add (local.get $s2) (f64.mul (local.get $d) (local.get $d))))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))
                (if (f64.lt (local.get $v) (local.get $lo)) (then (local.set $lo (local.get $v))))))
            ;; o: byte offset of entry j = s − base
            (local.set $o (i32.add (local.get $suf) (i32.shl (i32.sub (local.get $s) (local.get $base)) (i32.const 3))))
            (f64.store (local.get $o) (f64.convert_i32_s (local.get $c)))
            (if (local.get $c)
              (then
                (f64.store (i32.add (local.get $o) (local.get $c8)) (local.get $anchor))
                (f64.store (i32.add (local.get $o) (i32.shl (local.get $c8) (i32.const 2))) (local.get $lo))
                (f64.store (i32.add (local.get $o) (i32.mul (local.get $c8) (i32.const 5))) (local.get $s1))
                (if (local.get $wantM2)
                  (then
                    (local.set $m (f64.div (local.get $s1) (f64.convert_i32_s (local.get $c))))
                    (local.set $q (f64.sub (local.get $s2) (f64.mul (local.get $m) (local.get $s1))))
                    (f64.store (i32.add (local.get $o) (i32.shl (local.get $c8) (i32.const 1))) (local.get $m))
                    ;; nonNegative (../moments.ts): q if q > 0, 0 if q ≤ 0, +∞ if NaN
                    (f64.store (i32.add (local.get $o) (i32.mul (local.get $c8) (i32.const 3)))
                      (select (local.get $q)
                        (select (f64.const 0) (f64.const inf) (f64.le (local.get $q) (f64.const 0)))
                        (f64.gt (local.get $q) (f64.const 0))))))))
            (local.set $s (i32.sub (local.get $s) (i32.const 1)))
            (br_if $suffix (i32.ge_s (local.get $s) (local.get $base))))))
      ;; the prefixes of this block, each merged with the suffix that completes its window
      (local.set $c (i32.const 0))
      (local.set $anchor (f64.const 0))
      (local.set $s1 (f64.const 0))
      (local.set $s2 (f64.const 0))
      (local.set $lo (f64.const inf))
      (local.set $t (local.get $b0))
      (loop $prefix
        (local.set $v (f64.load (i32.shl (local.get $t) (i32.const 3))))
        (if (f64.eq (f64.sub (local.get $v) (local.get $v)) (f64.const 0))
          (then
            (if (i32.eqz (local.get $c)) (then (local.set $anchor (local.get $v))))
            (local.set $d (f64.sub (local.get $v) (local.get $anchor)))
            (local.set $s1 (f64.add (local.get $s1) (local.get $d)))
            (local.set $s2 (f64.add (local.get $s2) (f64.mul (local.get $d) (local.get $d))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (if (f64.lt (local.get $v) (local.get $lo)) (then (local.set $lo (local.get $v))))))
        (local.set $cf (f64.convert_i32_s (local.get $c)))
        (local.set $cnt (local.get $cf))
        (local.set $base0 (local.get $anchor))
        (local.set $off (f64.const 0))
        (local.set $m2 (f64.const 0))
        (local.set $wMin (local.get $lo))
        (local.set $wSum (f64.const 0))
        (if (local.get $c)
          (then
            (local.set $wSum (f64.add (local.get $s1) (f64.mul (local.get $cf) (f64.sub (local.get $anchor) (local.get $lo)))))
            (local.set $off (f64.div (local.get $s1) (local.get $cf)))
            (local.set $q (f64.sub (local.get $s2) (f64.mul (local.get $off) (local.get $s1))))
            (local.set $m2 (select (local.get $q)
              (select (f64.const 0) (f64.const inf) (f64.le (local.get $q) (f64.const 0)))
              (f64.gt (local.get $q) (f64.const 0))))))
        (local.set $s (i32.add (i32.sub (local.get $t) (local.get $w)) (i32.const 1)))
        (if (i32.and (i32.gt_s (local.get $b0) (i32.const 0)) (i32.lt_s (local.get $s) (local.get $b0)))
          (then
            (local.set $o (i32.add (local.get $suf) (i32.shl (i32.sub (local.get $s) (local.get $base)) (i32.const 3))))
            (local.set $c2 (f64.load (local.get $o)))
            (if (f64.gt (local.get $c2) (f64.const 0))
              (then
                (local.set $kS (f64.load (i32.add (local.get $o) (local.get $c8))))
                (if (local.get $wantMean)
                  (then
                    (local.set $mS (f64.load (i32.add (local.get $o) (i32.shl (local.get $c8) (i32.const 2)))))
                    (if (f64.lt (local.get $mS) (local.get $wMin))
                      (then
                        ;; re-base the prefix part's sum on the lower minimum
                        (if (local.get $c)
                          (then (local.set $wSum (f64.add (local.get $wSum) (f64.mul (local.get $cf) (f64.sub (local.get $wMin) (local.get $mS)))))))
                        (local.set $wMin (local.get $mS))))
                    (local.set $wSum (f64.add (local.get $wSum)
                      (f64.add (f64.load (i32.add (local.get $o) (i32.mul (local.get $c8) (i32.const 5))))
                               (f64.mul (local.get $c2) (f64.sub (local.get $kS) (local.get $wMin))))))))
                (if (local.get $wantM2)
                  (then
                    (local.set $oS (f64.load (i32.add (local.get $o) (i32.shl (local.get $c8) (i32.const 1)))))
                    (if (i32.eqz (local.get $c))
                      (then
                        (local.set $cnt (local.get $c2))
                        (local.set $base0 (local.get $kS))
                        (local.set $off (local.get $oS))
                        (local.set $m2 (f64.load (i32.add (local.get $o) (i32.mul (local.get $c8) (i32.const 3))))))
                      (else
                        (local.set $cnt (f64.add (local.get $cf) (local.get $c2)))
                        (local.set $delta (f64.add (f64.sub (local.get $anchor) (local.get $kS)) (f64.sub (local.get $off) (local.get $oS))))
                        (local.set $m2 (f64.add
                          (f64.add (local.get $m2) (f64.load (i32.add (local.get $o) (i32.mul (local.get $c8) (i32.const 3)))))
                          (f64.div (f64.mul (f64.mul (f64.mul (local.get $delta) (local.get $delta)) (local.get $cf)) (local.get $c2)) (local.get $cnt))))
                        (local.set $base0 (local.get $kS))
                        (local.set $off (f64.add (local.get $oS) (f64.div (f64.mul (local.get $delta) (local.get $cf)) (local.get $cnt)))))))
                  (else (local.set $cnt (f64.add (local.get $cf) (local.get $c2)))))))))
        ;; the statistics asked for (o: byte offset of day t)
        (local.set $o (i32.shl (local.get $t) (i32.const 3)))
        (if (local.get $wantMean)
          (then
            (f64.store (i32.add (local.get $o) (local.get $c8))
              (select (f64.add (local.get $wMin) (f64.div (local.get $wSum) (local.get $cnt))) (f64.const nan) (f64.gt (local.get $cnt) (f64.const 0))))))
        (if (local.get $wantM2)
          (then
            (local.set $std (select (f64.sqrt (f64.div (local.get $m2) (f64.sub (local.get $cnt) (f64.const 1)))) (f64.const nan)
              (f64.gt (local.get $cnt) (f64.const 1))))
            (if (i32.and (local.get $want) (i32.const 2))
              (then (f64.store (i32.add (local.get $o) (i32.shl (local.get $c8) (i32.const 1)))
                (select (f64.div (local.get $m2) (f64.sub (local.get $cnt) (f64.const 1))) (f64.const nan) (f64.gt (local.get $cnt) (f64.const 1))))))
            (if (i32.and (local.get $want) (i32.const 4))
              (then (f64.store (i32.add (local.get $o) (i32.mul (local.get $c8) (i32.const 3))) (local.get $std))))
            (if (i32.and (local.get $want) (i32.const 8))
              (then (f64.store (i32.add (local.get $o) (i32.shl (local.get $c8) (i32.const 2)))
                (select (f64.div (f64.sub (f64.sub (local.get $v) (local.get $base0)) (local.get $off)) (local.get $std)) (f64.const nan)
                  (i32.and (f64.eq (f64.sub (local.get $v) (local.get $v)) (f64.const 0)) (f64.gt (local.get $std) (f64.const 0)))))))
            (if (i32.and (local.get $want) (i32.const 16))
              (then (f64.store (i32.add (local.get $o) (i32.mul (local.get $c8) (i32.const 5)))
                (select (f64.add (f64.add (local.get $base0) (local.get $off)) (f64.mul (local.get $k) (local.get $std))) (f64.const nan)
                  (f64.gt (local.get $cnt) (f64.const 1))))))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br_if $prefix (i32.lt_s (local.get $t) (local.get $b1))))
      (local.set $b0 (local.get $b1))
      (br $block)))
  )
;; sum(len, w, c8): MEAN's area receives Σ of the valid values of each window of w days (NaN where
  ;; none) — blockSum in ../moments.ts: each suffix of the previous block summed latest day first,
  ;; each prefix of this one oldest first, the two added. The suffix sums go to the anchor area,
  ;; their counts to the count area.
  (func (export "sum") (param $len i32) (param $w i32) (param $c8 i32)
    (local $b0 i32) (local $b1 i32) (local $base i32) (local $s i32) (local $t i32) (local $o i32)
    (local $acc f64) (local $c i32) (local $v f64) (local $cnt i32) (local $acc2 i32)
    (local.set $cnt (i32.mul (local.get $c8) (i32.const 6)))
    (local.set $acc2 (i32.mul (local.get $c8) (i32.const 7)))
    (block $blocks (loop $block
      (br_if $blocks (i32.ge_s (local.get $b0) (local.get $len)))
      (local.set $b1 (select (i32.add (local.get $b0) (local.get $w)) (local.get $len)
        (i32.lt_s (i32.add (local.get $b0) (local.get $w)) (local.get $len))))
      (local.set $base (i32.sub (local.get $b0) (local.get $w)))
      (if (i32.gt_s (local.get $b0) (i32.const 0))
        (then
          (local.set $acc (f64.const 0))
          (local.set $c (i32.const 0))
          (local.set $s (i32.sub (local.get $b0) (i32.const 1)))
          (loop $suffix
            (local.set $v (f64.load (i32.shl (local.get $s) (i32.const 3))))
            (if (f64.eq (f64.sub (local.get $v) (local.get $v)) (f64.const 0))
              (then
                (local.set $acc (f64.add (local.get $acc) (local.get $v)))
                (local.set $c (i32.add (local.get $c) (i32.const 1)))))
            (local.set $o (i32.shl (i32.sub (local.get $s) (local.get $base)) (i32.const 3)))
            (f64.store (i32.add (local.get $acc2) (local.get $o)) (local.get $acc))
            (i32.store (i32.add (local.get $cnt) (local.get $o)) (local.get $c))
            (local.set $s (i32.sub (local.get $s) (i32.const 1)))
            (br_if $suffix (i32.ge_s (local.get $s) (local.get $base))))))
      (local.set $acc (f64.const 0))
      (local.set $c (i32.const 0))
      (local.set $t (local.get $b0))
      (loop $prefix
        (local.set $v (f64.load (i32.shl (local.get $t) (i32.const 3))))
        (if (f64.eq (f64.sub (local.get $v) (local.get $v)) (f64.const 0))
          (then
            (local.set $acc (f64.add (local.get $acc) (local.get $v)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))))
        (local.set $s (i32.add (i32.sub (local.get $t) (local.get $w)) (i32.const 1)))
        (if (i32.and (i32.gt_s (local.get $b0) (i32.const 0)) (i32.lt_s (local.get $s) (local.get $b0)))
          (then
            (local.set $o (i32.shl (i32.sub (local.get $s) (local.get $base)) (i32.const 3)))
            (f64.store (i32.add (local.get $c8) (i32.shl (local.get $t) (i32.const 3)))
              (select
                (f64.add (f64.load (i32.add (local.get $acc2) (local.get $o))) (local.get $acc))
                (f64.const nan)
                (i32.gt_s (i32.add (local.get $c) (i32.load (i32.add (local.get $cnt) (local.get $o)))) (i32.const 0)))))
          (else
            (f64.store (i32.add (local.get $c8) (i32.shl (local.get $t) (i32.const 3)))
              (select (local.get $acc) (f64.const nan) (i32.gt_s (local.get $c) (i32.const 0))))))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br_if $prefix (i32.lt_s (local.get $t) (local.get $b1))))
      (local.set $b0 (local.get $b1))
      (br $block)))
  )
)
