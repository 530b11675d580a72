package dev.spinal.train;

import java.io.PrintStream;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;

/** Picks the session configuration for {@code --device cpu|gpu}. */
public final class Devices {

  private Devices() {}

  /** True when TensorFlow can place an op on {@code /GPU:0} (GPU natives and a CUDA device present). */
  public static boolean gpuAvailable() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g).withDevice(org.tensorflow.DeviceSpec.newBuilder().deviceType(
          org.tensorflow.DeviceSpec.DeviceType.GPU).deviceIndex(0).build());
      var sum = tf.math.add(tf.constant(1f), tf.constant(2f));
      ConfigProto strict = ConfigProto.newBuilder().setAllowSoftPlacement(false).build();
      try (Session s = new Session(g, strict); var r = s.runner().fetch(sum).run()) {
        return true;
      }
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * The session config for a device. On {@code gpu} without a usable GPU it says so on {@code log}
   * and returns the CPU config: training still runs, only slower.
   */
  public static ConfigProto sessionConfig(String device, boolean logPlacement, PrintStream log) {
    ConfigProto.Builder config = ConfigProto.newBuilder().setLogDevicePlacement(logPlacement);
    switch (device) {
      case "cpu":
        config.putDeviceCount("GPU", 0);
        break;
      case "gpu":
        if (gpuAvailable()) {
          config.setGpuOptions(GPUOptions.newBuilder().setAllowGrowth(true));
          log.println("device: GPU");
        } else {
          log.println("device: --device gpu asked for, but TensorFlow sees no GPU (the CUDA natives come"
              + " with `mvn -Pgpu`, and need an NVIDIA driver); running on the CPU");
          config.putDeviceCount("GPU", 0);
        }
        break;
      default:
        throw new IllegalArgumentException("unknown device '" + device + "'; expected cpu or gpu");
    }
    return config.build();
  }
}
