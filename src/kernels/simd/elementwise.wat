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
        (br $scalar)))))
