;; Interleaves the output phases of a strided conv's input gradient (see phasedInputGradient in
;; ../wasmTraining.ts) into dx on TF.js's wasm heap (imported memory, no copies): a
;; DepthToSpace with a crop. Hand-written: the backend's DepthToSpace took 60 ms for 2M values
;; (four times the conv it follows) and its 6-d Transpose 18 ms; every pixel here is one run of
;; C contiguous values, copied four at a time.
;;
;; The build (build.ts) also emits a copy importing a shared memory (TF.js's threaded build):
;; the import line below must stay exactly as it is.
(module
  (import "env" "memory" (memory 1))

  ;; out[n, y, x, c] = phases[n, y / s, x / s, ((y mod s) * s + x mod s) * C + c] for y < height,
  ;; x < width; phases is [images, phaseRows, phaseColumns, s * s * C], out [images, height,
  ;; width, C], float32.
  (func (export "interleave")
    (param $out i32) (param $phases i32) (param $images i32) (param $phaseRows i32)
    (param $phaseColumns i32) (param $stride i32) (param $channels i32) (param $height i32)
    (param $width i32)
    (local $n i32) (local $y i32) (local $x i32) (local $runBytes i32) (local $vectorBytes i32)
    (local $line i32) (local $from i32) (local $to i32) (local $k i32) (local $pixelBytes i32)
    (local.set $runBytes (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $vectorBytes (i32.and (local.get $runBytes) (i32.const -16)))
    ;; bytes per phase pixel (all s * s phases)
    (local.set $pixelBytes
      (i32.mul (local.get $runBytes) (i32.mul (local.get $stride) (local.get $stride))))
    (local.set $to (local.get $out))
    (block $imagesDone
      (loop $images
        (br_if $imagesDone (i32.ge_u (local.get $n) (local.get $images)))
        (local.set $y (i32.const 0))
        (block $linesDone
          (loop $lines
            (br_if $linesDone (i32.ge_u (local.get $y) (local.get $height)))
            ;; phases at (n, y / s, 0), phase row y mod s
            (local.set $line
              (i32.add (local.get $phases)
                (i32.add
                  (i32.mul
                    (i32.add (i32.mul (local.get $n) (local.get $phaseRows))
                      (i32.div_u (local.get $y) (local.get $stride)))
                    (i32.mul (local.get $phaseColumns) (local.get $pixelBytes)))
                  (i32.mul (i32.rem_u (local.get $y) (local.get $stride))
                    (i32.mul (local.get $stride) (local.get $runBytes))))))
            (local.set $x (i32.const 0))
            (block $pixelsDone
              (loop $pixels
                (br_if $pixelsDone (i32.ge_u (local.get $x) (local.get $width)))
                (local.set $from
                  (i32.add (local.get $line)
                    (i32.add
                      (i32.mul (i32.div_u (local.get $x) (local.get $stride)) (local.get $pixelBytes))
                      (i32.mul (i32.rem_u (local.get $x) (local.get $stride)) (local.get $runBytes)))))
                (local.set $k (i32.const 0))
                (block $vectorsDone
                  (loop $vectors
                    (br_if $vectorsDone (i32.ge_u (local.get $k) (local.get $vectorBytes)))
                    (v128.store (i32.add (local.get $to) (local.get $k))
                      (v128.load (i32.add (local.get $from) (local.get $k))))
                    (local.set $k (i32.add (local.get $k) (i32.const 16)))
                    (br $vectors)))
                (block $valuesDone
                  (loop $values
                    (br_if $valuesDone (i32.ge_u (local.get $k) (local.get $runBytes)))
                    (f32.store (i32.add (local.get $to) (local.get $k))
                      (f32.load (i32.add (local.get $from) (local.get $k))))
                    (local.set $k (i32.add (local.get $k) (i32.const 4)))
                    (br $values)))
                (local.set $to (i32.add (local.get $to) (local.get $runBytes)))
                (local.set $x (i32.add (local.get $x) (i32.const 1)))
                (br $pixels)))
            (local.set $y (i32.add (local.get $y) (i32.const 1)))
            (br $lines)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $images))))
)
