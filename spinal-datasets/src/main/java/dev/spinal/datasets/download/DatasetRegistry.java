package dev.spinal.datasets.download;

import static dev.spinal.datasets.download.Checksum.md5;
import static dev.spinal.datasets.download.Checksum.sha256;

import dev.spinal.datasets.DatasetId;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The known datasets: upstream URLs, file names, sizes and checksums.
 *
 * <p>Where the checksums come from: Fashion-MNIST's MD5s are the ones in Zalando's README; its SHA-256 values of
 * the <em>decompressed</em> IDX files were computed on Debian's {@code dataset-fashion-mnist} package (whose .gz
 * files are recompressed, so the .gz MD5s do not match it while the payloads do). MNIST, KMNIST, EMNIST, QMNIST,
 * STL-10 and Caltech-101 MD5s are the ones torchvision's dataset classes pin (KMNIST's and QMNIST's equal their
 * publishers' lists). Bird-225 and Fruits-360 are distributed through Kaggle and GitHub snapshots that change
 * between releases; no checksum is published for them and none is invented here: their files load with checksum
 * status {@code UNKNOWN}.
 */
public final class DatasetRegistry {
  private static final Map<DatasetId, DatasetSpec> SPECS = new EnumMap<>(DatasetId.class);

  static {
    String tv = "torchvision";
    // Fashion-MNIST.
    String fmSrc = "zalandoresearch/fashion-mnist README";
    String fmPayload = "computed on Debian's dataset-fashion-mnist (decompressed IDX)";
    List<String> fmBases = List.of("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/");
    put(new DatasetSpec(DatasetId.FASHION_MNIST, "Fashion-MNIST", "fashion-mnist",
        List.of(
            DataFile.file("train-images-idx3-ubyte", md5("8d4fb7e6c68d591d4c3dfef9ec88bf0d", fmSrc),
                sha256("c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", fmPayload), 47040016),
            DataFile.file("train-labels-idx1-ubyte", md5("25c81989df183df01b3e8a0aad5dffbe", fmSrc),
                sha256("bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", fmPayload), 60008),
            DataFile.file("t10k-images-idx3-ubyte", md5("bef4ecab320f06d8554ea6380940ec79", fmSrc),
                sha256("5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", fmPayload), 7840016),
            DataFile.file("t10k-labels-idx1-ubyte", md5("bb300cfdad3c16e7a12a480ee83cd310", fmSrc),
                sha256("0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", fmPayload), 10008)),
        List.of(
            gz(fmBases, "train-images-idx3-ubyte", 26421880, "8d4fb7e6c68d591d4c3dfef9ec88bf0d", fmSrc),
            gz(fmBases, "train-labels-idx1-ubyte", 29515, "25c81989df183df01b3e8a0aad5dffbe", fmSrc),
            gz(fmBases, "t10k-images-idx3-ubyte", 4422102, "bef4ecab320f06d8554ea6380940ec79", fmSrc),
            gz(fmBases, "t10k-labels-idx1-ubyte", 5148, "bb300cfdad3c16e7a12a480ee83cd310", fmSrc)),
        List.of(Path.of("/usr/share/datasets/fashion-mnist")),
        "https://github.com/zalandoresearch/fashion-mnist",
        "apt-get install dataset-fashion-mnist (Debian/Ubuntu; installs /usr/share/datasets/fashion-mnist), or "
            + "download the four .gz files from " + fmBases.get(0),
        "payload SHA-256 verified while decoding; .gz MD5 from the README applies to the publisher's files only"));

    // MNIST.
    List<String> mnBases = List.of("https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/");
    put(new DatasetSpec(DatasetId.MNIST, "MNIST", "mnist",
        List.of(
            DataFile.file("train-images-idx3-ubyte", md5("f68b3c2dcbeaaa9fbdd348bbdeb94873", tv), null, 47040016),
            DataFile.file("train-labels-idx1-ubyte", md5("d53e105ee54ea40749a09fcbcd1e9432", tv), null, 60008),
            DataFile.file("t10k-images-idx3-ubyte", md5("9fb629c4189551a2d022fa330f9573f3", tv), null, 7840016),
            DataFile.file("t10k-labels-idx1-ubyte", md5("ec29112dd5afa0611ce80d1b7f02629c", tv), null, 10008)),
        List.of(
            gz(mnBases, "train-images-idx3-ubyte", 9912422, "f68b3c2dcbeaaa9fbdd348bbdeb94873", tv),
            gz(mnBases, "train-labels-idx1-ubyte", 28881, "d53e105ee54ea40749a09fcbcd1e9432", tv),
            gz(mnBases, "t10k-images-idx3-ubyte", 1648877, "9fb629c4189551a2d022fa330f9573f3", tv),
            gz(mnBases, "t10k-labels-idx1-ubyte", 4542, "ec29112dd5afa0611ce80d1b7f02629c", tv)),
        List.of(Path.of("/usr/share/datasets/mnist")),
        "http://yann.lecun.com/exdb/mnist/",
        "download the four .gz files from " + mnBases.get(0),
        "MD5 of the .gz files (torchvision's values); a recompressed copy cannot be verified"));

    // KMNIST.
    List<String> kmBases = List.of("http://codh.rois.ac.jp/kmnist/dataset/kmnist/");
    put(new DatasetSpec(DatasetId.KMNIST, "Kuzushiji-MNIST", "kmnist",
        List.of(
            DataFile.file("train-images-idx3-ubyte", md5("bdb82020997e1d708af4cf47b453dcf7", tv), null, 47040016),
            DataFile.file("train-labels-idx1-ubyte", md5("e144d726b3acfaa3e44228e80efcd344", tv), null, 60008),
            DataFile.file("t10k-images-idx3-ubyte", md5("5c965bf0a639b31b8f53240b1b52f4d7", tv), null, 7840016),
            DataFile.file("t10k-labels-idx1-ubyte", md5("7320c461ea6c1c855c0b718fb2a4b134", tv), null, 10008)),
        List.of(
            gz(kmBases, "train-images-idx3-ubyte", -1, "bdb82020997e1d708af4cf47b453dcf7", tv),
            gz(kmBases, "train-labels-idx1-ubyte", -1, "e144d726b3acfaa3e44228e80efcd344", tv),
            gz(kmBases, "t10k-images-idx3-ubyte", -1, "5c965bf0a639b31b8f53240b1b52f4d7", tv),
            gz(kmBases, "t10k-labels-idx1-ubyte", -1, "7320c461ea6c1c855c0b718fb2a4b134", tv)),
        List.of(), "https://github.com/rois-codh/kmnist",
        "download the four .gz files from " + kmBases.get(0),
        "MD5 of the .gz files (torchvision's values); sizes not pinned"));

    // EMNIST: one zip holds every split.
    RemoteFile emnistZip = RemoteFile.archive("gzip.zip",
        List.of("https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"), -1,
        md5("58c8d27c78d21e728a6bc7b3cc06412e", tv));
    for (DatasetId id : List.of(DatasetId.EMNIST_DIGITS, DatasetId.EMNIST_LETTERS)) {
      String split = id == DatasetId.EMNIST_DIGITS ? "digits" : "letters";
      List<DataFile> files = new ArrayList<>();
      for (String f : List.of("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "test-images-idx3-ubyte",
          "test-labels-idx1-ubyte")) {
        files.add(DataFile.file("emnist-" + split + "-" + f, null, null, -1));
      }
      put(new DatasetSpec(id, "EMNIST " + split, "emnist", files, List.of(emnistZip), List.of(),
          "https://www.nist.gov/itl/products-and-services/emnist-dataset",
          "download https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip (about 560 MB) and unzip it into the "
              + "cache folder (its gzip/ folder holds the emnist-" + split + "-*.gz files)",
          "MD5 of gzip.zip checked at download; the extracted files have no published checksum"));
    }

    // QMNIST.
    List<String> qmBases = List.of("https://raw.githubusercontent.com/facebookresearch/qmnist/master/");
    String qmSrc = "facebookresearch/qmnist (as pinned by torchvision)";
    put(new DatasetSpec(DatasetId.QMNIST, "QMNIST", "qmnist",
        List.of(
            DataFile.file("qmnist-train-images-idx3-ubyte", md5("ed72d4157d28c017586c42bc6afe6370", qmSrc), null, -1),
            DataFile.file("qmnist-train-labels-idx2-int", md5("0058f8dd561b90ffdd0f734c6a30e5e4", qmSrc), null, -1),
            DataFile.file("qmnist-test-images-idx3-ubyte", md5("1394631089c404de565df7b7aeaf9412", qmSrc), null, -1),
            DataFile.file("qmnist-test-labels-idx2-int", md5("5b5b05890a5e13444e108efe57b788aa", qmSrc), null, -1)),
        List.of(
            gz(qmBases, "qmnist-train-images-idx3-ubyte", -1, "ed72d4157d28c017586c42bc6afe6370", qmSrc),
            gz(qmBases, "qmnist-train-labels-idx2-int", -1, "0058f8dd561b90ffdd0f734c6a30e5e4", qmSrc),
            gz(qmBases, "qmnist-test-images-idx3-ubyte", -1, "1394631089c404de565df7b7aeaf9412", qmSrc),
            gz(qmBases, "qmnist-test-labels-idx2-int", -1, "5b5b05890a5e13444e108efe57b788aa", qmSrc)),
        List.of(), "https://github.com/facebookresearch/qmnist",
        "download the four qmnist-*.gz files from " + qmBases.get(0),
        "MD5 of the .gz files"));

    // STL-10.
    put(new DatasetSpec(DatasetId.STL10, "STL-10", "stl10",
        List.of(
            DataFile.file("train_X.bin", md5("918c2871b30a85fa023e0c44e0bee87f", tv), null, 138240000),
            DataFile.file("train_y.bin", md5("5a34089d4802c674881badbb80307741", tv), null, 5000),
            DataFile.file("test_X.bin", md5("7f263ba9f9e0b06b93213547f721ac82", tv), null, 221184000),
            DataFile.file("test_y.bin", md5("36f9794fa4beb8a2c72628de14fa638e", tv), null, 8000)),
        List.of(RemoteFile.archive("stl10_binary.tar.gz",
            List.of("http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz"), 2640397119L,
            md5("91f7769df0f17e558f3565bffb0c7dfb", tv))),
        List.of(), "https://cs.stanford.edu/~acoates/stl10/",
        "download http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz (2.6 GB) and extract it into the "
            + "cache folder (stl10_binary/train_X.bin, ...)",
        "MD5 of the archive at download and of each extracted .bin file at load"));

    // Caltech-101.
    put(new DatasetSpec(DatasetId.CALTECH101, "Caltech-101", "caltech101",
        List.of(DataFile.folder("101_ObjectCategories")),
        List.of(RemoteFile.archive("caltech-101.zip",
                List.of("https://data.caltech.edu/records/mzrjq-6wc02/files/caltech-101.zip"), -1, null)
            .withNested("101_ObjectCategories.tar.gz", md5("b224c7392d521a49829488ab0f1120d9", tv))),
        List.of(), "https://data.caltech.edu/records/mzrjq-6wc02",
        "download https://data.caltech.edu/records/mzrjq-6wc02/files/caltech-101.zip and extract "
            + "101_ObjectCategories.tar.gz from it into the cache folder",
        "the outer zip has no published checksum; the inner 101_ObjectCategories.tar.gz is MD5-checked"));

    // Bird-225 (Kaggle; needs a login, so no automatic download).
    put(new DatasetSpec(DatasetId.BIRD225, "Bird-225 (BIRDS 225 species)", "bird225",
        List.of(DataFile.folder("train"), DataFile.folder("valid"), DataFile.folder("test")),
        List.of(), List.of(), "https://www.kaggle.com/datasets/gpiosenka/100-bird-species",
        "download the 225-species release of https://www.kaggle.com/datasets/gpiosenka/100-bird-species "
            + "(Kaggle login required) and unpack it so that train/, valid/ and test/ are in the cache folder",
        "no published checksum; releases differ in species count"));

    // Fruits-360.
    put(new DatasetSpec(DatasetId.FRUITS360, "Fruits-360", "fruits360",
        List.of(DataFile.folder("Training"), DataFile.folder("Test")),
        List.of(RemoteFile.archive("Fruit-Images-Dataset-master.zip",
            List.of("https://github.com/Horea94/Fruit-Images-Dataset/archive/refs/heads/master.zip"), -1, null)),
        List.of(), "https://github.com/Horea94/Fruit-Images-Dataset",
        "download https://github.com/Horea94/Fruit-Images-Dataset/archive/refs/heads/master.zip (or the Kaggle "
            + "dataset moltean/fruits) and unpack it so that Training/ and Test/ are in the cache folder",
        "no published checksum (a branch snapshot; the class count grows between releases)"));
  }

  private DatasetRegistry() {}

  private static void put(DatasetSpec spec) {
    SPECS.put(spec.id(), spec);
  }

  private static RemoteFile gz(List<String> bases, String name, long size, String md5Hex, String source) {
    return RemoteFile.file(name + ".gz", bases.stream().map(b -> b + name + ".gz").toList(), size,
        md5(md5Hex, source));
  }

  public static DatasetSpec spec(DatasetId id) {
    return SPECS.get(id);
  }

  /** Every known dataset, in {@link DatasetId} order. */
  public static List<DatasetSpec> all() {
    return List.copyOf(SPECS.values());
  }
}
