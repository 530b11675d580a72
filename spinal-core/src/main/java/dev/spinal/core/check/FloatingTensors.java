package dev.spinal.core.check;

import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.family.TFloating;

/** Copies between Java {@code double[]} and float32/float64 tensors, in bulk (no per-element boxing). */
public final class FloatingTensors {

  private FloatingTensors() {}

  /** A new tensor of {@code type} and {@code shape} holding {@code values} (row-major); caller closes it. */
  public static Tensor create(Class<? extends TFloating> type, Shape shape, double[] values) {
    if (shape.size() != values.length) {
      throw new IllegalArgumentException(
          "shape " + shape + " holds " + shape.size() + " values, got " + values.length);
    }
    if (type == TFloat64.class) {
      return TFloat64.tensorOf(shape, DataBuffers.of(values, true, false));
    }
    if (type == TFloat32.class) {
      float[] floats = new float[values.length];
      for (int i = 0; i < values.length; i++) {
        floats[i] = (float) values[i];
      }
      return TFloat32.tensorOf(shape, DataBuffers.of(floats, true, false));
    }
    throw new IllegalArgumentException("unsupported tensor type " + type.getSimpleName());
  }

  /** The values of a float32 or float64 tensor, row-major, as doubles. */
  public static double[] read(Tensor tensor) {
    int n = Math.toIntExact(tensor.shape().size());
    double[] values = new double[n];
    if (tensor instanceof TFloat64 t) {
      t.asRawTensor().data().asDoubles().read(values);
    } else if (tensor instanceof TFloat32 t) {
      float[] floats = new float[n];
      t.asRawTensor().data().asFloats().read(floats);
      for (int i = 0; i < n; i++) {
        values[i] = floats[i];
      }
    } else {
      throw new IllegalArgumentException("unsupported tensor type " + tensor.dataType());
    }
    return values;
  }
}
