;; Batch-norm loops for TF.js's wasm backend, with 128-bit SIMD, run directly on the backend's heap
;; (this module imports its memory: no copies in or out). Channels-last activations keep a
;; pixel's C channels contiguous, so four channels go in one vector. Hand-written: the backend's
;; own wasm has no training-mode batch norm, and the JavaScript loops this replaces run at about a
;; nanosecond per value per array; a C toolchain is not part of this project's build.
;;
;; Every loop walks a block of BLOCK pixels one group of four channels at a time (then the C mod 4
;; leftover channels one at a time), so a group's constants and accumulators stay in registers
;; while the block stays in the L1 cache. Pointers are byte offsets into the heap; per-channel
;; constants are float32 arrays of C values, sums are float64 arrays.
;;
;; The build (build.ts) also emits a copy of this module importing a shared memory, for TF.js's
;; threaded build: the import line below must stay exactly as it is.
(module
  (import "env" "memory" (memory 1))

  ;; Sums per channel of u = a - ca[c] and of u * (b - cb[c]):
  ;; out[c] += sum(u), out[channels + c] += sum(u * v). The caller centres a and b near their
  ;; means, so float32 sums over one block lose nothing that matters; the block sums are added
  ;; in float64.
  (func (export "moments")
    (param $a i32) (param $ca i32) (param $b i32) (param $cb i32)
    (param $pixels i32) (param $channels i32) (param $out i32)
    (local $stride i32) (local $groups i32) (local $first i32) (local $count i32)
    (local $c i32) (local $pa i32) (local $pb i32) (local $end i32) (local $at i32)
    (local $vca v128) (local $vcb v128) (local $u v128) (local $w v128)
    (local $s0 v128) (local $s1 v128) (local $q0 v128) (local $q1 v128)
    (local $fca f32) (local $fcb f32) (local $fu f32) (local $fs f32) (local $fq f32)
    (local.set $stride (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $groups (i32.and (local.get $channels) (i32.const -4)))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $first) (local.get $pixels)))
        (local.set $count (i32.sub (local.get $pixels) (local.get $first)))
        (if (i32.gt_u (local.get $count) (i32.const 32))
          (then (local.set $count (i32.const 32))))
        ;; groups of four channels
        (local.set $c (i32.const 0))
        (block $groupsDone
          (loop $group
            (br_if $groupsDone (i32.ge_u (local.get $c) (local.get $groups)))
            (local.set $at
              (i32.shl
                (i32.add (i32.mul (local.get $first) (local.get $channels)) (local.get $c))
                (i32.const 2)))
            (local.set $pa (i32.add (local.get $a) (local.get $at)))
            (local.set $pb (i32.add (local.get $b) (local.get $at)))
            (local.set $end
              (i32.add (local.get $pa) (i32.mul (local.get $count) (local.get $stride))))
            (local.set $vca (v128.load (i32.add (local.get $ca) (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $vcb (v128.load (i32.add (local.get $cb) (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $s0 (v128.const i32x4 0 0 0 0))
            (local.set $s1 (v128.const i32x4 0 0 0 0))
            (local.set $q0 (v128.const i32x4 0 0 0 0))
            (local.set $q1 (v128.const i32x4 0 0 0 0))
            ;; two pixels a turn into two pairs of sums: one add chain would wait on its latency
            (block $pairsDone
              (loop $pair
                (br_if $pairsDone
                  (i32.ge_u (i32.add (local.get $pa) (local.get $stride)) (local.get $end)))
                (local.set $u (f32x4.sub (v128.load (local.get $pa)) (local.get $vca)))
                (local.set $s0 (f32x4.add (local.get $s0) (local.get $u)))
                (local.set $q0
                  (f32x4.add (local.get $q0)
                    (f32x4.mul (local.get $u)
                      (f32x4.sub (v128.load (local.get $pb)) (local.get $vcb)))))
                (local.set $w
                  (f32x4.sub
                    (v128.load (i32.add (local.get $pa) (local.get $stride))) (local.get $vca)))
                (local.set $s1 (f32x4.add (local.get $s1) (local.get $w)))
                (local.set $q1
                  (f32x4.add (local.get $q1)
                    (f32x4.mul (local.get $w)
                      (f32x4.sub
                        (v128.load (i32.add (local.get $pb) (local.get $stride)))
                        (local.get $vcb)))))
                (local.set $pa (i32.add (local.get $pa) (i32.shl (local.get $stride) (i32.const 1))))
                (local.set $pb (i32.add (local.get $pb) (i32.shl (local.get $stride) (i32.const 1))))
                (br $pair)))
            (if (i32.lt_u (local.get $pa) (local.get $end))
              (then
                (local.set $u (f32x4.sub (v128.load (local.get $pa)) (local.get $vca)))
                (local.set $s0 (f32x4.add (local.get $s0) (local.get $u)))
                (local.set $q0
                  (f32x4.add (local.get $q0)
                    (f32x4.mul (local.get $u)
                      (f32x4.sub (v128.load (local.get $pb)) (local.get $vcb)))))))
            (local.set $s0 (f32x4.add (local.get $s0) (local.get $s1)))
            (local.set $q0 (f32x4.add (local.get $q0) (local.get $q1)))
            ;; float64 totals: lanes 0-1, then lanes 2-3
            (local.set $at (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 3))))
            (v128.store (local.get $at)
              (f64x2.add (v128.load (local.get $at)) (f64x2.promote_low_f32x4 (local.get $s0))))
            (v128.store offset=16 (local.get $at)
              (f64x2.add (v128.load offset=16 (local.get $at))
                (f64x2.promote_low_f32x4
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                    (local.get $s0) (local.get $s0)))))
            (local.set $at (i32.add (local.get $at) (i32.shl (local.get $channels) (i32.const 3))))
            (v128.store (local.get $at)
              (f64x2.add (v128.load (local.get $at)) (f64x2.promote_low_f32x4 (local.get $q0))))
            (v128.store offset=16 (local.get $at)
              (f64x2.add (v128.load offset=16 (local.get $at))
                (f64x2.promote_low_f32x4
                  (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7
                    (local.get $q0) (local.get $q0)))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $group)))
        ;; the C mod 4 leftover channels, one at a time
        (block $leftoverDone
          (loop $leftover
            (br_if $leftoverDone (i32.ge_u (local.get $c) (local.get $channels)))
            (local.set $at
              (i32.shl
                (i32.add (i32.mul (local.get $first) (local.get $channels)) (local.get $c))
                (i32.const 2)))
            (local.set $pa (i32.add (local.get $a) (local.get $at)))
            (local.set $pb (i32.add (local.get $b) (local.get $at)))
            (local.set $end
              (i32.add (local.get $pa) (i32.mul (local.get $count) (local.get $stride))))
            (local.set $fca (f32.load (i32.add (local.get $ca) (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $fcb (f32.load (i32.add (local.get $cb) (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $fs (f32.const 0))
            (local.set $fq (f32.const 0))
            (loop $pixel
              (local.set $fu (f32.sub (f32.load (local.get $pa)) (local.get $fca)))
              (local.set $fs (f32.add (local.get $fs) (local.get $fu)))
              (local.set $fq
                (f32.add (local.get $fq)
                  (f32.mul (local.get $fu)
                    (f32.sub (f32.load (local.get $pb)) (local.get $fcb)))))
              (local.set $pa (i32.add (local.get $pa) (local.get $stride)))
              (local.set $pb (i32.add (local.get $pb) (local.get $stride)))
              (br_if $pixel (i32.lt_u (local.get $pa) (local.get $end))))
            (local.set $at (i32.add (local.get $out) (i32.shl (local.get $c) (i32.const 3))))
            (f64.store (local.get $at)
              (f64.add (f64.load (local.get $at)) (f64.promote_f32 (local.get $fs))))
            (local.set $at (i32.add (local.get $at) (i32.shl (local.get $channels) (i32.const 3))))
            (f64.store (local.get $at)
              (f64.add (f64.load (local.get $at)) (f64.promote_f32 (local.get $fq))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $leftover)))
        (local.set $first (i32.add (local.get $first) (local.get $count)))
        (br $blocks))))

  ;; out = (a - ca[c]) * ka[c] + m[c]: the forward normalisation (a = x centred near its mean,
  ;; so the float32 subtraction is exact where the values sit far from zero).
  (func (export "scaleShift")
    (param $out i32) (param $a i32) (param $ca i32) (param $ka i32) (param $m i32)
    (param $pixels i32) (param $channels i32)
    (local $stride i32) (local $groups i32) (local $first i32) (local $count i32)
    (local $c i32) (local $at i32) (local $pa i32) (local $po i32) (local $end i32)
    (local $vca v128) (local $vka v128) (local $vm v128)
    (local $fca f32) (local $fka f32) (local $fm f32)
    (local.set $stride (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $groups (i32.and (local.get $channels) (i32.const -4)))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $first) (local.get $pixels)))
        (local.set $count (i32.sub (local.get $pixels) (local.get $first)))
        (if (i32.gt_u (local.get $count) (i32.const 32))
          (then (local.set $count (i32.const 32))))
        (local.set $c (i32.const 0))
        (block $groupsDone
          (loop $group
            (br_if $groupsDone (i32.ge_u (local.get $c) (local.get $groups)))
            (local.set $at
              (i32.shl
                (i32.add (i32.mul (local.get $first) (local.get $channels)) (local.get $c))
                (i32.const 2)))
            (local.set $pa (i32.add (local.get $a) (local.get $at)))
            (local.set $po (i32.add (local.get $out) (local.get $at)))
            (local.set $end
              (i32.add (local.get $pa) (i32.mul (local.get $count) (local.get $stride))))
            (local.set $at (i32.shl (local.get $c) (i32.const 2)))
            (local.set $vca (v128.load (i32.add (local.get $ca) (local.get $at))))
            (local.set $vka (v128.load (i32.add (local.get $ka) (local.get $at))))
            (local.set $vm (v128.load (i32.add (local.get $m) (local.get $at))))
            (loop $pixel
              (v128.store (local.get $po)
                (f32x4.add
                  (f32x4.mul (f32x4.sub (v128.load (local.get $pa)) (local.get $vca))
                    (local.get $vka))
                  (local.get $vm)))
              (local.set $pa (i32.add (local.get $pa) (local.get $stride)))
              (local.set $po (i32.add (local.get $po) (local.get $stride)))
              (br_if $pixel (i32.lt_u (local.get $pa) (local.get $end))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $group)))
        (block $leftoverDone
          (loop $leftover
            (br_if $leftoverDone (i32.ge_u (local.get $c) (local.get $channels)))
            (local.set $at
              (i32.shl
                (i32.add (i32.mul (local.get $first) (local.get $channels)) (local.get $c))
                (i32.const 2)))
            (local.set $pa (i32.add (local.get $a) (local.get $at)))
            (local.set $po (i32.add (local.get $out) (local.get $at)))
            (local.set $end
              (i32.add (local.get $pa) (i32.mul (local.get $count) (local.get $stride))))
            (local.set $at (i32.shl (local.get $c) (i32.const 2)))
            (local.set $fca (f32.load (i32.add (local.get $ca) (local.get $at))))
            (local.set $fka (f32.load (i32.add (local.get $ka) (local.get $at))))
            (local.set $fm (f32.load (i32.add (local.get $m) (local.get $at))))
            (loop $pixel
              (f32.store (local.get $po)
                (f32.add
                  (f32.mul (f32.sub (f32.load (local.get $pa)) (local.get $fca)) (local.get $fka))
                  (local.get $fm)))
              (local.set $pa (i32.add (local.get $pa) (local.get $stride)))
              (local.set $po (i32.add (local.get $po) (local.get $stride)))
              (br_if $pixel (i32.lt_u (local.get $pa) (local.get $end))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $leftover)))
        (local.set $first (i32.add (local.get $first) (local.get $count)))
        (br $blocks))))

  ;; out = a * ka[c] + (b - cb[c]) * kb[c] + m[c]: the backward pass's input gradient
  ;; (a = dy, b = x centred on its batch mean).
  (func (export "scaleShift2")
    (param $out i32) (param $a i32) (param $ka i32) (param $b i32) (param $cb i32) (param $kb i32)
    (param $m i32) (param $pixels i32) (param $channels i32)
    (local $stride i32) (local $groups i32) (local $first i32) (local $count i32)
    (local $c i32) (local $at i32) (local $pa i32) (local $pb i32) (local $po i32) (local $end i32)
    (local $vka v128) (local $vcb v128) (local $vkb v128) (local $vm v128)
    (local $fka f32) (local $fcb f32) (local $fkb f32) (local $fm f32)
    (local.set $stride (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $groups (i32.and (local.get $channels) (i32.const -4)))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $first) (local.get $pixels)))
        (local.set $count (i32.sub (local.get $pixels) (local.get $first)))
        (if (i32.gt_u (local.get $count) (i32.const 32))
          (then (local.set $count (i32.const 32))))
        (local.set $c (i32.const 0))
        (block $groupsDone
          (loop $group
            (br_if $groupsDone (i32.ge_u (local.get $c) (local.get $groups)))
            (local.set $at
              (i32.shl
                (i32.add (i32.mul (local.get $first) (local.get $channels)) (local.get $c))
                (i32.const 2)))
            (local.set $pa (i32.add (local.get $a) (local.get $at)))
            (local.set $pb (i32.add (local.get $b) (local.get $at)))
            (local.set $po (i32.add (local.get $out) (local.get $at)))
            (local.set $end
              (i32.add (local.get $pa) (i32.mul (local.get $count) (local.get $stride))))
            (local.set $at (i32.shl (local.get $c) (i32.const 2)))
            (local.set $vka (v128.load (i32.add (local.get $ka) (local.get $at))))
            (local.set $vcb (v128.load (i32.add (local.get $cb) (local.get $at))))
            (local.set $vkb (v128.load (i32.add (local.get $kb) (local.get $at))))
            (local.set $vm (v128.load (i32.add (local.get $m) (local.get $at))))
            (loop $pixel
              (v128.store (local.get $po)
                (f32x4.add
                  (f32x4.add
                    (f32x4.mul (v128.load (local.get $pa)) (local.get $vka))
                    (f32x4.mul (f32x4.sub (v128.load (local.get $pb)) (local.get $vcb))
                      (local.get $vkb)))
                  (local.get $vm)))
              (local.set $pa (i32.add (local.get $pa) (local.get $stride)))
              (local.set $pb (i32.add (local.get $pb) (local.get $stride)))
              (local.set $po (i32.add (local.get $po) (local.get $stride)))
              (br_if $pixel (i32.lt_u (local.get $pa) (local.get $end))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $group)))
        (block $leftoverDone
          (loop $leftover
            (br_if $leftoverDone (i32.ge_u (local.get $c) (local.get $channels)))
            (local.set $at
              (i32.shl
                (i32.add (i32.mul (local.get $first) (local.get $channels)) (local.get $c))
                (i32.const 2)))
            (local.set $pa (i32.add (local.get $a) (local.get $at)))
            (local.set $pb (i32.add (local.get $b) (local.get $at)))
            (local.set $po (i32.add (local.get $out) (local.get $at)))
            (local.set $end
              (i32.add (local.get $pa) (i32.mul (local.get $count) (local.get $stride))))
            (local.set $at (i32.shl (local.get $c) (i32.const 2)))
            (local.set $fka (f32.load (i32.add (local.get $ka) (local.get $at))))
            (local.set $fcb (f32.load (i32.add (local.get $cb) (local.get $at))))
            (local.set $fkb (f32.load (i32.add (local.get $kb) (local.get $at))))
            (local.set $fm (f32.load (i32.add (local.get $m) (local.get $at))))
            (loop $pixel
              (f32.store (local.get $po)
                (f32.add
                  (f32.add
                    (f32.mul (f32.load (local.get $pa)) (local.get $fka))
                    (f32.mul (f32.sub (f32.load (local.get $pb)) (local.get $fcb)) (local.get $fkb)))
                  (local.get $fm)))
              (local.set $pa (i32.add (local.get $pa) (local.get $stride)))
              (local.set $pb (i32.add (local.get $pb) (local.get $stride)))
              (local.set $po (i32.add (local.get $po) (local.get $stride)))
              (br_if $pixel (i32.lt_u (local.get $pa) (local.get $end))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $leftover)))
        (local.set $first (i32.add (local.get $first) (local.get $count)))
        (br $blocks))))
)
