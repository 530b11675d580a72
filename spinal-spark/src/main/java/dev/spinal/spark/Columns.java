package dev.spinal.spark;

import java.util.Arrays;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Column look-ups whose errors list the columns there are. */
final class Columns {

  private Columns() {}

  /**
   * The field {@code name} of {@code schema}.
   *
   * @param role what the column is for ({@code id}, {@code image}), for the message
   * @throws IllegalArgumentException naming the column, its role and the columns there are
   */
  static StructField field(StructType schema, String name, String role) {
    for (StructField f : schema.fields()) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("no " + role + " column '" + name + "': the input has "
        + Arrays.toString(schema.fieldNames()));
  }
}
