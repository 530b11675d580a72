/**
 * AssertJ assertions for Spinal users' tests: {@link dev.spinal.testing.SpinalAssertions} gives
 * {@code assertThat} over {@link dev.spinal.core.check.GradientCheck.Report} (symbolic vs
 * finite-difference gradient errors, per input and variable) and
 * {@link dev.spinal.core.check.GradientFlow.Report} (kernel-gradient norms, per layer); and
 * {@link dev.spinal.testing.DatasetFixtures}, tiny copies of the paper's datasets in their publishers' file layouts.
 * Add the module in test scope.
 */
package dev.spinal.testing;
