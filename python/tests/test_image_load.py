"""Image-folder sets read from a folder, a .zip, a .tar and a .tar.gz (as imageFolder.test.ts): the
same dataset from each, skipped and duplicate files listed, and the archives refused with the
studio's messages (zip bombs, truncated downloads, files that are no archive)."""

import gzip
import io
import json
import tarfile

import numpy as np
import pytest

pytest.importorskip("PIL")

from image_sets import (solid, tar_bytes, two_class_set, write_folder, write_tar,  # noqa: E402
                        write_zip)
from lowrank_studio.image_entries import ArchiveEntries, ArchiveLimits  # noqa: E402
from lowrank_studio.image_folder import ImageFolderError  # noqa: E402
from lowrank_studio.image_load import (folder_notice, image_folder_input, shuffled,  # noqa: E402
                                       load_dataset, load_image_folder)
from synthetic import cifar10_archive, cifar10_folder  # noqa: E402


def sources(tmp_path, files):
    """The same files as a folder, a .zip, a pax .tar.gz, a GNU .tar and a ustar .tar."""
    return [write_folder(tmp_path / "my set", files), write_zip(tmp_path / "set.zip", files),
            write_tar(tmp_path / "set.tar.gz", files, gzipped=True),
            write_tar(tmp_path / "set.tar", files, tarfile.GNU_FORMAT),
            write_tar(tmp_path / "ustar.tar", files, tarfile.USTAR_FORMAT)]


def test_the_same_dataset_from_a_folder_a_zip_and_tars(tmp_path):
    files = two_class_set()
    loaded = [load_dataset(str(path), test_fraction=0.25, image_size=8)
              for path in sources(tmp_path, files)]
    first = loaded[0]
    assert first.name == "my set (image folders)" and first.kind == "folder"
    assert first.class_names == ["chat noir", "猫"] and first.size == 8
    assert (first.train.count, first.test.count) == (9, 3)
    assert first.train.images.shape == (9, 8, 8, 3) and first.train.images.dtype == np.uint8
    assert first.folder["skipped"] == {"count": 1, "examples": [
        {"path": "my set/README.md", "why": "not inside a class folder"}]}
    assert first.folder["split"] == {"kind": "seeded", "fraction": 0.25, "seed": 0}
    assert (first.folder["side"], first.folder["nested"]) == (8, 0)
    assert first.folder["source"] == "my set"
    assert first.folder["duplicates"] == {"count": 0, "examples": []}
    for dataset in loaded[1:]:
        assert dataset.class_names == first.class_names
        assert np.array_equal(dataset.train.images, first.train.images)
        assert np.array_equal(dataset.test.labels, first.test.labels)
        assert {**dataset.folder, "source": "my set"} == first.folder
    assert loaded[1].name == "set.zip (image folders)"
    # pixels land in the slot of their own image, labels beside them: class 1 is the bright one
    assert np.array_equal(first.train.images[:, 4, 4, 0] > 100, first.train.labels == 1)


def test_long_and_non_latin_names_in_every_tar_format(tmp_path):
    deep = "a" * 60 + "/" + "b" * 60
    files = {f"{deep}/{c}/{'ü' * 40}{i}.png": solid((c * 90, i * 9, 5))
             for c in range(2) for i in range(5)}
    for fmt in (tarfile.PAX_FORMAT, tarfile.GNU_FORMAT):
        entries = image_folder_input(str(write_tar(tmp_path / f"{fmt}.tar", files, fmt)))
        assert sorted(entries.list()) == sorted(files)
    dataset = load_dataset(str(tmp_path / f"{tarfile.PAX_FORMAT}.tar"), image_size=8)
    assert dataset.class_names == ["0", "1"] and dataset.test.count == 2


def test_undecodable_files_are_skipped_and_repeated_test_images_dropped(tmp_path):
    files = {f"train/{c}/{i}.png": solid((40 * k + i, 9, 9)) for k, c in enumerate("ab")
             for i in range(5)}
    files["train/a/text.jpg"] = b"just bytes, no image"
    files["train/a/truncated.jpg"] = solid((1, 2, 3), "JPEG", (64, 64))[:300]
    files["test/a/0.png"] = files["train/a/0.png"]
    files["test/a/new.png"] = solid((250, 0, 0))
    files["test/b/new.png"] = solid((0, 250, 0))
    dataset = load_dataset(str(write_zip(tmp_path / "set.zip", files)), image_size=8)
    assert (dataset.train.count, dataset.test.count) == (10, 2)
    skipped = dataset.folder["skipped"]
    assert skipped["count"] == 2
    assert skipped["examples"][0] == {
        "path": "train/a/text.jpg",
        "why": "could not be decoded (Input buffer contains unsupported image format)"}
    assert skipped["examples"][1]["path"] == "train/a/truncated.jpg"
    assert skipped["examples"][1]["why"].startswith("could not be decoded (")
    assert dataset.folder["duplicates"] == {"count": 1, "examples": ["test/a/0.png"]}
    assert dataset.folder["split"] == {"kind": "folder", "folder": "test"}
    assert folder_notice(dataset.folder).startswith(
        "2 files skipped (train/a/text.jpg: could not be decoded (Input buffer contains")
    assert "1 test image left out for repeating a training image (test/a/0.png)" in folder_notice(
        dataset.folder)


def test_a_class_none_of_whose_training_images_decode_is_refused(tmp_path):
    files = {name: data for name, data in two_class_set().items() if "猫" not in name}
    for i in range(6):
        files[f"my set/猫/{i}.png"] = f"BAD {i}".encode()
    with pytest.raises(ImageFolderError, match="no training image of '猫' could be decoded"):
        load_dataset(str(write_folder(tmp_path / "set", files)), image_size=8)


def test_zip_bombs_and_archives_of_too_many_files(tmp_path):
    tiny = ArchiveLimits(files=100, file_bytes=1000, total_bytes=5000)
    big = {**two_class_set(), "my set/猫/huge.jpg": bytes(5000)}
    with pytest.raises(ImageFolderError, match="^bomb.zip: my set/猫/huge.jpg expands past "
                                               "0.00095367431640625 MB: not an image"):
        load_image_folder(ArchiveEntries(str(write_zip(tmp_path / "bomb.zip", big)), tiny))
    many = {f"c{i % 2}/{i}.jpg": bytes([i + 1]) * 900 for i in range(8)}
    bomb = write_tar(tmp_path / "bomb.tar.gz", many, gzipped=True)
    with pytest.raises(ImageFolderError, match=r"^bomb.tar.gz: expands past 0.0000046566\d* GB: "
                                               "refused as a likely zip bomb$"):
        load_image_folder(ArchiveEntries(str(bomb), tiny))
    few = ArchiveLimits(files=5, file_bytes=10 ** 6, total_bytes=10 ** 9)
    for path in (write_zip(tmp_path / "s.zip", two_class_set()),
                 write_tar(tmp_path / "s.tar", two_class_set())):
        with pytest.raises(ImageFolderError, match=f"^{path.name}: holds more than 5 files; split"):
            load_image_folder(ArchiveEntries(str(path), few))


def test_truncated_corrupt_and_foreign_archives(tmp_path):
    files = two_class_set()
    zipped = write_zip(tmp_path / "whole.zip", files).read_bytes()
    (tmp_path / "a.zip").write_bytes(zipped[:200])
    with pytest.raises(ImageFolderError, match=r"^a.zip: the zip ends early \(a truncated"):
        load_image_folder(ArchiveEntries(str(tmp_path / "a.zip")))
    tgz = gzip.compress(tar_bytes(files))
    (tmp_path / "a.tar.gz").write_bytes(tgz[:-30])
    with pytest.raises(ImageFolderError, match=r"^a.tar.gz: could not be read \(.*\); the "
                                               "archive is corrupt or truncated$"):
        load_image_folder(ArchiveEntries(str(tmp_path / "a.tar.gz")))
    tar = tar_bytes(files)
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        second = archive.getmembers()[1]
    (tmp_path / "cut.tar").write_bytes(tar[:second.offset_data + 10])
    with pytest.raises(ImageFolderError, match=f"^cut.tar: the archive ends inside {second.name} "
                                               r"\(truncated download\?\)$"):
        load_image_folder(ArchiveEntries(str(tmp_path / "cut.tar")))
    (tmp_path / "mid.tar").write_bytes(tar[:second.offset + 100])
    with pytest.raises(ImageFolderError, match="^mid.tar: the archive ends inside a header$"):
        ArchiveEntries(str(tmp_path / "mid.tar")).list()
    (tmp_path / "photo.jpg").write_bytes(b"just bytes")
    with pytest.raises(ImageFolderError, match=r"^photo.jpg: is not a \.zip, \.tar or \.tar\.gz"):
        ArchiveEntries(str(tmp_path / "photo.jpg")).list()
    (tmp_path / "page.zip.html").write_bytes(b"  <!DOCTYPE html><html>sign in</html>")
    with pytest.raises(ImageFolderError, match=r"is a web page \(HTML\), not an archive"):
        ArchiveEntries(str(tmp_path / "page.zip.html")).list()
    (tmp_path / "plain.gz").write_bytes(gzip.compress(b"hello" * 200))
    with pytest.raises(ImageFolderError, match="^plain.gz: is gzip but holds no tar archive$"):
        ArchiveEntries(str(tmp_path / "plain.gz")).list()


def test_what_data_names_decides_between_cifar_and_image_folders(tmp_path):
    assert image_folder_input(str(cifar10_folder(tmp_path / "bins", train=4, test=2))) is None
    assert image_folder_input(str(cifar10_archive(tmp_path / "c.tar.gz", train=2, test=1))) is None
    assert load_dataset(str(tmp_path / "c.tar.gz")).kind == "cifar10"
    assert image_folder_input(str(write_zip(tmp_path / "s.zip", two_class_set()))).name == "s.zip"
    (tmp_path / "broken.tar").write_bytes(b"\0" * 100)
    assert image_folder_input(str(tmp_path / "broken.tar")) is None
    with pytest.raises(ValueError, match="--test-fraction needs a share between 0 and 1, got 1"):
        load_dataset(str(tmp_path / "s.zip"), test_fraction=1.0)
    with pytest.raises(ValueError, match="--image-size needs a side of 8 to 256 pixels, got 4"):
        load_dataset(str(tmp_path / "s.zip"), image_size=4)


def test_a_run_records_the_folder_in_its_report_log_and_checkpoint(tmp_path):
    import torch
    from lowrank_studio import cli
    from synthetic import write_recipe

    files = {f"pets/{name}/{i}.png": solid((200 * c + i, 9 * i, 100 * c), size=(20 + i, 16))
             for c, name in enumerate(["cat", "dog"]) for i in range(8)}
    data = write_zip(tmp_path / "pets.zip", files)
    recipe = write_recipe(tmp_path / "recipe.json", epochs=1, batchSize=4)
    out = tmp_path / "out"
    assert cli.main(["--recipe", str(recipe), "--data", str(data), "--out", str(out), "--device",
                     "cpu", "--test-fraction", "0.25", "--image-size", "12"]) == 0
    report = json.loads((out / "report.json").read_text())
    dataset = report["dataset"]
    assert (dataset["kind"], dataset["name"]) == ("folder", "pets.zip (image folders)")
    assert dataset["classNames"] == ["cat", "dog"]
    assert (dataset["trainCount"], dataset["testCount"]) == (12, 4)
    assert dataset["folder"]["split"] == {"kind": "seeded", "fraction": 0.25, "seed": 0}
    assert set(dataset["folder"]) == {"source", "split", "side", "skipped", "duplicates", "nested"}
    header = json.loads((out / "run-log.jsonl").read_text().splitlines()[0])
    assert header["dataset"]["folder"] == dataset["folder"]
    assert header["dataset"]["classNames"] == ["cat", "dog"]
    checkpoint = torch.load(out / "checkpoint.pt", map_location="cpu")
    assert checkpoint["dataset"]["folder"]["side"] == 12
    assert checkpoint["dataset"]["kind"] == "folder"


def test_a_gzip_with_a_bad_crc_is_refused(tmp_path):
    tgz = bytearray(gzip.compress(tar_bytes(two_class_set())))
    tgz[-6] ^= 0xFF  # the CRC, read once the tar's end is passed
    (tmp_path / "crc.tar.gz").write_bytes(bytes(tgz))
    with pytest.raises(ImageFolderError, match="^crc.tar.gz: could not be read"):
        ArchiveEntries(str(tmp_path / "crc.tar.gz")).list()


def test_a_split_is_kept_in_the_studios_seeded_order():
    # the same list as imageFolder.test.ts: a prefix of a split (a limit, a test slice) holds
    # every class, in both languages
    assert shuffled(list(range(10, 20))) == [19, 18, 17, 11, 10, 15, 13, 16, 12, 14]
