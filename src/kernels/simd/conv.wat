;; A direct 2-D convolution (NHWC, any filter size, stride and padding, no dilation):
;; y[n, oy, ox, co] = bias[co] + sum over kh, kw, ci of x[n, oy*sy + kh - top, ox*sx + kw - left,
;; ci] * w[kh, kw, ci, co], zero outside x, optionally through a ReLU. Tiles of 4 output pixels along a line x 8 output
;; channels sit in registers over every tap and input channel; a pixel whose tap falls outside
;; x reads a run of zeros instead, so border tiles take the same loop. Tiles store whole vectors
;; except at a line's end, where they store what exists. The backend's XNNPACK
;; convolution, built without fused multiply-adds, ran 10-30% slower than this loop's twin in
;; filterGradient.wat.
;;
;; (madd a b c) is a*b + c on four lanes: compile.ts expands it to f32x4.relaxed_madd or to
;; f32x4.mul + f32x4.add. The build also emits copies importing a shared memory (TF.js's
;; threaded build): the import line below must stay exactly as it is.
(module
  (import "env" "memory" (memory 1))

  ;; The first `lanes` (at most 4, possibly 0) of v at `at`.
  (func $storeLanes (param $at i32) (param $v v128) (param $lanes i32)
    (if (i32.ge_s (local.get $lanes) (i32.const 4))
      (then (v128.store (local.get $at) (local.get $v)) (return)))
    (if (i32.gt_s (local.get $lanes) (i32.const 0))
      (then (f32.store (local.get $at) (f32x4.extract_lane 0 (local.get $v)))))
    (if (i32.gt_s (local.get $lanes) (i32.const 1))
      (then (f32.store offset=4 (local.get $at) (f32x4.extract_lane 1 (local.get $v)))))
    (if (i32.gt_s (local.get $lanes) (i32.const 2))
      (then (f32.store offset=8 (local.get $at) (f32x4.extract_lane 2 (local.get $v))))))

  ;; One pixel of a tile: `lanes0` channels of a, then `lanes1` of b.
  (func $storePixel (param $at i32) (param $a v128) (param $b v128) (param $lanes0 i32)
    (param $lanes1 i32)
    (call $storeLanes (local.get $at) (local.get $a) (local.get $lanes0))
    (call $storeLanes (i32.add (local.get $at) (i32.const 16)) (local.get $b) (local.get $lanes1)))

  ;; Output lines [firstLine, firstLine + lines) of y ([images, outHeight, outWidth,
  ;; outChannels], line = n * outHeight + oy). w's rows hold outChannels rounded up to a
  ;; multiple of 4 (zero-padded by the caller); tiles past the last pixel or channel store only
  ;; what exists. `zero` points at `channels` zeros; `bias` at outChannels values, or is 0 for none. Packed:
  ;; filter = height | width << 8 | relu << 16, strides = y | x << 16, pads = top | left << 16.
  ;; Pointers are byte offsets into the heap.
  (func (export "lines")
    (param $y i32) (param $x i32) (param $w i32) (param $zero i32) (param $height i32)
    (param $width i32) (param $channels i32) (param $outHeight i32) (param $outWidth i32)
    (param $outChannels i32) (param $bias i32) (param $filter i32) (param $strides i32)
    (param $pads i32) (param $firstLine i32) (param $lines i32)
    (local $fh i32) (local $fw i32) (local $sy i32) (local $sx i32) (local $top i32)
    (local $left i32) (local $line i32) (local $endLine i32) (local $n i32) (local $oy i32)
    (local $co i32) (local $ox i32) (local $kh i32) (local $kw i32) (local $iy i32)
    (local $ix i32) (local $lineBase i32) (local $wRow i32) (local $wide i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $wp i32)
    (local $ci i32) (local $yp i32) (local $pixel i32) (local $relu i32) (local $yRow i32)
    (local $wChannels i32) (local $lanes0 i32) (local $lanes1 i32)
    (local $s v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $fh (i32.and (local.get $filter) (i32.const 0xff)))
    (local.set $fw (i32.and (i32.shr_u (local.get $filter) (i32.const 8)) (i32.const 0xff)))
    (local.set $relu (i32.shr_u (local.get $filter) (i32.const 16)))
    (local.set $sy (i32.and (local.get $strides) (i32.const 0xffff)))
    (local.set $sx (i32.shr_u (local.get $strides) (i32.const 16)))
    (local.set $top (i32.and (local.get $pads) (i32.const 0xffff)))
    (local.set $left (i32.shr_u (local.get $pads) (i32.const 16)))
    ;; bytes from one filter input channel to the next and from one output pixel to the next;
    ;; output channels in 8-wide tiles, a last 4 in a narrow one
    (local.set $wChannels (i32.and (i32.add (local.get $outChannels) (i32.const 3)) (i32.const -4)))
    (local.set $wRow (i32.shl (local.get $wChannels) (i32.const 2)))
    (local.set $yRow (i32.shl (local.get $outChannels) (i32.const 2)))
    (local.set $wide (i32.and (local.get $wChannels) (i32.const -8)))
    (local.set $pixel (i32.shl (local.get $channels) (i32.const 2)))
    (local.set $line (local.get $firstLine))
    (local.set $endLine (i32.add (local.get $firstLine) (local.get $lines)))
    (block $linesDone
      (loop $eachLine
        (br_if $linesDone (i32.ge_u (local.get $line) (local.get $endLine)))
        (local.set $n (i32.div_u (local.get $line) (local.get $outHeight)))
        (local.set $oy (i32.rem_u (local.get $line) (local.get $outHeight)))
;; the last channel tile first: its stores may run past a pixel's last channel into the next
        ;; pixel's first ones, which the tiles after it then overwrite
        (local.set $co
          (select (local.get $wide) (i32.sub (local.get $wide) (i32.const 8))
            (i32.gt_u (local.get $wChannels) (local.get $wide))))
        (block $channelsDone
          (loop $channelTiles
            (br_if $channelsDone (i32.lt_s (local.get $co) (i32.const 0)))
            (local.set $ox (i32.const 0))
            (block $pixelsDone
              (loop $pixelTiles
                (br_if $pixelsDone (i32.ge_u (local.get $ox) (local.get $outWidth)))
                (local.set $c00 (v128.const i32x4 0 0 0 0))
                (local.set $c01 (v128.const i32x4 0 0 0 0))
                (if (local.get $bias)
                  (then
                    (local.set $c00
                      (v128.load (i32.add (local.get $bias) (i32.shl (local.get $co) (i32.const 2)))))
                    (if (i32.lt_u (local.get $co) (local.get $wide))
                      (then
                        (local.set $c01
                          (v128.load offset=16
                            (i32.add (local.get $bias) (i32.shl (local.get $co) (i32.const 2)))))))))
                (local.set $c10 (local.get $c00))
                (local.set $c11 (local.get $c01))
                (local.set $c20 (local.get $c00))
                (local.set $c21 (local.get $c01))
                (local.set $c30 (local.get $c00))
                (local.set $c31 (local.get $c01))
                (local.set $kh (i32.const 0))
                (block $rowsDone
                  (loop $taps
                    (br_if $rowsDone (i32.ge_u (local.get $kh) (local.get $fh)))
                    (local.set $iy
                      (i32.sub
                        (i32.add (i32.mul (local.get $oy) (local.get $sy)) (local.get $kh))
                        (local.get $top)))
                    ;; a filter row wholly outside x adds nothing to this line
                    (if (i32.lt_u (local.get $iy) (local.get $height))
                      (then
                        (local.set $lineBase
                          (i32.add (local.get $x)
                            (i32.mul
                              (i32.mul
                                (i32.add (i32.mul (local.get $n) (local.get $height))
                                  (local.get $iy))
                                (local.get $width))
                              (local.get $pixel))))
                        (local.set $kw (i32.const 0))
                        (loop $columns
                          (local.set $ix
                            (i32.sub
                              (i32.add (i32.mul (local.get $ox) (local.get $sx)) (local.get $kw))
                              (local.get $left)))
                          ;; each of the 4 pixels reads x or, outside it, the zeros
                          (local.set $p0
                            (select
                              (i32.add (local.get $lineBase)
                                (i32.mul (local.get $ix) (local.get $pixel)))
                              (local.get $zero)
                              (i32.lt_u (local.get $ix) (local.get $width))))
                          (local.set $ix (i32.add (local.get $ix) (local.get $sx)))
                          (local.set $p1
                            (select
                              (i32.add (local.get $lineBase)
                                (i32.mul (local.get $ix) (local.get $pixel)))
                              (local.get $zero)
                              (i32.lt_u (local.get $ix) (local.get $width))))
                          (local.set $ix (i32.add (local.get $ix) (local.get $sx)))
                          (local.set $p2
                            (select
                              (i32.add (local.get $lineBase)
                                (i32.mul (local.get $ix) (local.get $pixel)))
                              (local.get $zero)
                              (i32.lt_u (local.get $ix) (local.get $width))))
                          (local.set $ix (i32.add (local.get $ix) (local.get $sx)))
                          (local.set $p3
                            (select
                              (i32.add (local.get $lineBase)
                                (i32.mul (local.get $ix) (local.get $pixel)))
                              (local.get $zero)
                              (i32.lt_u (local.get $ix) (local.get $width))))
                          ;; w[kh, kw, 0, co]
                          (local.set $wp
                            (i32.add (local.get $w)
                              (i32.add
                                (i32.mul
                                  (i32.mul (i32.add (i32.mul (local.get $kh) (local.get $fw))
                                             (local.get $kw))
                                    (local.get $channels))
                                  (local.get $wRow))
                                (i32.shl (local.get $co) (i32.const 2)))))
                          (local.set $ci (local.get $channels))
                          (if (i32.lt_u (local.get $co) (local.get $wide))
                            (then
                              (loop $wideSum
                                (local.set $b0 (v128.load (local.get $wp)))
                                (local.set $b1 (v128.load offset=16 (local.get $wp)))
                                (local.set $s (v128.load32_splat (local.get $p0)))
                                (local.set $c00 (madd (local.get $s) (local.get $b0) (local.get $c00)))
                                (local.set $c01 (madd (local.get $s) (local.get $b1) (local.get $c01)))
                                (local.set $s (v128.load32_splat (local.get $p1)))
                                (local.set $c10 (madd (local.get $s) (local.get $b0) (local.get $c10)))
                                (local.set $c11 (madd (local.get $s) (local.get $b1) (local.get $c11)))
                                (local.set $s (v128.load32_splat (local.get $p2)))
                                (local.set $c20 (madd (local.get $s) (local.get $b0) (local.get $c20)))
                                (local.set $c21 (madd (local.get $s) (local.get $b1) (local.get $c21)))
                                (local.set $s (v128.load32_splat (local.get $p3)))
                                (local.set $c30 (madd (local.get $s) (local.get $b0) (local.get $c30)))
                                (local.set $c31 (madd (local.get $s) (local.get $b1) (local.get $c31)))
                                (local.set $p0 (i32.add (local.get $p0) (i32.const 4)))
                                (local.set $p1 (i32.add (local.get $p1) (i32.const 4)))
                                (local.set $p2 (i32.add (local.get $p2) (i32.const 4)))
                                (local.set $p3 (i32.add (local.get $p3) (i32.const 4)))
                                (local.set $wp (i32.add (local.get $wp) (local.get $wRow)))
                                (local.set $ci (i32.sub (local.get $ci) (i32.const 1)))
                                (br_if $wideSum (local.get $ci))))
                            (else
                              (loop $narrowSum
                                (local.set $b0 (v128.load (local.get $wp)))
                                (local.set $c00
                                  (madd (v128.load32_splat (local.get $p0)) (local.get $b0)
                                    (local.get $c00)))
                                (local.set $c10
                                  (madd (v128.load32_splat (local.get $p1)) (local.get $b0)
                                    (local.get $c10)))
                                (local.set $c20
                                  (madd (v128.load32_splat (local.get $p2)) (local.get $b0)
                                    (local.get $c20)))
                                (local.set $c30
                                  (madd (v128.load32_splat (local.get $p3)) (local.get $b0)
                                    (local.get $c30)))
                                (local.set $p0 (i32.add (local.get $p0) (i32.const 4)))
                                (local.set $p1 (i32.add (local.get $p1) (i32.const 4)))
                                (local.set $p2 (i32.add (local.get $p2) (i32.const 4)))
                                (local.set $p3 (i32.add (local.get $p3) (i32.const 4)))
                                (local.set $wp (i32.add (local.get $wp) (local.get $wRow)))
                                (local.set $ci (i32.sub (local.get $ci) (i32.const 1)))
                                (br_if $narrowSum (local.get $ci)))))
                          (local.set $kw (i32.add (local.get $kw) (i32.const 1)))
                          (br_if $columns (i32.lt_u (local.get $kw) (local.get $fw))))))
                    (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
                    (br $taps)))
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
                ;; y[n, oy, ox .. ox+3, co ..]
                (local.set $yp
                  (i32.add (local.get $y)
                    (i32.shl
                      (i32.add
                        (i32.mul
                          (i32.add (i32.mul (local.get $line) (local.get $outWidth))
                            (local.get $ox))
                          (local.get $outChannels))
                        (local.get $co))
                      (i32.const 2))))
                ;; whole vectors where the tile fits, or where what runs past its channels lands
                ;; in this line's next pixels (still to be written): all but a line's last tile
                (if (i32.or
                      (i32.and
                        (i32.le_u (i32.add (local.get $ox) (i32.const 4)) (local.get $outWidth))
                        (i32.le_u
                          (i32.add (local.get $co)
                            (select (i32.const 8) (i32.const 4)
                              (i32.lt_u (local.get $co) (local.get $wide))))
                          (local.get $outChannels)))
                      (i32.and
                        (i32.lt_u (i32.add (local.get $ox) (i32.const 4)) (local.get $outWidth))
                        (i32.ge_u (local.get $outChannels) (i32.const 2))))
                  (then
                    ;; pixel by pixel: a pixel's spill is overwritten by the next one
                    (if (i32.lt_u (local.get $co) (local.get $wide))
                      (then
                        (v128.store (local.get $yp) (local.get $c00))
                        (v128.store offset=16 (local.get $yp) (local.get $c01))
                        (local.set $yp (i32.add (local.get $yp) (local.get $yRow)))
                        (v128.store (local.get $yp) (local.get $c10))
                        (v128.store offset=16 (local.get $yp) (local.get $c11))
                        (local.set $yp (i32.add (local.get $yp) (local.get $yRow)))
                        (v128.store (local.get $yp) (local.get $c20))
                        (v128.store offset=16 (local.get $yp) (local.get $c21))
                        (local.set $yp (i32.add (local.get $yp) (local.get $yRow)))
                        (v128.store (local.get $yp) (local.get $c30))
                        (v128.store offset=16 (local.get $yp) (local.get $c31)))
                      (else
                        (v128.store (local.get $yp) (local.get $c00))
                        (local.set $yp (i32.add (local.get $yp) (local.get $yRow)))
                        (v128.store (local.get $yp) (local.get $c10))
                        (local.set $yp (i32.add (local.get $yp) (local.get $yRow)))
                        (v128.store (local.get $yp) (local.get $c20))
                        (local.set $yp (i32.add (local.get $yp) (local.get $yRow)))
                        (v128.store (local.get $yp) (local.get $c30)))))
                  (else
                    ;; the last pixels or channels: what exists of the tile
                    (local.set $lanes0 (i32.sub (local.get $outChannels) (local.get $co)))
                    (local.set $lanes1
                      (select (i32.sub (local.get $lanes0) (i32.const 4)) (i32.const 0)
                        (i32.lt_u (local.get $co) (local.get $wide))))
                    (call $storePixel (local.get $yp) (local.get $c00) (local.get $c01)
                      (local.get $lanes0) (local.get $lanes1))
                    (if (i32.lt_u (i32.add (local.get $ox) (i32.const 1)) (local.get $outWidth))
                      (then
                        (call $storePixel (i32.add (local.get $yp) (local.get $yRow))
                          (local.get $c10) (local.get $c11) (local.get $lanes0) (local.get $lanes1))))
                    (if (i32.lt_u (i32.add (local.get $ox) (i32.const 2)) (local.get $outWidth))
                      (then
                        (call $storePixel
                          (i32.add (local.get $yp) (i32.shl (local.get $yRow) (i32.const 1)))
                          (local.get $c20) (local.get $c21) (local.get $lanes0) (local.get $lanes1))))
                    (if (i32.lt_u (i32.add (local.get $ox) (i32.const 3)) (local.get $outWidth))
                      (then
                        (call $storePixel
                          (i32.add (local.get $yp) (i32.mul (local.get $yRow) (i32.const 3)))
                          (local.get $c30) (local.get $c31) (local.get $lanes0)
                          (local.get $lanes1))))))
                (local.set $ox (i32.add (local.get $ox) (i32.const 4)))
                (br $pixelTiles)))
            (local.set $co (i32.sub (local.get $co) (i32.const 8)))
            (br $channelTiles)))
        (local.set $line (i32.add (local.get $line) (i32.const 1)))
        (br $eachLine)))))
