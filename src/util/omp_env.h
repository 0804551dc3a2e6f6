// libtorch's OpenMP threads busy-wait between parallel regions by default. On a shared or
// loaded 2-core machine that spinning steals the CPU from the work itself: measured here,
// a training step ran 3-10x slower under load with the default policy than with
// OMP_WAIT_POLICY=passive. libgomp reads the variable once, when it is loaded, so the only
// reliable fix from inside the program is to re-execute it with the variable set.
#pragma once

namespace limitnet {

// If OMP_WAIT_POLICY is unset: sets it to "passive" and re-executes /proc/self/exe with the
// same arguments (does not return on success). Otherwise, or if re-execution fails, returns.
void ensure_passive_openmp();

}  // namespace limitnet
