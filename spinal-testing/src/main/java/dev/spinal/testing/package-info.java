/**
 * AssertJ assertions for Spinal users' tests: {@link dev.spinal.testing.SpinalAssertions} gives
 * {@code assertThat} over {@link dev.spinal.core.check.GradientCheck.Report} (symbolic vs
 * finite-difference gradient errors, per input and variable) and
 * {@link dev.spinal.core.check.GradientFlow.Report} (kernel-gradient norms, per layer). Add the
 * module in test scope.
 */
package dev.spinal.testing;
