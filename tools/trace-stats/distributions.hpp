// trace-stats: the distribution functions the tests and confidence intervals need.
#pragma once

namespace tracemill {

/// P(T <= t) for Student's t with `df` degrees of freedom (the normal when df is infinite);
/// NaN for a NaN argument or df <= 0.
[[nodiscard]] double student_t_cdf(double t, double df);
/// The t with P(T <= t) = p; NaN outside 0 < p < 1 or for df <= 0.
[[nodiscard]] double student_t_quantile(double p, double df);
/// P(Z <= z) for the standard normal.
[[nodiscard]] double normal_cdf(double z);

}  // namespace tracemill
