#!/usr/bin/env bash
# Packs what the full-width study (docs/results/full-width/) needs on a machine with no network
# into one folder, by default full-width-pack/ (ignored by git; about 57 MB, so it travels beside
# the repository): cifar10-jpeg's two batches xz-compressed, the 30,000 more images as their JPEG
# archive with to-batches.py, the SHA-256 of the 40,000-image folder, and run.sh, which rebuilds
# that folder (Python with Pillow) and runs `python3 -m lowrank_studio.study` on it:
#
#   bash python/pack-full-width.sh [../shared/data] [full-width-pack]
#   bash full-width-pack/run.sh --device cuda dense-s1 target50-s1 ...   (on the other machine)
set -euo pipefail
data=${1:-../shared/data}
pack=${2:-full-width-pack}
mkdir -p "$pack"
for batch in data_batch_1 test_batch; do
  [ -f "$pack/$batch.bin.xz" ] || xz -6 -T0 -c "$data/cifar10-jpeg/$batch.bin" > "$pack/$batch.bin.xz"
done
cp "$data/cifar10-jpeg/batches.meta.txt" "$data/cifar10-more/cifar10-train-more.tar.gz" \
  "$data/cifar10-more/to-batches.py" "$pack/"
(cd "$data/cifar10-jpeg" && sha256sum data_batch_1.bin test_batch.bin) > "$pack/SHA256SUMS"
# the three batches to-batches.py writes, as its README gives them
grep -E '  data_batch_[345]\.bin$' "$data/cifar10-more/README.md" | sed 's/^ *//' >> "$pack/SHA256SUMS"
cat > "$pack/run.sh" <<'RUN'
#!/usr/bin/env bash
# Rebuilds the 40,000-image CIFAR-10 folder (once, into $DATA, default /tmp/cifar40k) and runs the
# twin's study on it from the repository this pack sits in: bash run.sh [study options] runs...
# Results go to $STUDY_OUT (default /tmp/full-width), one folder a run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
data=${DATA:-/tmp/cifar40k}
if [ ! -f "$data/.complete" ]; then
  mkdir -p "$data"
  for batch in data_batch_1 test_batch; do
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' \
      "$here/$batch.bin.xz" "$data/$batch.bin"
  done
  cp "$here/batches.meta.txt" "$data/"
  python3 "$here/to-batches.py" "$data"
  (cd "$data" && sha256sum -c "$here/SHA256SUMS")
  touch "$data/.complete"
fi
cd "$repo/python"
python3 -m lowrank_studio.study --data "$data" --out "${STUDY_OUT:-/tmp/full-width}" \
  --dense-recipe "$repo/docs/results/full-width/recipe-dense.json" \
  --lowrank-recipe "$repo/docs/results/full-width/recipe-target50.json" "$@"
RUN
chmod +x "$pack/run.sh"
du -sh "$pack"
