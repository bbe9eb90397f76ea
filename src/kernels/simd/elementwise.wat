;; Element-wise passes that TF.js composes from several kernels, fused into one pass here.
;; The build (build.ts) also emits a copy importing a shared memory (TF.js's threaded build):
;; the import line below must stay exactly as it is.
(module
  (import "env" "memory" (memory 1))

  ;; ReLU's gradient: out[i] = x[i] > 0 ? dy[i] : 0 for i in [0, count), four lanes at a time.
  ;; TF.js runs it as Step, Cast and Multiply: three passes and two temporaries.
  ;; Pointers are byte offsets into the heap.
  (func (export "reluGrad")
    (param $out i32) (param $dy i32) (param $x i32) (param $count i32)
    (local $end i32) (local $vectors i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $vectors
      (i32.add (local.get $out) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (block $vectorsDone
      (loop $vector
        (br_if $vectorsDone (i32.ge_u (local.get $out) (local.get $vectors)))
        (v128.store (local.get $out)
          (v128.and (v128.load (local.get $dy))
            (f32x4.gt (v128.load (local.get $x)) (v128.const f32x4 0 0 0 0))))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (br $vector)))
    (block $done
      (loop $scalar
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (f32.store (local.get $out)
          (select (f32.load (local.get $dy)) (f32.const 0)
            (f32.gt (f32.load (local.get $x)) (f32.const 0))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $dy (i32.add (local.get $dy) (i32.const 4)))
        (local.set $x (i32.add (local.get $x) (i32.const 4)))
        (br $scalar))))

  ;; out[r, outBegin + j] = x[r, inBegin + j] for rows r in [0, rows), j in [0, count): the last
  ;; axis sliced (a pad's gradient) or placed inside a wider row (a channel pad; the caller zeroes
  ;; the rest). TF.js's Slice and PadV2 walk such copies element by element. Widths in floats.
  (func (export "copyColumns")
    (param $out i32) (param $outWidth i32) (param $outBegin i32) (param $x i32)
    (param $inWidth i32) (param $inBegin i32) (param $rows i32) (param $count i32)
    (local $to i32) (local $from i32) (local $end i32) (local $vectors i32) (local $r i32)
    (local.set $out (i32.add (local.get $out) (i32.shl (local.get $outBegin) (i32.const 2))))
    (local.set $x (i32.add (local.get $x) (i32.shl (local.get $inBegin) (i32.const 2))))
    (local.set $outWidth (i32.shl (local.get $outWidth) (i32.const 2)))
    (local.set $inWidth (i32.shl (local.get $inWidth) (i32.const 2)))
    (local.set $count (i32.shl (local.get $count) (i32.const 2)))
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $to (local.get $out))
        (local.set $from (local.get $x))
        (local.set $end (i32.add (local.get $to) (local.get $count)))
        (local.set $vectors
          (i32.add (local.get $to) (i32.and (local.get $count) (i32.const -16))))
        (block $vectorsDone
          (loop $vector
            (br_if $vectorsDone (i32.ge_u (local.get $to) (local.get $vectors)))
            (v128.store (local.get $to) (v128.load (local.get $from)))
            (local.set $to (i32.add (local.get $to) (i32.const 16)))
            (local.set $from (i32.add (local.get $from) (i32.const 16)))
            (br $vector)))
        (block $done
          (loop $scalar
            (br_if $done (i32.ge_u (local.get $to) (local.get $end)))
            (f32.store (local.get $to) (f32.load (local.get $from)))
            (local.set $to (i32.add (local.get $to) (i32.const 4)))
            (local.set $from (i32.add (local.get $from) (i32.const 4)))
            (br $scalar)))
        (local.set $out (i32.add (local.get $out) (local.get $outWidth)))
        (local.set $x (i32.add (local.get $x) (local.get $inWidth)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $eachRow)))))

