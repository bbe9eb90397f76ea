;; A small matrix product on the calling thread: c[i, j] = sum over k of a[i, k] * b[k, j].
;; For the factorised layers' many small products (U^T U, U diag(s) V^T and their gradients,
;; about 180 a ResNet-20 step, a few million multiply-adds each): the backend hands each to
;; XNNPACK, which packs b on every call and, on several threads, spends longer waking its pool
;; than computing (24-30 ms a batch-32 step on two threads against 9-10 on one).
;;
;; (madd a b c) is a*b + c on four lanes: compile.ts expands it to f32x4.relaxed_madd or to
;; f32x4.mul + f32x4.add. The build also emits copies importing a shared memory (TF.js's
;; threaded build): the import line below must stay exactly as it is.
(module
  (import "env" "memory" (memory 1))

  ;; c ([rows, cols], row-major, overwritten) = a b with b [depth, cols] row-major and a read
  ;; as a[i, k] at a + i * aRowStep + k * aDepthStep (bytes), so a transposed a costs nothing;
  ;; plus bias[j] where bias is not 0 (cols values), through a ReLU where relu is not 0 (a 1x1
  ;; convolution's FusedConv2D).
  ;; Tiles of 4 rows x 8 columns sit in registers over the whole depth; narrower tiles take the
  ;; last 4 columns and the last 1-3 rows, plain floats the last 1-3 columns.
  ;; Pointers are byte offsets into the heap.
  (func (export "product")
    (param $c i32) (param $a i32) (param $b i32) (param $rows i32) (param $depth i32)
    (param $cols i32) (param $aRowStep i32) (param $aDepthStep i32) (param $bias i32)
    (param $relu i32)
    (local $i i32) (local $j i32) (local $k i32) (local $wide i32) (local $vectors i32)
    (local $rowsOf4 i32) (local $bRow i32) (local $ap i32) (local $bp i32) (local $cp i32)
    (local $s v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $sum f32)
    (local.set $bRow (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $wide (i32.and (local.get $cols) (i32.const -8)))
    (local.set $vectors (i32.and (local.get $cols) (i32.const -4)))
    (local.set $rowsOf4 (i32.and (local.get $rows) (i32.const -4)))
    (local.set $j (i32.const 0))
    (block $columnsDone
      (loop $columns
        (br_if $columnsDone (i32.ge_u (local.get $j) (local.get $vectors)))
        (local.set $i (i32.const 0))
        (block $rowsDone
          (loop $rowTiles
            (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $rows)))
            (local.set $c00 (v128.const i32x4 0 0 0 0))
            (local.set $c01 (v128.const i32x4 0 0 0 0))
            (if (local.get $bias)
              (then
                (local.set $c00
                  (v128.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))))
                (if (i32.lt_u (local.get $j) (local.get $wide))
                  (then
                    (local.set $c01
                      (v128.load offset=16
                        (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))))))))
            (local.set $c10 (local.get $c00))
            (local.set $c11 (local.get $c01))
            (local.set $c20 (local.get $c00))
            (local.set $c21 (local.get $c01))
            (local.set $c30 (local.get $c00))
            (local.set $c31 (local.get $c01))
            (local.set $ap
              (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aRowStep))))
            (local.set $bp (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $k (i32.const 0))
            (if (i32.lt_u (local.get $i) (local.get $rowsOf4))
              (then
                (if (i32.lt_u (local.get $j) (local.get $wide))
                  (then
                    ;; 4 rows x 8 columns
                    (block $done
                      (loop $sum
                        (br_if $done (i32.ge_u (local.get $k) (local.get $depth)))
                        (local.set $b0 (v128.load (local.get $bp)))
                        (local.set $b1 (v128.load offset=16 (local.get $bp)))
                        (local.set $s (v128.load32_splat (local.get $ap)))
                        (local.set $c00 (madd (local.get $s) (local.get $b0) (local.get $c00)))
                        (local.set $c01 (madd (local.get $s) (local.get $b1) (local.get $c01)))
                        (local.set $s (v128.load32_splat
                          (i32.add (local.get $ap) (local.get $aRowStep))))
                        (local.set $c10 (madd (local.get $s) (local.get $b0) (local.get $c10)))
                        (local.set $c11 (madd (local.get $s) (local.get $b1) (local.get $c11)))
                        (local.set $s (v128.load32_splat
                          (i32.add (local.get $ap) (i32.shl (local.get $aRowStep) (i32.const 1)))))
                        (local.set $c20 (madd (local.get $s) (local.get $b0) (local.get $c20)))
                        (local.set $c21 (madd (local.get $s) (local.get $b1) (local.get $c21)))
                        (local.set $s (v128.load32_splat
                          (i32.add (local.get $ap) (i32.mul (local.get $aRowStep) (i32.const 3)))))
                        (local.set $c30 (madd (local.get $s) (local.get $b0) (local.get $c30)))
                        (local.set $c31 (madd (local.get $s) (local.get $b1) (local.get $c31)))
                        (local.set $ap (i32.add (local.get $ap) (local.get $aDepthStep)))
                        (local.set $bp (i32.add (local.get $bp) (local.get $bRow)))
                        (local.set $k (i32.add (local.get $k) (i32.const 1)))
                        (br $sum))))
                  (else
                    ;; 4 rows x 4 columns
                    (block $done
                      (loop $sum
                        (br_if $done (i32.ge_u (local.get $k) (local.get $depth)))
                        (local.set $b0 (v128.load (local.get $bp)))
                        (local.set $c00 (madd (v128.load32_splat (local.get $ap))
                          (local.get $b0) (local.get $c00)))
                        (local.set $c10 (madd (v128.load32_splat
                          (i32.add (local.get $ap) (local.get $aRowStep)))
                          (local.get $b0) (local.get $c10)))
                        (local.set $c20 (madd (v128.load32_splat
                          (i32.add (local.get $ap) (i32.shl (local.get $aRowStep) (i32.const 1))))
                          (local.get $b0) (local.get $c20)))
                        (local.set $c30 (madd (v128.load32_splat
                          (i32.add (local.get $ap) (i32.mul (local.get $aRowStep) (i32.const 3))))
                          (local.get $b0) (local.get $c30)))
                        (local.set $ap (i32.add (local.get $ap) (local.get $aDepthStep)))
                        (local.set $bp (i32.add (local.get $bp) (local.get $bRow)))
                        (local.set $k (i32.add (local.get $k) (i32.const 1)))
                        (br $sum))))))
              (else
                ;; one row x 8 (or 4) columns: the last rows
                (block $done
                  (loop $sum
                    (br_if $done (i32.ge_u (local.get $k) (local.get $depth)))
                    (local.set $s (v128.load32_splat (local.get $ap)))
                    (local.set $c00 (madd (local.get $s) (v128.load (local.get $bp)) (local.get $c00)))
                    (if (i32.lt_u (local.get $j) (local.get $wide))
                      (then
                        (local.set $c01
                          (madd (local.get $s) (v128.load offset=16 (local.get $bp))
                            (local.get $c01)))))
                    (local.set $ap (i32.add (local.get $ap) (local.get $aDepthStep)))
                    (local.set $bp (i32.add (local.get $bp) (local.get $bRow)))
                    (local.set $k (i32.add (local.get $k) (i32.const 1)))
                    (br $sum)))))
            (if (local.get $relu)
              (then
                (local.set $c00 (f32x4.pmax (local.get $c00) (v128.const i32x4 0 0 0 0)))
                (local.set $c01 (f32x4.pmax (local.get $c01) (v128.const i32x4 0 0 0 0)))
                (local.set $c10 (f32x4.pmax (local.get $c10) (v128.const i32x4 0 0 0 0)))
                (local.set $c11 (f32x4.pmax (local.get $c11) (v128.const i32x4 0 0 0 0)))
                (local.set $c20 (f32x4.pmax (local.get $c20) (v128.const i32x4 0 0 0 0)))
                (local.set $c21 (f32x4.pmax (local.get $c21) (v128.const i32x4 0 0 0 0)))
                (local.set $c30 (f32x4.pmax (local.get $c30) (v128.const i32x4 0 0 0 0)))
                (local.set $c31 (f32x4.pmax (local.get $c31) (v128.const i32x4 0 0 0 0)))))
            ;; store the tile's rows that exist, 8 or 4 columns
            (local.set $cp
              (i32.add (local.get $c)
                (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $j))
                  (i32.const 2))))
            (v128.store (local.get $cp) (local.get $c00))
            (if (i32.lt_u (local.get $j) (local.get $wide))
              (then (v128.store offset=16 (local.get $cp) (local.get $c01))))
            (if (i32.lt_u (local.get $i) (local.get $rowsOf4))
              (then
                (local.set $cp (i32.add (local.get $cp) (local.get $bRow)))
                (v128.store (local.get $cp) (local.get $c10))
                (if (i32.lt_u (local.get $j) (local.get $wide))
                  (then (v128.store offset=16 (local.get $cp) (local.get $c11))))
                (local.set $cp (i32.add (local.get $cp) (local.get $bRow)))
                (v128.store (local.get $cp) (local.get $c20))
                (if (i32.lt_u (local.get $j) (local.get $wide))
                  (then (v128.store offset=16 (local.get $cp) (local.get $c21))))
                (local.set $cp (i32.add (local.get $cp) (local.get $bRow)))
                (v128.store (local.get $cp) (local.get $c30))
                (if (i32.lt_u (local.get $j) (local.get $wide))
                  (then (v128.store offset=16 (local.get $cp) (local.get $c31))))
                (local.set $i (i32.add (local.get $i) (i32.const 4))))
              (else (local.set $i (i32.add (local.get $i) (i32.const 1)))))
            (br $rowTiles)))
        (local.set $j
          (i32.add (local.get $j)
            (select (i32.const 8) (i32.const 4) (i32.lt_u (local.get $j) (local.get $wide)))))
        (br $columns)))
    ;; the last 1-3 columns, one float at a time
    (block $tailDone
      (loop $tailColumns
        (br_if $tailDone (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $i (i32.const 0))
        (block $rowsDone
          (loop $tailRows
            (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $rows)))
            (local.set $sum (f32.const 0))
            (if (local.get $bias)
              (then
                (local.set $sum
                  (f32.load (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))))))
            (local.set $ap
              (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $aRowStep))))
            (local.set $bp (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $k (i32.const 0))
            (block $done
              (loop $sum
                (br_if $done (i32.ge_u (local.get $k) (local.get $depth)))
                (local.set $sum
                  (f32.add (local.get $sum)
                    (f32.mul (f32.load (local.get $ap)) (f32.load (local.get $bp)))))
                (local.set $ap (i32.add (local.get $ap) (local.get $aDepthStep)))
                (local.set $bp (i32.add (local.get $bp) (local.get $bRow)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $sum)))
            (if (local.get $relu)
              (then (local.set $sum (f32.max (local.get $sum) (f32.const 0)))))
            (f32.store
              (i32.add (local.get $c)
                (i32.shl (i32.add (i32.mul (local.get $i) (local.get $cols)) (local.get $j))
                  (i32.const 2)))
              (local.get $sum))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $tailRows)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $tailColumns)))))
