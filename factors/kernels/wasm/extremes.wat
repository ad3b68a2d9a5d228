;; Rolling extremes — what scanExtreme in ../order-deque.ts writes (the extreme itself, the days
;; since it, qlib's IdxMax/IdxMin position), the same numbers, by van Herk / Gil-Werman blocks
;; instead of a monotonic deque: the series is cut into blocks of w days; a window is a suffix of
;; the previous block and a prefix of its own; running extremes over each prefix (oldest first) and
;; each suffix (latest first) are kept with selects, so no step waits on a branch the predictor
;; misses (the deque's pops did, once a step). Ties go to the OLDEST extreme, as the deque's front:
;; a prefix takes a later value only when greater, a suffix an earlier one when not smaller, and
;; the suffix (older) wins a tie between the two. Invalid values are −∞ keys; a window whose extreme
;; is −∞ holds no valid value. Assembled by bin/build-wasm.mjs into extremes-wasm.ts; the
;; JavaScript scan stays the definition (QUANTA_NO_WASM=1 runs it).
;;
;; Memory (the caller's, made for series of up to `cap` days; c8 = 8·cap bytes): X f64 @0 (the
;; series), OUT_e @(1 + e)·c8 for the outputs e < 4, KEY f64 @5·c8 (sign·x, −∞ where invalid),
;; NEXTNAN i32 @6·c8 (the first invalid day at or after each day; len where none), PREFIX f64 @7·c8
;; and its day i32 @8·c8, SUFFIX f64 @9·c8 and its day i32 @10·c8, EMITS i32[4] @11·c8 (0 value,
;; 1 days since + PLUS, 2 qlib position), PLUS f64[4] @11·c8 + 16.
(module
  (import "env" "memory" (memory 1))

  ;; run(len, w, sign, nOut, c8): for r < len, windows of w days (1 ≤ w ≤ len) counting today and
  ;; never reaching before 0; sign 1 tracks the maximum, −1 the minimum (the outputs read x itself).
  (func (export "run") (param $len i32) (param $w i32) (param $sign f64) (param $nOut i32) (param $c8 i32)
    (local $r i32) (local $v f64) (local $k f64) (local $best f64) (local $bi i32) (local $gt i32)
    (local $b0 i32) (local $b1 i32) (local $lo i32) (local $idx i32) (local $s f64) (local $e i32)
    (local $emit i32) (local $res f64) (local $nan i32) (local $next i32)
    (local $key i32) (local $nn i32) (local $pv i32) (local $pi i32) (local $sv i32) (local $si i32) (local $meta i32)
    (local.set $key (i32.mul (local.get $c8) (i32.const 5)))
    (local.set $nn (i32.mul (local.get $c8) (i32.const 6)))
    (local.set $pv (i32.mul (local.get $c8) (i32.const 7)))
    (local.set $pi (i32.shl (local.get $c8) (i32.const 3)))
    (local.set $sv (i32.mul (local.get $c8) (i32.const 9)))
    (local.set $si (i32.mul (local.get $c8) (i32.const 10)))
    (local.set $meta (i32.mul (local.get $c8) (i32.const 11)))
    ;; keys, and (latest first) the next invalid day
    (local.set $next (local.get $len))
    (local.set $r (local.get $len))
    (block $done (loop $back
      (br_if $done (i32.le_s (local.get $r) (i32.const 0)))
      (local.set $r (i32.sub (local.get $r) (i32.const 1)))
      (local.set $v (f64.load (i32.shl (local.get $r) (i32.const 3))))
      (local.set $gt (f64.eq (f64.sub (local.get $v) (local.get $v)) (f64.const 0)))
      (f64.store (i32.add (local.get $key) (i32.shl (local.get $r) (i32.const 3)))
        (select (f64.mul (local.get $sign) (local.get $v)) (f64.const -inf) (local.get $gt)))
      (local.set $next (select (local.get $next) (local.get $r) (local.get $gt)))
      (i32.store (i32.add (local.get $nn) (i32.shl (local.get $r) (i32.const 2))) (local.get $next))
      (br $back)))
    ;; each block's running extremes: prefixes oldest first (a later value only when greater),
    ;; suffixes latest first (an earlier one when not smaller)
    (local.set $b0 (i32.const 0))
    (block $blocks (loop $block
      (br_if $blocks (i32.ge_s (local.get $b0) (local.get $len)))
      (local.set $b1 (select (i32.add (local.get $b0) (local.get $w)) (local.get $len)
        (i32.lt_s (i32.add (local.get $b0) (local.get $w)) (local.get $len))))
      (local.set $best (f64.const -inf))
      (local.set $bi (local.get $b0))
      (local.set $r (local.get $b0))
      (loop $prefix
        (local.set $k (f64.load (i32.add (local.get $key) (i32.shl (local.get $r) (i32.const 3)))))
        (local.set $gt (f64.gt (local.get $k) (local.get $best)))
        (local.set $best (select (local.get $k) (local.get $best) (local.get $gt)))
        (local.set $bi (select (local.get $r) (local.get $bi) (local.get $gt)))
        (f64.store (i32.add (local.get $pv) (i32.shl (local.get $r) (i32.const 3))) (local.get $best))
        (i32.store (i32.add (local.get $pi) (i32.shl (local.get $r) (i32.const 2))) (local.get $bi))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $prefix (i32.lt_s (local.get $r) (local.get $b1))))
      (local.set $best (f64.const -inf))
      (local.set $bi (i32.sub (local.get $b1) (i32.const 1)))
      (local.set $r (local.get $b1))
      (loop $suffix
        (local.set $r (i32.sub (local.get $r) (i32.const 1)))
        (local.set $k (f64.load (i32.add (local.get $key) (i32.shl (local.get $r) (i32.const 3)))))
        (local.set $gt (f64.ge (local.get $k) (local.get $best)))
        (local.set $best (select (local.get $k) (local.get $best) (local.get $gt)))
        (local.set $bi (select (local.get $r) (local.get $bi) (local.get $gt)))
        (f64.store (i32.add (local.get $sv) (i32.shl (local.get $r) (i32.const 3))) (local.get $best))
        (i32.store (i32.add (local.get $si) (i32.shl (local.get $r) (i32.const 2))) (local.get $bi))
        (br_if $suffix (i32.gt_s (local.get $r) (local.get $b0))))
      (local.set $b0 (local.get $b1))
      (br $block)))
    ;; each window: its block's prefix, merged with the previous block's suffix when it starts there
    (local.set $r (i32.const 0))
    (block $done (loop $day
      (br_if $done (i32.ge_s (local.get $r) (local.get $len)))
      (local.set $lo (select (i32.add (i32.sub (local.get $r) (local.get $w)) (i32.const 1)) (i32.const 0)
        (i32.gt_s (i32.add (i32.sub (local.get $r) (local.get $w)) (i32.const 1)) (i32.const 0))))
      (local.set $best (f64.load (i32.add (local.get $pv) (i32.shl (local.get $r) (i32.const 3)))))
      (local.set $idx (i32.load (i32.add (local.get $pi) (i32.shl (local.get $r) (i32.const 2)))))
      (if (i32.rem_s (local.get $lo) (local.get $w))
        (then
          (local.set $s (f64.load (i32.add (local.get $sv) (i32.shl (local.get $lo) (i32.const 3)))))
          (local.set $gt (f64.ge (local.get $s) (local.get $best)))
          (local.set $best (select (local.get $s) (local.get $best) (local.get $gt)))
          (local.set $idx (select (i32.load (i32.add (local.get $si) (i32.shl (local.get $lo) (i32.const 2)))) (local.get $idx) (local.get $gt)))))
      (local.set $nan (i32.load (i32.add (local.get $nn) (i32.shl (local.get $lo) (i32.const 2)))))
      (local.set $e (i32.const 0))
      (block $outs (loop $out
        (br_if $outs (i32.ge_s (local.get $e) (local.get $nOut)))
        (local.set $emit (i32.load (i32.add (local.get $meta) (i32.shl (local.get $e) (i32.const 2)))))
        (local.set $res (f64.const nan))
        (if (f64.ne (local.get $best) (f64.const -inf))
          (then
            (if (i32.eqz (local.get $emit))
              (then (local.set $res (f64.load (i32.shl (local.get $idx) (i32.const 3)))))
              (else
                (if (i32.eq (local.get $emit) (i32.const 1))
                  (then (local.set $res (f64.add
                    (f64.convert_i32_s (i32.sub (local.get $r) (local.get $idx)))
                    (f64.load offset=16 (i32.add (local.get $meta) (i32.shl (local.get $e) (i32.const 3)))))))
                  ;; qlib: the oldest invalid day's position when the window holds one
                  (else (local.set $res (f64.convert_i32_s (i32.add (i32.sub
                    (select (local.get $nan) (local.get $idx) (i32.le_s (local.get $nan) (local.get $r)))
                    (local.get $lo)) (i32.const 1))))))))))
        (f64.store (i32.add (i32.mul (i32.add (local.get $e) (i32.const 1)) (local.get $c8)) (i32.shl (local.get $r) (i32.const 3))) (local.get $res))
        (local.set $e (i32.add (local.get $e) (i32.const 1)))
        (br $out)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $day)))
  )
)
