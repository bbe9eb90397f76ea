;; The filter gradient's transposed im2col matrix (see transposedPatches in ../wasmTraining.ts),
;; built straight from channels-last x on TF.js's wasm heap (imported memory, no copies).
;; Hand-written: the JavaScript route first transposes x to channel-major planes and then copies
;; rows (one value at a time for strided convs, about a nanosecond each); here four pixels of
;; four channels are loaded as four vectors, transposed in registers and stored to four rows, so
;; x is read once per filter tap and never transposed as a whole.
;;
;; The build (build.ts) also emits a copy importing a shared memory (TF.js's threaded build):
;; the import line below must stay exactly as it is.
(module
  (import "env" "memory" (memory 1))

  ;; count zeros from byte offset at in each of `rows` rows rowBytes apart: the padding columns
  ;; at either end of a line (none or one for 'same' 3x3 convs)
  (func $zeroColumns (param $at i32) (param $count i32) (param $rowBytes i32) (param $rows i32)
    (local $end i32) (local $row i32)
    (local.set $end (i32.add (local.get $at) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $columns
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $row (i32.const 0))
        (loop $rows
          (f32.store
            (i32.add (local.get $at) (i32.mul (local.get $row) (local.get $rowBytes)))
            (f32.const 0))
          (local.set $row (i32.add (local.get $row) (i32.const 1)))
          (br_if $rows (i32.lt_u (local.get $row) (local.get $rows))))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (br $columns))))

  ;; The rows (kh, kw, ci) for ci in [0, channels) of one filter tap (kh, kw), for images
  ;; [0, images) of x ([images, height, width, channels]): row ci starts at out + ci * columns * 4
  ;; and holds, at column (n, oy, ox), x[n, oy*sy + offsetY, ox*sx + offsetX, ci] for oy in
  ;; [firstOy, lastOy] and ox in [firstOx, lastOx] (inside the image), zero elsewhere.
  ;; Four rows (channels) at a time from start to end: rows lie a power of two bytes apart, so
  ;; writing more of them at once makes them fight over the same L1 cache sets.
  (func (export "tapRows")
    (param $out i32) (param $x i32) (param $images i32) (param $channels i32)
    (param $height i32) (param $width i32) (param $outHeight i32) (param $outWidth i32)
    (param $strideY i32) (param $strideX i32) (param $offsetY i32) (param $offsetX i32)
    (param $firstOy i32) (param $lastOy i32) (param $firstOx i32) (param $lastOx i32)
    (param $columns i32)
    (local $rowBytes i32) (local $stepX i32) (local $groups i32) (local $rows i32)
    (local $n i32) (local $oy i32) (local $ox i32) (local $c i32)
    (local $p i32) (local $dst i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $rowBytes (i32.shl (local.get $columns) (i32.const 2)))
    (local.set $stepX
      (i32.shl (i32.mul (local.get $strideX) (local.get $channels)) (i32.const 2)))
    (local.set $groups (i32.and (local.get $channels) (i32.const -4)))
    (block $channelsDone
      (loop $channel
        (br_if $channelsDone (i32.ge_u (local.get $c) (local.get $channels)))
        ;; four rows while a whole group of four channels is left, then one
        (local.set $rows
          (select (i32.const 4) (i32.const 1) (i32.lt_u (local.get $c) (local.get $groups))))
        (local.set $n (i32.const 0))
        (block $imagesDone
          (loop $images
            (br_if $imagesDone (i32.ge_u (local.get $n) (local.get $images)))
            (local.set $oy (i32.const 0))
            (block $linesDone
              (loop $lines
                (br_if $linesDone (i32.ge_s (local.get $oy) (local.get $outHeight)))
                ;; column (n, oy, 0) of row c
                (local.set $dst
                  (i32.add
                    (i32.add (local.get $out) (i32.mul (local.get $c) (local.get $rowBytes)))
                    (i32.shl
                      (i32.mul
                        (i32.add (i32.mul (local.get $n) (local.get $outHeight)) (local.get $oy))
                        (local.get $outWidth))
                      (i32.const 2))))
                (if (i32.or (i32.lt_s (local.get $oy) (local.get $firstOy))
                      (i32.gt_s (local.get $oy) (local.get $lastOy)))
                  (then
                    ;; a line of padding
                    (call $zeroColumns (local.get $dst) (local.get $outWidth) (local.get $rowBytes)
                      (local.get $rows)))
                  (else
                    ;; x at pixel (n, oy*sy + offsetY, firstOx*sx + offsetX), channel c
                    (local.set $p
                      (i32.add (local.get $x)
                        (i32.shl
                          (i32.add
                            (i32.mul
                              (i32.add
                                (i32.mul
                                  (i32.add (i32.mul (local.get $n) (local.get $height))
                                    (i32.add (i32.mul (local.get $oy) (local.get $strideY))
                                      (local.get $offsetY)))
                                  (local.get $width))
                                (i32.add (i32.mul (local.get $firstOx) (local.get $strideX))
                                  (local.get $offsetX)))
                              (local.get $channels))
                            (local.get $c))
                          (i32.const 2))))
                    (call $zeroColumns (local.get $dst) (local.get $firstOx) (local.get $rowBytes)
                      (local.get $rows))
                    (local.set $dst
                      (i32.add (local.get $dst) (i32.shl (local.get $firstOx) (i32.const 2))))
                    (local.set $ox (local.get $firstOx))
                    (if (i32.eq (local.get $rows) (i32.const 4))
                      (then
                        ;; four pixels a turn: four vectors of four channels, transposed
                        (block $quadsDone
                          (loop $quads
                            (br_if $quadsDone
                              (i32.gt_s (i32.add (local.get $ox) (i32.const 3)) (local.get $lastOx)))
                            (local.set $r0 (v128.load (local.get $p)))
                            (local.set $r1 (v128.load (i32.add (local.get $p) (local.get $stepX))))
                            (local.set $r2
                              (v128.load
                                (i32.add (local.get $p) (i32.shl (local.get $stepX) (i32.const 1)))))
                            (local.set $r3
                              (v128.load
                                (i32.add (local.get $p) (i32.mul (local.get $stepX) (i32.const 3)))))
                            (local.set $t0
                              (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
                                (local.get $r0) (local.get $r1)))
                            (local.set $t1
                              (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23
                                (local.get $r2) (local.get $r3)))
                            (local.set $t2
                              (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
                                (local.get $r0) (local.get $r1)))
                            (local.set $t3
                              (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31
                                (local.get $r2) (local.get $r3)))
                            (v128.store (local.get $dst)
                              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                                (local.get $t0) (local.get $t1)))
                            (v128.store (i32.add (local.get $dst) (local.get $rowBytes))
                              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31
                                (local.get $t0) (local.get $t1)))
                            (v128.store
                              (i32.add (local.get $dst) (i32.shl (local.get $rowBytes) (i32.const 1)))
                              (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
                                (local.get $t2) (local.get $t3)))
                            (v128.store
                              (i32.add (local.get $dst) (i32.mul (local.get $rowBytes) (i32.const 3)))
                              (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31
                                (local.get $t2) (local.get $t3)))
                            (local.set $p
                              (i32.add (local.get $p) (i32.shl (local.get $stepX) (i32.const 2))))
                            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
                            (local.set $ox (i32.add (local.get $ox) (i32.const 4)))
                            (br $quads)))
                        ;; the last one to three pixels
                        (block $restDone
                          (loop $rest
                            (br_if $restDone (i32.gt_s (local.get $ox) (local.get $lastOx)))
                            (f32.store (local.get $dst) (f32.load (local.get $p)))
                            (f32.store (i32.add (local.get $dst) (local.get $rowBytes))
                              (f32.load offset=4 (local.get $p)))
                            (f32.store
                              (i32.add (local.get $dst) (i32.shl (local.get $rowBytes) (i32.const 1)))
                              (f32.load offset=8 (local.get $p)))
                            (f32.store
                              (i32.add (local.get $dst) (i32.mul (local.get $rowBytes) (i32.const 3)))
                              (f32.load offset=12 (local.get $p)))
                            (local.set $p (i32.add (local.get $p) (local.get $stepX)))
                            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
                            (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                            (br $rest))))
                      (else
                        ;; one of the C mod 4 leftover channels
                        (block $valuesDone
                          (loop $values
                            (br_if $valuesDone (i32.gt_s (local.get $ox) (local.get $lastOx)))
                            (f32.store (local.get $dst) (f32.load (local.get $p)))
                            (local.set $p (i32.add (local.get $p) (local.get $stepX)))
                            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
                            (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                            (br $values)))))
                    (call $zeroColumns (local.get $dst)
                      (i32.sub (i32.sub (local.get $outWidth) (local.get $lastOx)) (i32.const 1))
                      (local.get $rowBytes) (local.get $rows))))
                (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
                (br $lines)))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $images)))
        (local.set $c (i32.add (local.get $c) (local.get $rows)))
        (br $channel))))
)
