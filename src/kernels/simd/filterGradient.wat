;; The conv filter gradient straight from x and dy (see filterGradient in ../wasmTraining.ts):
;; dW[tap, ci, co] += sum over the tap's positions of x[n, oy*sy + offsetY, ox*sx + offsetX, ci]
;; * dy[n, oy, ox, co], accumulated in registers a tile of 4 input x 8 output channels at a time.
;; Hand-written because the backend's route, an im2col copy of x and an XNNPACK matrix product
;; whose operands both stream over the long sum, spent more than a forward conv's time on the
;; copy and the product's memory traffic; here x and dy are read where they lie, one block of
;; images at a time (the caller's loop), so both stay in cache across the tiles.
;;
;; (madd a b c) is a*b + c on four lanes: compile.ts expands it to f32x4.relaxed_madd (fused
;; where the CPU has FMA) for engines with relaxed SIMD and to f32x4.mul + f32x4.add elsewhere.
;; The build also emits copies importing a shared memory (TF.js's threaded build): the import
;; line below must stay exactly as it is.
(module
  (import "env" "memory" (memory 1))

  ;; One filter tap over images [0, images) of x ([images, height, width, xChannels]) and dy
  ;; ([images, outHeight, outWidth, dyChannels]), for oy in [firstOy, lastOy] and ox in
  ;; [firstOx, lastOx] (the positions whose input lies inside the image): adds into columns
  ;; [coBegin, coEnd) (multiples of 4) of dw ([channels, outChannels], this tap's block of dW,
  ;; both counts rounded up to multiples of 4), so that threads can share a tap's block. Where a
  ;; pixel has fewer channels than its tile, the tile's last lanes read the next pixel's values,
  ;; which land only in dW's padding rows or columns (the caller drops them; the heap must reach
  ;; 3 values past x and dy). Lines advance by adding strides, with no multiplications.
  ;; Pointers are byte offsets into the heap.
  (func (export "filterTap")
    (param $dw i32) (param $x i32) (param $dy i32) (param $images i32) (param $channels i32)
    (param $height i32) (param $width i32) (param $outChannels i32) (param $outHeight i32)
    (param $outWidth i32) (param $strideY i32) (param $strideX i32) (param $offsetY i32)
    (param $offsetX i32) (param $firstOy i32) (param $lastOy i32) (param $firstOx i32)
    (param $lastOx i32) (param $coBegin i32) (param $coEnd i32) (param $xChannels i32)
    (param $dyChannels i32)
    (local $stepX i32) (local $stepDy i32) (local $rowBytes i32) (local $wide i32)
    (local $ci i32) (local $co i32) (local $n i32) (local $oy i32)
    (local $xp i32) (local $dp i32) (local $end i32) (local $at i32)
    (local $lineX i32) (local $lineDy i32) (local $imageX i32) (local $imageDy i32)
    (local $xLine i32) (local $dyLine i32) (local $xImage i32) (local $dyImage i32)
    (local $runBytes i32)
    (local $s v128) (local $d0 v128) (local $d1 v128)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (if (i32.gt_s (local.get $firstOy) (local.get $lastOy)) (then (return)))
    (if (i32.gt_s (local.get $firstOx) (local.get $lastOx)) (then (return)))
;; bytes from one position to the next along a line, from one line to the next and from one
    ;; image to the next, in x and in dy; the bytes of x a line's positions span
    (local.set $stepX
      (i32.shl (i32.mul (local.get $strideX) (local.get $xChannels)) (i32.const 2)))
    (local.set $stepDy (i32.shl (local.get $dyChannels) (i32.const 2)))
    (local.set $xLine
      (i32.shl (i32.mul (i32.mul (local.get $strideY) (local.get $width)) (local.get $xChannels))
        (i32.const 2)))
    (local.set $dyLine
      (i32.shl (i32.mul (local.get $outWidth) (local.get $dyChannels)) (i32.const 2)))
    (local.set $xImage
      (i32.shl (i32.mul (i32.mul (local.get $height) (local.get $width)) (local.get $xChannels))
        (i32.const 2)))
    (local.set $dyImage (i32.mul (local.get $outHeight) (local.get $dyLine)))
    (local.set $runBytes
      (i32.mul (i32.add (i32.sub (local.get $lastOx) (local.get $firstOx)) (i32.const 1))
        (local.get $stepX)))
    (local.set $rowBytes (i32.shl (local.get $outChannels) (i32.const 2)))
    ;; output channels covered by tiles 8 wide; a last 4 take the narrow tile
    (local.set $wide
      (i32.add (local.get $coBegin)
        (i32.and (i32.sub (local.get $coEnd) (local.get $coBegin)) (i32.const -8))))
    (local.set $co (local.get $coBegin))
    (block $outDone
      (loop $outTiles
        (br_if $outDone (i32.ge_u (local.get $co) (local.get $coEnd)))
        (local.set $ci (i32.const 0))
        (block $inDone
          (loop $inTiles
            (br_if $inDone (i32.ge_u (local.get $ci) (local.get $channels)))
            ;; dw[ci, co]
            (local.set $at
              (i32.add (local.get $dw)
                (i32.add (i32.mul (local.get $ci) (local.get $rowBytes))
                  (i32.shl (local.get $co) (i32.const 2)))))
            (local.set $a00 (v128.load (local.get $at)))
            (local.set $a10 (v128.load (i32.add (local.get $at) (local.get $rowBytes))))
            (local.set $a20
              (v128.load (i32.add (local.get $at) (i32.shl (local.get $rowBytes) (i32.const 1)))))
            (local.set $a30
              (v128.load (i32.add (local.get $at) (i32.mul (local.get $rowBytes) (i32.const 3)))))
            (if (i32.lt_u (local.get $co) (local.get $wide))
              (then
                (local.set $a01 (v128.load offset=16 (local.get $at)))
                (local.set $a11
                  (v128.load offset=16 (i32.add (local.get $at) (local.get $rowBytes))))
                (local.set $a21
                  (v128.load offset=16
                    (i32.add (local.get $at) (i32.shl (local.get $rowBytes) (i32.const 1)))))
                (local.set $a31
                  (v128.load offset=16
                    (i32.add (local.get $at) (i32.mul (local.get $rowBytes) (i32.const 3)))))))
            ;; x[0, firstOy*sy + offsetY, firstOx*sx + offsetX, ci], dy[0, firstOy, firstOx, co]
            (local.set $imageX
              (i32.add (local.get $x)
                (i32.shl
                  (i32.add
                    (i32.mul
                      (i32.add
                        (i32.mul
                          (i32.add (i32.mul (local.get $firstOy) (local.get $strideY))
                            (local.get $offsetY))
                          (local.get $width))
                        (i32.add (i32.mul (local.get $firstOx) (local.get $strideX))
                          (local.get $offsetX)))
                      (local.get $xChannels))
                    (local.get $ci))
                  (i32.const 2))))
            (local.set $imageDy
              (i32.add (local.get $dy)
                (i32.shl
                  (i32.add
                    (i32.mul
                      (i32.add (i32.mul (local.get $firstOy) (local.get $outWidth))
                        (local.get $firstOx))
                      (local.get $dyChannels))
                    (local.get $co))
                  (i32.const 2))))
            (local.set $n (i32.const 0))
            (loop $images
              (local.set $lineX (local.get $imageX))
              (local.set $lineDy (local.get $imageDy))
              (local.set $oy (local.get $firstOy))
              (loop $lines
                (local.set $xp (local.get $lineX))
                (local.set $dp (local.get $lineDy))
                (local.set $end (i32.add (local.get $xp) (local.get $runBytes)))
                (if (i32.lt_u (local.get $co) (local.get $wide))
                  (then
                    (loop $wideLine
                      (local.set $d0 (v128.load (local.get $dp)))
                      (local.set $d1 (v128.load offset=16 (local.get $dp)))
                      (local.set $s (v128.load32_splat (local.get $xp)))
                      (local.set $a00 (madd (local.get $s) (local.get $d0) (local.get $a00)))
                      (local.set $a01 (madd (local.get $s) (local.get $d1) (local.get $a01)))
                      (local.set $s (v128.load32_splat offset=4 (local.get $xp)))
                      (local.set $a10 (madd (local.get $s) (local.get $d0) (local.get $a10)))
                      (local.set $a11 (madd (local.get $s) (local.get $d1) (local.get $a11)))
                      (local.set $s (v128.load32_splat offset=8 (local.get $xp)))
                      (local.set $a20 (madd (local.get $s) (local.get $d0) (local.get $a20)))
                      (local.set $a21 (madd (local.get $s) (local.get $d1) (local.get $a21)))
                      (local.set $s (v128.load32_splat offset=12 (local.get $xp)))
                      (local.set $a30 (madd (local.get $s) (local.get $d0) (local.get $a30)))
                      (local.set $a31 (madd (local.get $s) (local.get $d1) (local.get $a31)))
                      (local.set $xp (i32.add (local.get $xp) (local.get $stepX)))
                      (local.set $dp (i32.add (local.get $dp) (local.get $stepDy)))
                      (br_if $wideLine (i32.lt_u (local.get $xp) (local.get $end)))))
                  (else
                    (loop $narrowLine
                      (local.set $d0 (v128.load (local.get $dp)))
                      (local.set $a00
                        (madd (v128.load32_splat (local.get $xp)) (local.get $d0)
                          (local.get $a00)))
                      (local.set $a10
                        (madd (v128.load32_splat offset=4 (local.get $xp)) (local.get $d0)
                          (local.get $a10)))
                      (local.set $a20
                        (madd (v128.load32_splat offset=8 (local.get $xp)) (local.get $d0)
                          (local.get $a20)))
                      (local.set $a30
                        (madd (v128.load32_splat offset=12 (local.get $xp)) (local.get $d0)
                          (local.get $a30)))
                      (local.set $xp (i32.add (local.get $xp) (local.get $stepX)))
                      (local.set $dp (i32.add (local.get $dp) (local.get $stepDy)))
                      (br_if $narrowLine (i32.lt_u (local.get $xp) (local.get $end))))))
                (local.set $lineX (i32.add (local.get $lineX) (local.get $xLine)))
                (local.set $lineDy (i32.add (local.get $lineDy) (local.get $dyLine)))
                (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
                (br_if $lines (i32.le_s (local.get $oy) (local.get $lastOy))))
              (local.set $imageX (i32.add (local.get $imageX) (local.get $xImage)))
              (local.set $imageDy (i32.add (local.get $imageDy) (local.get $dyImage)))
              (local.set $n (i32.add (local.get $n) (i32.const 1)))
              (br_if $images (i32.lt_u (local.get $n) (local.get $images))))
            (v128.store (local.get $at) (local.get $a00))
            (v128.store (i32.add (local.get $at) (local.get $rowBytes)) (local.get $a10))
            (v128.store (i32.add (local.get $at) (i32.shl (local.get $rowBytes) (i32.const 1)))
              (local.get $a20))
            (v128.store (i32.add (local.get $at) (i32.mul (local.get $rowBytes) (i32.const 3)))
              (local.get $a30))
            (if (i32.lt_u (local.get $co) (local.get $wide))
              (then
                (v128.store offset=16 (local.get $at) (local.get $a01))
                (v128.store offset=16 (i32.add (local.get $at) (local.get $rowBytes))
                  (local.get $a11))
                (v128.store offset=16
                  (i32.add (local.get $at) (i32.shl (local.get $rowBytes) (i32.const 1)))
                  (local.get $a21))
                (v128.store offset=16
                  (i32.add (local.get $at) (i32.mul (local.get $rowBytes) (i32.const 3)))
                  (local.get $a31))))
            (local.set $ci (i32.add (local.get $ci) (i32.const 4)))
            (br $inTiles)))
        (local.set $co
          (i32.add (local.get $co)
            (select (i32.const 8) (i32.const 4) (i32.lt_u (local.get $co) (local.get $wide)))))
        (br $outTiles)))))
