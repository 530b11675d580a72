package dev.spinal.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import org.tensorflow.TensorFlow;
import picocli.CommandLine.IVersionProvider;

/**
 * What {@code spinal --version} prints: Spinal's version (the Maven project version, filtered into
 * {@code version.properties} at build time), the TensorFlow Java jar on the classpath (its Maven
 * metadata) and the TensorFlow runtime its native library reports.
 */
final class Versions implements IVersionProvider {

  @Override
  public String[] getVersion() {
    return new String[] {
        "spinal " + spinal(),
        "TensorFlow Java " + tensorFlowJava(),
        "TensorFlow " + tensorFlowNative() + " (native library)",
        "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
  }

  /** Spinal's version, e.g. {@code 0.1.0-SNAPSHOT}. */
  static String spinal() {
    return property("/dev/spinal/cli/version.properties", "spinal.version");
  }

  /** The version of the {@code tensorflow-core-api} jar on the classpath, e.g. {@code 1.1.0}. */
  static String tensorFlowJava() {
    return property("/META-INF/maven/org.tensorflow/tensorflow-core-api/pom.properties", "version");
  }

  /** {@link TensorFlow#version()} (loads the native library), or why it could not be read. */
  static String tensorFlowNative() {
    try {
      return TensorFlow.version();
    } catch (LinkageError e) {
      return "unknown: the native library did not load (" + e.getMessage() + ")";
    }
  }

  private static String property(String resource, String key) {
    try (InputStream in = Versions.class.getResourceAsStream(resource)) {
      if (in == null) {
        return "unknown (no " + resource + " on the classpath)";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty(key, "unknown (no " + key + " in " + resource + ")");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }
}
